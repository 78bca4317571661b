// A whole message parsed for reading (the web view's message pane, tests): decoded headers,
// text and HTML bodies, the MIME tree and the attachments. mailparser streams the bytes through
// its parser; attachment contents are counted and dropped, and read again only when asked for
// (`content()`), so parsing a 64 MiB message never holds its attachments (docs/performance.md).

import { Readable } from 'node:stream';
import { MailParser, type AttachmentStream, type HeaderLines, type MessageText } from 'mailparser';
import { decodeWords } from './headers.js';
import { summarizeMessage, type MultipartSummary, type PartSummary } from './summary.js';

export interface ParsedAttachment {
  /** Position among the message's attachments, 0-based, in the order they appear. */
  index: number;
  name?: string;
  type: string;
  disposition?: string;
  contentId?: string;
  /** Decoded size in bytes. */
  size: number;
  /** The decoded content, read again from the message bytes on demand. */
  content(): Promise<Buffer>;
}

export interface ParsedMessage {
  /** Every header line of the message, in order, values unfolded and RFC 2047-decoded. */
  headers: Array<{ name: string; value: string }>;
  from?: string;
  to?: string;
  cc?: string;
  date?: string;
  subject?: string;
  text?: string;
  html?: string;
  /** The MIME tree, one entry per leaf part (path, content type, charset, disposition, file name, size). */
  parts: PartSummary[];
  /** The multipart containers around those leaves (the root's path is `''`). */
  multiparts: MultipartSummary[];
  attachments: ParsedAttachment[];
  /** Bytes of the message. */
  size: number;
}

const PARSER_OPTIONS = { skipHtmlToText: true, skipTextToHtml: true, skipTextLinks: true, skipImageLinks: true, checksumAlgo: false as const };

export async function parseMessage(input: Buffer | Uint8Array): Promise<ParsedMessage> {
  const bytes = Buffer.isBuffer(input) ? input : Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  const tree = summarizeMessage(bytes);
  const out: ParsedMessage = { headers: [], parts: tree.parts, multiparts: tree.multiparts, attachments: [], size: bytes.length };
  await run(bytes, {
    headerLines: (lines) => {
      for (const l of lines) {
        const colon = l.line.indexOf(':');
        out.headers.push({ name: colon > 0 ? l.line.slice(0, colon).trim() : l.key, value: decodeWords(unfold(colon > 0 ? l.line.slice(colon + 1) : l.line)) });
      }
      for (const name of ['from', 'to', 'cc', 'date', 'subject'] as const) {
        const h = out.headers.find((x) => x.name.toLowerCase() === name);
        if (h) out[name] = h.value;
      }
    },
    attachment: async (a) => {
      let size = 0;
      for await (const chunk of a.content) size += (chunk as Buffer).length;
      const index = out.attachments.length;
      const item: ParsedAttachment = { index, type: a.contentType, size, content: () => attachmentContent(bytes, index) };
      if (a.filename !== undefined) item.name = a.filename;
      if (a.contentDisposition !== undefined) item.disposition = a.contentDisposition;
      if (a.contentId !== undefined) item.contentId = a.contentId;
      out.attachments.push(item);
    },
    text: (t) => {
      if (typeof t.text === 'string') out.text = t.text;
      if (typeof t.html === 'string') out.html = t.html;
    },
  });
  return out;
}

/** The decoded content of the attachment at `index` (0-based), read from the message again. */
export async function attachmentContent(bytes: Buffer, index: number): Promise<Buffer> {
  let seen = 0;
  let found: Buffer | null = null;
  await run(bytes, {
    attachment: async (a) => {
      const mine = seen++ === index;
      const chunks: Buffer[] = [];
      for await (const chunk of a.content) if (mine) chunks.push(chunk as Buffer);
      if (mine) found = Buffer.concat(chunks);
    },
  });
  if (found === null) throw new RangeError(`no attachment ${index}`);
  return found;
}

interface Handlers {
  headerLines?: (lines: HeaderLines) => void;
  attachment?: (a: AttachmentStream) => Promise<void>;
  text?: (t: MessageText) => void;
}

function run(bytes: Buffer, on: Handlers): Promise<void> {
  return new Promise((resolve, reject) => {
    const parser = new MailParser(PARSER_OPTIONS);
    let failed = false;
    const fail = (err: unknown) => {
      if (failed) return;
      failed = true;
      parser.destroy();
      reject(err instanceof Error ? err : new Error(String(err)));
    };
    parser.on('headerLines', (lines: HeaderLines) => on.headerLines?.(lines));
    parser.on('data', (item: AttachmentStream | MessageText) => {
      if (item.type === 'text') on.text?.(item);
      else {
        const done = on.attachment ? on.attachment(item) : drain(item);
        done.then(() => item.release?.(), fail);
      }
    });
    parser.on('error', fail);
    parser.on('end', () => {
      if (!failed) resolve();
    });
    // One slice at a time: the parser gets the bytes with backpressure, not a second copy.
    Readable.from(slices(bytes)).pipe(parser);
  });
}

async function drain(a: AttachmentStream): Promise<void> {
  for await (const _ of a.content) void _;
}

function* slices(bytes: Buffer): Generator<Buffer> {
  // 64 KiB: mailparser's splitter slows down sharply on larger writes (docs/performance.md).
  const step = 64 * 1024;
  for (let i = 0; i < bytes.length; i += step) yield bytes.subarray(i, i + step);
  if (bytes.length === 0) yield Buffer.alloc(0);
}

function unfold(value: string): string {
  return value.replace(/\r?\n[ \t]+/g, ' ').trim();
}
