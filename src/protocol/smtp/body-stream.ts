// One message body on its way through the codec: a DATA body (dot-terminated, RFC 5321 §4.5.2)
// or one BDAT chunk of a known size (RFC 3030 §2). Bytes leave as `body` units as soon as they
// are known to be body; only the header block of a message's first chunk is held (at most
// `maxBodyPeekBytes`) so that its first unit can name Subject/From/To.

import { note } from '../../core/note.js';
import type { ByteQueue } from '../byte-queue.js';
import { DotBodyScanner } from '../dot-body.js';
import type { Side, UnitEvent } from '../types.js';
import { BodyPeek } from './body-peek.js';
import { bodyChunkNote, notes } from './codec-notes.js';

export class BodyStream {
  private readonly scanner: DotBodyScanner | null;
  private peek: BodyPeek | null;
  private remaining: number;
  private offset = 0;

  /** `size` undefined: a DATA body; otherwise a BDAT chunk of that many bytes. */
  constructor(
    private readonly side: Side,
    readonly verb: 'DATA' | 'BDAT',
    size: number | undefined,
    peekLimit: number | null,
  ) {
    this.scanner = size === undefined ? new DotBodyScanner() : null;
    this.remaining = size ?? 0;
    this.peek = peekLimit === null ? null : new BodyPeek(peekLimit);
  }

  /** Takes what is body from `queue`; returns the units and whether the body is complete. */
  pump(queue: ByteQueue, out: UnitEvent[]): boolean {
    while (queue.length > 0) {
      let chunk: Buffer;
      let final: boolean;
      if (this.scanner) {
        ({ chunk, final } = this.scanner.next(queue));
        if (chunk.length === 0 && !final) return false;
      } else {
        chunk = queue.take(this.remaining);
        this.remaining -= chunk.length;
        final = this.remaining === 0;
      }
      this.emit(chunk, final, out);
      if (final) return true;
    }
    return false;
  }

  /** At end of stream: whatever the peek still holds, as a non-final body unit. */
  flush(out: UnitEvent[]): void {
    if (!this.peek || this.peek.collected === 0) return;
    const bytes = this.peek.take();
    this.peek = null;
    this.offset += bytes.length;
    out.push({ type: 'unit', side: this.side, kind: 'body', bytes, verb: this.verb, final: false, bodyOffset: this.offset, note: notes.bodyCut });
  }

  private emit(chunk: Buffer, final: boolean, out: UnitEvent[]): void {
    let bytes = chunk;
    let n;
    if (this.peek) {
      if (!this.peek.add(chunk) && !final) return;
      bytes = this.peek.take();
      const what = this.verb === 'BDAT' ? ['BDAT message', 'el mensaje BDAT'] : ['Message data', 'los datos del mensaje'];
      n = this.peek.summary(bytes, what[0]!, what[1]!);
      this.peek = null;
      if (final) {
        const end = bodyChunkNote(this.verb, this.offset + bytes.length, true);
        n = note(`${n.en}; ${end.en}`, `${n.es}; ${end.es}`);
      }
    } else if (chunk.length === 0 && !final) {
      return;
    }
    this.offset += bytes.length;
    n ??= bodyChunkNote(this.verb, this.offset, final);
    out.push({ type: 'unit', side: this.side, kind: 'body', bytes, verb: this.verb, final, bodyOffset: this.offset, note: n });
  }
}
