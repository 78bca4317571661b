// A receive buffer for one direction of a codec. Chunks are kept as they arrived (no copy on
// push); a line search remembers how far it already looked, so a byte-at-a-time drip stays linear
// (the h11 trick). Units that lie inside one chunk are returned as views; only a unit that spans
// chunks is copied once.

import { LF } from '../core/bytes.js';

export type LineResult =
  | { kind: 'line'; bytes: Buffer }
  /** No LF within `maxLineBytes`: the first `maxLineBytes` bytes, to be passed on as raw. */
  | { kind: 'overflow'; bytes: Buffer };

export class ByteQueue {
  private chunks: Buffer[] = [];
  private head = 0; // offset into chunks[0]
  private total = 0;
  private searched = 0; // bytes from the front already known to hold no LF

  get length(): number {
    return this.total;
  }

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.total += chunk.length;
  }

  /** The next complete line (through its LF), an overflow slice, or null when more bytes are needed. */
  takeLine(maxLineBytes: number): LineResult | null {
    const at = this.indexOfLF(maxLineBytes);
    if (at >= 0) return { kind: 'line', bytes: this.take(at + 1) };
    if (this.total >= maxLineBytes) return { kind: 'overflow', bytes: this.take(maxLineBytes) };
    return null;
  }

  /** Up to `n` bytes from the front (fewer if fewer are queued). */
  take(n: number): Buffer {
    const want = Math.min(n, this.total);
    if (want === 0) return Buffer.alloc(0);
    const first = this.chunks[0]!;
    const avail = first.length - this.head;
    let out: Buffer;
    if (want <= avail) {
      out = first.subarray(this.head, this.head + want);
      this.head += want;
      if (this.head === first.length) {
        this.chunks.shift();
        this.head = 0;
      }
    } else {
      out = Buffer.allocUnsafe(want);
      let filled = 0;
      while (filled < want) {
        const c = this.chunks[0]!;
        const n2 = Math.min(c.length - this.head, want - filled);
        c.copy(out, filled, this.head, this.head + n2);
        filled += n2;
        this.head += n2;
        if (this.head === c.length) {
          this.chunks.shift();
          this.head = 0;
        }
      }
    }
    this.total -= want;
    this.searched = Math.max(0, this.searched - want);
    return out;
  }

  /** Everything queued. */
  takeAll(): Buffer {
    return this.take(this.total);
  }

  /** The byte at `index` from the front, or -1. */
  byteAt(index: number): number {
    if (index < 0 || index >= this.total) return -1;
    let i = index + this.head;
    for (const c of this.chunks) {
      if (i < c.length) return c[i]!;
      i -= c.length;
    }
    return -1;
  }

  /** Up to `n` bytes from the front without consuming them (copied only if they span chunks). */
  peek(n: number): Buffer {
    const want = Math.min(n, this.total);
    const first = this.chunks[0];
    if (!first) return Buffer.alloc(0);
    if (want <= first.length - this.head) return first.subarray(this.head, this.head + want);
    const out = Buffer.allocUnsafe(want);
    let filled = 0;
    let head = this.head;
    for (const c of this.chunks) {
      const n2 = Math.min(c.length - head, want - filled);
      c.copy(out, filled, head, head + n2);
      filled += n2;
      head = 0;
      if (filled === want) break;
    }
    return out;
  }

  /** Index of the first LF from the front, searching at most `limit` bytes; -1 if none yet. */
  private indexOfLF(limit: number): number {
    let base = 0; // global offset of the current chunk's first unread byte
    let skip = this.searched;
    for (let ci = 0; ci < this.chunks.length; ci++) {
      const c = this.chunks[ci]!;
      const start = ci === 0 ? this.head : 0;
      const len = c.length - start;
      if (skip >= len) {
        skip -= len;
        base += len;
        continue;
      }
      const from = start + skip;
      const stop = Math.min(c.length, start + Math.max(0, limit - base));
      const hit = from < stop ? c.indexOf(LF, from) : -1;
      if (hit >= 0 && hit < stop) return base + (hit - start);
      skip = 0;
      base += len;
      if (base >= limit) break;
    }
    this.searched = Math.min(this.total, limit);
    return -1;
  }
}
