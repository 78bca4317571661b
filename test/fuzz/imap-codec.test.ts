// Fuzz target for the IMAP codec: protocol-shaped hostile sessions (literals `{n}`, `{n+}`,
// `~{n}` whose payload is shorter or longer than announced, `{99999999999}`, unterminated quoted
// strings, AUTHENTICATE with base64 garbage and `*`, STARTTLS with pipelined junk and a tagged OK
// followed by injected bytes, IDLE, FETCH literals from the server, lines at and past the limit)
// under random chunkings. Properties: see codec-oracle.ts. Seed and runs: fuzz-config.ts.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { imap } from '../../src/protocol/imap/index.js';
import { checkCodec, fuzzCaseArb, HOSTILE_PATHS, reach } from './codec-oracle.js';
import { assertFuzz, DEFAULT_FUZZ_SEED, fuzzSettings, fuzzTimeout } from './fuzz-config.js';
import { b, base64GarbageArb, client, literalHeaderArb, longLineArb, noiseArb, server, sideArb, type Step } from './hostile.js';

const TAGGED = ['a1 LOGIN ', 'a2 SELECT ', 'a3 FETCH 1:* ', 'a4 APPEND INBOX ', 'a5 AUTHENTICATE ', 'a6 STARTTLS', 'a7 UID SEARCH ', 'a8 IDLE', '* ', '+ '];
const UNTAGGED = ['* OK ', '* 1 FETCH (BODY[] ', '* CAPABILITY ', '+ ', 'a1 OK ', 'a1 NO ', '* BYE ', '* LIST () "/" '];

const eol = fc.constantFrom('\r\n', '\r\n', '\n', '\r', '');
const tagArb = fc.constantFrom('a1', 'A001', '*', '+', '', 'x.y', 'a"b', '{3}', '\xe9');
const statusArb = fc.constantFrom('OK', 'NO', 'BAD', 'BYE', 'PREAUTH', 'ok', '', 'OKAY');
const atomArb = fc.constantFrom('INBOX', '"Sent Items"', '"unterminated', '"esc\\"aped"', '"\\', '""', 'NIL', '(\\Seen)', '\xe9', 'BODY[]', 'BODY[HEADER.FIELDS (FROM)]', '1:*', '*', '"a\x00b"');
const verbArb = fc.constantFrom('LOGIN', 'SELECT', 'EXAMINE', 'FETCH 1', 'UID FETCH 1:*', 'STORE 1 +FLAGS', 'SEARCH', 'LIST ""', 'APPEND INBOX', 'NOOP', 'LOGOUT', 'CAPABILITY', 'ENABLE', 'ID', 'XYZ', 'UID', '');

/** Literal payload that may be shorter or longer than its header says. */
const literalArb = fc.tuple(literalHeaderArb, fc.uint8Array({ maxLength: 120 })).map(([h, payload]) => ({ header: h, payload: Buffer.from(payload) }));

const exchange: fc.Arbitrary<Step[]> = fc.oneof(
  fc.tuple(tagArb, verbArb, fc.array(atomArb, { maxLength: 3 }), eol, tagArb, statusArb, eol).map(([t, v, args, e, rt, st, e2]) => [client(`${t} ${v}${args.map((a) => ` ${a}`).join('')}${e}`), server(`* 1 EXISTS\r\n${rt} ${st} done${e2}`)]),
  // A command literal: synchronizing (waits for "+"), non-synchronizing, binary, wrong counts.
  fc.tuple(tagArb, verbArb, literalArb, fc.constantFrom('+ go\r\n', 'a1 NO too big\r\n', '+\r\n', '', '+ \r\n* 1 EXISTS\r\n'), fc.constantFrom(' rest\r\n', '\r\n', ' {2+}\r\nxy\r\n', ' {3}\r\n', ''), fc.boolean()).map(([t, v, lit, cont, after, wait]): Step[] =>
    wait
      ? [client(`${t} ${v} ${lit.header}\r\n`), server(cont), client(Buffer.concat([lit.payload, b(after)])), server(`${t} OK\r\n`)]
      : [client(Buffer.concat([b(`${t} ${v} ${lit.header}\r\n`), lit.payload, b(after)])), server(`${t} BAD\r\n`)],
  ),
  // Server literals in FETCH responses, with wrong counts.
  fc.tuple(literalArb, fc.constantFrom(')\r\n', ' BODY[1] {0}\r\n)\r\n', '', ')\r\na1 OK\r\n', ' ~{3}\r\n')).map(([lit, after]): Step[] => [
    client('a1 FETCH 1 BODY[]\r\n'),
    server(Buffer.concat([b(`* 1 FETCH (UID 4 BODY[] ${lit.header}\r\n`), lit.payload, b(after)])),
  ]),
  // AUTHENTICATE with base64 garbage both ways, `*` to cancel, verdict of any shape.
  fc.tuple(tagArb, fc.constantFrom('PLAIN', 'LOGIN', 'CRAM-MD5', 'XOAUTH2', 'SCRAM-SHA-256', 'X', ''), fc.option(base64GarbageArb, { nil: undefined }), fc.array(fc.tuple(base64GarbageArb, base64GarbageArb), { maxLength: 3 }), statusArb).map(
    ([t, mech, initial, rounds, verdict]): Step[] => [
      client(`${t} AUTHENTICATE ${mech}${initial !== undefined ? ` ${initial}` : ''}\r\n`),
      ...rounds.flatMap(([challenge, answer]): Step[] => [server(`+ ${challenge}\r\n`), client(`${answer}\r\n`)]),
      server(`${t} ${verdict} auth\r\n`),
    ],
  ),
  // STARTTLS with pipelined junk; the server accepts with trailing junk (injection) or refuses.
  fc.tuple(tagArb, fc.constantFrom('', 'b LOGIN u p\r\n', 'c NOOP\r\n', 'x'.repeat(300), 'd APPEND INBOX {5}\r\n'), fc.constantFrom('OK go\r\n', 'OK go\r\n* 1 EXISTS\r\n', 'OK go\r\nx', 'NO no TLS\r\n', 'BAD\r\n'), eol).map(([t, junk, verdict, e]): Step[] => [client(`${t} STARTTLS${e}${junk}`), server(`${t} ${verdict}`)]),
  fc.tuple(tagArb, fc.constantFrom('DONE\r\n', 'done\r\n', 'DONE', 'a2 NOOP\r\n', '')).map(([t, done]): Step[] => [client(`${t} IDLE\r\n`), server('+ idling\r\n* 2 EXPUNGE\r\n'), client(done), server(`${t} OK\r\n`)]),
  fc.tuple(sideArb, longLineArb(TAGGED), longLineArb(UNTAGGED)).map(([side, cl, sl]): Step[] => [side === 'client' ? client(cl) : server(sl)]),
  fc.tuple(sideArb, noiseArb).map(([side, n]): Step[] => [[side, n]]),
  fc.tuple(sideArb, literalHeaderArb, fc.constantFrom('a1 LOGIN ', '* 1 FETCH (BODY[] ', '+ ', '')).map(([side, l, p]): Step[] => [[side, b(`${p}${l}\r\n`)]]),
);

const greeting = fc.constantFrom<Step[]>([server('* OK [CAPABILITY IMAP4rev2 STARTTLS LITERAL+ BINARY] hi\r\n')], [server('* PREAUTH ready\r\n')], [], [server('* BYE go away\r\n')], [server('* OK hi\n')]);

const settings = fuzzSettings(4000);

describe('IMAP codec fuzz', () => {
  it('hostile IMAP-shaped input: no throw, byte-exact per side, bounded units and held bytes', () => {
    assertFuzz('imap', settings, fc.property(fuzzCaseArb(exchange, greeting), (input) => void checkCodec(imap, input)));
  }, fuzzTimeout(settings));

  it('the generator reaches every hostile path (lines past the limit, injections, TLS, SASL, bodies)', () => {
    const kinds = reach(imap, fuzzCaseArb(exchange, greeting), {}, DEFAULT_FUZZ_SEED);
    expect(kinds).toEqual(expect.arrayContaining(HOSTILE_PATHS));
  });
});
