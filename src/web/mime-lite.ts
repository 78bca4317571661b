// Just enough MIME for the message view (RFC 2045-2047, 2231): headers with encoded words
// decoded, the part tree, transfer encodings undone, charsets applied. Tolerant: a malformed
// message still shows its headers and raw text; nothing here throws on hostile input.

export interface MimePart {
  /** "1", "1.2": the IMAP-style part number; "" for a single-part message. */
  path: string;
  contentType: string;
  params: Record<string, string>;
  disposition?: string;
  filename?: string;
  encoding: string;
  headers: { name: string; value: string }[];
  /** Decoded (transfer encoding undone) size of a leaf. */
  size: number;
  children: MimePart[];
  /** Leaves only: the decoded bytes. */
  body?: Buffer;
}

const MAX_DEPTH = 20;
const MAX_PARTS = 500;

export function parseMime(raw: Buffer): MimePart {
  const counter = { parts: 0 };
  return parsePart(raw, '', 0, counter, 'text/plain');
}

function parsePart(raw: Buffer, path: string, depth: number, counter: { parts: number }, defaultType: string): MimePart {
  counter.parts++;
  const { headers, body } = splitHeaders(raw);
  const get = (n: string) => headers.find((h) => h.name.toLowerCase() === n)?.raw;
  const ct = parseParams(get('content-type') ?? defaultType);
  const cd = get('content-disposition') ? parseParams(get('content-disposition')!) : undefined;
  const part: MimePart = {
    path,
    contentType: ct.value.toLowerCase() || defaultType,
    params: ct.params,
    encoding: (get('content-transfer-encoding') ?? '7bit').trim().toLowerCase(),
    headers: headers.map((h) => ({ name: h.name, value: decodeWords(h.raw) })),
    size: 0,
    children: [],
  };
  if (cd) part.disposition = cd.value.toLowerCase();
  const filename = cd?.params.filename ?? ct.params.name;
  if (filename) part.filename = decodeWords(filename);
  const boundary = ct.params.boundary;
  if (part.contentType.startsWith('multipart/') && boundary && depth < MAX_DEPTH) {
    const childDefault = part.contentType === 'multipart/digest' ? 'message/rfc822' : 'text/plain';
    splitMultipart(body, boundary).forEach((chunk, i) => {
      if (counter.parts >= MAX_PARTS) return;
      part.children.push(parsePart(chunk, path ? `${path}.${i + 1}` : `${i + 1}`, depth + 1, counter, childDefault));
    });
    return part;
  }
  part.body = decodeTransfer(body, part.encoding);
  part.size = part.body.length;
  return part;
}

interface RawHeader {
  name: string;
  raw: string;
}

export function splitHeaders(raw: Buffer): { headers: RawHeader[]; body: Buffer } {
  let end = -1;
  let bodyStart = raw.length;
  for (let i = raw.indexOf(0x0a); i >= 0; i = raw.indexOf(0x0a, i + 1)) {
    const next = raw[i + 1];
    if (next === 0x0a) {
      end = i;
      bodyStart = i + 2;
      break;
    }
    if (next === 0x0d && raw[i + 2] === 0x0a) {
      end = i;
      bodyStart = i + 3;
      break;
    }
  }
  // A part that starts with a blank line has no headers.
  if (raw[0] === 0x0a || (raw[0] === 0x0d && raw[1] === 0x0a)) return { headers: [], body: raw.subarray(raw[0] === 0x0a ? 1 : 2) };
  const block = raw.subarray(0, end < 0 ? raw.length : end).toString('utf8');
  const headers: RawHeader[] = [];
  for (const line of block.split(/\r?\n/)) {
    if (/^[ \t]/.test(line) && headers.length > 0) headers[headers.length - 1]!.raw += ` ${line.trim()}`;
    else {
      const colon = line.indexOf(':');
      if (colon > 0) headers.push({ name: line.slice(0, colon).trim(), raw: line.slice(colon + 1).trim() });
    }
  }
  return { headers, body: end < 0 ? Buffer.alloc(0) : raw.subarray(bodyStart) };
}

function splitMultipart(body: Buffer, boundary: string): Buffer[] {
  const parts: Buffer[] = [];
  const delim = Buffer.from(`--${boundary}`, 'latin1');
  let at = body.indexOf(delim);
  while (at >= 0) {
    // The delimiter must start a line.
    const lineEnd = body.indexOf(0x0a, at);
    if (lineEnd < 0) break;
    const after = body.subarray(at + delim.length, at + delim.length + 2).toString('latin1');
    if (after === '--') break;
    let next = body.indexOf(delim, lineEnd);
    while (next > 0 && body[next - 1] !== 0x0a) next = body.indexOf(delim, next + 1);
    const end = next < 0 ? body.length : next;
    let chunkEnd = end;
    if (body[chunkEnd - 1] === 0x0a) chunkEnd--;
    if (body[chunkEnd - 1] === 0x0d) chunkEnd--;
    parts.push(body.subarray(lineEnd + 1, Math.max(lineEnd + 1, chunkEnd)));
    at = next;
  }
  return parts;
}

/** `type/sub; a=b; c="d"` with RFC 2231 `name*=charset''value` and continuations. */
export function parseParams(value: string): { value: string; params: Record<string, string> } {
  const params: Record<string, string> = {};
  const continued: Record<string, string[]> = {};
  const [first, ...rest] = splitOutsideQuotes(value);
  for (const p of rest) {
    const eq = p.indexOf('=');
    if (eq < 0) continue;
    let key = p.slice(0, eq).trim().toLowerCase();
    let v = p.slice(eq + 1).trim();
    if (v.startsWith('"') && v.endsWith('"') && v.length >= 2) v = v.slice(1, -1).replace(/\\(.)/g, '$1');
    const m = /^([^*]+)\*(\d+)?(\*)?$/.exec(key);
    if (m) {
      key = m[1]!;
      if (m[3] || (m[2] === undefined && p.slice(0, eq).trim().endsWith('*'))) v = decode2231(v);
      if (m[2] !== undefined) {
        (continued[key] ??= [])[Number(m[2])] = v;
        continue;
      }
    }
    params[key] = v;
  }
  for (const [k, pieces] of Object.entries(continued)) params[k] = pieces.join('');
  return { value: (first ?? '').trim(), params };
}

function splitOutsideQuotes(s: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === '"' && s[i - 1] !== '\\') quoted = !quoted;
    if (c === ';' && !quoted) {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  out.push(cur);
  return out;
}

function decode2231(v: string): string {
  const m = /^([^']*)'[^']*'(.*)$/.exec(v);
  if (!m) return safeDecodeURI(v);
  return charsetDecode(percentBytes(m[2]!), m[1] || 'utf-8');
}

function percentBytes(s: string): Buffer {
  const bytes: number[] = [];
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '%' && /^[0-9a-fA-F]{2}$/.test(s.slice(i + 1, i + 3))) {
      bytes.push(parseInt(s.slice(i + 1, i + 3), 16));
      i += 2;
    } else bytes.push(s.charCodeAt(i) & 0xff);
  }
  return Buffer.from(bytes);
}

function safeDecodeURI(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** RFC 2047 encoded words; adjacent ones joined without the space between them (§6.2). */
export function decodeWords(value: string): string {
  return value
    .replace(/(=\?[^?]+\?[bBqQ]\?[^?]*\?=)\s+(?==\?[^?]+\?[bBqQ]\?[^?]*\?=)/g, '$1')
    .replace(/=\?([^?*]+)(?:\*[^?]+)?\?([bBqQ])\?([^?]*)\?=/g, (_all, charset: string, enc: string, text: string) => {
      const bytes = enc.toUpperCase() === 'B' ? Buffer.from(text, 'base64') : qDecode(text.replace(/_/g, ' '));
      return charsetDecode(bytes, charset);
    });
}

function qDecode(s: string): Buffer {
  return percentBytes(s.replace(/=([0-9a-fA-F]{2})/g, '%$1'));
}

export function decodeTransfer(body: Buffer, encoding: string): Buffer {
  if (encoding === 'base64') return Buffer.from(body.toString('latin1').replace(/[^A-Za-z0-9+/=]/g, ''), 'base64');
  if (encoding === 'quoted-printable') {
    const text = body.toString('latin1').replace(/=\r?\n/g, '');
    return Buffer.from(text.replace(/=([0-9A-Fa-f]{2})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16))), 'latin1');
  }
  return body;
}

export function charsetDecode(bytes: Buffer, charset: string): string {
  try {
    return new TextDecoder(charset.trim().toLowerCase() || 'utf-8').decode(bytes);
  } catch {
    return new TextDecoder('utf-8').decode(bytes);
  }
}

/** Leaves in order, depth first. */
export function leaves(part: MimePart): MimePart[] {
  return part.children.length === 0 ? [part] : part.children.flatMap(leaves);
}
