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
    expect(s.describe('DATA', 'en')).toBe('[DATA 1.2 MiB, 3 attachments] From: alice@example.com | To: bob@example.org | Subject: Asunto de prueba');
    expect(s.describe('DATA', 'es')).toBe('[DATA 1,2 MiB, 3 adjuntos] From: alice@example.com | To: bob@example.org | Subject: Asunto de prueba');
  });

  test('every part that is not an inline text body is an attachment; Subject unfolded and decoded', () => {
    const s = summarise([small]);
    expect(s.attachments).toBe(4);
    expect(s.message.attachments.map((a) => a.name ?? '-')).toEqual(['a.txt', '-', 'c.png', 'd.pdf']);
    expect(s.message.attachments.map((a) => a.type)).toEqual(['text/plain', 'text/plain', 'image/png', 'text/plain']);
    expect(s.subject).toBe('Hola continued');
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

describe('BodySummary reads the MIME structure, not loose text (issue 15)', () => {
  test('a body line that mentions filename= is not an attachment', () => {
    const msg = Buffer.from(
      'From: a@example.com\r\nTo: b@example.com\r\nSubject: notes\r\nContent-Type: text/plain\r\n\r\n' +
        'To attach a file, write Content-Disposition: attachment; filename=report.pdf in the part header.\r\n.\r\n',
    );
    expect(summarise([msg]).attachments).toBe(0);
    expect(summarise([msg]).describe('DATA', 'en')).not.toMatch(/attachment/);
  });

  test('an RFC 2047 Subject is shown decoded', () => {
    const msg = Buffer.from('Subject: =?utf-8?Q?Informe_t=C3=A9cnico?= =?utf-8?B?w7puaWNv?=\r\nFrom: =?utf-8?B?w4FsdmFybw==?= <a@example.com>\r\n\r\nhola\r\n.\r\n');
    expect(summarise([msg]).subject).toBe('Informe técnicoúnico');
    expect(summarise([msg]).describe('DATA', 'en')).toContain('Subject: Informe técnicoúnico');
  });
});
