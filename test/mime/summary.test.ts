import fc from 'fast-check';
import { simpleParser } from 'mailparser';
import { describe, expect, test } from 'vitest';
import { MessageSummarizer, summarizeMessage } from '../../src/mime/summary.js';
import { splitAtOffsets } from '../helpers/chunking.js';
import { PDF, richMessage } from './messages.js';

function feed(chunks: Buffer[], dotStuffed = false) {
  const s = new MessageSummarizer({ dotStuffed });
  for (const c of chunks) s.add(c);
  return s.finish();
}

describe('MessageSummarizer', () => {
  test('names the same attachments (name, type, size) as mailparser, and decodes the headers', async () => {
    const msg = await richMessage();
    const ours = summarizeMessage(msg);
    const theirs = await simpleParser(msg);
    expect(ours.attachments).toEqual(theirs.attachments.map((a) => ({ name: a.filename, type: a.contentType, size: a.size })));
    expect(ours.subject).toBe('Informe técnico — práctica 6 ✓');
    expect(ours.from).toBe('Álvaro Núñez <alvaro@example.com>');
    expect(ours.to).toBe('bob@example.org, Zoë <zoe@example.net>');
    expect(ours.cc).toBe('carol@example.org');
    expect(ours.attachments[1]).toEqual({ name: 'informe técnico.pdf', type: 'application/pdf', size: PDF.length });
    // The MIME tree: alternative text and HTML, the related image, the attachments, with charsets.
    expect(ours.parts.map((p) => [p.contentType, p.attachment])).toEqual([
      ['text/plain', false],
      ['text/html', false],
      ['image/png', true],
      ['application/pdf', true],
      ['text/plain', true],
    ]);
    expect(ours.parts[0]!.charset).toBe('utf-8');
    expect(ours.parts.map((p) => p.path)).toEqual(['1.1', '1.2.1', '1.2.2', '2', '3']);
  });

  test('any chunking, byte by byte included, gives the same summary', async () => {
    const msg = await richMessage();
    const whole = summarizeMessage(msg);
    fc.assert(
      fc.property(fc.array(fc.nat({ max: msg.length }), { maxLength: 20 }), (points) => {
        expect(feed(splitAtOffsets(msg, points))).toEqual(whole);
      }),
      { numRuns: 100 },
    );
    expect(feed([...msg.subarray(0, 3000)].map((b) => Buffer.from([b])))).toEqual(summarizeMessage(msg.subarray(0, 3000)));
  });

  test('a dot-stuffed body: stuffing undone, the lone dot ends it', () => {
    const wire = Buffer.from(
      'Subject: x\r\nContent-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\n..hidden dot\r\n' +
        '--b\r\nContent-Disposition: attachment; filename=a.bin\r\n\r\nabc\r\n--b--\r\n.\r\n--b\r\nContent-Type: image/png; name=no.png\r\n\r\n',
    );
    const s = feed([wire], true);
    expect(s.attachments).toEqual([{ name: 'a.bin', type: 'text/plain', size: 3 }]);
    expect(s.parts[0]!.size).toBe('.hidden dot'.length);
    expect(s.size).toBe(wire.length);
  });

  test('a plain body that talks about attachments has none', () => {
    const s = summarizeMessage(Buffer.from('Subject: howto\r\n\r\nContent-Disposition: attachment; filename=x.pdf\r\n--b\r\n'));
    expect(s.attachments).toEqual([]);
    expect(s.parts).toHaveLength(1);
  });

  test('a headerless body is one text part; an unterminated multipart still lists what it saw', () => {
    expect(summarizeMessage(Buffer.from('hello\r\n')).attachments).toEqual([]);
    const cut = Buffer.from('Content-Type: multipart/mixed; boundary=q\r\n\r\n--q\r\nContent-Type: image/gif; name=a.gif\r\nContent-Transfer-Encoding: base64\r\n\r\nR0lGODlh');
    expect(summarizeMessage(cut).attachments).toEqual([{ name: 'a.gif', type: 'image/gif', size: 6 }]);
  });

  test('bounded: parts beyond the cap are not kept, and say so', () => {
    const parts = Array.from({ length: 50 }, (_, i) => `--z\r\nContent-Type: application/x-n; name=p${i}\r\n\r\nx\r\n`).join('');
    const s = summarizeMessage(Buffer.from(`Content-Type: multipart/mixed; boundary=z\r\n\r\n${parts}--z--\r\n`), { maxParts: 10 });
    expect(s.parts).toHaveLength(10);
    expect(s.truncated).toBe(true);
  });
});
