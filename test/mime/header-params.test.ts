// Structured header values (RFC 2045 §5.1, RFC 2231): a table of real and broken values, a
// never-throws property, and libmime.parseHeaderValue (installed under mailparser) as an oracle
// for generated well-formed values, post-processed the way headers.ts used to.

import fc from 'fast-check';
import libmime from 'libmime';
import { describe, expect, test } from 'vitest';
import { structuredValue, type StructuredValue } from '../../src/mime/header-params.js';

const CASES: Array<[string, string, StructuredValue]> = [
  ['quoted boundary', 'multipart/mixed; boundary="b1=_x y"', { value: 'multipart/mixed', params: { boundary: 'b1=_x y' } }],
  ['unquoted boundary', 'Multipart/Alternative;\r\n boundary=----=_Part_12_34.56', { value: 'multipart/alternative', params: { boundary: '----=_Part_12_34.56' } }],
  ['charset, names lower-cased, values as written', 'Text/Plain; CHARSET=UTF-8; Format=flowed', { value: 'text/plain', params: { charset: 'UTF-8', format: 'flowed' } }],
  ['RFC 2231 charset and percent bytes', "attachment; filename*=utf-8''%C3%B1and%C3%BA.pdf", { value: 'attachment', params: { filename: 'ñandú.pdf' } }],
  ['RFC 2231 language tag', "attachment; filename*=iso-8859-1'es'Informe%20t%E9cnico.pdf", { value: 'attachment', params: { filename: 'Informe técnico.pdf' } }],
  [
    'RFC 2231 §3 continuations, plain',
    'message/external-body; access-type=URL;\r\n URL*0="ftp://";\r\n URL*1="cs.utk.edu/pub/moore/bulk-mailer/bulk-mailer.tar"',
    { value: 'message/external-body', params: { 'access-type': 'URL', url: 'ftp://cs.utk.edu/pub/moore/bulk-mailer/bulk-mailer.tar' } },
  ],
  [
    'RFC 2231 §4.1 continuations, encoded and plain mixed',
    "application/x-stuff;\r\n title*0*=us-ascii'en'This%20is%20even%20more%20;\r\n title*1*=%2A%2A%2Afun%2A%2A%2A%20;\r\n title*2=\"isn't it!\"",
    { value: 'application/x-stuff', params: { title: "This is even more ***fun*** isn't it!" } },
  ],
  ['continuations out of order, a UTF-8 character split', "attachment; filename*1*=%B1.txt; filename*0*=UTF-8''%C3", { value: 'attachment', params: { filename: 'ñ.txt' } }],
  ['a plain segment keeps its percent sign', "attachment; filename*0*=utf-8''100; filename*1=\"%25.txt\"", { value: 'attachment', params: { filename: '100%25.txt' } }],
  ['extended value beats its plain fallback, either order', "attachment; filename*=utf-8''%E2%82%AC.txt; filename=EUR.txt", { value: 'attachment', params: { filename: '€.txt' } }],
  ['unknown charset leaves the text as written', "attachment; filename*=x-klingon''%C3%B1", { value: 'attachment', params: { filename: '%C3%B1' } }],
  ['encoded word in a quoted filename (Outlook)', 'attachment; filename="=?utf-8?B?w7FhbmTDui5wZGY=?="', { value: 'attachment', params: { filename: 'ñandú.pdf' } }],
  ['quoted-string escapes', 'x/y; a="q\\"uo\\\\te"; b="semi;colon"', { value: 'x/y', params: { a: 'q"uo\\te', b: 'semi;colon' } }],
  ['spaces inside quotes kept', 'x/y; a="  two  "', { value: 'x/y', params: { a: '  two  ' } }],
  ['weird spacing', '  TEXT/html  ;charset = "utf-8" ;  name  =  a b  ', { value: 'text/html', params: { charset: 'utf-8', name: 'a b' } }],
  ['empty parameters and a bare name', 'attachment;; inline ;;', { value: 'attachment', params: { inline: '' } }],
  ['first of two values wins', 'multipart/mixed; boundary=b; boundary=c', { value: 'multipart/mixed', params: { boundary: 'b' } }],
  ['junk after a quoted string', 'multipart/mixed; boundary="b"c; x=1', { value: 'multipart/mixed', params: { boundary: 'b', x: '1' } }],
  ['comment read as text', 'text/plain (a note); charset=us-ascii (plain)', { value: 'text/plain (a note)', params: { charset: 'us-ascii (plain)' } }],
  ['unclosed quote runs to the end', 'text/plain; name="abc; x=y', { value: 'text/plain', params: { name: 'abc; x=y' } }],
  ['empty', '', { value: '', params: {} }],
  ['garbage: an empty name is dropped, a quote in a name is a character', '=;=;"=\\', { value: '=', params: { '"': '' } }],
];

describe('structuredValue', () => {
  test.each(CASES)('%s', (_name, input, expected) => {
    expect(structuredValue(input)).toEqual(expected);
  });

  test('a parameter named __proto__ is a parameter, not a prototype', () => {
    const { params } = structuredValue('x/y; __proto__=polluted; constructor=c');
    expect(Object.getPrototypeOf(params)).toBe(Object.prototype);
    expect(Object.keys(params)).toEqual(['__proto__', 'constructor']);
    expect(params['__proto__']).toBe('polluted');
  });

  // Hostile sizes, checked by what comes out (no timing assertion): a quadratic join or scan
  // would run into the test's timeout here.
  test('many parameters and continuation segments are all read', () => {
    const segments = Array.from({ length: 50_000 }, (_, i) => `a*${i}=x`).join('; ');
    expect(structuredValue(`x/y; ${segments}`).params['a']).toBe('x'.repeat(50_000));
    expect(structuredValue(`x/y; ${'b="\\;'.repeat(50_000)}`).value).toBe('x/y');
    expect(structuredValue(`x/y; ${'=;'.repeat(100_000)}`)).toEqual({ value: 'x/y', params: {} });
  });

  test('never throws', () => {
    const pieces = fc.string({ unit: fc.constantFrom(';', '=', '"', '\\', '*', '*0*', '*1', "''", '%', '%C3', ' ', '(', ')', 'utf-8', 'name', 'a') });
    const input = fc.oneof(fc.string(), fc.string({ unit: 'binary' }), pieces);
    fc.assert(
      fc.property(input, (raw) => {
        const { value, params } = structuredValue(raw);
        expect(typeof value).toBe('string');
        for (const v of Object.values(params)) expect(typeof v).toBe('string');
      }),
      { numRuns: 2000 },
    );
  });

  test('agrees with libmime.parseHeaderValue on well-formed values', () => {
    fc.assert(
      fc.property(headerValue(), (raw) => {
        expect(structuredValue(raw)).toEqual(viaLibmime(raw));
      }),
      { numRuns: 2000 },
    );
  });
});

/** What headers.ts made of libmime: value trimmed and lower-cased, the plain params run through decodeWords. */
function viaLibmime(raw: string): StructuredValue {
  const parsed = libmime.parseHeaderValue(raw) as { value: string; params: Record<string, string>; decodedParams: string[] };
  const params: Record<string, string> = {};
  for (const [name, value] of Object.entries(parsed.params)) {
    // RFC 2231 values come back decoded; decoding them again (as headers.ts once did) would read
    // a percent-encoded `=?...?=` as an encoded word, which libmime warns against.
    params[name] = parsed.decodedParams.includes(name) ? value : libmime.decodeWords(value);
  }
  return { value: parsed.value.trim().toLowerCase(), params };
}

const tokenChars = fc.constantFrom(...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$&+-.^_`|~');
const token = fc.string({ unit: tokenChars, minLength: 1, maxLength: 10 });
const text = fc.string({ unit: 'binary', maxLength: 12 }).filter(wellFormed);
const space = fc.constantFrom('', ' ', '  ', '\t', '\r\n ');

/** A quoted string (RFC 5322 §3.2.4): `"` and `\` escaped, sometimes an encoded word inside. */
const quoted = fc
  .tuple(text, fc.boolean())
  .map(([s, asWord]) => (asWord ? `=?utf-8?B?${Buffer.from(s).toString('base64')}?=` : s))
  .map((s) => `"${s.replace(/["\\]/g, (c) => `\\${c}`)}"`);

/** Bytes percent-encoded as RFC 2231 §4 asks, attribute characters sometimes left as they are. */
function percentEncode(bytes: Uint8Array, keep: boolean[]): string {
  let out = '';
  bytes.forEach((b, i) => {
    const attributeChar = /[A-Za-z0-9!#$&+\-.^`|~]/.test(String.fromCharCode(b));
    out += attributeChar && keep[i % keep.length] ? String.fromCharCode(b) : `%${b.toString(16).padStart(2, '0')}`;
  });
  return out;
}

/** `name*=charset'lang'...` or `name*0*=...; name*1=...` in any order, bytes cut anywhere. */
function extendedParam(name: string) {
  return fc
    .record({
      charset: fc.constantFrom('utf-8', 'UTF-8', 'iso-8859-1'),
      lang: fc.constantFrom('', 'en', 'es-ES'),
      value: text,
      cuts: fc.array(fc.nat(), { maxLength: 3 }),
      plainSegments: fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }),
      keep: fc.array(fc.boolean(), { minLength: 1, maxLength: 5 }),
      order: fc.array(fc.nat(), { minLength: 4, maxLength: 4 }),
    })
    .map(({ charset, lang, value, cuts, plainSegments, keep, order }) => {
      const bytes = charset === 'iso-8859-1' ? Buffer.from(value.replace(/[^\x20-\x7e\xa0-\xff]/g, ''), 'latin1') : Buffer.from(value, 'utf8');
      const at = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
      if (at.length === 0) return [`${name}*=${charset}'${lang}'${percentEncode(bytes, keep)}`];
      const pieces = [0, ...at].map((start, i) => bytes.subarray(start, [...at, bytes.length][i]));
      const segments = pieces.map((piece, i) => {
        // A plain segment (RFC 2231 §4.1) holds only text that needs no encoding.
        const plain = i > 0 && plainSegments[i]! && /^[A-Za-z0-9 .,_-]*$/.test(piece.toString('latin1'));
        if (plain) return `${name}*${i}="${piece.toString('latin1')}"`;
        return `${name}*${i}*=${i === 0 ? `${charset}'${lang}'` : ''}${percentEncode(piece, keep)}`;
      });
      return segments.map((s, i) => [order[i]!, s] as const).sort((a, b) => a[0] - b[0]).map(([, s]) => s);
    });
}

/** `type/subtype` and parameters with distinct names, plain (token or quoted) or RFC 2231. */
function headerValue() {
  const plainParam = (name: string) =>
    fc
      .tuple(space, space, fc.boolean(), fc.oneof(token, quoted))
      .map(([before, after, upper, value]) => [`${upper ? name.toUpperCase() : name}${before}=${after}${value}`]);
  const names = fc.uniqueArray(fc.stringMatching(/^[a-z][a-z0-9-]{0,7}$/), { maxLength: 5 });
  return names.chain((list) =>
    fc
      .tuple(token, token, fc.tuple(...list.map((name) => fc.oneof(plainParam(name), extendedParam(name)))), space, fc.boolean())
      .map(([type, subtype, params, gap, trailing]) => [`${type}/${subtype}`, ...params.flat()].join(`;${gap}`) + (trailing ? ';' : '')),
  );
}

/** No lone surrogate, so the text survives a round trip through UTF-8. */
function wellFormed(s: string): boolean {
  return !/\p{Cs}/u.test(s);
}
