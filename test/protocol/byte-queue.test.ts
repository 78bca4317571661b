import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ByteQueue } from '../../src/protocol/byte-queue.js';
import { DotBodyScanner } from '../../src/protocol/dot-body.js';
import { splitAtOffsets } from '../helpers/chunking.js';

const splitAt = splitAtOffsets;

function linesOf(chunks: Buffer[], max: number): string[] {
  const q = new ByteQueue();
  const out: string[] = [];
  for (const c of chunks) {
    q.push(c);
    for (let r = q.takeLine(max); r; r = q.takeLine(max)) out.push(`${r.kind}:${r.bytes.toString('latin1')}`);
  }
  if (q.length) out.push(`rest:${q.takeAll().toString('latin1')}`);
  return out;
}

describe('ByteQueue', () => {
  it('frames lines across chunks and keeps the remainder', () => {
    expect(linesOf([Buffer.from('EH'), Buffer.from('LO a\r\nMAIL'), Buffer.from(' x\r\nQU')], 100)).toEqual([
      'line:EHLO a\r\n',
      'line:MAIL x\r\n',
      'rest:QU',
    ]);
  });

  it('cuts a line at the limit and at one past it', () => {
    expect(linesOf([Buffer.from('abcd\n')], 5)).toEqual(['line:abcd\n']);
    expect(linesOf([Buffer.from('abcde\n')], 5)).toEqual(['overflow:abcde', 'line:\n']);
  });

  it('any chunking gives the same lines', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.array(fc.nat(), { maxLength: 8 }), fc.integer({ min: 1, max: 40 }), (arr, cuts, max) => {
        const bytes = Buffer.from(arr);
        const whole = linesOf([bytes], max);
        expect(linesOf(splitAt(bytes, cuts), max)).toEqual(whole);
        expect(linesOf([...bytes].map((b) => Buffer.from([b])), max)).toEqual(whole);
      }),
      { numRuns: 500 },
    );
  });
});

function scan(chunks: Buffer[]): { body: string; final: boolean; rest: string } {
  const q = new ByteQueue();
  const s = new DotBodyScanner();
  let body = '';
  let final = false;
  for (const c of chunks) {
    q.push(c);
    if (final) continue;
    const r = s.next(q);
    body += r.chunk.toString('latin1');
    final = r.final;
  }
  return { body, final, rest: q.takeAll().toString('latin1') };
}

describe('DotBodyScanner', () => {
  it.each([
    ['empty body', '.\r\n', '.\r\n', true, ''],
    ['simple', 'Subject: x\r\n\r\nhi\r\n.\r\nQUIT\r\n', 'Subject: x\r\n\r\nhi\r\n.\r\n', true, 'QUIT\r\n'],
    ['dot-stuffed line is body', '..hidden\r\nx\r\n.\r\n', '..hidden\r\nx\r\n.\r\n', true, ''],
    ['dot inside a line', 'a.\r\n.b\r\n', 'a.\r\n.b\r\n', false, ''],
    ['bare LF ending', 'x\n.\n', 'x\n.\n', true, ''],
    ['pending terminator start', 'x\r\n.', 'x\r\n', false, '.'],
  ])('%s', (_name, input, body, final, rest) => {
    expect(scan([Buffer.from(input, 'latin1')])).toEqual({ body, final, rest });
  });

  it('any chunking finds the same end', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom('a', '.', '\r', '\n', '\r\n', '.\r\n', 'xyz'), { maxLength: 40 }), fc.array(fc.nat(), { maxLength: 6 }), (parts, cuts) => {
        const bytes = Buffer.from(parts.join(''), 'latin1');
        const whole = scan([bytes]);
        expect(scan(splitAt(bytes, cuts))).toEqual(whole);
        expect(whole.body + whole.rest).toBe(bytes.toString('latin1'));
      }),
      { numRuns: 1000 },
    );
  });
});
