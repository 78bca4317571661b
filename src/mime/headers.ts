// Header blocks of a message or of one MIME part, read synchronously: unfolding (RFC 5322
// §2.2.3), encoded words (RFC 2047, encoded-words.ts), parameters with continuations and
// charsets (RFC 2231, header-params.ts). Pure and synchronous, so codecs may call it on the
// bounded header peek they already hold; it never sees a message body.

import { decodeWords } from './encoded-words.js';

export { decodeWords } from './encoded-words.js';
export { structuredValue, type StructuredValue } from './header-params.js';

/** The headers a summary names, decoded for display (absent when the block has none). */
export interface HeaderFields {
  from?: string;
  to?: string;
  cc?: string;
  subject?: string;
  date?: string;
}

/** Decoded header values can be longer than any line shown; this is where they are cut. */
const MAX_SHOWN_CHARS = 200;

/**
 * Header lines of a block (everything before the first empty line) as name → raw values,
 * names lower-cased, folded lines joined. Bytes that are not UTF-8 are read as Latin-1.
 */
export function headerMap(block: Buffer): Map<string, string[]> {
  const text = block.toString(isUtf8(block) ? 'utf8' : 'latin1');
  const end = text.search(/^\r?\n|\r?\n\r?\n/);
  const head = end >= 0 ? text.slice(0, end) : text;
  const out = new Map<string, string[]>();
  for (const line of head.replace(/\r?\n(?=[ \t])/g, '').split(/\r?\n/)) {
    const colon = line.indexOf(':');
    // RFC 5322 §2.2: a field name is printable ASCII without colon or space.
    if (colon <= 0 || !/^[!-9;-~]+$/.test(line.slice(0, colon).trimEnd())) continue;
    const name = line.slice(0, colon).trimEnd().toLowerCase();
    const list = out.get(name) ?? [];
    list.push(line.slice(colon + 1).trim());
    out.set(name, list);
  }
  return out;
}

/** From, To, Cc, Subject and Date of a header block, decoded (RFC 2047) and cut for display. */
export function headerFields(block: Buffer): HeaderFields {
  const map = headerMap(block);
  const out: HeaderFields = {};
  for (const name of ['from', 'to', 'cc', 'subject', 'date'] as const) {
    const raw = map.get(name)?.[0];
    if (raw === undefined) continue;
    const value = decodeWords(raw).replace(/\s+/g, ' ').trim();
    out[name] = value.length > MAX_SHOWN_CHARS ? `${value.slice(0, MAX_SHOWN_CHARS - 1)}…` : value;
  }
  return out;
}

function isUtf8(b: Buffer): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(b);
    return true;
  } catch {
    return false;
  }
}
