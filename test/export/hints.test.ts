// A `type:"hint"` event (mailtap explaining a user mistake) travels into every export that
// carries text: the Markdown transcript (both languages) and the pcapng's packet comments.

import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { exportPcapng } from '../../src/export/pcapng.js';
import { readRecording } from '../../src/record/reader.js';
import { renderMarkdown } from '../../src/record/render-md.js';
import { tempDir } from '../helpers/temp-dirs.js';

const NOTE = 'The client ends its lines with a bare LF, not CRLF: use the -crlf option';
const NOTE_ES = 'El cliente termina sus líneas con un LF suelto, no con CRLF: use the -crlf option';

async function recording(): Promise<string> {
  const dir = await tempDir('mailtap-hints-');
  const path = join(dir, 'hint.jsonl');
  const lines = [
    { format: 'mailtap-recording', version: 1, protocol: 'smtp', session: 'h1', start: '2026-01-01T00:00:00.000Z', client: { address: '127.0.0.1', port: 5000 }, listen: 'smtp://127.0.0.1:2525', upstream: 'smtp://127.0.0.1:25', clientTls: 'none', upstreamTls: 'none', mailtap: '0.1.0' },
    { t: 1, dir: 's2c', type: 'reply', text: '220 hi\r\n' },
    { t: 2, dir: 'c2s', type: 'command', text: 'EHLO x\n', verb: 'EHLO' },
    { t: 2.1, dir: 'proxy', type: 'hint', code: 'bare-lf', side: 'client', note: NOTE, note_es: NOTE_ES },
    { t: 3, dir: 's2c', type: 'reply', text: '250 ok\r\n' },
    { t: 4, dir: 'proxy', type: 'close', reason: 'client closed', bytes: { c2s: 7, s2c: 16 } },
  ];
  await writeFile(path, lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
  return path;
}

describe('hints in exports', () => {
  it('the Markdown transcript carries the hint in English and in Spanish', async () => {
    const rec = await readRecording(await recording());
    expect(renderMarkdown(rec, { lang: 'en', redact: false })).toContain(NOTE);
    const es = renderMarkdown(rec, { lang: 'es', redact: false });
    expect(es).toContain(NOTE_ES);
    expect(es).not.toContain(NOTE);
  });

  it('the pcapng carries the hint as a packet comment, in the language asked for', async () => {
    const path = await recording();
    const dir = await tempDir('mailtap-hints-out-');
    for (const [lang, note] of [['en', NOTE], ['es', NOTE_ES]] as const) {
      const out = join(dir, `${lang}.pcapng`);
      await exportPcapng([path], out, { lang });
      const bytes = await readFile(out);
      expect(bytes.includes(Buffer.from(`mailtap hint code=bare-lf side=client — ${note}`))).toBe(true);
    }
  });
});
