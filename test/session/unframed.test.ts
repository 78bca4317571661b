// Unframed: the suffix of a side's stream the codec still holds, and how much of it went out
// ahead. Checked against a model (the whole stream and three offsets) over random operations.

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Unframed, unsentBytes } from '../../src/session/unframed.js';
import type { UnitEvent } from '../../src/protocol/types.js';

type Op = { op: 'feed'; bytes: Buffer } | { op: 'frame'; n: number } | { op: 'take' };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.uint8Array({ minLength: 0, maxLength: 20 }).map((a) => ({ op: 'feed' as const, bytes: Buffer.from(a) })),
  fc.nat(30).map((n) => ({ op: 'frame' as const, n })),
  fc.constant({ op: 'take' as const }),
);

describe('Unframed', () => {
  it('a partial line goes out once; the unit completing it sends only the rest', () => {
    const u = new Unframed();
    u.fed(Buffer.from('a1 LOGIN al'));
    expect(u.takeUnsent()?.toString()).toBe('a1 LOGIN al');
    expect(u.takeUnsent()).toBeUndefined();
    u.fed(Buffer.from('ice pw\r\na2 NO'));
    // The codec frames the whole line: 11 of its 19 bytes went out already.
    expect(u.framed(19)).toBe(11);
    expect(u.takeUnsent()?.toString()).toBe('a2 NO');
    u.fed(Buffer.from('OP\r\n'));
    expect(u.framed(9)).toBe(5);
    expect(u.unsent).toBe(0);
  });

  it('bytes held from earlier reads (behind a boundary) go out together once allowed', () => {
    const u = new Unframed();
    u.fed(Buffer.from('EH'));
    u.fed(Buffer.from('LO'));
    u.fed(Buffer.from(' x'));
    expect(u.takeUnsent()?.toString()).toBe('EHLO x');
  });

  it('clear() forgets everything (the stream restarts inside TLS)', () => {
    const u = new Unframed();
    u.fed(Buffer.from('plaintext'));
    u.clear();
    expect(u.takeUnsent()).toBeUndefined();
    expect(u.framed(4)).toBe(0);
  });

  it('unsentBytes gives what is left of a unit after its ahead bytes', () => {
    const unit: UnitEvent & { ahead?: number } = { type: 'unit', side: 'client', kind: 'command', bytes: Buffer.from('NOOP\r\n'), note: { en: '', es: '' } };
    expect(unsentBytes(unit).toString()).toBe('NOOP\r\n');
    unit.ahead = 2;
    expect(unsentBytes(unit).toString()).toBe('OP\r\n');
  });

  it('matches the model for any sequence of feeds, framings and takes', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 40 }), (ops) => {
        const u = new Unframed();
        let stream = Buffer.alloc(0);
        let framedTo = 0; // bytes the codec gave back
        let sentTo = 0; // bytes that went out (ahead or as units)
        for (const o of ops) {
          if (o.op === 'feed') {
            u.fed(o.bytes);
            stream = Buffer.concat([stream, o.bytes]);
          } else if (o.op === 'frame') {
            const n = Math.min(o.n, stream.length - framedTo);
            const ahead = u.framed(n);
            expect(ahead).toBe(Math.max(0, Math.min(n, sentTo - framedTo)));
            framedTo += n;
            sentTo = Math.max(sentTo, framedTo);
          } else {
            const got = u.takeUnsent();
            const want = stream.subarray(sentTo);
            if (want.length === 0) expect(got).toBeUndefined();
            else expect(got?.equals(want)).toBe(true);
            sentTo = stream.length;
          }
          expect(u.unsent).toBe(stream.length - sentTo);
        }
      }),
    );
  });
});
