// Recognises the literal marker that may end an IMAP line: `{n}` (synchronizing), `{n+}` and
// `{n-}` (non-synchronizing, RFC 7888 §3-4), `~{n}` / `~{n+}` (binary, RFC 3516 §4.1, RFC 9051 §4.3).
// Pure function of the line bytes, so the count is checked before any literal byte is buffered.

import { CR, LF } from '../../core/bytes.js';

const OPEN = 0x7b; // {
const CLOSE = 0x7d; // }
const PLUS = 0x2b;
const MINUS = 0x2d;
const TILDE = 0x7e;
const DIGIT0 = 0x30;
const DIGIT9 = 0x39;
/** Digits of Number.MAX_SAFE_INTEGER (9007199254740991): longer counts cannot be exact. */
const MAX_COUNT_DIGITS = 16;

export interface LiteralMarker {
  /** Number of literal bytes that follow the line. */
  size: number;
  /** `{n}`: the client must wait for a `+` continuation before sending the bytes (RFC 9051 §7.5). */
  sync: boolean;
  /** `~{n}`: literal8, may carry NUL (RFC 3516). */
  binary: boolean;
  /** Index in the line where the marker starts (`{` or `~`). */
  start: number;
}

export type MarkerResult = { kind: 'none' } | { kind: 'literal'; marker: LiteralMarker } | { kind: 'malformed'; reason: string };

const NONE: MarkerResult = { kind: 'none' };

/** End of the line content, before its CRLF (or bare LF). */
export function contentEnd(line: Buffer): number {
  let end = line.length;
  if (end > 0 && line[end - 1] === LF) end--;
  if (end > 0 && line[end - 1] === CR) end--;
  return end;
}

/**
 * Looks at the end of one complete line. A `}` preceded by anything other than digits and a
 * `+`/`-` flag and a `{` is ordinary text (`}` is a legal atom character); digits and flags that
 * do not form a valid count, or a count above Number.MAX_SAFE_INTEGER, are malformed.
 */
export function findLiteralMarker(line: Buffer): MarkerResult {
  const end = contentEnd(line);
  if (end === 0 || line[end - 1] !== CLOSE) return NONE;
  let i = end - 2;
  while (i >= 0) {
    const b = line[i]!;
    if ((b >= DIGIT0 && b <= DIGIT9) || b === PLUS || b === MINUS) i--;
    else break;
  }
  if (i < 0 || line[i] !== OPEN) return NONE;
  const inner = line.toString('latin1', i + 1, end - 1);
  const m = /^([0-9]+)([+-]?)$/.exec(inner);
  if (!m) return { kind: 'malformed', reason: `malformed literal count {${inner}}` };
  const digits = m[1]!.replace(/^0+(?=.)/, '');
  const size = digits.length > MAX_COUNT_DIGITS ? Number.POSITIVE_INFINITY : Number(digits);
  if (!Number.isSafeInteger(size)) return { kind: 'malformed', reason: `literal count {${inner.length > 40 ? `${inner.slice(0, 40)}…` : inner}} is beyond Number.MAX_SAFE_INTEGER` };
  const binary = i > 0 && line[i - 1] === TILDE;
  return { kind: 'literal', marker: { size, sync: m[2] === '', binary, start: binary ? i - 1 : i } };
}
