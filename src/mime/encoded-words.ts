// RFC 2047 encoded words (`=?charset?B|Q?text?=`) in a header value decoded to text with the
// runtime's TextDecoder. Pure and total: a word that cannot be decoded stays as it was written,
// and the work is linear in the length of the value.

import { decoderFor, type CharsetDecoder } from './charset-decoder.js';

/**
 * One encoded word (RFC 2047 §2). The text may hold whitespace, which §5 forbids but mailers
 * that fold inside a word leave behind; `?` ends it, so no match can run past the next `?=`.
 */
const ENCODED_WORD = /=\?([^?\s]+)\?([BbQq])\?([^?]*)\?=/g;

/** Linear white space between two encoded words (RFC 2047 §6.2), folds included. */
const BETWEEN_WORDS = /^[ \t\r\n]*$/;

const BASE64_TEXT = /^[A-Za-z0-9+/=]*$/;
const FOLDING_WHITESPACE = /[ \t\r\n]+/g;

/**
 * A run of adjacent words in one charset, kept as bytes until the run ends. `openQuartet` holds
 * the base64 characters of a word that stopped inside a 4-character group: mailers that cut the
 * base64 text instead of the bytes continue that group in the next word.
 */
interface PendingRun {
  decoder: CharsetDecoder;
  bytes: Uint8Array[];
  openQuartet: string;
}

/** RFC 2047 encoded words decoded (`=?utf-8?Q?Informe_t=C3=A9cnico?=` → `Informe técnico`). */
export function decodeWords(value: string): string {
  if (!value.includes('=?')) return value;
  let out = '';
  let consumed = 0;
  let run: PendingRun | undefined;
  for (const match of value.matchAll(ENCODED_WORD)) {
    const decoder = decoderFor(stripLanguage(match[1]!));
    const isBase64 = match[2] === 'B' || match[2] === 'b';
    const base64 = isBase64 ? compactBase64(match[3]!) : undefined;
    // An undecodable word is left in place as plain text, so the gap before the next word grows.
    if (!decoder || (isBase64 && base64 === undefined)) continue;
    const gap = value.slice(consumed, match.index);
    const adjacent = run !== undefined && BETWEEN_WORDS.test(gap);
    // RFC 2047 §6.2: the white space between adjacent words is not displayed. Words in one
    // charset are joined as bytes, since mailers split a multi-byte character across two.
    if (!run || !adjacent || run.decoder.encoding !== decoder.encoding) {
      if (run) out += decodeRun(run);
      if (!adjacent) out += gap;
      run = { decoder, bytes: [], openQuartet: '' };
    }
    if (base64 !== undefined) appendBase64(run, base64);
    else {
      closeQuartet(run);
      run.bytes.push(quotedBytes(match[3]!));
    }
    consumed = match.index + match[0].length;
  }
  if (run) out += decodeRun(run);
  return out + value.slice(consumed);
}

/** RFC 2231 §5 lets an encoded word name its language (`=?utf-8*es?Q?...?=`); display ignores it. */
function stripLanguage(charset: string): string {
  const star = charset.indexOf('*');
  return star >= 0 ? charset.slice(0, star) : charset;
}

function decodeRun(run: PendingRun): string {
  closeQuartet(run);
  return run.decoder.decode(run.bytes.length === 1 ? run.bytes[0] : Buffer.concat(run.bytes));
}

/** The base64 text of a B word without folds, or undefined when it is not base64 at all. */
function compactBase64(text: string): string | undefined {
  const compact = text.replace(FOLDING_WHITESPACE, '');
  return BASE64_TEXT.test(compact) ? compact : undefined;
}

/**
 * RFC 2047 §4.1, read leniently: padding may be missing, and text padded in the middle (padded
 * words glued together) is read chunk by chunk, each chunk a base64 text of its own.
 */
function appendBase64(run: PendingRun, text: string): void {
  const joined = run.openQuartet + text;
  const chunks = joined.split(/=+/).filter((chunk) => chunk.length > 0);
  run.openQuartet = '';
  const last = chunks.length - 1;
  if (last >= 0 && !joined.endsWith('=') && chunks[last]!.length % 4 !== 0) {
    const cut = chunks[last]!.length - (chunks[last]!.length % 4);
    run.openQuartet = chunks[last]!.slice(cut);
    chunks[last] = chunks[last]!.slice(0, cut);
  }
  for (const chunk of chunks) if (chunk.length > 0) run.bytes.push(Buffer.from(chunk, 'base64'));
}

/** A group no later word continued: its 2 or 3 characters still carry 1 or 2 bytes. */
function closeQuartet(run: PendingRun): void {
  if (run.openQuartet) run.bytes.push(Buffer.from(run.openQuartet, 'base64'));
  run.openQuartet = '';
}

/**
 * RFC 2047 §4.2: `_` is a space and `=XX` a byte. An `=` without two hex digits is kept as it
 * is. White space inside the word (a fold a mailer put there) reads as a space, except between
 * `=` and its hex digits, where it split one escape in two. Other characters stand for their
 * UTF-8 bytes, which is what an 8-bit header read as UTF-8 held.
 */
function quotedBytes(text: string): Uint8Array {
  const raw = Buffer.from(text.replace(/=[ \t\r\n]+(?=[0-9A-Fa-f])/g, '='), 'utf8');
  const out = Buffer.allocUnsafe(raw.length);
  let length = 0;
  for (let i = 0; i < raw.length; i++) {
    const byte = raw[i]!;
    if (byte === 0x3d && i + 2 < raw.length && isHexDigit(raw[i + 1]!) && isHexDigit(raw[i + 2]!)) {
      out[length++] = (hexValue(raw[i + 1]!) << 4) | hexValue(raw[i + 2]!);
      i += 2;
    } else if (byte === 0x5f || byte === 0x09 || byte === 0x0a || byte === 0x0d) {
      out[length++] = 0x20;
    } else {
      out[length++] = byte;
    }
  }
  return out.subarray(0, length);
}

function isHexDigit(byte: number): boolean {
  return (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x46) || (byte >= 0x61 && byte <= 0x66);
}

function hexValue(byte: number): number {
  return byte <= 0x39 ? byte - 0x30 : (byte | 0x20) - 0x61 + 10;
}
