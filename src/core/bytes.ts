// Byte helpers shared by codecs and recordings. Buffers stay Buffers end to end; text is decoded
// only for short prefixes (verbs, status codes) and for display.

import { isUtf8 } from 'node:buffer';

const CR = 0x0d;
const LF = 0x0a;

// Control characters other than TAB, LF and CR, and DEL: these make a unit "not printable".
const CONTROL = /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]/;

/** True when the bytes are valid UTF-8 with no control characters other than CR, LF and TAB. */
export function isPrintableUtf8(bytes: Buffer): boolean {
  // Both checks run natively (isUtf8 in C++, the regex in V8 over a latin1 view): no JS byte loop.
  return isUtf8(bytes) && !CONTROL.test(bytes.toString('latin1'));
}

/** The line without its trailing CRLF or LF, decoded as latin1 (lossless for any byte). */
export function lineText(line: Buffer): string {
  let end = line.length;
  if (end > 0 && line[end - 1] === LF) end--;
  if (end > 0 && line[end - 1] === CR) end--;
  return line.toString('latin1', 0, end);
}

/** Human size: 1.2 MiB, 512 B. */
export function formatBytes(n: number, lang: 'en' | 'es' = 'en'): string {
  const text =
    n < 1024
      ? `${n} B`
      : n < 1024 * 1024
        ? `${(n / 1024).toFixed(1)} KiB`
        : n < 1024 * 1024 * 1024
          ? `${(n / 1024 / 1024).toFixed(1)} MiB`
          : `${(n / 1024 / 1024 / 1024).toFixed(2)} GiB`;
  // Spanish writes the decimal comma (RAE, Ortografía 2010 §4.2.2.1): 9,8 MiB.
  return lang === 'es' ? text.replace('.', ',') : text;
}

export { CR, LF };

/**
 * Code points a terminal acts on instead of showing: C0 controls, DEL, C1 controls (U+0080–U+009F:
 * a UTF-8 CSI is as good as ESC [ to many terminals), the line and paragraph separators, and the
 * bidirectional overrides and isolates that make text display in another order than it is stored.
 */
const TERMINAL_UNSAFE = /[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;
const TERMINAL_UNSAFE_ALL = new RegExp(TERMINAL_UNSAFE.source, 'g');
/** What JSON.stringify leaves raw among those (it escapes C0 itself; newlines between lines stay). */
const JSON_UNSAFE = /[\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;
const JSON_UNSAFE_ALL = new RegExp(JSON_UNSAFE.source, 'g');

/** The same set as TERMINAL_UNSAFE, as a number test for the per-character loop. */
function isTerminalUnsafe(code: number): boolean {
  return code < 0x20 || (code >= 0x7f && code <= 0x9f) || code === 0x2028 || code === 0x2029 || (code >= 0x202a && code <= 0x202e) || (code >= 0x2066 && code <= 0x2069);
}

/** One unsafe code point, escaped: `\0 \n \r \t`, `\xNN` below U+0080, `\uNNNN` above. */
function escapeCodePoint(code: number): string {
  if (code === 0) return '\\0';
  if (code === 0x0a) return '\\n';
  if (code === 0x0d) return '\\r';
  if (code === 0x09) return '\\t';
  if (code < 0x80) return `\\x${code.toString(16).padStart(2, '0')}`;
  return `\\u${code.toString(16).padStart(4, '0')}`;
}

/**
 * Bytes as one readable line: valid UTF-8 shown as such, control bytes and bytes outside valid
 * UTF-8 escaped (`\0`, `\r`, `\x01`, `\xff`; C1 and bidi controls as `\u009b`, `\u202e`), so
 * nothing invisible hides and nothing reaches a terminal that it would obey. `escapeBackslash`
 * doubles `\` so the result can be decoded back (the CLI's decode); transcripts keep it single
 * so IMAP flags read `\Seen`, as on the wire.
 */
export function escapeBytes(bytes: Buffer, options: { escapeBackslash?: boolean } = {}): string {
  const utf8 = isUtf8(bytes);
  const text = utf8 ? bytes.toString('utf8') : bytes.toString('latin1');
  let out = '';
  for (const ch of text) {
    const code = ch.codePointAt(0)!;
    if (code === 0x5c && options.escapeBackslash) out += '\\\\';
    else if (!utf8 && code >= 0x80) out += `\\x${code.toString(16)}`;
    else if (isTerminalUnsafe(code)) out += escapeCodePoint(code);
    else out += ch;
  }
  return out;
}

/**
 * Text for a terminal or a human document: every code point a terminal would act on escaped as
 * escapeBytes does (idempotent on its output). Every human output path (live view, `show` text
 * and Markdown) passes notes, messages and header fields through this, since a peer chose them.
 */
export function escapeControl(text: string): string {
  return TERMINAL_UNSAFE.test(text) ? text.replace(TERMINAL_UNSAFE_ALL, (ch) => escapeCodePoint(ch.codePointAt(0)!)) : text;
}

/**
 * JSON text (from JSON.stringify) with DEL, C1, separators and bidi controls also written as
 * `\uNNNN`: the same JSON value, but safe to print on a terminal (JSON already escapes C0, and
 * newlines between JSON lines are left alone).
 */
export function terminalSafeJson(json: string): string {
  return JSON_UNSAFE.test(json) ? json.replace(JSON_UNSAFE_ALL, (ch) => `\\u${ch.codePointAt(0)!.toString(16).padStart(4, '0')}`) : json;
}
