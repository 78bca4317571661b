// A structured header value (`type/subtype; name=value`, RFC 2045 §5.1, RFC 2183 §2) split into
// its value and parameters, with RFC 2231 continuations and charsets assembled. Pure and total:
// any input yields a result, in one pass over it plus a sort of the continuation segments.

import { decoderFor } from './charset-decoder.js';
import { decodeWords } from './encoded-words.js';

/** A header value split into its main value and its parameters (`type/subtype; name=value`). */
export interface StructuredValue {
  value: string;
  params: Record<string, string>;
}

/** One piece of an RFC 2231 §3 value: `name*2=...` (plain) or `name*2*=...` (percent-encoded). */
interface Segment {
  index: number;
  extended: boolean;
  text: string;
}

/** `name*`, `name*0`, `name*1*`: the parameter names RFC 2231 §3–§4 give special meaning. */
const SEGMENT_NAME = /\*(?:(\d+)(\*?))?$/;

const WHITESPACE = new Set([' ', '\t', '\r', '\n', '\f', '\v']);

/** `charset'language'` in front of the first extended segment (RFC 2231 §4). */
const CHARSET_PREFIX = /^([^']*)'[^']*'/;

/** `multipart/mixed; boundary="b1"` → `{ value: 'multipart/mixed', params: { boundary: 'b1' } }`. */
export function structuredValue(raw: string): StructuredValue {
  const [value = '', ...pairs] = splitParameters(raw);
  const plain = new Map<string, string>();
  const segments = new Map<string, Map<number, Segment>>();
  for (const [name, text] of pairs) {
    const segment = SEGMENT_NAME.exec(name);
    if (!segment) {
      // A parameter given twice keeps its first value, as Python and libmime read it.
      if (!plain.has(name)) plain.set(name, text);
      continue;
    }
    const base = name.slice(0, segment.index);
    const index = segment[1] === undefined ? 0 : Number(segment[1]);
    const extended = segment[1] === undefined || segment[2] === '*';
    const pieces = segments.get(base) ?? new Map<number, Segment>();
    if (!pieces.has(index)) pieces.set(index, { index, extended, text });
    segments.set(base, pieces);
  }
  const params: Record<string, string> = {};
  for (const [name, text] of plain) {
    // RFC 6266 §4.3: the extended form supersedes its plain fallback, in either order.
    if (!segments.has(name)) setParam(params, name, decodeWords(text));
  }
  for (const [name, pieces] of segments) setParam(params, name, assemble([...pieces.values()]));
  return { value: value.trim().toLowerCase(), params };
}

/**
 * The value and each `name=value` pair, names lower-cased. A quoted string (RFC 2045 §5.1,
 * RFC 5322 §3.2.4) keeps its spaces and loses its backslashes; anything after its closing quote
 * up to the next `;` is junk, as Python reads it. A name without `=` gets an empty value.
 */
function splitParameters(raw: string): [string, ...Array<[string, string]>] {
  const pairs: Array<[string, string]> = [];
  let main: string | undefined;
  let name: string | undefined;
  let text = '';
  let significant = 0; // unquoted trailing white space is not part of the text
  let inQuotes = false;
  let quoteClosed = false;
  let escaped = false;
  const finish = (): void => {
    const collected = text.slice(0, significant);
    if (main === undefined) main = collected;
    else if (name !== undefined) pairs.push([name, collected]);
    else if (collected) pairs.push([collected.toLowerCase(), '']);
    text = '';
    significant = 0;
    name = undefined;
    inQuotes = quoteClosed = escaped = false;
  };
  for (const char of raw) {
    const readingName = main !== undefined && name === undefined;
    if (!inQuotes && !escaped && char === ';') finish();
    else if (readingName && char === '=') {
      name = text.slice(0, significant).toLowerCase();
      text = '';
      significant = 0;
    } else if (quoteClosed) continue;
    else if (escaped) {
      text += char;
      significant = text.length;
      escaped = false;
    } else if (char === '\\' && !readingName) escaped = true;
    else if (char === '"' && !readingName) {
      quoteClosed = inQuotes;
      inQuotes = !inQuotes;
    } else if (!inQuotes && WHITESPACE.has(char)) {
      if (text) text += char;
    } else {
      text += char;
      significant = text.length;
    }
  }
  finish();
  return [main ?? '', ...pairs.filter(([key]) => key !== '')];
}

/**
 * RFC 2231 §3–§4: segments joined in index order. With a charset on the first segment the
 * extended ones are percent-decoded to bytes and the whole is decoded in that charset; plain
 * segments stand for their own characters. An unknown charset leaves the text as written.
 */
function assemble(list: Segment[]): string {
  list.sort((a, b) => a.index - b.index);
  const first = list[0]!;
  const prefix = first.index === 0 && first.extended ? CHARSET_PREFIX.exec(first.text) : null;
  if (prefix) first.text = first.text.slice(prefix[0].length);
  if (!list.some((s) => s.extended)) return decodeWords(list.map((s) => s.text).join(''));
  const decoder = decoderFor(prefix?.[1] || 'utf-8');
  if (!decoder) return list.map((s) => s.text).join('');
  const bytes = list.map((s) => (s.extended ? percentDecoded(s.text) : Buffer.from(s.text, 'utf8')));
  return decoder.decode(Buffer.concat(bytes));
}

/** `%XX` to its byte; any other character, a stray `%` included, to its UTF-8 bytes. */
function percentDecoded(text: string): Uint8Array {
  const raw = Buffer.from(text, 'utf8');
  const out = Buffer.alloc(raw.length);
  let length = 0;
  for (let i = 0; i < raw.length; i++) {
    const hex = raw[i] === 0x25 && i + 2 < raw.length ? raw.toString('latin1', i + 1, i + 3) : '';
    if (/^[0-9A-Fa-f]{2}$/.test(hex)) {
      out[length++] = Number.parseInt(hex, 16);
      i += 2;
    } else out[length++] = raw[i]!;
  }
  return out.subarray(0, length);
}

/** Own and enumerable even for `__proto__`, which plain assignment would turn into a prototype. */
function setParam(params: Record<string, string>, name: string, value: string): void {
  Object.defineProperty(params, name, { value, enumerable: true, writable: true, configurable: true });
}
