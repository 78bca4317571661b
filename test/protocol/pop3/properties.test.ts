// fast-check properties over generated POP3-shaped sessions (logins of every kind, listings,
// dot-stuffed 8-bit content, pipelining, STLS, junk) and over arbitrary bytes: any chunking gives
// the same normalised events, bytes are preserved per side, and nothing ever throws.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CodecOptions } from '../../../src/protocol/types.js';
import { b64 } from './fixtures.js';
import { byteByByte, client, end, normalize, run, server, whole, type Chunker, type Step } from './harness.js';
import { splitAtOffsets } from '../../helpers/chunking.js';

/** One content line: text with 8-bit bytes, NULs, dots and stray CRs, dot-stuffed (RFC 1939 §3). */
const contentLine = fc
  .array(fc.constantFrom('a', 'Z', ' ', '.', '..', '\x00', '\xe9', '\xff', '\r', ':', 'Subject: x', 'From: y'), { maxLength: 8 })
  .map((parts) => {
    const l = parts.join('');
    return `${l.startsWith('.') ? '.' : ''}${l}\r\n`;
  });
const content = fc.array(contentLine, { maxLength: 12 }).map((ls) => `${ls.join('')}.\r\n`);
const num = fc.integer({ min: 1, max: 30 }).map(String);
const user = fc.constantFrom('pepe', 'mrose', 'a b', 'usu\xc3\xa1rio');
const okOrErr = (ok: string) => fc.constantFrom(`+OK ${ok}\r\n`, '-ERR no\r\n', '-ERR [IN-USE] locked\r\n');

type Exchange = { c: string; s: string; pipelinable: boolean };
const ex = (c: string, s: string, pipelinable = true): Exchange => ({ c, s, pipelinable });

const login: fc.Arbitrary<Exchange[]> = fc.oneof(
  fc.tuple(user, okOrErr('user'), okOrErr('pass')).map(([u, r1, r2]) => [ex(`USER ${u}\r\n`, r1, false), ex('PASS secret word\r\n', r2, false)]),
  fc.tuple(user, okOrErr('apop')).map(([u, r]) => [ex(`APOP ${u} c4c9334bac560ecc979e58001b3e22fb\r\n`, r, false)]),
  fc.tuple(user, okOrErr('auth')).map(([u, r]) => [ex(`AUTH PLAIN ${b64(`\0${u}\0pw`)}\r\n`, r, false)]),
  fc.tuple(user, okOrErr('auth'), fc.boolean()).map(([u, r, cancel]) => [
    ex('AUTH LOGIN\r\n', `+ ${b64('Username:')}\r\n`, false),
    ex(`${b64(u)}\r\n`, `+ ${b64('Password:')}\r\n`, false),
    ex(cancel ? '*\r\n' : `${b64('pw')}\r\n`, cancel ? '-ERR cancelled\r\n' : r, false),
  ]),
);

const command: fc.Arbitrary<Exchange> = fc.oneof(
  fc.constant(ex('STAT\r\n', '+OK 2 320\r\n')),
  fc.array(fc.tuple(num, num), { maxLength: 6 }).map((items) => ex('LIST\r\n', `+OK\r\n${items.map(([a, b]) => `${a} ${b}\r\n`).join('')}.\r\n`)),
  fc.tuple(num, okOrErr('1 120')).map(([n, r]) => ex(`list ${n}\r\n`, r)),
  fc.array(num, { maxLength: 5 }).map((ids) => ex('UIDL\r\n', `+OK\r\n${ids.map((i) => `${i} uid-${i}\r\n`).join('')}.\r\n`)),
  fc.tuple(num, content).map(([n, body]) => ex(`RETR ${n}\r\n`, `+OK message follows\r\n${body}`)),
  fc.tuple(num, content).map(([n, body]) => ex(`TOP ${n} 3\r\n`, `+OK\r\n${body}`)),
  num.map((n) => ex(`retr ${n}\r\n`, '-ERR no such message\r\n')),
  num.map((n) => ex(`DELE ${n}\r\n`, '+OK deleted\r\n')),
  fc.constantFrom(ex('NOOP\r\n', '+OK\r\n'), ex('RSET\r\n', '+OK\r\n'), ex('XYZZY\r\n', '-ERR what?\r\n'), ex('NOOP\r\n', 'junk line\r\n+OK\r\n')),
  fc.constant(ex('CAPA\r\n', '+OK\r\nTOP\r\nUSER\r\nSASL PLAIN\r\nSTLS\r\n.\r\n')),
  fc.constant(ex('AUTH\r\n', '+OK\r\nPLAIN\r\nLOGIN\r\n.\r\n')),
);

const stls: fc.Arbitrary<Exchange[]> = fc.oneof(
  fc.constant([] as Exchange[]),
  fc.constantFrom('', 'USER injected\r\n').map((held) => [ex(`STLS\r\n${held}`, '+OK begin TLS\r\n', false)]),
  fc.constant<Exchange[]>([ex('STLS\r\nCAPA\r\n', '-ERR not now\r\n+OK\r\nUSER\r\n.\r\n', false)]),
);

/** A session: greeting, optional STLS, a login, commands (runs of them pipelined), maybe QUIT. */
const session: fc.Arbitrary<Step[]> = fc
  .tuple(stls, login, fc.array(fc.tuple(command, fc.boolean()), { maxLength: 8 }), fc.boolean(), fc.constantFrom('none', 'client', 'server', 'both'))
  .map(([tls, auth, cmds, quit, ends]) => {
    const steps: Step[] = [server('+OK POP3 ready <1.2@host>\r\n')];
    for (const e of [...tls, ...auth]) steps.push(client(e.c), server(e.s));
    let batchC = '';
    let batchS = '';
    const flush = () => {
      if (batchC) steps.push(client(batchC), server(batchS));
      batchC = batchS = '';
    };
    for (const [e, pipelined] of cmds) {
      batchC += e.c;
      batchS += e.s;
      if (!pipelined) flush();
    }
    flush();
    if (quit) steps.push(client('QUIT\r\n'), server('+OK bye\r\n'));
    if (ends === 'client' || ends === 'both') steps.push(end('client'));
    if (ends === 'server' || ends === 'both') steps.push(end('server'));
    // With tiny limits a multi-line answer may still be open; ending both sides flushes it, so the
    // byte check always applies (a second end() of a side is harmless).
    steps.push(end('client'), end('server'));
    return steps;
  });

/** Random cut points per step, drawn as fractions so they fit any step length. */
const chunking = fc.oneof(
  { weight: 1, arbitrary: fc.constant('bytes' as const) },
  { weight: 3, arbitrary: fc.array(fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 12 }), { minLength: 1, maxLength: 40 }) },
);
function chunkerFrom(cuts: number[][] | 'bytes'): Chunker {
  if (cuts === 'bytes') return byteByByte;
  return (bytes, i) => splitAtOffsets(bytes, (cuts[i % Math.max(1, cuts.length)] ?? []).map((f) => Math.floor(f * bytes.length)));
}

const smallLimits: fc.Arbitrary<CodecOptions | undefined> = fc.oneof(
  fc.constant(undefined),
  fc.record({ limits: fc.record({ maxLineBytes: fc.integer({ min: 4, max: 40 }), maxReplyBytes: fc.integer({ min: 4, max: 80 }), maxPendingBytes: fc.integer({ min: 0, max: 20 }) }) }),
);

describe('POP3 codec properties', () => {
  it('POP3-shaped sessions: any chunking gives the same events and preserves bytes', () => {
    fc.assert(
      fc.property(session, chunking, smallLimits, (steps, cuts, options) => {
        const expected = normalize(run(steps, whole, options));
        expect(normalize(run(steps, chunkerFrom(cuts), options))).toEqual(expected);
      }),
      { numRuns: 300 },
    );
  });

  it('well-formed sessions with default limits raise no violation but the junk line', () => {
    fc.assert(
      fc.property(session, (steps) => {
        const events = run(steps);
        const junk = steps.reduce((n, s) => n + ('bytes' in s && s.side === 'server' ? s.bytes.toString('latin1').split('junk line').length - 1 : 0), 0);
        expect(events.filter((e) => e.type === 'violation').length).toBe(junk);
      }),
      { numRuns: 200 },
    );
  });

  it('arbitrary bytes on both sides never throw and keep every byte', () => {
    const step = fc.oneof(
      { weight: 8, arbitrary: fc.tuple(fc.constantFrom('client', 'server' as const), fc.uint8Array({ maxLength: 64 })).map(([side, b]) => ({ side, bytes: Buffer.from(b) }) as Step) },
      { weight: 2, arbitrary: fc.constantFrom(...['+OK\r\n', '+ \r\n', '.\r\n', 'STLS\r\n', 'AUTH PLAIN\r\n', 'RETR 1\r\n', 'LIST\r\n', '-ERR\r\n'].flatMap((t) => [client(t), server(t)])) },
      { weight: 1, arbitrary: fc.constantFrom(end('client'), end('server')) },
    );
    fc.assert(
      fc.property(fc.array(step, { maxLength: 30 }), chunking, smallLimits, (body, cuts, options) => {
        // Partial lines are only flushed at end of stream, so end both sides for the byte check.
        const steps = [...body, end('client'), end('server')];
        run(steps, whole, options);
        run(steps, chunkerFrom(cuts), options);
      }),
      { numRuns: 500 },
    );
  });
});
