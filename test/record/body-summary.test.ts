import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { BodySummary } from '../../src/record/body-summary.js';
import { bigMessage } from './fixtures.js';
import { splitAtOffsets } from '../helpers/chunking.js';

function summarise(chunks: Buffer[]): BodySummary {
  const s = new BodySummary();
  for (const c of chunks) s.add(c);
  return s;
}

const splitAt = splitAtOffsets;

const small = Buffer.from(
  'Subject: =?UTF-8?Q?Hola?=\r\n continued\r\nContent-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\n' +
    'Content-Disposition: attachment; filename="a.txt"\r\n\r\nAAA\r\n--x\r\ncontent-disposition: attachment\r\n\r\nBBB\r\n' +
    '--x\r\nContent-Type: image/png; name=c.png\r\nContent-Disposition: inline; filename=c.png\r\n\r\nCCC\r\n' +
    "--x\r\nContent-Disposition: inline; filename*=UTF-8''d.pdf\r\n\r\nDDD\r\n--x--\r\n.\r\n",
);

describe('BodySummary', () => {
  test('size, attachments and subject of a 1.2 MiB message', () => {
    const s = summarise([Buffer.from(bigMessage())]);
    expect(s.describe('DATA', 'en')).toBe('[DATA 1.2 MiB, 3 attachments] Subject: Asunto de prueba');
    expect(s.describe('DATA', 'es')).toBe('[DATA 1.2 MiB, 3 adjuntos] Subject: Asunto de prueba');
  });

  test('counts whichever is larger: attachment dispositions or filename parameters; unfolds Subject', () => {
    const s = summarise([small]);
    expect(s.attachments).toBe(3);
    expect(s.subject).toBe('=?UTF-8?Q?Hola?= continued');
  });

  test('no headers, no attachments: just the size', () => {
    expect(summarise([Buffer.from('hello\r\n.\r\n')]).describe('RETR body', 'en')).toBe('[RETR body 10 B]');
  });

  test('any chunking gives the same summary (matches across chunk seams included)', () => {
    const expected = summarise([small]).describe('literal', 'en');
    fc.assert(
      fc.property(fc.array(fc.nat(), { maxLength: 12 }), (points) => {
        expect(summarise(splitAt(small, points)).describe('literal', 'en')).toBe(expected);
      }),
      { numRuns: 300 },
    );
    // Byte by byte, the worst case for seams.
    expect(summarise([...small].map((b) => Buffer.from([b]))).describe('literal', 'en')).toBe(expected);
  });
});
