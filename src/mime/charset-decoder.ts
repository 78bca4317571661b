// Charset names found in headers (RFC 2047 §2 encoded words, RFC 2231 §4 parameter values)
// resolved to the runtime's WHATWG TextDecoder, so no charset tables are loaded into the process.
// Pure: an unknown or refused name resolves to undefined and the caller keeps its input as it was.

/** What callers need of a decoder: TextDecoder has this shape, and so has the windows-1252 one. */
export interface CharsetDecoder {
  /** The WHATWG name of the encoding; two labels of one encoding give the same name. */
  readonly encoding: string;
  decode(bytes: Uint8Array): string;
}

/**
 * WHATWG windows-1252, which every Latin-1 and US-ASCII label maps to. Node 20.18.3+ sends it
 * through a Latin-1 fast path that drops bytes 0x80-0x9F (nodejs/node#60888) and, with
 * ignoreBOM, 0xFF, so it is decoded here: Latin-1 plus the 32 characters of that block.
 */
const WINDOWS_1252_C1 =
  '\u20ac\u0081\u201a\u0192\u201e\u2026\u2020\u2021\u02c6\u2030\u0160\u2039\u0152\u008d\u017d\u008f' +
  '\u0090\u2018\u2019\u201c\u201d\u2022\u2013\u2014\u02dc\u2122\u0161\u203a\u0153\u009d\u017e\u0178';
const windows1252: CharsetDecoder = {
  encoding: 'windows-1252',
  decode: (bytes) =>
    Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
      .toString('latin1')
      .replace(/[\x80-\x9f]/g, (c) => WINDOWS_1252_C1[c.charCodeAt(0) - 0x80]!),
};

/**
 * Names mailers write that the WHATWG Encoding Standard does not list. UTF-7 stays unknown on
 * purpose: `=?utf-7?Q?+ADw-script+AD4-?=` would smuggle markup past a filter as `<script>`.
 */
const EXTRA_ALIASES = new Map<string, string>([
  ['cp932', 'shift_jis'],
  ['windows-932', 'shift_jis'],
  ['cp936', 'gbk'],
  ['ms936', 'gbk'],
  ['windows-936', 'gbk'],
  ['cp949', 'euc-kr'],
  ['ms949', 'euc-kr'],
  ['uhc', 'euc-kr'],
  ['cp950', 'big5'],
  ['ms950', 'big5'],
  ['latin9', 'iso-8859-15'],
  ['latin-9', 'iso-8859-15'],
]);

/** Spellings with the separators moved or missing: `win-1252`, `cp-1250`, `iso8859_15`, `utf_8`. */
const LOOSE_SPELLINGS: ReadonlyArray<[RegExp, string]> = [
  [/^(?:win|windows|cp|ms)[-_]?(\d{3,4})$/, 'windows-$1'],
  [/^iso[-_]?8859[-_]?(\d{1,2})$/, 'iso-8859-$1'],
  [/^utf[-_]?(8|16|16le|16be)$/, 'utf-$1'],
];

/** Charset names are few, but header text is attacker-chosen: the cache stops growing here. */
const MAX_CACHED_NAMES = 64;
/** Longer than any charset name (the longest WHATWG label has 19 characters). */
const MAX_NAME_LENGTH = 40;
const decoders = new Map<string, CharsetDecoder | undefined>();

/**
 * The decoder for a charset name, or undefined when the runtime knows no such charset. The
 * decoder replaces invalid bytes with U+FFFD (never throws) and keeps a leading BOM as text, as
 * a header decoded by Buffer would.
 */
export function decoderFor(charset: string): CharsetDecoder | undefined {
  const name = charset.trim().toLowerCase();
  if (name.length > MAX_NAME_LENGTH) return undefined;
  if (decoders.has(name)) return decoders.get(name);
  let decoder = tryDecoder(name) ?? tryDecoder(EXTRA_ALIASES.get(name));
  for (const [pattern, replacement] of LOOSE_SPELLINGS) {
    if (decoder) break;
    if (pattern.test(name)) decoder = tryDecoder(name.replace(pattern, replacement));
  }
  if (decoders.size < MAX_CACHED_NAMES) decoders.set(name, decoder);
  return decoder;
}

function tryDecoder(label: string | undefined): CharsetDecoder | undefined {
  if (!label) return undefined;
  try {
    const decoder = new TextDecoder(label, { ignoreBOM: true });
    return decoder.encoding === 'windows-1252' ? windows1252 : decoder;
  } catch {
    // RangeError: not a WHATWG label (or one that maps to the "replacement" encoding).
    return undefined;
  }
}
