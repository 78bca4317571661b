// Collects the start of a message body (at most `maxBodyPeekBytes`) until the header block ends,
// so the first body unit can say who the message is from and what it is about. Only the header
// block is decoded (by src/mime, synchronously); the body is never buffered beyond the peek limit.

import { note, type Note } from '../../core/note.js';
import { headerFields } from '../../mime/headers.js';

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
    const picked = pickHeaders(bytes.subarray(0, end));
    if (picked.length === 0) return note(`${what} starts (no Subject/From/To headers seen)`, `Empieza${whatEs.startsWith('los ') ? 'n' : ''} ${whatEs} (sin cabeceras Subject/From/To)`);
    const list = picked.join(' | ');
    return note(`${what} starts: ${list}`, `Empieza${whatEs.startsWith('los ') ? 'n' : ''} ${whatEs}: ${list}`);
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

/** Subject, From and To as `Name: value`, in that order, decoded by the MIME module (RFC 2047). */
function pickHeaders(block: Buffer): string[] {
  const fields = headerFields(block);
  const shown = (v: string) => (v.length > 120 ? `${v.slice(0, 120)}…` : v);
  return (['subject', 'from', 'to'] as const).filter((k) => fields[k] !== undefined).map((k) => `${k[0]!.toUpperCase()}${k.slice(1)}: ${shown(fields[k]!)}`);
}
