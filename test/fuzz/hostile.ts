// Protocol-agnostic hostile pieces the three codec fuzz targets share: lines at and past the line
// limit, NUL, bare CR/LF, 8-bit bytes, base64 garbage, random bytes. Each protocol's target mixes
// these with its own shaped commands and replies; pieces are Buffers so any byte can appear.

import fc from 'fast-check';
import type { Side } from '../../src/protocol/types.js';

/** One write by one peer, before chunking. */
export type Step = readonly [Side, Buffer];

export const b = (text: string): Buffer => Buffer.from(text, 'latin1');
export const client = (x: string | Buffer): Step => ['client', typeof x === 'string' ? b(x) : x];
export const server = (x: string | Buffer): Step => ['server', typeof x === 'string' ? b(x) : x];

/** Line limits the targets use: small, so a few hundred bytes reach and pass them. */
export const LINE_LIMITS = [64, 256] as const;

/** Lengths around every limit a target uses (and the defaults' shape, scaled down). */
const lengthArb = fc.oneof(
  fc.constantFrom(...LINE_LIMITS.flatMap((l) => [l - 3, l - 2, l - 1, l, l + 1, l + 2, 2 * l + 1])),
  fc.integer({ min: 0, max: 600 }),
);

const fillerArb = fc.constantFrom('x', 'A', ' ', '\x00', '\xff', '=', '"', '{', '.');
const eolArb = fc.constantFrom('\r\n', '\n', '\r', '', '\r\r\n', '\n\r');

/** A line of `length` bytes after `prefix` (which may be a verb or a tag), ending in any EOL or none. */
export function longLineArb(prefixes: readonly string[]): fc.Arbitrary<Buffer> {
  return fc
    .tuple(fc.constantFrom(...prefixes, ''), lengthArb, fillerArb, eolArb)
    .map(([prefix, n, fill, eol]) => b(prefix + fill.repeat(Math.max(0, n - prefix.length)) + eol));
}

/** Garbage where base64 is expected: wrong alphabet, bad padding, NUL inside, huge, empty, `*`. */
export const base64GarbageArb: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom('', '*', '=', '====', 'A', 'AB=C', '!!!', 'AHVzZXIAcGFzcw', 'AHVzZXIAcGFzcw==extra', '%%%%', 'dXNlcg==\x00', '\xff\xfe', '* ', 'AAAA'.repeat(40)),
  fc.base64String({ maxLength: 80 }),
  fc.uint8Array({ maxLength: 48 }).map((u) => Buffer.from(u).toString('base64')),
  fc.string({ maxLength: 40 }),
);

/** Short lines that are noise in any protocol: NUL, bare CR/LF, 8-bit, empty, control bytes. */
export const noiseArb: fc.Arbitrary<Buffer> = fc.oneof(
  fc.constantFrom('\r\n', '\n', '\r', '\r\r', '\n\n', '\x00', '\x00\r\n', 'a\x00b\r\n', '\x1b[31m\r\n', '\xc3\x28\r\n', '\xe9t\xe9\r\n', '\r\nx\r', '.', '.\r\n', '..\r\n').map(b),
  fc.uint8Array({ maxLength: 64 }).map((u) => Buffer.from(u)),
  fc.uint8Array({ minLength: 1, maxLength: 32 }).map((u) => Buffer.from(u.map((x) => x | 0x80))),
);

/** `{n}` literal headers with wrong counts and shapes, for IMAP and for protocols that must ignore them. */
export const literalHeaderArb: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom('{99999999999}', '{99999999999+}', '~{99999999999}', '{18446744073709551616}', '{-1}', '{}', '{+}', '{1', '{0}', '~{0}', '{ 3}', '{3 }', '{3-}', '{00003}'),
  fc.tuple(fc.constantFrom('', '~'), fc.integer({ min: 0, max: 300 }), fc.constantFrom('', '+', '-')).map(([t, n, f]) => `${t}{${n}${f}}`),
);

export const sideArb = fc.constantFrom<Side>('client', 'server');

/** Where each step is cut (offsets modulo its length + 1). */
export const cutsArb = fc.array(fc.array(fc.nat({ max: 4096 }), { maxLength: 5 }), { maxLength: 60 });
