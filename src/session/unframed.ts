// No byte waits inside mailtap for framing (issue 14). A codec holds what it cannot frame yet: a
// line without its end, a reply still missing lines, the last bytes of a body that could start
// its terminator. Those bytes are forwarded at the end of the read that brought them; the unit
// that later completes them sends only the rest. This keeps, for one side, the suffix of the
// stream the codec has not given back, and how much of it went out ahead. Pure: no sockets.
//
// The suffix is exact because a codec gives back each side's bytes in order (units and
// injections concatenate to what it was fed: protocol/types.ts, invariant 1).

import type { UnitEvent } from '../protocol/types.js';

export class Unframed {
  /** The held suffix, as the chunks it came in (views, no copy); `head` bytes of the first are gone. */
  private chunks: Buffer[] = [];
  private head = 0;
  /** Bytes the codec holds: fed and not given back. */
  private held = 0;
  /** Of those, from the front, the bytes that went out already. */
  private sent = 0;

  /** Bytes were fed to the codec. */
  fed(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.held += chunk.length;
  }

  /** The codec gave back `n` bytes (a unit or an injection). Returns how many of them went out ahead. */
  framed(n: number): number {
    const ahead = Math.min(this.sent, n);
    this.sent -= ahead;
    this.drop(Math.min(n, this.held));
    return ahead;
  }

  /** The held bytes that have not gone out yet (undefined if none); from here they count as sent. */
  takeUnsent(): Buffer | undefined {
    const unsent = this.held - this.sent;
    if (unsent <= 0) return undefined;
    this.sent = this.held;
    return this.tail(unsent);
  }

  /**
   * The stream restarts inside TLS: nothing held in plaintext may follow it there (the codec has
   * given back every plaintext byte by then, as units or injections; this makes sure).
   */
  clear(): void {
    this.chunks = [];
    this.head = 0;
    this.held = 0;
    this.sent = 0;
  }

  /** How many bytes the codec holds (0: it has given back everything this side sent). */
  get holds(): number {
    return this.held;
  }

  /** How many bytes the codec holds that have not gone out. */
  get unsent(): number {
    return this.held - this.sent;
  }

  /** The last `n` held bytes (a view when they lie in one chunk). */
  private tail(n: number): Buffer {
    const last = this.chunks[this.chunks.length - 1]!;
    const inLast = this.chunks.length === 1 ? last.length - this.head : last.length;
    if (n <= inLast) return last.subarray(last.length - n);
    const parts: Buffer[] = [];
    let need = n;
    for (let i = this.chunks.length - 1; need > 0; i--) {
      const c = this.chunks[i]!;
      const from = i === 0 ? this.head : 0;
      const take = Math.min(need, c.length - from);
      parts.unshift(c.subarray(c.length - take));
      need -= take;
    }
    return Buffer.concat(parts, n);
  }

  private drop(n: number): void {
    this.held -= n;
    while (n > 0) {
      const first = this.chunks[0]!;
      const left = first.length - this.head;
      if (n < left) {
        this.head += n;
        return;
      }
      n -= left;
      this.chunks.shift();
      this.head = 0;
    }
  }
}

/** A codec unit whose first `ahead` bytes went out before the codec framed it. */
export type RelayedUnit = UnitEvent & { ahead?: number };

/** What is left to send of a unit. */
export function unsentBytes(ev: UnitEvent): Buffer {
  const ahead = (ev as RelayedUnit).ahead;
  return ahead ? ev.bytes.subarray(ahead) : ev.bytes;
}
