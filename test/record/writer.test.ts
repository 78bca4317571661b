import { once } from 'node:events';
import { readFile, readdir, rm, stat, writeFile, appendFile } from 'node:fs/promises';
import { closeSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { MailtapError } from '../../src/core/errors.js';
import { readRecording, streamBytes } from '../../src/record/reader.js';
import type { RecordEvent } from '../../src/record/schema.js';
import { FLUSH_MS, RecordingWriter, recordingFileName } from '../../src/record/writer.js';
import { header } from './fixtures.js';
import { tempDir } from '../helpers/temp-dirs.js';

const close = (t = 9): Extract<RecordEvent, { type: 'close' }> => ({ t, dir: 'proxy', type: 'close', reason: 'done', bytes: { c2s: 0, s2c: 0 } });
const tmp = () => tempDir('mailtap-writer-');
const open: RecordingWriter[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((w) => w.close(close())));
});

describe('RecordingWriter', () => {
  test('creates the directory 0700 and the file 0600, header first, events in order', async () => {
    const dir = join(await tmp(), 'nested', 'recordings');
    const w = await RecordingWriter.open(dir, header('smtp'));
    expect(w.failed).toBe(false);
    expect(w.path).toBe(join(dir, '20240506-070809-smtp-s-smtp-1.jsonl'));
    for (let i = 0; i < 100; i++) w.write({ t: i, dir: i % 2 ? 's2c' : 'c2s', type: 'command', text: `LINE ${i}\r\n` });
    await w.close({ t: 100, dir: 'proxy', type: 'close', reason: 'done', bytes: { c2s: 1, s2c: 2 } });
    expect((await stat(dir)).mode & 0o777).toBe(0o700);
    expect((await stat(w.path)).mode & 0o777).toBe(0o600);
    const lines = (await readFile(w.path, 'utf8')).split('\n');
    expect(lines.pop()).toBe('');
    expect(JSON.parse(lines[0]!).format).toBe('mailtap-recording');
    expect(lines.slice(1, 101).map((l) => JSON.parse(l).t)).toEqual([...Array(100).keys()]);
    expect(JSON.parse(lines[101]!).type).toBe('close');
    expect(lines).toHaveLength(102);
    expect(w.unitBytes.c2s + w.unitBytes.s2c).toBe(lines.slice(1, 101).reduce((n, l) => n + Buffer.byteLength(JSON.parse(l).text), 0));
  });

  test('lines of every size and script round-trip byte for byte across batch buffers', async () => {
    const w = await RecordingWriter.open(await tmp(), header('smtp'));
    const sent: Buffer[] = [];
    // Small text lines with 2-, 3- and 4-byte UTF-8, base64 payloads just past the splice size,
    // and one larger than a whole batch buffer, interleaved so lines straddle buffer ends.
    for (let i = 0; i < 300; i++) {
      let bytes: Buffer;
      if (i % 50 === 7) bytes = Buffer.alloc(300 * 1024 + i, i);
      else if (i % 3 === 0) bytes = Buffer.alloc(5000 + i * 13, (i * 7) & 0xff);
      else bytes = Buffer.from(`línea ${i}: 日本語 🙂 "quoted" \\ back\r\n`.repeat(1 + (i % 40)), 'utf8');
      sent.push(bytes);
      const printable = i % 3 !== 0 && i % 50 !== 7;
      w.write(printable ? { t: i, dir: 'c2s', type: 'body', text: bytes.toString('utf8') } : { t: i, dir: 'c2s', type: 'body', b64: bytes.toString('base64') });
      if (i % 17 === 0) await new Promise((r) => setImmediate(r));
    }
    await w.close(close(400));
    const rec = await readRecording(w.path);
    expect(rec.truncated).toBe(false);
    expect(streamBytes(rec, 'c2s').equals(Buffer.concat(sent))).toBe(true);
    expect(w.unitBytes.c2s).toBe(Buffer.concat(sent).length);
  });

  test('a recordings directory removed while mailtap runs is made again, owner-only, for the next file', async () => {
    const dir = join(await tmp(), 'recordings');
    const first = await RecordingWriter.open(dir, header('smtp'));
    await first.close(close());
    await rm(dir, { recursive: true });
    const second = await RecordingWriter.open(dir, { ...header('smtp'), session: 'again' });
    expect(second.failed).toBe(false);
    await second.close(close());
    expect((await stat(dir)).mode & 0o777).toBe(0o700);
    expect((await readRecording(second.path)).complete).toBe(true);
  });

  test('never overwrites: a second file with the same name fails with EEXIST, reported once', async () => {
    const dir = await tmp();
    const first = await RecordingWriter.open(dir, header('pop3'));
    open.push(first);
    const errors: MailtapError[] = [];
    const second = await RecordingWriter.open(dir, header('pop3'), { onError: (e) => errors.push(e) });
    expect(second.failed).toBe(true);
    expect(errors).toHaveLength(1);
    expect(errors[0]!.code).toBe('E_RECORDING_WRITE');
    expect(errors[0]!.message).toMatch(/EEXIST/);
  });

  test.each(['../escape', 'a/b', '..', '', 'x y', 'a\\b', 'é'])('rejects session id %j', async (session) => {
    const dir = await tmp();
    await expect(RecordingWriter.open(dir, header('imap', { session }))).rejects.toMatchObject({ code: 'E_RECORDING_WRITE' });
    expect(await readdir(dir)).toEqual([]);
  });

  test('a directory that cannot exist (under a regular file): onError once, failed, writes dropped, no throw', async () => {
    const base = await tmp();
    await writeFile(join(base, 'file'), 'x');
    const errors: MailtapError[] = [];
    const w = await RecordingWriter.open(join(base, 'file', 'recordings'), header('smtp'), { onError: (e) => errors.push(e) });
    const emitted: unknown[] = [];
    w.on('error', (e) => emitted.push(e));
    expect(w.failed).toBe(true);
    expect(() => {
      for (let i = 0; i < 10; i++) w.write({ t: i, dir: 'c2s', type: 'command', text: 'NOOP\r\n' });
    }).not.toThrow();
    await expect(w.close(close())).resolves.toBeUndefined();
    expect(errors).toHaveLength(1);
    expect(errors[0]!.message).toMatch(/ENOTDIR|EEXIST/);
    expect(emitted).toHaveLength(0);
    expect(w.dropped).toBe(11);
  });

  test('without onError, the open failure is emitted as "error" once to a listener added after open', async () => {
    const base = await tmp();
    await writeFile(join(base, 'file'), 'x');
    const w = await RecordingWriter.open(join(base, 'file', 'sub'), header('smtp'));
    const [err] = await once(w, 'error');
    expect((err as MailtapError).code).toBe('E_RECORDING_WRITE');
    expect(w.failed).toBe(true);
  });

  test('a 50 MB body streams with bounded buffering: needsDrain is raised, then drain', async () => {
    const dir = await tmp();
    const highWaterMark = 512 * 1024;
    const w = await RecordingWriter.open(dir, header('smtp'), { highWaterMark });
    const chunk = 'x'.repeat(63 * 1024) + '\r\n';
    const chunks = Math.ceil((50 * 1024 * 1024) / chunk.length);
    let sawNeedsDrain = 0;
    let drains = 0;
    w.on('drain', () => drains++);
    let maxBuffered = 0;
    for (let i = 0; i < chunks; i++) {
      w.write({ t: i, dir: 'c2s', type: 'body', text: chunk, final: i === chunks - 1 });
      maxBuffered = Math.max(maxBuffered, w.bufferedBytes);
      if (w.needsDrain) {
        sawNeedsDrain++;
        await once(w, 'drain');
      }
    }
    await w.close(close(chunks));
    expect(sawNeedsDrain).toBeGreaterThan(0);
    expect(drains).toBeGreaterThanOrEqual(sawNeedsDrain);
    // Honouring needsDrain keeps the buffer within one event of the high-water mark.
    expect(maxBuffered).toBeLessThanOrEqual(highWaterMark + chunk.length + 200);
    const rec = await readRecording(w.path);
    expect(rec.complete).toBe(true);
    expect(streamBytes(rec, 'c2s').length).toBe(chunks * chunk.length);
  }, 60_000);

  test('a file read while the writer is still running is a valid prefix of whole lines', async () => {
    const dir = await tmp();
    const w = await RecordingWriter.open(dir, header('imap'));
    open.push(w);
    for (let round = 0; round < 5; round++) {
      for (let i = 0; i < 500; i++) w.write({ t: round * 1000 + i, dir: 'c2s', type: 'command', text: `a${i} NOOP\r\n` });
      await new Promise((r) => setImmediate(r));
      const rec = await readRecording(w.path);
      expect(rec.complete).toBe(false);
      expect(rec.truncated).toBe(false);
      expect(rec.events.map((e) => e.t)).toEqual(rec.events.map((_, i) => Math.floor(i / 500) * 1000 + (i % 500)));
    }
  });

  test('a crash mid-line leaves a readable prefix (last line cut off)', async () => {
    const dir = await tmp();
    const w = await RecordingWriter.open(dir, header('smtp'));
    w.write({ t: 1, dir: 'c2s', type: 'command', text: 'EHLO x\r\n' });
    await w.close(close());
    const whole = await readFile(w.path, 'utf8');
    const cut = whole.slice(0, whole.lastIndexOf('{') + 10);
    await writeFile(w.path, cut);
    const rec = await readRecording(w.path);
    expect(rec.truncated).toBe(true);
    expect(rec.complete).toBe(false);
    expect(rec.events).toHaveLength(1);
    await appendFile(w.path, 'more garbage\n{"t":');
    await expect(readRecording(w.path)).rejects.toThrow(/line 3/);
  });

  test('a disk error mid-session is reported once; later writes are dropped and counted, close resolves', async () => {
    const dir = await tmp();
    const errors: MailtapError[] = [];
    const w = await RecordingWriter.open(dir, header('smtp'), { onError: (e) => errors.push(e) });
    w.write({ t: 1, dir: 'c2s', type: 'command', text: 'EHLO x\r\n' });
    // Lines wait up to FLUSH_MS for company before they are written.
    await new Promise((r) => setTimeout(r, FLUSH_MS + 30));
    // Pull the file out from under the writer: the next batch fails with EBADF. (Its descriptor is
    // swapped for one that cannot be open rather than closed under it, which another open could
    // reuse; the real one is closed here.)
    const internals = w as unknown as { fd: number };
    closeSync(internals.fd);
    internals.fd = 2 ** 31 - 1;
    w.write({ t: 2, dir: 'c2s', type: 'command', text: 'NOOP\r\n' });
    await new Promise((r) => setTimeout(r, FLUSH_MS + 30));
    expect(w.failed).toBe(true);
    for (let i = 0; i < 5; i++) expect(() => w.write({ t: 3, dir: 'c2s', type: 'command', text: 'NOOP\r\n' })).not.toThrow();
    await expect(w.close(close())).resolves.toBeUndefined();
    expect(errors).toHaveLength(1);
    expect(errors[0]!.code).toBe('E_RECORDING_WRITE');
    expect(w.dropped).toBe(7);
    const rec = await readRecording(w.path);
    expect(rec.events).toHaveLength(1);
  });

  test('redact: the file holds masked secrets and says so in its header', async () => {
    const dir = await tmp();
    const w = await RecordingWriter.open(dir, header('pop3'), { redact: true });
    w.write({ t: 1, dir: 'c2s', type: 'command', text: 'PASS s3cr3t-P4ss\r\n', note: 'password s3cr3t-P4ss' });
    w.write({ t: 2, dir: 'proxy', type: 'auth', mechanism: 'USER/PASS', username: 'u', password: 's3cr3t-P4ss', result: 'success' });
    await w.close(close());
    const text = await readFile(w.path, 'utf8');
    expect(text).not.toContain('s3cr3t-P4ss');
    const rec = await readRecording(w.path);
    expect(rec.header.redacted).toBe(true);
    expect(streamBytes(rec, 'c2s').toString()).toBe('PASS ***\r\n');
  });

  test('file names use the UTC start time', () => {
    expect(recordingFileName(header('pop3', { start: '2023-12-31T23:59:58.500Z', session: 'abc_1' }))).toBe('20231231-235958-pop3-abc_1.jsonl');
  });
});
