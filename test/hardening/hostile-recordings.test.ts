// Hostile recordings: `show` and `replay` read files anyone may hand them. A line of any length
// is read in linear time and refused past the reader's cap with one clear line (it used to be
// quadratic: a 64 MiB line took minutes); an event nested 100,000 deep is refused on read (it used
// to crash `show --format json` with a RangeError stack and exit 70).

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { open, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readRecording } from '../../src/record/reader.js';
import { DEFAULT_LIMITS } from '../../src/core/limits.js';
import { makeTempDir } from '../helpers/pki.js';
import { runCliInProcess } from './support/cli.js';

const HEADER = JSON.stringify({
  format: 'mailtap-recording', version: 1, protocol: 'smtp', session: 'hostile-1', start: '2026-01-01T00:00:00.000Z',
  client: { address: '127.0.0.1', port: 1 }, listen: 'smtp://127.0.0.1:2525', upstream: 'smtp://127.0.0.1:25',
  clientTls: 'none', upstreamTls: 'none', mailtap: 'test',
});
const CLOSE = JSON.stringify({ t: 9, dir: 'proxy', type: 'close', reason: 'done', bytes: { c2s: 0, s2c: 0 } });
const PREFIX = '{"t":1,"dir":"c2s","type":"raw","b64":"';
const SUFFIX = '"}';

let tmp: { dir: string; cleanup: () => Promise<void> };
beforeAll(async () => {
  tmp = await makeTempDir('mailtap-hostile-rec-');
});
afterAll(async () => {
  await tmp?.cleanup();
});

/** A recording whose second line is a raw unit exactly `lineBytes` long (without its newline). */
async function withLongLine(name: string, lineBytes: number): Promise<string> {
  const path = join(tmp.dir, name);
  const fh = await open(path, 'w');
  try {
    await fh.write(`${HEADER}\n${PREFIX}`);
    const payload = lineBytes - PREFIX.length - SUFFIX.length;
    const block = Buffer.alloc(1024 * 1024, 'A');
    for (let left = payload; left > 0; left -= block.length) await fh.write(block, 0, Math.min(left, block.length));
    await fh.write(`${SUFFIX}\n${CLOSE}\n`);
  } finally {
    await fh.close();
  }
  return path;
}

describe('long lines', () => {
  const CAP = 200_000;
  it('a line spanning many read chunks exactly at the cap is read; one byte more is refused, naming the line and the cap', async () => {
    const atCap = await readRecording(await withLongLine('at-cap.jsonl', CAP), { maxLineBytes: CAP });
    expect(atCap.complete).toBe(true);
    expect(atCap.events).toHaveLength(2);
    const over = await withLongLine('over-cap.jsonl', CAP + 4);
    await expect(readRecording(over, { maxLineBytes: CAP })).rejects.toMatchObject({ code: 'E_RECORDING_INVALID', message: expect.stringMatching(/line 2 is longer than 195\.3 KiB/) });
  });

  it('an unterminated last line past the cap is refused too (not taken for a cut-off tail)', async () => {
    const path = join(tmp.dir, 'tail.jsonl');
    await writeFile(path, `${HEADER}\n${PREFIX}${'A'.repeat(CAP)}`);
    await expect(readRecording(path, { maxLineBytes: CAP })).rejects.toMatchObject({ code: 'E_RECORDING_INVALID' });
  });

  it('show on a line past the default cap (64 MiB): exit 1, one line on stderr, in English and Spanish', async () => {
    expect(DEFAULT_LIMITS.maxRecordingLineBytes).toBe(64 * 1024 * 1024);
    const path = await withLongLine('huge.jsonl', DEFAULT_LIMITS.maxRecordingLineBytes + 4);
    const en = await runCliInProcess(['show', path, '--format', 'text']);
    expect(en.code).toBe(1);
    expect(en.out).toBe('');
    expect(en.err).toMatch(/^mailtap: .*huge\.jsonl is not a valid mailtap recording: line 2 is longer than 64\.0 MiB[^\n]*\n$/);
    const saved = process.env.LANG;
    process.env.LANG = 'es_ES.UTF-8';
    try {
      const es = await runCliInProcess(['show', path, '--format', 'json']);
      expect(es.code).toBe(1);
      expect(es.err).toMatch(/^mailtap: .*huge\.jsonl no es una grabación de mailtap válida: la línea 2 supera 64,0 MiB[^\n]*\n$/);
    } finally {
      if (saved === undefined) delete process.env.LANG;
      else process.env.LANG = saved;
    }
  }, 60_000);
});

describe('deep nesting', () => {
  it.each(['json', 'text', 'md'])('an event nested 100,000 deep: show --format %s says so in one line, exit 1', async (format) => {
    const path = join(tmp.dir, `deep-${format}.jsonl`);
    const deep = `{"t":1,"dir":"proxy","type":"info","extra":${'['.repeat(100_000)}${']'.repeat(100_000)}}`;
    await writeFile(path, `${HEADER}\n${deep}\n${CLOSE}\n`);
    const shown = await runCliInProcess(['show', path, '--format', format]);
    expect(shown.code).toBe(1);
    expect(shown.err).toMatch(/^mailtap: .*is not a valid mailtap recording: line 2: nested deeper than 32 levels\n$/);
    expect(shown.err).not.toMatch(/RangeError|internal error/);
  });

  it('nesting at the limit is accepted', async () => {
    const path = join(tmp.dir, 'deep-ok.jsonl');
    // The event object is level 1: 31 more levels of arrays make 32.
    const ok = `{"t":1,"dir":"proxy","type":"info","extra":${'['.repeat(31)}${']'.repeat(31)}}`;
    await writeFile(path, `${HEADER}\n${ok}\n${CLOSE}\n`);
    expect((await readRecording(path)).events).toHaveLength(2);
    const over = `{"t":1,"dir":"proxy","type":"info","extra":${'['.repeat(32)}${']'.repeat(32)}}`;
    await writeFile(path, `${HEADER}\n${over}\n${CLOSE}\n`);
    await expect(readRecording(path)).rejects.toMatchObject({ code: 'E_RECORDING_INVALID' });
  });
});
