// IMAP syntax of the test-only mini IMAP server: the argument tokenizer (atoms with [sections],
// quoted strings, literals, lists), response strings, sequence sets, and the message views FETCH
// serves (ENVELOPE, BODYSTRUCTURE, BODY[section]<partial>) from a parsed MIME tree.

export type Token = { t: 'atom'; v: string } | { t: 'string'; v: Buffer } | { t: 'list'; v: Token[] };

/** A command failure: the tagged status and text sent back. */
export class CommandError extends Error {
  constructor(
    readonly status: 'NO' | 'BAD',
    message: string,
  ) {
    super(message);
  }
}
export const bad = (text: string): CommandError => new CommandError('BAD', text);
export const no = (text: string): CommandError => new CommandError('NO', text);

/**
 * Arguments of a command assembled with its literals (`{n}` CRLF bytes kept inline), from `start`.
 * An atom runs to SP, paren or CRLF, but a `[` opens a section that may hold spaces and parens
 * (`BODY.PEEK[HEADER.FIELDS (FROM)]<0.10>`).
 */
export function parseArgs(buf: Buffer, start: number): Token[] {
  const stack: Token[][] = [[]];
  let i = start;
  while (i < buf.length) {
    const c = buf[i]!;
    if (c === 0x20 || c === 0x0d || c === 0x0a) {
      i++;
    } else if (c === 0x28) {
      const inner: Token[] = [];
      stack[stack.length - 1]!.push({ t: 'list', v: inner });
      stack.push(inner);
      i++;
    } else if (c === 0x29) {
      if (stack.length === 1) throw bad('unbalanced parenthesis');
      stack.pop();
      i++;
    } else if (c === 0x22) {
      const bytes: number[] = [];
      for (i++; ; i++) {
        if (i >= buf.length || buf[i] === 0x0d || buf[i] === 0x0a) throw bad('unterminated quoted string');
        if (buf[i] === 0x22) break;
        if (buf[i] === 0x5c) i++;
        bytes.push(buf[i]!);
      }
      i++;
      stack[stack.length - 1]!.push({ t: 'string', v: Buffer.from(bytes) });
    } else if (c === 0x7b) {
      const m = /^\{(\d+)\+?\}\r?\n/.exec(buf.toString('latin1', i, i + 24));
      if (!m) throw bad('malformed literal');
      const from = i + m[0].length;
      const n = Number(m[1]);
      stack[stack.length - 1]!.push({ t: 'string', v: buf.subarray(from, from + n) });
      i = from + n;
    } else {
      let depth = 0;
      const from = i;
      for (; i < buf.length; i++) {
        const b = buf[i]!;
        if (b === 0x0d || b === 0x0a) break;
        if (b === 0x5b) depth++;
        else if (b === 0x5d) depth--;
        else if (depth === 0 && (b === 0x20 || b === 0x28 || b === 0x29)) break;
      }
      stack[stack.length - 1]!.push({ t: 'atom', v: buf.toString('utf8', from, i) });
    }
  }
  if (stack.length !== 1) throw bad('unbalanced parenthesis');
  return stack[0]!;
}

/** A quoted string, or a literal when the text holds CR, LF, NUL or 8-bit bytes (RFC 9051 §4.3). */
export function imapString(text: string): string {
  if (/[\r\n\0\u0080-\uffff]/.test(text)) return `{${Buffer.byteLength(text)}}\r\n${text}`;
  return `"${text.replace(/[\\"]/g, '\\$&')}"`;
}

function nstring(text: string | undefined): string {
  return text === undefined ? 'NIL' : imapString(text);
}

export interface SequenceSet {
  /** Whether `n` is in the set, with `*` standing for `max`. */
  has(n: number, max: number): boolean;
  /** The largest number written in the set (0 when only `*`). */
  maxExplicit(): number;
}

/** "1:*,3,5:7" (RFC 9051 §9 sequence-set); null when malformed. */
export function parseSequenceSet(text: string): SequenceSet | null {
  const ranges: Array<[number | '*', number | '*']> = [];
  for (const piece of text.split(',')) {
    const m = /^(\d+|\*)(?::(\d+|\*))?$/.exec(piece);
    if (!m) return null;
    const a = m[1] === '*' ? '*' : Number(m[1]);
    const b = m[2] === undefined ? a : m[2] === '*' ? '*' : Number(m[2]);
    if (a === 0 || b === 0) return null;
    ranges.push([a, b]);
  }
  return {
    has: (n, max) =>
      ranges.some(([a, b]) => {
        const x = a === '*' ? max : a;
        const y = b === '*' ? max : b;
        return n >= Math.min(x, y) && n <= Math.max(x, y);
      }),
    maxExplicit: () => Math.max(0, ...ranges.flat().map((v) => (v === '*' ? 0 : v))),
  };
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** "17-Jul-1996 09:44:25 +0000" in UTC. */
export function internalDate(d: Date): string {
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${p(d.getUTCDate())}-${MONTHS[d.getUTCMonth()]}-${d.getUTCFullYear()} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000`;
}

/** "17-Jul-1996 02:44:25 -0700" (RFC 9051 §9 date-time). */
export function parseDateTime(text: string): Date {
  const m = /^ ?(\d{1,2})-([A-Za-z]{3})-(\d{4}) (\d\d):(\d\d):(\d\d) ([+-])(\d\d)(\d\d)$/.exec(text);
  const month = m ? MONTHS.findIndex((x) => x.toLowerCase() === m[2]!.toLowerCase()) : -1;
  if (!m || month < 0) throw bad('invalid date-time');
  const offset = (m[7] === '-' ? -1 : 1) * (Number(m[8]) * 60 + Number(m[9]));
  const utc = Date.UTC(Number(m[3]), month, Number(m[1]), Number(m[4]), Number(m[5]), Number(m[6]));
  return new Date(utc - offset * 60_000);
}

export interface MimePart {
  header: Buffer; // through the blank line
  body: Buffer;
  fields: Array<[string, string]>; // lower-case name, unfolded value
  type: string;
  subtype: string;
  params: Array<[string, string]>;
  children?: MimePart[];
  inner?: MimePart; // message/rfc822
}

const parsed = new WeakMap<Buffer, MimePart>();

/** The MIME tree of a message, parsed once per stored Buffer. */
export function mimeTree(raw: Buffer): MimePart {
  let part = parsed.get(raw);
  if (!part) parsed.set(raw, (part = parsePart(raw, 'text/plain')));
  return part;
}

function parsePart(raw: Buffer, defaultType: string): MimePart {
  let split = raw.indexOf('\r\n\r\n');
  let sepLen = 4;
  if (raw.subarray(0, 2).toString() === '\r\n') [split, sepLen] = [0, 2];
  if (split < 0) [split, sepLen] = [raw.length, 0];
  const header = raw.subarray(0, split + sepLen);
  const body = raw.subarray(split + sepLen);
  const fields: Array<[string, string]> = [];
  for (const line of header.toString('utf8').replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon > 0) fields.push([line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim()]);
  }
  const ct = parseParams(fields.find(([n]) => n === 'content-type')?.[1] ?? defaultType);
  const [type = 'text', subtype = 'plain'] = ct.value.toLowerCase().split('/');
  const part: MimePart = { header, body, fields, type, subtype, params: ct.params };
  const boundary = ct.params.find(([n]) => n === 'boundary')?.[1];
  if (type === 'multipart' && boundary) {
    part.children = splitMultipart(body, boundary).map((b) =>
      parsePart(b, subtype === 'digest' ? 'message/rfc822' : 'text/plain'),
    );
  } else if (type === 'message' && subtype === 'rfc822') {
    part.inner = parsePart(body, 'text/plain');
  }
  return part;
}

function parseParams(value: string): { value: string; params: Array<[string, string]> } {
  const semi = value.indexOf(';');
  const params: Array<[string, string]> = [];
  const re = /;\s*([^=\s;]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^;\s]*)/g;
  for (const m of (semi < 0 ? '' : value.slice(semi)).matchAll(re)) {
    const v = m[2]!.startsWith('"') ? m[2]!.slice(1, -1).replace(/\\(.)/g, '$1') : m[2]!;
    params.push([m[1]!.toLowerCase(), v]);
  }
  return { value: (semi < 0 ? value : value.slice(0, semi)).trim(), params };
}

/** Body parts between `--boundary` lines (RFC 2046 §5.1.1); the CRLF before a delimiter is its own. */
function splitMultipart(body: Buffer, boundary: string): Buffer[] {
  const delimiter = `--${boundary}`;
  const parts: Buffer[] = [];
  let start = -1;
  let lineStart = 0;
  while (lineStart < body.length) {
    const lf = body.indexOf(0x0a, lineStart);
    const lineEnd = lf < 0 ? body.length : lf + 1;
    const line = body.toString('latin1', lineStart, lineEnd).trimEnd();
    if (line === delimiter || line === `${delimiter}--`) {
      if (start >= 0) {
        const end = lineStart >= 2 && body[lineStart - 2] === 0x0d ? lineStart - 2 : Math.max(start, lineStart - 1);
        parts.push(body.subarray(start, end));
      }
      if (line.endsWith('--')) break;
      start = lineEnd;
    }
    lineStart = lineEnd;
  }
  return parts;
}

function field(part: MimePart, name: string): string | undefined {
  return part.fields.find(([n]) => n === name)?.[1];
}

/** (name adl mailbox host) lists of an address header; NIL when absent or empty. */
function addresses(value: string | undefined): string {
  if (value === undefined) return 'NIL';
  const out: string[] = [];
  for (const entry of value.match(/(?:"(?:[^"\\]|\\.)*"|<[^>]*>|[^,"<])+/g) ?? []) {
    const m = /^(.*?)<([^>]*)>\s*$/.exec(entry.trim());
    const name = m ? m[1]!.trim().replace(/^"(.*)"$/, '$1').replace(/\\(.)/g, '$1') : '';
    const addr = (m ? m[2]! : entry).trim();
    if (!addr || addr.includes(':')) continue; // group syntax is not modelled
    const at = addr.lastIndexOf('@');
    const [mailbox, host] = at < 0 ? [addr, ''] : [addr.slice(0, at), addr.slice(at + 1)];
    out.push(`(${name ? imapString(name) : 'NIL'} NIL ${imapString(mailbox)} ${host ? imapString(host) : 'NIL'})`);
  }
  return out.length ? `(${out.join('')})` : 'NIL';
}

/** ENVELOPE (RFC 9051 §7.5.2); sender and reply-to default to from. */
export function envelope(raw: Buffer | MimePart): string {
  const part = Buffer.isBuffer(raw) ? mimeTree(raw) : raw;
  const from = field(part, 'from');
  return `(${[
    nstring(field(part, 'date')),
    nstring(field(part, 'subject')),
    addresses(from),
    addresses(field(part, 'sender') ?? from),
    addresses(field(part, 'reply-to') ?? from),
    addresses(field(part, 'to')),
    addresses(field(part, 'cc')),
    addresses(field(part, 'bcc')),
    nstring(field(part, 'in-reply-to')),
    nstring(field(part, 'message-id')),
  ].join(' ')})`;
}

function paramList(params: Array<[string, string]>): string {
  return params.length ? `(${params.map(([n, v]) => `${imapString(n.toUpperCase())} ${imapString(v)}`).join(' ')})` : 'NIL';
}

/** BODYSTRUCTURE (with extension data) or BODY (without), RFC 9051 §7.5.2. */
export function bodyStructure(raw: Buffer | MimePart, extended: boolean): string {
  const part = Buffer.isBuffer(raw) ? mimeTree(raw) : raw;
  if (part.children) {
    const ext = extended ? ` ${paramList(part.params)} NIL NIL NIL` : '';
    const kids = part.children.length ? part.children.map((c) => bodyStructure(c, extended)).join('') : '("TEXT" "PLAIN" NIL NIL NIL "7BIT" 0 0)';
    return `(${kids} ${imapString(part.subtype.toUpperCase())}${ext})`;
  }
  const lines = part.body.length === 0 ? 0 : (part.body.toString('latin1').match(/\n/g)?.length ?? 0);
  const fields = [
    imapString(part.type.toUpperCase()),
    imapString(part.subtype.toUpperCase()),
    paramList(part.params),
    nstring(field(part, 'content-id')),
    nstring(field(part, 'content-description')),
    imapString((field(part, 'content-transfer-encoding') ?? '7BIT').toUpperCase()),
    String(part.body.length),
  ];
  if (part.inner) fields.push(envelope(part.inner), bodyStructure(part.inner, extended), String(lines));
  else if (part.type === 'text') fields.push(String(lines));
  if (extended) {
    const disposition = field(part, 'content-disposition');
    const dsp = disposition ? parseParams(disposition) : undefined;
    fields.push('NIL', dsp ? `(${imapString(dsp.value.toUpperCase())} ${paramList(dsp.params)})` : 'NIL', 'NIL', 'NIL');
  }
  return `(${fields.join(' ')})`;
}

export interface FetchedSection {
  /** The item name to answer with, e.g. `BODY[HEADER]<0>` (PEEK dropped). */
  name: string;
  bytes: Buffer;
  /** True when the fetch must not set \Seen. */
  peek: boolean;
}

/** BODY[...]/BODY.PEEK[...]/RFC822(.HEADER/.TEXT) content of a message; null when not such an item. */
export function fetchSection(raw: Buffer, item: string): FetchedSection | null {
  const m = /^(BODY|BODY\.PEEK|RFC822|RFC822\.HEADER|RFC822\.TEXT)(?:\[([^\]]*)\])?(?:<(\d+)(?:\.(\d+))?>)?$/i.exec(item);
  if (!m) return null;
  const kind = m[1]!.toUpperCase();
  const rfc822 = kind.startsWith('RFC822');
  if (rfc822 !== (m[2] === undefined) || (rfc822 && m[3] !== undefined)) return null;
  const section = rfc822 ? { RFC822: '', 'RFC822.HEADER': 'HEADER', 'RFC822.TEXT': 'TEXT' }[kind]! : m[2]!;
  let bytes = sectionBytes(mimeTree(raw), section);
  if (!bytes) throw bad(`invalid section ${section}`);
  let name = rfc822 ? kind : `BODY[${section.toUpperCase()}]`;
  if (m[3] !== undefined) {
    const origin = Number(m[3]);
    bytes = bytes.subarray(origin, m[4] === undefined ? undefined : origin + Number(m[4]));
    name += `<${origin}>`;
  }
  return { name, bytes, peek: kind === 'BODY.PEEK' || kind === 'RFC822.HEADER' };
}

function sectionBytes(root: MimePart, section: string): Buffer | null {
  const m = /^(\d+(?:\.\d+)*)?(?:(?:^|\.)(HEADER\.FIELDS(?:\.NOT)? ?\(([^)]*)\)|HEADER|TEXT|MIME))?$/i.exec(section);
  if (!m) return null;
  let part = root;
  for (const n of m[1] ? m[1].split('.').map(Number) : []) {
    const container = part.inner && part !== root ? part.inner : part;
    if (container.children) {
      const child = container.children[n - 1];
      if (!child) return null;
      part = child;
    } else if (n === 1) {
      part = container; // a non-multipart message has only a part 1: its body (RFC 9051 §6.4.5)
    } else return null;
  }
  const spec = m[2]?.toUpperCase();
  if (!spec) return m[1] ? part.body : Buffer.concat([root.header, root.body]);
  if (spec === 'MIME') return m[1] ? part.header : null;
  const message = m[1] ? part.inner : root; // HEADER/TEXT of a part apply to message/rfc822 only
  if (!message) return null;
  if (spec === 'HEADER') return message.header;
  if (spec === 'TEXT') return message.body;
  const names = new Set(m[3]!.trim().split(/\s+/).map((s) => s.replace(/^"|"$/g, '').toLowerCase()));
  const keep = !spec.includes('.NOT');
  const lines = message.header.toString('latin1').split(/(?<=\n)(?![ \t])/);
  const chosen = lines.filter((l) => l.includes(':') && names.has(l.slice(0, l.indexOf(':')).trim().toLowerCase()) === keep);
  return Buffer.concat([Buffer.from(chosen.join(''), 'latin1'), Buffer.from('\r\n')]);
}
