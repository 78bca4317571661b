// Collects the start of a message body (at most `maxBodyPeekBytes`) until the header block ends,
// so the first body unit can say who the message is from and what it is about. Only the header
// block is decoded; the body itself is never buffered beyond the peek limit.

import { note, type Note } from '../../core/note.js';

const LF = 0x0a;
const CR = 0x0d;

export class BodyPeek {
  private parts: Buffer[] = [];
  private length = 0;
  /** Offset (in collected bytes) where the header block ends, or -1 while unknown. */
  private headerEnd = -1;
  // The two bytes before the next one, so "\n\n" and "\n\r\n" are found across chunks.
  // A virtual LF before the body start lets an immediate empty line mean "no headers".
  private prev1 = LF;
  private prev2 = -1;

  constructor(private readonly limit: number) {}

  get collected(): number {
    return this.length;
  }

  /** Adds a chunk; true once the header block is complete or the peek limit is reached. */
  add(chunk: Buffer): boolean {
    if (this.headerEnd < 0) this.scan(chunk);
    this.parts.push(chunk);
    this.length += chunk.length;
    return this.headerEnd >= 0 || this.length >= this.limit;
  }

  /** Everything collected, as one buffer (copied only when it spans chunks). */
  take(): Buffer {
    const out = this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts, this.length);
    this.parts = [];
    return out;
  }

  /** A note summarising the headers in `bytes` (the buffer `take()` returned). */
  summary(bytes: Buffer, what: string, whatEs: string): Note {
    const end = this.headerEnd >= 0 ? this.headerEnd : Math.min(bytes.length, this.limit);
    const headers = parseHeaders(bytes.subarray(0, end));
    const picked = ['subject', 'from', 'to']
      .map((name) => headers.find((h) => h.name === name))
      .filter((h): h is Header => h !== undefined)
      .map((h) => `${h.display}: ${h.value}`);
    if (picked.length === 0) return note(`${what} starts (no Subject/From/To headers seen)`, `${whatEs} empieza (sin cabeceras Subject/From/To)`);
    const list = picked.join(' | ');
    return note(`${what} starts: ${list}`, `${whatEs} empieza: ${list}`);
  }

  private scan(chunk: Buffer): void {
    let p1 = this.prev1;
    let p2 = this.prev2;
    for (let i = chunk.indexOf(LF); i >= 0; i = chunk.indexOf(LF, i + 1)) {
      const b1 = i >= 1 ? chunk[i - 1]! : p1;
      const b2 = i >= 2 ? chunk[i - 2]! : i === 1 ? p1 : p2;
      if (b1 === LF || (b1 === CR && b2 === LF)) {
        this.headerEnd = this.length + i + 1;
        return;
      }
    }
    if (chunk.length >= 2) {
      p2 = chunk[chunk.length - 2]!;
      p1 = chunk[chunk.length - 1]!;
    } else if (chunk.length === 1) {
      p2 = p1;
      p1 = chunk[0]!;
    }
    this.prev1 = p1;
    this.prev2 = p2;
  }
}

interface Header {
  name: string;
  display: string;
  value: string;
}

function parseHeaders(block: Buffer): Header[] {
  const text = block.toString(isUtf8Safe(block) ? 'utf8' : 'latin1');
  // RFC 5322 §2.2.3: a line starting with whitespace continues the previous header.
  const unfolded = text.replace(/\r?\n(?=[ \t])/g, '');
  const out: Header[] = [];
  for (const line of unfolded.split(/\r?\n/)) {
    const m = /^([!-9;-~]+):[ \t]*(.*)$/.exec(line);
    if (!m) continue;
    const value = decodeEncodedWords(m[2]!.trim());
    out.push({ name: m[1]!.toLowerCase(), display: m[1]!, value: value.length > 120 ? `${value.slice(0, 120)}…` : value });
  }
  return out;
}

function isUtf8Safe(b: Buffer): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(b);
    return true;
  } catch {
    return false;
  }
}

/** RFC 2047 encoded words (`=?UTF-8?B?…?=`, `=?ISO-8859-1?Q?…?=`), best effort. */
export function decodeEncodedWords(value: string): string {
  return value.replace(/=\?([^?]+)\?([BbQq])\?([^?]*)\?=(?:\s+(?==\?))?/g, (whole, charset: string, enc: string, data: string) => {
    try {
      const bytes =
        enc.toUpperCase() === 'B'
          ? Buffer.from(data, 'base64')
          : Buffer.from(data.replace(/_/g, ' ').replace(/=([0-9A-Fa-f]{2})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16))), 'latin1');
      return new TextDecoder(charset.toLowerCase().split('*')[0]).decode(bytes);
    } catch {
      return whole;
    }
  });
}
