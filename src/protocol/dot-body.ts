// Streams a dot-terminated body (SMTP DATA, RFC 5321 §4.5.2; POP3 multi-line, RFC 1939 §3) out of
// a ByteQueue without buffering it: every call returns the bytes that are surely body so far, and
// says when the terminating `.CRLF` at the start of a line has been reached. The bytes are kept
// exactly as sent (dot-stuffing is not undone); only the end is recognised. A line start is any
// position after LF, so a body with bare LF line ends is still terminated as its peers expect.

import type { ByteQueue } from './byte-queue.js';

const LF_DOT = Buffer.from('\n.', 'latin1');

const enum S {
  Mid = 0, // inside a line
  LineStart = 1, // just after LF (or at body start)
  Dot = 2, // line start then '.'
  DotCR = 3, // line start then '.' CR
}

export class DotBodyScanner {
  private state: S = S.LineStart;
  private bytes = 0;

  /** Bytes of this body consumed so far. */
  get offset(): number {
    return this.bytes;
  }

  /**
   * Consumes from `queue` what is known to be body. Returns the chunk (maybe empty) and whether
   * it ends the body (the chunk then ends with the terminator). Bytes of a possible terminator
   * that is not complete yet stay in the queue, so the caller never emits them twice.
   */
  next(queue: ByteQueue): { chunk: Buffer; final: boolean } {
    const avail = queue.length;
    if (avail === 0) return { chunk: Buffer.alloc(0), final: false };
    const view = queue.peek(avail);
    let state = this.state;
    let safe = 0; // bytes that are surely body (not part of an incomplete terminator)
    for (let i = 0; i < view.length; i++) {
      const b = view[i]!;
      switch (state) {
        case S.Mid: {
          // Inside a line only "LF ." can start the terminator: one native search skips every
          // ordinary line (a per-line indexOf of LF cost a JS↔native call per 78-byte line).
          const lfDot = view.indexOf(LF_DOT, i);
          if (lfDot < 0) {
            // No line in the rest starts with "."; a last LF leaves us at a line start.
            state = view[view.length - 1] === 0x0a ? S.LineStart : S.Mid;
            i = view.length;
            safe = view.length;
            break;
          }
          i = lfDot + 1;
          state = S.Dot;
          safe = lfDot + 1;
          break;
        }
        case S.LineStart:
          if (b === 0x2e) state = S.Dot;
          else {
            state = b === 0x0a ? S.LineStart : S.Mid;
            safe = i + 1;
          }
          break;
        case S.Dot:
          if (b === 0x0d) state = S.DotCR;
          else if (b === 0x0a) return this.finish(queue, i + 1);
          else {
            state = S.Mid;
            safe = i + 1;
          }
          break;
        case S.DotCR:
          if (b === 0x0a) return this.finish(queue, i + 1);
          state = S.Mid;
          safe = i + 1;
          break;
      }
    }
    // Keep a pending ".", ".\r" at a line start in the queue: they may begin the terminator.
    this.state = state === S.Dot || state === S.DotCR ? S.LineStart : state;
    const chunk = queue.take(safe);
    this.bytes += chunk.length;
    return { chunk, final: false };
  }

  private finish(queue: ByteQueue, n: number): { chunk: Buffer; final: boolean } {
    const chunk = queue.take(n);
    this.bytes += chunk.length;
    this.state = S.LineStart;
    return { chunk, final: true };
  }
}
