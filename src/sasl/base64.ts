// Base64 as AUTH lines carry it (RFC 4648 §4), read leniently because people paste it by hand:
// whitespace is ignored and missing padding is tolerated. Also the display helper that shows
// decoded bytes as text without ever hiding a NUL or a control byte.

import { isUtf8 } from 'node:buffer';
import { escapeBytes } from '../core/bytes.js';

const ALPHABET = /^[A-Za-z0-9+/]*$/;

/** Decode base64 leniently (whitespace ignored, missing padding ok); null if not base64. */
export function decodeBase64(text: string): Buffer | null {
  const compact = text.replace(/\s+/g, '');
  // RFC 4954 §4: a lone "=" is an empty initial response.
  if (compact === '=') return Buffer.alloc(0);
  const body = compact.replace(/={1,2}$/, '');
  if (!ALPHABET.test(body)) return null;
  // A lone trailing sextet cannot carry a whole byte: that is truncation, not missing padding.
  if (body.length % 4 === 1) return null;
  // Padding, when present, must make a whole quantum.
  if (body.length !== compact.length && compact.length % 4 !== 0) return null;
  return Buffer.from(body, 'base64');
}

/**
 * True when an AUTH response was evidently typed in clear instead of base64: it is not base64 at
 * all (`alice`), or it is a bare run of letters and digits that only "decodes" into bytes that are
 * not even UTF-8 (`alicepw` → `jX\x9cz\x9c`). Real base64 of text decodes to text; binary SASL
 * blobs (NTLM, GSSAPI) come padded or with `+` `/`, so they are not mistaken for typing.
 */
export function looksTypedInClear(text: string): boolean {
  const compact = text.trim();
  if (compact === '' || compact === '*' || compact === '=') return false;
  const bytes = decodeBase64(compact);
  if (!bytes) return true;
  return /^[A-Za-z0-9]+$/.test(compact) && !isUtf8(bytes);
}

/** The lab guide's ways to produce base64, for messages that ask for it. */
export function encodeAdvice(text: string): { en: string; es: string } {
  const shown = JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text);
  return {
    en: `${shown} is not base64: it looks typed in clear. Encode it first: \`mailtap encode USER PASSWORD\` (or \`printf %s ${shown} | openssl enc -base64\`)`,
    es: `${shown} no está en base64: parece escrito en claro. Codifíquelo antes: \`mailtap encode USUARIO CONTRASEÑA\` (o \`printf %s ${shown} | openssl enc -base64\`)`,
  };
}

export function encodeBase64(text: string | Buffer): string {
  return (typeof text === 'string' ? Buffer.from(text, 'utf8') : text).toString('base64');
}

/**
 * Bytes as readable text: valid UTF-8 is shown as such, every control byte and every byte that
 * is not part of valid UTF-8 is escaped (`\0`, `\x01`, `\xff`), so nothing invisible hides.
 */
export function displayBytes(bytes: Buffer): string {
  return escapeBytes(bytes, { escapeBackslash: true });
}

/** Quoted form for notes, so an empty or space-padded value stays visible. */
export function quoted(bytes: Buffer | string): string {
  return `"${displayBytes(typeof bytes === 'string' ? Buffer.from(bytes, 'utf8') : bytes)}"`;
}
