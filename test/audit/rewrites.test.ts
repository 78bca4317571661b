// The attacker's edits, byte for byte: each takes the server's unit and returns what the
// client gets, or nothing when the unit is not its target.

import { describe, expect, it } from 'vitest';
import { forgedReply, heldBackReply, isStartTlsAcceptance, offerPlaintextAuth, preauthGreeting, refuseStartTls, stripStartTls } from '../../src/audit/rewrites.js';
import { exposure } from '../../src/audit/judge.js';
import { notApplicable } from '../../src/audit/cases.js';

const reply = (text: string, verb?: string, status?: string, tag?: string) => ({ kind: 'reply' as const, verb, status, tag, bytes: Buffer.from(text, 'latin1') });
const str = (b: Buffer | undefined) => b?.toString('latin1');

describe('stripStartTls', () => {
  it.each([
    ['smtp', reply('250-mx\r\n250-PIPELINING\r\n250 STARTTLS\r\n', 'EHLO', '250'), '250-mx\r\n250 PIPELINING\r\n'],
    ['smtp', reply('250-mx\r\n250-STARTTLS\r\n250 8BITMIME\r\n', 'EHLO', '250'), '250-mx\r\n250 8BITMIME\r\n'],
    ['pop3', reply('+OK\r\nTOP\r\nSTLS\r\nUIDL\r\n.\r\n', 'CAPA', '+OK'), '+OK\r\nTOP\r\nUIDL\r\n.\r\n'],
    ['imap', reply('* OK [CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED] hi\r\n', undefined, 'OK', '*'), '* OK [CAPABILITY IMAP4rev1 LOGINDISABLED] hi\r\n'],
  ] as const)('%s: %j', (protocol, unit, expected) => {
    expect(str(stripStartTls(protocol, unit))).toBe(expected);
  });

  it('leaves other units and lists without the offer alone', () => {
    expect(stripStartTls('smtp', reply('250 ok\r\n', 'MAIL', '250'))).toBeUndefined();
    expect(stripStartTls('smtp', reply('250-mx\r\n250 PIPELINING\r\n', 'EHLO', '250'))).toBeUndefined();
  });
});

describe('offerPlaintextAuth', () => {
  it.each([
    ['smtp', reply('250-mx\r\n250 STARTTLS\r\n', 'EHLO', '250'), '250-mx\r\n250-STARTTLS\r\n250 AUTH PLAIN LOGIN\r\n'],
    ['pop3', reply('+OK\r\nSTLS\r\n.\r\n', 'CAPA', '+OK'), '+OK\r\nSTLS\r\nUSER\r\nSASL PLAIN LOGIN\r\n.\r\n'],
    ['imap', reply('* CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED\r\n', 'CAPABILITY', 'CAPABILITY', '*'), '* CAPABILITY IMAP4rev1 STARTTLS AUTH=PLAIN\r\n'],
  ] as const)('%s', (protocol, unit, expected) => {
    expect(str(offerPlaintextAuth(protocol, unit))).toBe(expected);
  });

  it('does not add AUTH twice', () => {
    expect(offerPlaintextAuth('smtp', reply('250-mx\r\n250 AUTH PLAIN\r\n', 'EHLO', '250'))).toBeUndefined();
  });
});

describe('the other edits', () => {
  it('refuses STARTTLS in each protocol', () => {
    expect(str(refuseStartTls('smtp', undefined, true))).toMatch(/^454 /);
    expect(str(refuseStartTls('pop3', undefined, true))).toMatch(/^-ERR /);
    expect(str(refuseStartTls('imap', 'a3', true))).toMatch(/^a3 NO /);
  });

  it('recognises the acceptance and forges what follows it', () => {
    expect(isStartTlsAcceptance(reply('220 go\r\n', 'STARTTLS', '220'))).toBe(true);
    expect(isStartTlsAcceptance(reply('454 no\r\n', 'STARTTLS', '454'))).toBe(false);
    expect(str(forgedReply('smtp', undefined))).toMatch(/^250 /);
    expect(str(forgedReply('imap', 'A0007'))).toContain('\r\nA0008 OK ');
    expect(str(forgedReply('imap', '3'))).toContain('\r\n4 OK ');
  });

  it('turns the IMAP greeting into PREAUTH without the STARTTLS capability', () => {
    expect(str(preauthGreeting(reply('* OK [CAPABILITY IMAP4rev1 STARTTLS] ready\r\n', undefined, 'OK', '*')))).toBe('* PREAUTH [CAPABILITY IMAP4rev1] ready\r\n');
    expect(preauthGreeting(reply('a1 OK done\r\n', 'NOOP', 'OK', 'a1'))).toBeUndefined();
  });

  it('answers a held-back command in protocol', () => {
    expect(str(heldBackReply('smtp', undefined))).toMatch(/^530 5\.7\.0 /);
    expect(str(heldBackReply('imap', 'a2'))).toMatch(/^a2 NO .*\r\n\* BYE /);
  });
});

describe('exposure: what a client unit gives away', () => {
  it.each([
    ['smtp', 'command', 'AUTH', 'credentials'],
    ['smtp', 'sasl', undefined, 'credentials'],
    ['smtp', 'command', 'MAIL', 'mail'],
    ['smtp', 'body', undefined, 'mail'],
    ['smtp', 'command', 'EHLO', undefined],
    ['smtp', 'command', 'QUIT', undefined],
    ['pop3', 'command', 'USER', 'credentials'],
    ['pop3', 'command', 'RETR', 'mail'],
    ['pop3', 'command', 'CAPA', undefined],
    ['imap', 'command', 'LOGIN', 'credentials'],
    ['imap', 'command', 'SELECT', 'mail'],
    ['imap', 'command', 'CAPABILITY', undefined],
  ] as const)('%s %s %s → %s', (protocol, kind, verb, expected) => {
    expect(exposure(protocol, { kind, verb })).toBe(expected);
  });
});

describe('notApplicable', () => {
  it('plaintext-leg cases on implicit TLS, PREAUTH outside IMAP', () => {
    expect(notApplicable('starttls-stripped', { protocol: 'smtp', tls: 'implicit' })).toBeDefined();
    expect(notApplicable('untrusted-cert', { protocol: 'smtp', tls: 'implicit' })).toBeUndefined();
    expect(notApplicable('imap-preauth', { protocol: 'pop3', tls: 'starttls' })).toBeDefined();
    expect(notApplicable('imap-preauth', { protocol: 'imap', tls: 'starttls' })).toBeUndefined();
  });
});
