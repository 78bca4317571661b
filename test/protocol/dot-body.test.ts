import { describe, expect, it } from 'vitest';
import { ByteQueue } from '../../src/protocol/byte-queue.js';
import { DotBodyScanner } from '../../src/protocol/dot-body.js';

/** Where the body ends by RFC 5321 §4.5.2 read byte by byte: after the first "." CRLF (or "." LF) at a line start. */
function referenceEnd(stream: Buffer): number {
  let lineStart = true;
  for (let i = 0; i < stream.length; i++) {
    if (lineStart && stream[i] === 0x2e) {
      if (stream[i + 1] === 0x0a) return i + 2;
      if (stream[i + 1] === 0x0d && stream[i + 2] === 0x0a) return i + 3;
    }
    lineStart = stream[i] === 0x0a;
  }
  return -1;
}

/** Feeds `stream` in the given chunk sizes; returns the body bytes and where the final chunk ended. */
function scan(stream: Buffer, sizes: () => number): { body: Buffer; end: number } {
  const scanner = new DotBodyScanner();
  const queue = new ByteQueue();
  const out: Buffer[] = [];
  let fed = 0;
  while (fed < stream.length) {
    const n = Math.min(sizes(), stream.length - fed);
    queue.push(stream.subarray(fed, fed + n));
    fed += n;
    for (;;) {
      const { chunk, final } = scanner.next(queue);
      out.push(chunk);
      if (final) {
        const body = Buffer.concat(out);
        return { body, end: body.length };
      }
      if (chunk.length === 0) break;
    }
  }
  return { body: Buffer.concat(out), end: -1 };
}

/** A deterministic pseudo-random generator, so a failure can be replayed. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const PIECES = ['a', 'xyz', '\r\n', '\n', '.', '..', '.\r', '\r', ' .', '.x', '\r\n.', '\n.'];

describe('DotBodyScanner', () => {
  it('ends where a byte-by-byte reading of RFC 5321 ends, whatever the bytes and the chunk sizes', () => {
    for (let seed = 1; seed <= 400; seed++) {
      const rand = rng(seed);
      let text = '';
      while (text.length < 200 + rand() * 2000) text += PIECES[Math.floor(rand() * PIECES.length)];
      // Always a terminator somewhere after the random part, then bytes that are not body.
      const stream = Buffer.from(`${text}\r\n.\r\nNEXT COMMAND\r\n`, 'latin1');
      const expected = referenceEnd(stream);
      const sizes = [() => 1, () => 2, () => 3, () => 1 + Math.floor(rand() * 64), () => 16384];
      for (const size of sizes) {
        const { body, end } = scan(stream, size);
        expect({ seed, end }).toEqual({ seed, end: expected });
        expect(body.equals(stream.subarray(0, expected))).toBe(true);
      }
    }
  });

  it('treats a line that starts with "." but is not the terminator as body (dot-stuffing kept)', () => {
    const stream = Buffer.from('line\r\n..stuffed\r\n.x\r\nend\n.\nrest', 'latin1');
    expect(scan(stream, () => 4).end).toBe('line\r\n..stuffed\r\n.x\r\nend\n.\n'.length);
  });

  it('sees the terminator at the very start of the body and after a chunk that ends in LF', () => {
    expect(scan(Buffer.from('.\r\nQUIT\r\n'), () => 1).end).toBe(3);
    const stream = Buffer.from('abc\r\n.\r\n', 'latin1');
    expect(scan(stream, () => 5).end).toBe(stream.length);
  });
});
