// Summarises a message body seen as a stream of chunks, without keeping it: total size, how many
// attachments (counted with native Buffer.indexOf over every chunk, matches across a chunk
// boundary included), and the Subject header when it shows up in the first few KiB.

import { formatBytes } from '../core/bytes.js';

/** Bytes of the start of a body kept to find its Subject header. */
const HEADER_PEEK_BYTES = 8 * 1024;
/** Longest needle; this many bytes of one chunk are kept to catch matches split across chunks. */
const CARRY_BYTES = 40;

const FILENAME = ['filename=', 'filename*', 'FILENAME=', 'FILENAME*', 'Filename=', 'Filename*', 'FileName='].map((s) => Buffer.from(s, 'latin1'));
const DISPOSITION = [
  'Content-Disposition: attachment',
  'Content-Disposition:attachment',
  'content-disposition: attachment',
  'Content-disposition: attachment',
  'CONTENT-DISPOSITION: ATTACHMENT',
  'Content-Disposition: Attachment',
].map((s) => Buffer.from(s, 'latin1'));

export class BodySummary {
  bytes = 0;
  chunks = 0;
  private filenames = 0;
  private dispositions = 0;
  private peek: Buffer[] = [];
  private peekBytes = 0;
  private carry: Buffer = Buffer.alloc(0);

  add(chunk: Buffer): void {
    this.bytes += chunk.length;
    this.chunks++;
    if (this.peekBytes < HEADER_PEEK_BYTES) {
      const part = chunk.subarray(0, HEADER_PEEK_BYTES - this.peekBytes);
      this.peek.push(Buffer.from(part));
      this.peekBytes += part.length;
    }
    this.filenames += countIn(chunk, FILENAME, this.carry);
    this.dispositions += countIn(chunk, DISPOSITION, this.carry);
    this.carry = Buffer.from(chunk.length >= CARRY_BYTES ? chunk.subarray(chunk.length - CARRY_BYTES) : Buffer.concat([this.carry, chunk]).subarray(-CARRY_BYTES));
  }

  /** Parts with `Content-Disposition: attachment` or a `filename=` parameter (whichever is more). */
  get attachments(): number {
    return Math.max(this.filenames, this.dispositions);
  }

  /** The Subject header, when the body starts with a header block that has one. */
  get subject(): string | null {
    const head = Buffer.concat(this.peek).toString('utf8');
    const end = head.search(/\r?\n\r?\n/);
    const headers = end >= 0 ? head.slice(0, end) : head;
    const m = /^Subject:[ \t]*(.*(?:\r?\n[ \t].*)*)/im.exec(headers);
    if (!m) return null;
    const value = m[1]!.replace(/\r?\n[ \t]+/g, ' ').trim();
    return value.length > 60 ? value.slice(0, 57) + '...' : value;
  }

  /** `[DATA 1.2 MiB, 3 attachments]` with the label given (`DATA`, `RETR body`, `literal`). */
  describe(label: string, lang: 'en' | 'es'): string {
    const parts = [`${label} ${formatBytes(this.bytes)}`];
    const n = this.attachments;
    if (n > 0) parts.push(lang === 'es' ? `${n} ${n === 1 ? 'adjunto' : 'adjuntos'}` : `${n} ${n === 1 ? 'attachment' : 'attachments'}`);
    const subject = this.subject;
    return `[${parts.join(', ')}]${subject ? ` Subject: ${subject}` : ''}`;
  }
}

/** Matches of any needle wholly inside `chunk`, plus those that start in `carry` and end in `chunk`. */
function countIn(chunk: Buffer, needles: Buffer[], carry: Buffer): number {
  let n = 0;
  for (const needle of needles) {
    for (let at = chunk.indexOf(needle); at >= 0; at = chunk.indexOf(needle, at + needle.length)) n++;
  }
  if (carry.length === 0) return n;
  const seam = Buffer.concat([carry, chunk.subarray(0, CARRY_BYTES)]);
  for (const needle of needles) {
    for (let at = seam.indexOf(needle); at >= 0 && at < carry.length; at = seam.indexOf(needle, at + 1)) {
      if (at + needle.length > carry.length && at + needle.length <= seam.length) n++;
    }
  }
  return n;
}
