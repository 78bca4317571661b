// Fuzz target for the POP3 codec: protocol-shaped hostile sessions (listings and RETR/TOP content
// with bad or missing terminators, AUTH with base64 garbage and `*`, APOP, STLS with pipelined
// junk and a +OK followed by injected bytes, replies without a command, lines at and past the
// limit) under random chunkings. Properties: see codec-oracle.ts. Seed and runs: fuzz-config.ts.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Limits } from '../../src/core/limits.js';
import { pop3 } from '../../src/protocol/pop3/index.js';
import { checkCodec, fuzzCaseArb, HOSTILE_PATHS, reach } from './codec-oracle.js';
import { assertFuzz, DEFAULT_FUZZ_SEED, fuzzSettings, fuzzTimeout } from './fuzz-config.js';
import { base64GarbageArb, client, literalHeaderArb, longLineArb, noiseArb, server, sideArb, type Step } from './hostile.js';

const VERBS = ['USER ', 'PASS ', 'APOP ', 'AUTH ', 'STAT', 'LIST ', 'UIDL ', 'RETR ', 'TOP ', 'DELE ', 'NOOP', 'RSET', 'QUIT', 'STLS', 'CAPA', 'UTF8', 'LANG '];
const REPLY_PREFIXES = ['+OK ', '-ERR ', '+ ', '+', '.', '+OK', '-'];

const eol = fc.constantFrom('\r\n', '\r\n', '\n', '\r', '');
const statusArb = fc.constantFrom('+OK', '-ERR', '+', '+ok', '-err', 'OK', '', '+OKAY', '+\x00');
const argArb = fc.constantFrom('', '1', '0', '-1', '99999999999', '1 2', '1 99999999999', 'x', '\xe9', '1\x00', ' 1', '1 ');

const simpleCommand = fc.tuple(fc.constantFrom('USER', 'PASS', 'APOP', 'STAT', 'LIST', 'UIDL', 'RETR', 'TOP', 'DELE', 'NOOP', 'RSET', 'QUIT', 'CAPA', 'UTF8', 'LANG', 'XTND', 'user', 'retr', ''), argArb).map(([v, a]) => (a ? `${v} ${a}` : v));

/** Listing or message lines, dot-stuffed or not, with a terminator that may be wrong or missing. */
const multiLineArb = fc
  .tuple(
    fc.array(fc.tuple(fc.oneof(fc.constantFrom('1 120', '2 uid-x', '.', '..', '.x', '', 'Subject: x', 'STLS', 'SASL PLAIN', '+OK', '-ERR'), fc.uint8Array({ maxLength: 80 }).map((u) => Buffer.from(u).toString('latin1'))), eol), { maxLength: 10 }),
    fc.constantFrom('.\r\n', '.\n', '', '.', '..\r\n', '. \r\n'),
  )
  .map(([lines, end]) => lines.map(([l, e]) => l + e).join('') + end);

const exchange: fc.Arbitrary<Step[]> = fc.oneof(
  fc.tuple(simpleCommand, eol, statusArb, fc.constantFrom(' ok', '', ' \xe9', ' [IN-USE] busy'), eol).map(([c, e, st, t, e2]) => [client(c + e), server(`${st}${t}${e2}`)]),
  // Multi-line answers (and a -ERR where a listing was expected), possibly pipelined.
  fc.tuple(fc.constantFrom('LIST', 'UIDL', 'CAPA', 'RETR 1', 'TOP 1 0', 'TOP 1 99999999999', 'AUTH', 'LIST 1', 'RETR'), fc.constantFrom('+OK follows\r\n', '-ERR no\r\n', '+OK\n', '+OK'), multiLineArb).map(([c, st, body]) => [client(`${c}\r\n`), server(st + body)]),
  fc.array(fc.tuple(simpleCommand, statusArb), { minLength: 2, maxLength: 5 }).map((xs) => [client(xs.map(([c]) => `${c}\r\n`).join('')), server(xs.map(([, s]) => `${s} x\r\n`).join(''))]),
  // AUTH with base64 garbage both ways, `*` to cancel, verdict of any shape.
  fc.tuple(fc.constantFrom('PLAIN', 'LOGIN', 'CRAM-MD5', 'XOAUTH2', 'X', ''), fc.option(base64GarbageArb, { nil: undefined }), fc.array(fc.tuple(base64GarbageArb, base64GarbageArb), { maxLength: 3 }), fc.constantFrom('+OK in\r\n', '-ERR no\r\n', '+ \r\n', '', '*\r\n', '-ERR [AUTH] cancelled\r\n')).map(
    ([mech, initial, rounds, verdict]): Step[] => [
      client(`AUTH ${mech}${initial !== undefined ? ` ${initial}` : ''}\r\n`),
      ...rounds.flatMap(([challenge, answer]): Step[] => [server(`+ ${challenge}\r\n`), client(`${answer}\r\n`)]),
      server(verdict),
    ],
  ),
  fc.tuple(base64GarbageArb, fc.constantFrom('+OK\r\n', '-ERR\r\n')).map(([junk, v]): Step[] => [client(`APOP mrose ${junk}\r\n`), server(v)]),
  // STLS with pipelined junk; the server accepts with trailing junk (injection) or refuses.
  fc.tuple(fc.constantFrom('', 'USER a\r\n', 'USER a\r\nPASS b\r\n', 'x'.repeat(300), '*\r\n'), fc.constantFrom('+OK Begin TLS\r\n', '+OK go\r\n+OK injected\r\n', '+OK go\r\nx', '-ERR no TLS\r\n', '+OK\n'), eol).map(([junk, verdict, e]): Step[] => [client(`STLS${e}${junk}`), server(verdict)]),
  // Server bytes nobody asked for, and client lines that are replies.
  fc.tuple(statusArb, multiLineArb).map(([st, body]): Step[] => [server(`${st} unsolicited\r\n${body}`)]),
  fc.tuple(sideArb, longLineArb(VERBS), longLineArb(REPLY_PREFIXES)).map(([side, cl, sl]): Step[] => [side === 'client' ? client(cl) : server(sl)]),
  fc.tuple(sideArb, noiseArb).map(([side, n]): Step[] => [[side, n]]),
  fc.tuple(sideArb, literalHeaderArb).map(([side, l]): Step[] => [[side, Buffer.from(`USER ${l}\r\n`, 'latin1')]]),
);

const greeting = fc.constantFrom<Step[]>([server('+OK POP3 ready <1896.697170952@dbc.mtview.ca.us>\r\n')], [server('+OK\n')], [], [server('-ERR go away\r\n')]);

// A listing unit is at most maxReplyBytes, a line at most maxLineBytes.
const pop3ListingCap = (l: Limits): number => Math.max(l.maxReplyBytes, l.maxLineBytes);

const tight = { limits: { maxLineBytes: 64, maxReplyBytes: 64, maxPendingBytes: 1 } };
/** Cuts every write into 8-byte chunks, so the chunk size cannot excuse a large unit. */
const eightByteCuts = (steps: Step[]): number[][] => steps.map(([, bytes]) => Array.from({ length: Math.ceil(bytes.length / 8) }, (_, i) => i * 8));

const settings = fuzzSettings(4000);

describe('POP3 codec fuzz', () => {
  it('hostile POP3-shaped input: no throw, byte-exact per side, bounded units and held bytes', () => {
    assertFuzz('pop3', settings, fc.property(fuzzCaseArb(exchange, greeting), (input) => void checkCodec(pop3, input, { unitCap: pop3ListingCap })));
  }, fuzzTimeout(settings));

  it('the generator reaches every hostile path (lines past the limit, injections, TLS, SASL, bodies)', () => {
    const kinds = reach(pop3, fuzzCaseArb(exchange, greeting), { unitCap: pop3ListingCap }, DEFAULT_FUZZ_SEED);
    expect(kinds).toEqual(expect.arrayContaining(HOSTILE_PATHS));
  });

  // Found by this target (seed 20250807): with maxReplyBytes 64, a CAPA listing of exactly 64
  // bytes ("+OK hh\r\n" + 54 x + "\r\n") and then ".\r\n" was ONE 67-byte reply unit: the
  // terminator line now gets the cap check too.
  it('a listing reply unit never exceeds maxReplyBytes', () => {
    const steps: Step[] = [server('+OK ready\r\n'), client('CAPA\r\n'), server(`+OK hh\r\n${'x'.repeat(54)}\r\n`), server('.\r\n')];
    checkCodec(pop3, { steps, cuts: eightByteCuts(steps), coalesce: false, endFirst: 'client', options: tight });
  });

  // Found by this target (seed 20250807): when the server's stream ends inside a listing, the
  // listing kept so far and the partial line after it were flushed as ONE raw unit. Input: CAPA
  // answered "+OK\r\n" + 6 lines "abcdefg\r\n" (59 B kept) + 60 bytes without LF, then end.
  it('a listing cut by the end of the stream is flushed within the caps', () => {
    const steps: Step[] = [server('+OK ready\r\n'), client('CAPA\r\n'), server(`+OK\r\n${'abcdefg\r\n'.repeat(6)}${'y'.repeat(60)}`)];
    checkCodec(pop3, { steps, cuts: eightByteCuts(steps), coalesce: false, endFirst: 'client', options: tight });
  });
});
