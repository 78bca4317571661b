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
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 * 1024 * 1024) return `${(n / 1024 / 1024).toFixed(1)} MiB`;
  return `${(n / 1024 / 1024 / 1024).toFixed(2)} GiB`;
}

export { CR, LF };

/**
 * Bytes as one readable line: valid UTF-8 shown as such, control bytes and bytes outside valid
 * UTF-8 escaped (`\0`, `\r`, `\x01`, `\xff`), so nothing invisible hides. `escapeBackslash`
 * doubles `\` so the result can be decoded back (the CLI's decode); transcripts keep it single
 * so IMAP flags read `\Seen`, as on the wire.
 */
export function escapeBytes(bytes: Buffer, options: { escapeBackslash?: boolean } = {}): string {
  const utf8 = isUtf8(bytes);
  const text = utf8 ? bytes.toString('utf8') : bytes.toString('latin1');
  let out = '';
  for (const ch of text) {
    const code = ch.codePointAt(0)!;
    if (code === 0) out += '\\0';
    else if (code === 0x0a) out += '\\n';
    else if (code === 0x0d) out += '\\r';
    else if (code === 0x09) out += '\\t';
    else if (code === 0x5c && options.escapeBackslash) out += '\\\\';
    else if (code < 0x20 || code === 0x7f || (!utf8 && code >= 0x80)) out += `\\x${code.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return out;
}
