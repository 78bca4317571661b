// Fuzz target for the SMTP codec: protocol-shaped hostile sessions (DATA with and without 354,
// BDAT with wrong counts, AUTH with base64 garbage and `*`, STARTTLS with pipelined junk and a
// 220 followed by injected bytes, TURN/ATRN, lines at and past the limit) under random chunkings.
// Properties: see codec-oracle.ts. Seed and runs: fuzz-config.ts.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Limits } from '../../src/core/limits.js';
import { smtp } from '../../src/protocol/smtp/index.js';
import { checkCodec, fuzzCaseArb, HOSTILE_PATHS, reach } from './codec-oracle.js';
import { assertFuzz, DEFAULT_FUZZ_SEED, fuzzSettings, fuzzTimeout } from './fuzz-config.js';
import { b, base64GarbageArb, client, literalHeaderArb, longLineArb, noiseArb, server, sideArb, type Step } from './hostile.js';

const VERBS = ['EHLO ', 'HELO ', 'MAIL FROM:<', 'RCPT TO:<', 'DATA', 'BDAT ', 'AUTH ', 'STARTTLS', 'VRFY ', 'EXPN ', 'HELP', 'NOOP', 'RSET', 'QUIT', 'TURN', 'ATRN ', 'ETRN ', 'XCLIENT '];
const REPLY_PREFIXES = ['220 ', '220-', '250 ', '250-', '334 ', '354 ', '421 ', '500 ', '2', '25', '250'];

const eol = fc.constantFrom('\r\n', '\r\n', '\n', '\r', '');
const codeArb = fc.constantFrom('220', '221', '235', '250', '251', '334', '354', '421', '450', '454', '500', '501', '503', '535', '554', '999', '2x0', '25', '');
const replyArb: fc.Arbitrary<string> = fc
  .tuple(fc.array(fc.tuple(codeArb, fc.constantFrom(' ', '-', '', '\t'), fc.constantFrom('ok', '', '2.0.0 ok', 'PIPELINING', 'CHUNKING', 'AUTH PLAIN LOGIN', '\x00', '\xe9')), { minLength: 1, maxLength: 4 }), eol)
  .map(([lines, e]) => lines.map(([c, sep, t]) => `${c}${sep}${t}${e}`).join(''));
const simpleCommand = fc.constantFrom('EHLO a.example', 'HELO a', 'MAIL FROM:<a@b> SIZE=99999999999 BODY=8BITMIME', 'MAIL FROM:<>', 'RCPT TO:<c@d> NOTIFY=NEVER', 'NOOP', 'RSET', 'VRFY x', 'EXPN list', 'HELP DATA', 'ETRN @x', 'XYZZY', '', ' ', 'mail from:<\xe9@b>', 'QUIT', 'DATA x', 'STARTTLS x');

const bodyLine = fc.oneof(
  fc.constantFrom('.', '..', '.x', '', 'Subject: hi', '.\r', 'x\r', '\x00\x00', 'DATA', '354 go', 'QUIT'),
  fc.uint8Array({ maxLength: 80 }).map((u) => Buffer.from(u).toString('latin1')),
);
const bodyArb = fc
  .tuple(fc.array(fc.tuple(bodyLine, eol), { maxLength: 10 }), fc.constantFrom('.\r\n', '.\n', '\r\n.\r\n', '', '.'))
  .map(([lines, end]) => lines.map(([l, e]) => l + e).join('') + end);

const exchange: fc.Arbitrary<Step[]> = fc.oneof(
  fc.tuple(simpleCommand, eol, replyArb).map(([c, e, r]) => [client(c + e), server(r)]),
  // Pipelined commands, answered in one write.
  fc.array(fc.tuple(simpleCommand, replyArb), { minLength: 2, maxLength: 5 }).map((xs) => [client(xs.map(([c]) => `${c}\r\n`).join('')), server(xs.map(([, r]) => r).join(''))]),
  // DATA, accepted or refused, with a body that may be sent before the 354 (no wait) or never end.
  fc.tuple(bodyArb, fc.constantFrom('354 go\r\n', '354-a\r\n354 b\r\n', '554 no\r\n', '250 what\r\n', ''), fc.boolean(), replyArb).map(([body, first, early, after]): Step[] =>
    early ? [client(`DATA\r\n${body}`), server(first), server(after)] : [client('DATA\r\n'), server(first), client(body), server(after)],
  ),
  // BDAT whose declared size is not what follows.
  fc.tuple(fc.constantFrom('0', '1', '5', '64', '300', '99999999999', '-1', 'abc', '', '5 LAST', '0 LAST', '3 last', '18446744073709551616'), fc.uint8Array({ maxLength: 120 }), replyArb, fc.boolean()).map(([n, payload, r, split]): Step[] =>
    split ? [client(`BDAT ${n}\r\n`), client(Buffer.from(payload)), server(r)] : [client(Buffer.concat([b(`BDAT ${n}\r\n`), Buffer.from(payload)])), server(r)],
  ),
  // AUTH with base64 garbage on both sides, cancelled with `*` or not, verdict of any shape.
  fc.tuple(fc.constantFrom('PLAIN', 'LOGIN', 'CRAM-MD5', 'XOAUTH2', 'SCRAM-SHA-256', 'X', ''), fc.option(base64GarbageArb, { nil: undefined }), fc.array(fc.tuple(base64GarbageArb, base64GarbageArb), { maxLength: 3 }), fc.constantFrom('235 2.7.0 ok\r\n', '535 5.7.8 no\r\n', '501 cancelled\r\n', '334 \r\n', '', '*\r\n')).map(
    ([mech, initial, rounds, verdict]): Step[] => [
      client(`AUTH ${mech}${initial !== undefined ? ` ${initial}` : ''}\r\n`),
      ...rounds.flatMap(([challenge, answer]): Step[] => [server(`334 ${challenge}\r\n`), client(`${answer}\r\n`)]),
      server(verdict),
    ],
  ),
  // STARTTLS with pipelined junk; the server accepts with trailing junk (injection) or refuses.
  fc.tuple(fc.constantFrom('', 'MAIL FROM:<x@y>\r\n', 'RSET\r\nQUIT\r\n', 'AUTH PLAIN AHUAcA==\r\n', 'x'.repeat(300)), fc.constantFrom('220 2.0.0 go\r\n', '220 go\r\n250 injected\r\n', '220 go\r\nx', '454 4.7.0 no TLS\r\n', '220-a\r\n220 b\r\n'), eol).map(([junk, verdict, e]): Step[] => [client(`STARTTLS${e}${junk}`), server(verdict)]),
  // TURN / ATRN: a 250 reverses the roles.
  fc.tuple(fc.constantFrom('TURN', 'ATRN a.example'), fc.constantFrom('250 ok\r\n', '502 no\r\n'), replyArb, simpleCommand).map(([v, r, r2, c]): Step[] => [client(`${v}\r\n`), server(r), server(`${c}\r\n`), client(r2)]),
  // Lone hostile writes from either side.
  fc.tuple(sideArb, longLineArb(VERBS), longLineArb(REPLY_PREFIXES)).map(([side, cl, sl]): Step[] => [side === 'client' ? client(cl) : server(sl)]),
  fc.tuple(sideArb, noiseArb).map(([side, n]): Step[] => [[side, n]]),
  fc.tuple(sideArb, literalHeaderArb).map(([side, l]): Step[] => [[side, b(`MAIL FROM:<a@b> ${l}\r\n`)]]),
);

const greeting = fc.constantFrom<Step[]>([server('220 mx ESMTP\r\n')], [server('220-mx\r\n220 ESMTP\r\n')], [], [server('554 go away\r\n')], [server('220 mx\n')]);

// A reply unit is at most one line or maxReplyBytes, whichever is larger.
const smtpReplyCap = (l: Limits): number => Math.max(l.maxLineBytes, l.maxReplyBytes);

const settings = fuzzSettings(4000);

describe('SMTP codec fuzz', () => {
  it('hostile SMTP-shaped input: no throw, byte-exact per side, bounded units and held bytes', () => {
    assertFuzz('smtp', settings, fc.property(fuzzCaseArb(exchange, greeting), (input) => void checkCodec(smtp, input, { unitCap: smtpReplyCap })));
  }, fuzzTimeout(settings));

  it('the generator reaches every hostile path (lines past the limit, injections, TLS, SASL, bodies)', () => {
    const kinds = reach(smtp, fuzzCaseArb(exchange, greeting), { unitCap: smtpReplyCap }, DEFAULT_FUZZ_SEED);
    expect(kinds).toEqual(expect.arrayContaining(HOSTILE_PATHS));
  });

  // Found by this target (seed 20250807): with maxReplyBytes 64, "250-<56 x>\r\n250 <56 y>\r\n"
  // came out as ONE 124-byte reply unit; the cap is now checked before each line is added.
  it('a multi-line reply unit never exceeds maxReplyBytes', () => {
    const steps: Step[] = [server('220 mx\r\n'), client('EHLO a\r\n'), server(`250-${'x'.repeat(56)}\r\n250 ${'y'.repeat(56)}\r\n`)];
    checkCodec(smtp, { steps, cuts: [[], [], [62]], coalesce: false, endFirst: 'client', options: { limits: { maxLineBytes: 64, maxReplyBytes: 64, maxPendingBytes: 16 } } });
  });
});
