// Keeps docs/recording-format.md honest: its example must parse, keep the byte-count promise of
// its close event, and render exactly as the page shows.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { tempDir } from '../helpers/temp-dirs.js';
import { readRecording, streamBytes } from '../../src/record/reader.js';
import { TranscriptRenderer } from '../../src/record/render-text.js';

test('the example in docs/recording-format.md is a valid recording and renders as shown', async () => {
  const doc = await readFile(new URL('../../docs/recording-format.md', import.meta.url), 'utf8');
  const jsonl = /```jsonl\n([\s\S]*?)```/.exec(doc)![1]!;
  const shown = /`mailtap show` prints it as:\n\n```text\n([\s\S]*?)```/.exec(doc)![1]!;
  const path = join(await tempDir('mailtap-doc-'), 'example.jsonl');
  await writeFile(path, jsonl);
  const rec = await readRecording(path);
  expect(rec.complete).toBe(true);
  const close = rec.events.at(-1) as { bytes: { c2s: number; s2c: number } };
  expect(close.bytes).toEqual({ c2s: streamBytes(rec, 'c2s').length, s2c: streamBytes(rec, 's2c').length });
  const r = new TranscriptRenderer({ lang: 'en', color: false, redact: false });
  let out = r.header(rec.header);
  for (const ev of rec.events) out += r.event(ev);
  out += r.finish();
  expect(out).toBe(shown);
  // And what it says about --redact.
  const red = new TranscriptRenderer({ lang: 'en', color: false, redact: true });
  const redacted = rec.events.map((ev) => red.event(ev)).join('');
  expect(redacted).toContain('~> AUTH PLAIN ***  #');
  expect(redacted).toContain('=== AUTH PLAIN user=alice password=*** (success)');
  expect(redacted).not.toContain('s3cret');
});
