// A message summary built while the message streams past, never keeping it: the MIME tree is
// followed by its boundaries (RFC 2046 §5.1.1), each part's header block is read by headers.ts
// and its body only counted. Synchronous and bounded — at most `maxLineKeep` bytes
// of a line, `maxHeaderBytes` of a header block and `maxParts` parts are ever held — so the
// live view can summarise a 64 MiB DATA as it goes without slowing the relay.

import { headerFields, headerMap, structuredValue, type HeaderFields } from './headers.js';

export interface PartSummary {
  /** IMAP part number (RFC 9051 §6.4.5): `1`, `1.2`, …; a message that is not multipart is `1`. */
  path: string;
  contentType: string;
  charset?: string;
  disposition?: string;
  filename?: string;
  encoding?: string;
  /** Decoded size in bytes (base64 counted as decoded; other encodings as sent). */
  size: number;
  attachment: boolean;
}

export interface AttachmentSummary {
  name?: string;
  type: string;
  size: number;
}

/** A multipart container of the tree (its leaves are in `parts`); the root's path is `''`. */
export interface MultipartSummary {
  path: string;
  contentType: string;
}

export interface MessageSummary extends HeaderFields {
  /** Bytes fed, as on the wire (dot-stuffing and terminator included when there are any). */
  size: number;
  parts: PartSummary[];
  multiparts: MultipartSummary[];
  attachments: AttachmentSummary[];
  /** Parts beyond `maxParts` or nesting beyond `maxDepth` were not listed. */
  truncated: boolean;
}

export interface SummarizerOptions {
  /** The bytes are an SMTP DATA / POP3 body: undo dot-stuffing and stop at the lone dot line. */
  dotStuffed?: boolean;
  maxParts?: number;
  maxDepth?: number;
  maxHeaderBytes?: number;
}

/** RFC 2046 §5.1.1 caps boundaries at 70 characters; the rest of a longer line is only counted. */
const LINE_KEEP = 1024;
const DEFAULTS = { maxParts: 256, maxDepth: 16, maxHeaderBytes: 64 * 1024 };
const TEXT_BODIES = new Set(['text/plain', 'text/html']);

interface OpenPart {
  summary: PartSummary;
  base64: boolean;
  /** Base64 characters seen, for the decoded size. */
  chars: number;
  /** The line end before the next body line: it belongs to the content only if a line follows. */
  pendingEol: number;
}

interface Multipart {
  boundary: string;
  path: string;
  children: number;
}

export class MessageSummarizer {
  private readonly opts: Required<Omit<SummarizerOptions, 'dotStuffed'>> & { dotStuffed: boolean };
  private size = 0;
  private ended = false;
  private truncated = false;
  private fields: HeaderFields = {};
  private readonly parts: PartSummary[] = [];
  private readonly multiparts: MultipartSummary[] = [];
  private readonly stack: Multipart[] = [];
  private inHeaders = true;
  private header: Buffer[] = [];
  private headerBytes = 0;
  private headerPath = '';
  private leaf: OpenPart | null = null;
  // The current line: its first LINE_KEEP bytes and its full length.
  private line: Buffer[] = [];
  private lineKept = 0;
  private lineLength = 0;
  // The line's last two bytes, to tell CRLF from a bare LF whatever its length.
  private last = -1;
  private beforeLast = -1;

  constructor(options: SummarizerOptions = {}) {
    this.opts = { ...DEFAULTS, dotStuffed: false, ...options };
  }

  add(chunk: Buffer): void {
    this.size += chunk.length;
    let from = 0;
    while (from < chunk.length && !this.ended) {
      const lf = chunk.indexOf(0x0a, from);
      if (lf < 0) {
        this.keep(chunk.subarray(from));
        return;
      }
      if (this.lineLength === 0) {
        // The whole line is in this chunk (the common case): a view, no copy.
        const length = lf + 1 - from;
        this.line1(chunk.subarray(from, Math.min(lf + 1, from + LINE_KEEP)), length, lf > from && chunk[lf - 1] === 0x0d ? 2 : 1);
      } else {
        this.keep(chunk.subarray(from, lf + 1));
        this.endLine();
      }
      from = lf + 1;
    }
  }

  finish(): MessageSummary {
    if (this.lineLength > 0 && !this.ended) this.endLine(false);
    if (this.inHeaders && this.headerBytes > 0) this.openPart();
    this.closeLeaf();
    this.ended = true;
    const attachments = this.parts.filter((p) => p.attachment).map((p) => ({ ...(p.filename !== undefined ? { name: p.filename } : {}), type: p.contentType, size: p.size }));
    return { ...this.fields, size: this.size, parts: this.parts, multiparts: this.multiparts, attachments, truncated: this.truncated };
  }

  private keep(piece: Buffer): void {
    this.lineLength += piece.length;
    if (piece.length >= 2) {
      this.beforeLast = piece[piece.length - 2]!;
      this.last = piece[piece.length - 1]!;
    } else if (piece.length === 1) {
      this.beforeLast = this.last;
      this.last = piece[0]!;
    }
    if (this.lineKept < LINE_KEEP) {
      const part = piece.subarray(0, LINE_KEEP - this.lineKept);
      this.line.push(Buffer.from(part));
      this.lineKept += part.length;
    }
  }

  /** The line collected across chunks is complete (`hasLf` false: the last, unterminated line). */
  private endLine(hasLf = true): void {
    const text = this.line.length === 1 ? this.line[0]! : Buffer.concat(this.line);
    const length = this.lineLength;
    const eol = hasLf ? (length >= 2 && this.beforeLast === 0x0d ? 2 : 1) : 0;
    this.line = [];
    this.lineKept = 0;
    this.lineLength = 0;
    this.last = -1;
    this.beforeLast = -1;
    this.line1(text, length, eol);
  }

  /** One line: `text` holds its first bytes (at most LINE_KEEP), `length` counts all of it. */
  private line1(input: Buffer, fullLength: number, eol: number): void {
    let text = input;
    let length = fullLength;
    if (this.opts.dotStuffed && text[0] === 0x2e) {
      // RFC 5321 §4.5.2: a lone dot ends the body; a leading dot of any other line is stuffing.
      if (length === eol + 1) {
        this.ended = true;
        return;
      }
      text = text.subarray(1);
      length--;
    }
    if (this.inHeaders) this.headerLine(text, length, eol);
    else this.bodyLine(text, length, eol);
  }

  private headerLine(text: Buffer, length: number, eol: number): void {
    if (length - eol === 0) {
      this.openPart();
      return;
    }
    // A part that ends before its header block does (`--b` right after the headers).
    if (text[0] === 0x2d && text[1] === 0x2d && this.stack.length > 0 && this.isBoundary(text)) {
      this.openPart();
      this.boundary(text);
      return;
    }
    if (this.headerBytes + length <= this.opts.maxHeaderBytes) {
      this.header.push(Buffer.from(text)); // a copy: chunks are views the caller reuses
      this.headerBytes += length;
    }
  }

  private bodyLine(text: Buffer, length: number, eol: number): void {
    if (text[0] === 0x2d && text[1] === 0x2d && this.stack.length > 0 && this.boundary(text)) return;
    const leaf = this.leaf;
    if (!leaf) return;
    const content = length - eol;
    if (leaf.base64) {
      let n = Math.min(content, text.length);
      while (n > 0 && (text[n - 1] === 0x3d || text[n - 1] === 0x20 || text[n - 1] === 0x09 || text[n - 1] === 0x0d)) n--;
      leaf.chars += n + (content - Math.min(content, text.length));
    } else {
      leaf.summary.size += leaf.pendingEol + content;
      leaf.pendingEol = eol;
    }
  }

  private isBoundary(text: Buffer): boolean {
    const line = text.toString('latin1').replace(/[ \t\r\n]+$/, '');
    return this.stack.some((mp) => line === `--${mp.boundary}` || line === `--${mp.boundary}--`);
  }

  /** A `--boundary` or `--boundary--` line of an open multipart: true when it was one. */
  private boundary(text: Buffer): boolean {
    const line = text.toString('latin1').replace(/[ \t\r\n]+$/, '');
    for (let i = this.stack.length - 1; i >= 0; i--) {
      const mp = this.stack[i]!;
      const b = `--${mp.boundary}`;
      if (line === b) {
        this.closeLeaf();
        this.stack.length = i + 1;
        mp.children++;
        this.inHeaders = true;
        this.headerPath = mp.path ? `${mp.path}.${mp.children}` : `${mp.children}`;
        return true;
      }
      if (line === `${b}--`) {
        this.closeLeaf();
        this.stack.length = i;
        return true;
      }
    }
    return false;
  }

  private openPart(): void {
    const block = Buffer.concat(this.header);
    this.header = [];
    this.headerBytes = 0;
    this.inHeaders = false;
    const map = headerMap(block);
    const isRoot = this.headerPath === '';
    if (isRoot) this.fields = headerFields(block);
    const parent = this.stack[this.stack.length - 1];
    // RFC 2046 §5.1.5: inside multipart/digest a part without Content-Type is message/rfc822.
    const type = structuredValue(map.get('content-type')?.[0] ?? (parent?.boundary && this.digest.has(parent) ? 'message/rfc822' : 'text/plain'));
    const disposition = map.has('content-disposition') ? structuredValue(map.get('content-disposition')![0]!) : undefined;
    const encoding = map.get('content-transfer-encoding')?.[0]?.trim().toLowerCase();
    const filename = disposition?.params.filename ?? type.params.name;
    if (type.value.startsWith('multipart/') && type.params.boundary && this.stack.length < this.opts.maxDepth) {
      const mp: Multipart = { boundary: type.params.boundary, path: this.headerPath, children: 0 };
      if (type.value === 'multipart/digest') this.digest.add(mp);
      this.stack.push(mp);
      if (this.multiparts.length < this.opts.maxParts) this.multiparts.push({ path: this.headerPath, contentType: type.value });
      return;
    }
    if (type.value.startsWith('multipart/')) this.truncated = true;
    if (this.parts.length >= this.opts.maxParts) {
      this.truncated = true;
      return;
    }
    const summary: PartSummary = { path: this.headerPath || '1', contentType: type.value || 'text/plain', size: 0, attachment: false };
    if (type.params.charset) summary.charset = type.params.charset;
    if (disposition?.value) summary.disposition = disposition.value;
    if (filename) summary.filename = filename;
    if (encoding) summary.encoding = encoding;
    // As mailparser decides: an attachment is anything but an inline text body.
    summary.attachment = disposition?.value === 'attachment' || filename !== undefined || !TEXT_BODIES.has(summary.contentType);
    if (isRoot && !map.has('content-type') && map.size === 0) summary.attachment = false;
    this.parts.push(summary);
    this.leaf = { summary, base64: encoding === 'base64', chars: 0, pendingEol: 0 };
  }

  private readonly digest = new WeakSet<Multipart>();

  private closeLeaf(): void {
    const leaf = this.leaf;
    if (!leaf) return;
    if (leaf.base64) leaf.summary.size = Math.floor((leaf.chars * 3) / 4);
    this.leaf = null;
  }
}

/** Summary of a whole message held in memory (a recording's extracted message, a test). */
export function summarizeMessage(bytes: Buffer | Uint8Array, options: SummarizerOptions = {}): MessageSummary {
  const s = new MessageSummarizer(options);
  s.add(Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  return s.finish();
}
