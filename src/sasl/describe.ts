// The helpers behind `mailtap decode` / `mailtap encode`: what the lab guide does by hand with
// `echo -n … | openssl enc -base64`, for AUTH LOGIN (one base64 line per field) and AUTH PLAIN
// (RFC 4616: one base64 string of `authzid NUL user NUL password`).

import { MailtapError } from '../core/errors.js';
import { decodeBase64, displayBytes, encodeAdvice, encodeBase64, looksTypedInClear } from './base64.js';
import { parsePlain } from './mechanisms/plain.js';

export interface Base64Description {
  bytes: Buffer;
  /** The decoded bytes as text, control and invalid bytes escaped (`\0`, `\xff`). */
  text: string;
  /** Present when the bytes have PLAIN's three NUL-separated fields. */
  plain?: { authzid: string; username: string; password: string };
}

/**
 * Describe one base64 AUTH string. Throws MailtapError('E_USAGE') if it is not base64 and
 * 'E_NOT_BASE64' if it is evidently typed in clear (`alicepw`), both with the advice to encode it.
 */
export function describeBase64(text: string): Base64Description {
  const bytes = decodeBase64(text);
  // Not even the base64 alphabet: a bad argument (exit 2). Base64-shaped but typed in clear: the
  // argument is well-formed, the data is wrong (exit 1), and garbage is never printed as text.
  if (!bytes) throw new MailtapError('E_USAGE', `not valid base64: ${encodeAdvice(text).en}`, { side: 'user' });
  if (looksTypedInClear(text)) throw new MailtapError('E_NOT_BASE64', `not valid base64: ${encodeAdvice(text).en}`, { side: 'user' });
  const out: Base64Description = { bytes, text: displayBytes(bytes) };
  const plain = bytes.includes(0) ? parsePlain(bytes) : null;
  if (plain) out.plain = plain;
  return out;
}

/** AUTH LOGIN: the two lines a client types after the `334` prompts. */
export function encodeLogin(user: string, password: string): { user: string; password: string } {
  return { user: encodeBase64(user), password: encodeBase64(password) };
}

/** AUTH PLAIN: base64("authzid\0user\0password"). */
export function encodePlain(user: string, password: string, authzid = ''): string {
  return encodeBase64(`${authzid}\0${user}\0${password}`);
}
