// fast-check properties over generated IMAP-shaped sessions (commands with every literal form,
// FETCH literals, IDLE, AUTHENTICATE, STARTTLS, garbage) and random chunkings: the contract's
// invariants — chunking does not change the events, bytes are accounted for, nothing throws.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CodecOptions } from '../../../src/protocol/types.js';
import { cutsAt, expectFidelity, normalise, run, type Step } from './harness.js';

const tagArb = fc.constantFrom('a', '1', 'A001', 'x.y', 'tag7');
const bodyArb = fc.uint8Array({ maxLength: 24 }).map((a) => Buffer.from(a));
const textArb = fc.constantFrom('INBOX', '"Sent Items"', '""', '"*"', 'Archive/2024', 'contraseña');

const b64 = (s: string): string => Buffer.from(s).toString('base64');

/** One exchange: the steps a well-behaved (or not) client and server would produce. */
const exchangeArb: fc.Arbitrary<Step[]> = fc.oneof(
  fc.tuple(tagArb, fc.constantFrom('NOOP', 'CAPABILITY', 'LOGOUT', 'CHECK', 'UNSELECT', 'NAMESPACE'), fc.constantFrom('OK', 'NO', 'BAD')).map(([t, v, s]): Step[] => [
    ['client', `${t} ${v}\r\n`],
    ['server', `${v === 'LOGOUT' ? '* BYE bye\r\n' : '* 3 EXISTS\r\n'}${t} ${s} done\r\n`],
  ]),
  fc.tuple(tagArb, textArb, textArb, fc.constantFrom('OK', 'NO')).map(([t, u, p, s]): Step[] => [
    ['client', `${t} LOGIN ${u} ${p}\r\n`],
    ['server', `${t} ${s} [AUTHENTICATIONFAILED] x\r\n`],
  ]),
  fc.tuple(tagArb, textArb, fc.constantFrom('OK', 'NO')).map(([t, m, s]): Step[] => [
    ['client', `${t} SELECT ${m}\r\n`],
    ['server', `* FLAGS (\\Seen)\r\n* OK [UIDVALIDITY 9] v\r\n${t} ${s} [READ-WRITE] x\r\n`],
  ]),
  fc.tuple(tagArb, bodyArb, fc.boolean()).map(([t, body, granted]): Step[] =>
    granted
      ? [
          ['client', `${t} APPEND INBOX {${body.length}}\r\n`],
          ['server', '+ Ready\r\n'],
          ['client', Buffer.concat([body, Buffer.from('\r\n')])],
          ['server', `${t} OK [APPENDUID 1 2] done\r\n`],
        ]
      : [
          ['client', `${t} APPEND INBOX {${body.length + 1}}\r\n`],
          ['server', `${t} NO [OVERQUOTA] no\r\n`],
        ],
  ),
  fc.tuple(tagArb, bodyArb, fc.constantFrom('+', '-'), fc.boolean()).map(([t, body, flag, binary]): Step[] => [
    ['client', Buffer.concat([Buffer.from(`${t} APPEND INBOX ${binary ? '~' : ''}{${body.length}${flag}}\r\n`), body, Buffer.from(' {2+}\r\nxy\r\n')])],
    ['server', `${t} OK\r\n`],
  ]),
  fc.tuple(tagArb, bodyArb, fc.boolean()).map(([t, body, uid]): Step[] => [
    ['client', `${t} ${uid ? 'UID ' : ''}FETCH 1:* BODY[]\r\n`],
    ['server', Buffer.concat([Buffer.from(`* 1 FETCH (UID 4 BODY[] {${body.length}}\r\n`), body, Buffer.from(` BODY[1] {0}\r\n)\r\n${t} OK\r\n`)])],
  ]),
  tagArb.map((t): Step[] => [
    ['client', `${t} IDLE\r\n`],
    ['server', '+ idling\r\n* 2 EXPUNGE\r\n'],
    ['client', 'DONE\r\n'],
    ['server', `${t} OK IDLE done\r\n`],
  ]),
  fc.tuple(tagArb, fc.boolean(), fc.boolean()).map(([t, ir, cancel]): Step[] =>
    ir
      ? [
          ['client', `${t} AUTHENTICATE PLAIN ${b64('\0u\0p')}\r\n`],
          ['server', `${t} OK\r\n`],
        ]
      : [
          ['client', `${t} AUTHENTICATE PLAIN\r\n`],
          ['server', '+ \r\n'],
          ['client', cancel ? '*\r\n' : `${b64('\0u\0p')}\r\n`],
          ['server', `${t} ${cancel ? 'BAD' : 'OK'}\r\n`],
        ],
  ),
  fc.tuple(tagArb, fc.constantFrom('', 'b LOGIN u p\r\n', 'c NOOP\r\n'), fc.constantFrom('OK', 'NO', 'BAD')).map(([t, junk, s]): Step[] => [
    ['client', `${t} STARTTLS\r\n${junk}`],
    // The accepting line ends its step: server bytes after it "in the same feed" depend on chunking by design.
    ['server', `${t} ${s} go\r\n`],
  ]),
  fc.tuple(fc.constantFrom('client', 'server') as fc.Arbitrary<'client' | 'server'>, fc.uint8Array({ maxLength: 40 })).map(([side, bytes]): Step[] => [[side, Buffer.from(bytes)]]),
  fc.constantFrom<Step[]>([['client', 'garbage line\r\n']], [['server', 'not imap\r\n']], [['server', '* 1 FETCH (BODY[] {x}\r\n']], [['client', 'a X {1+2}\r\n']]),
);

const sessionArb = fc.tuple(fc.boolean(), fc.array(exchangeArb, { maxLength: 8 })).map(([greet, xs]): Step[] => [...(greet ? [['server', '* OK [CAPABILITY IMAP4rev2 STARTTLS] hi\r\n'] as Step] : []), ...xs.flat()]);

const optionsArb: fc.Arbitrary<CodecOptions> = fc.constantFrom<CodecOptions>({}, { limits: { maxLineBytes: 24, maxPendingBytes: 8 } }, { tls: true });

const cutsArb = fc.array(fc.array(fc.nat(), { maxLength: 4 }), { maxLength: 40 });

describe('IMAP codec properties', () => {
  it('any chunking of a session gives the same events (adjacent body/raw/injection merged)', () => {
    fc.assert(
      fc.property(sessionArb, cutsArb, optionsArb, (steps, cuts, options) => {
        const ref = normalise(run(steps, undefined, options));
        expect(normalise(run(steps, cutsAt(cuts), options))).toEqual(ref);
      }),
      { numRuns: 300 },
    );
  });

  it('unit bytes per side concatenate back to the input minus injection bytes', () => {
    fc.assert(
      fc.property(sessionArb, cutsArb, optionsArb, (steps, cuts, options) => {
        expectFidelity(steps, run(steps, undefined, options));
        expectFidelity(steps, run(steps, cutsAt(cuts), options));
      }),
      { numRuns: 300 },
    );
  });

  it('arbitrary bytes on both sides never throw and stay accounted for', () => {
    const stepArb = fc.tuple(fc.constantFrom('client', 'server') as fc.Arbitrary<'client' | 'server'>, fc.uint8Array({ maxLength: 64 }).map((a) => Buffer.from(a)));
    fc.assert(
      fc.property(fc.array(stepArb, { maxLength: 20 }), cutsArb, optionsArb, (steps, cuts, options) => {
        expectFidelity(steps, run(steps, cutsAt(cuts), options));
      }),
      { numRuns: 500 },
    );
  });
});
