import { describe, expect, test } from 'vitest';
import { parseMessage } from '../../src/mime/parse.js';
import { PDF, PNG, richMessage } from './messages.js';

describe('parseMessage', () => {
  test('decoded headers, text and HTML bodies, MIME tree, attachments with content on demand', async () => {
    const msg = await richMessage();
    const m = await parseMessage(new Uint8Array(msg));
    expect(m.size).toBe(msg.length);
    expect(m.subject).toBe('Informe técnico — práctica 6 ✓');
    expect(m.from).toBe('Álvaro Núñez <alvaro@example.com>');
    expect(m.headers.find((h) => h.name === 'MIME-Version')?.value).toBe('1.0');
    expect(m.text).toContain('ñ á €');
    expect(m.html).toContain('<img');
    expect(m.attachments.map((a) => [a.name, a.type, a.size])).toEqual([
      ['logo.png', 'image/png', PNG.length],
      ['informe técnico.pdf', 'application/pdf', PDF.length],
      ['notes.txt', 'text/plain', 12],
    ]);
    expect(m.attachments[0]!.contentId).toBe('<logo@x>');
    expect((await m.attachments[1]!.content()).equals(PDF)).toBe(true);
    expect((await m.attachments[0]!.content()).equals(PNG)).toBe(true);
    expect(m.parts.filter((p) => p.attachment)).toHaveLength(3);
  });

  test('not a MIME message: the bytes are the text', async () => {
    const m = await parseMessage(Buffer.from('just a line\r\n'));
    expect(m.attachments).toEqual([]);
    expect(m.size).toBe(13);
  });
});
