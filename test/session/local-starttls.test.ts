import { describe, expect, it } from 'vitest';
import { offerStartTls } from '../../src/session/local-starttls.js';
import type { Protocol } from '../../src/protocol/types.js';

const reply = (text: string, verb?: string) => ({ kind: 'reply', verb, bytes: Buffer.from(text, 'latin1') });

describe('offering STARTTLS when mailtap answers it itself', () => {
  it.each<[string, Protocol, ReturnType<typeof reply>, string | undefined]>([
    ['SMTP multi-line EHLO', 'smtp', reply('250-mx.test\r\n250-PIPELINING\r\n250 8BITMIME\r\n', 'EHLO'), '250-mx.test\r\n250-PIPELINING\r\n250-8BITMIME\r\n250 STARTTLS\r\n'],
    ['SMTP one-line EHLO', 'smtp', reply('250 mx.test\r\n', 'EHLO'), '250-mx.test\r\n250 STARTTLS\r\n'],
    ['SMTP EHLO already offering it', 'smtp', reply('250-mx\r\n250 STARTTLS\r\n', 'EHLO'), undefined],
    ['SMTP other reply', 'smtp', reply('250 ok\r\n', 'MAIL'), undefined],
    ['SMTP refused EHLO', 'smtp', reply('502 no\r\n', 'EHLO'), undefined],
    ['POP3 CAPA', 'pop3', reply('+OK\r\nUSER\r\nUIDL\r\n.\r\n', 'CAPA'), '+OK\r\nUSER\r\nUIDL\r\nSTLS\r\n.\r\n'],
    ['POP3 CAPA with STLS', 'pop3', reply('+OK\r\nSTLS\r\n.\r\n', 'CAPA'), undefined],
    ['POP3 LIST', 'pop3', reply('+OK\r\n1 2\r\n.\r\n', 'LIST'), undefined],
    ['IMAP greeting', 'imap', reply('* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] ready\r\n'), '* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN STARTTLS] ready\r\n'],
    ['IMAP untagged CAPABILITY', 'imap', reply('* CAPABILITY IMAP4rev1 IDLE\r\n', 'CAPABILITY'), '* CAPABILITY IMAP4rev1 IDLE STARTTLS\r\n'],
    ['IMAP already offering', 'imap', reply('* CAPABILITY IMAP4rev1 STARTTLS\r\n'), undefined],
    ['IMAP other line', 'imap', reply('* 3 EXISTS\r\n'), undefined],
  ])('%s', (_name, protocol, unit, expected) => {
    expect(offerStartTls(protocol, unit)?.toString('latin1')).toBe(expected);
  });
});
