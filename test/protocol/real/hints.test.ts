// Hints decided from the bytes (src/protocol/hints.ts), on transcripts with the real replies of
// Postfix and Dovecot: the codec's events go through the MistakeSpotter as in a session.

import { describe, expect, it } from 'vitest';
import { protocolModule } from '../../../src/protocol/index.js';
import { MistakeSpotter, otherProtocolOf } from '../../../src/protocol/hints.js';
import type { HintEvent, Protocol, Side } from '../../../src/protocol/types.js';

function hintsOf(protocol: Protocol, lines: [Side, string][], clientTls = false): HintEvent[] {
  const codec = protocolModule(protocol).createCodec();
  const spotter = new MistakeSpotter(protocol);
  const out: HintEvent[] = [];
  for (const [side, text] of lines) for (const ev of codec.feed(side, Buffer.from(text, 'latin1'))) out.push(...spotter.observe(ev, { clientTls }));
  for (const side of ['client', 'server'] as const) for (const ev of codec.end(side)) out.push(...spotter.observe(ev, { clientTls }));
  return out;
}

const GREETING: [Side, string] = ['server', '220 mx.mailtap.test ESMTP mailtap interop (Postfix)\r\n'];

describe('hints from the bytes', () => {
  it('"alicepw" typed after AUTH LOGIN (Postfix: 535 Invalid base64 data): not base64, encode it first', () => {
    const got = hintsOf('smtp', [GREETING, ['client', 'AUTH LOGIN\r\n'], ['server', '334 VXNlcm5hbWU6\r\n'], ['client', 'alicepw\r\n'], ['server', '535 5.7.8 Error: authentication failed: Invalid base64 data in continued response\r\n']]);
    expect(got.map((h) => h.code)).toEqual(['not-base64']);
    expect(got[0]!.note.en).toContain('"alicepw" is not base64');
    expect(got[0]!.note.en).toContain('mailtap encode');
    expect(got[0]!.note.es).toContain('no está en base64');
  });

  it('the auth event does not show "alicepw" decoded into garbage as the password', () => {
    const codec = protocolModule('smtp').createCodec();
    const events = [GREETING, ['client', 'AUTH LOGIN\r\n'], ['server', '334 VXNlcm5hbWU6\r\n'], ['client', 'alicepw\r\n'], ['server', '535 5.7.8 Error: authentication failed: Invalid base64 data in continued response\r\n']].flatMap(([side, text]) => codec.feed(side as Side, Buffer.from(text!, 'latin1')));
    const auth = events.find((e) => e.type === 'auth');
    expect(auth).toMatchObject({ type: 'auth', result: 'failure', undecoded: ['alicepw'] });
    expect(auth).not.toHaveProperty('username');
  });

  it('properly encoded credentials give no not-base64 hint, but a clear-text warning before TLS', () => {
    const lines: [Side, string][] = [GREETING, ['client', 'AUTH LOGIN\r\n'], ['server', '334 VXNlcm5hbWU6\r\n'], ['client', 'YWxpY2U=\r\n'], ['server', '334 UGFzc3dvcmQ6\r\n'], ['client', 'YWxpY2UtU2VjcmV0MQ==\r\n'], ['server', '235 2.7.0 Authentication successful\r\n']];
    const plain = hintsOf('smtp', lines);
    expect(plain.map((h) => h.code)).toEqual(['clear-credentials']);
    expect(plain[0]!.note.en).toMatch(/^Credentials sent in clear \(LOGIN before TLS\)/);
    expect(hintsOf('smtp', lines, true)).toEqual([]);
  });

  it('POP3 USER/PASS before STLS (Dovecot): credentials in clear', () => {
    const got = hintsOf('pop3', [['server', '+OK [XCLIENT] Dovecot (Debian) ready.\r\n'], ['client', 'USER alice\r\n'], ['server', '+OK\r\n'], ['client', 'PASS alice-Secret1\r\n'], ['server', '+OK Logged in.\r\n']]);
    expect(got.map((h) => h.code)).toEqual(['clear-credentials']);
    expect(got[0]!.note.en).toContain('-starttls pop3');
  });

  it('bare LF only once per session', () => {
    const got = hintsOf('imap', [['server', '* OK [CAPABILITY IMAP4rev1 STARTTLS] Dovecot (Debian) ready.\r\n'], ['client', 'a capability\n'], ['server', 'a OK done\r\n'], ['client', 'a noop\n'], ['server', 'a OK NOOP completed.\r\n']]);
    expect(got.map((h) => h.code)).toEqual(['bare-lf']);
    expect(got[0]!.note.en).toContain('RFC 9051 §2.2');
    expect(got[0]!.note.en).not.toContain('smuggling');
  });

  it.each([
    ['smtp', 'USER alice\r\n', 'pop3'],
    ['smtp', 'a login alice pw\r\n', 'imap'],
    ['pop3', 'EHLO x\r\n', 'smtp'],
    ['pop3', 'a select INBOX\r\n', 'imap'],
    ['imap', 'USER alice\r\n', 'pop3'],
    ['imap', 'HELO x\r\n', 'smtp'],
    ['smtp', 'EHLO x\r\n', null],
    ['pop3', 'LIST\r\n', null],
    ['imap', 'a list "" *\r\n', null],
    ['imap', 'a1 CAPABILITY\r\n', null],
  ] as const)('on %s, %j belongs to %s', (here, line, other) => {
    expect(otherProtocolOf(here, Buffer.from(line))).toBe(other);
  });
});
