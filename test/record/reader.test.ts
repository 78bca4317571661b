import fc from 'fast-check';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { tempDir } from '../helpers/temp-dirs.js';
import type { UnitEvent } from '../../src/protocol/types.js';
import { recordEventFromCodec } from '../../src/record/from-codec.js';
import { readRecording, streamBytes } from '../../src/record/reader.js';
import { RecordingWriter } from '../../src/record/writer.js';
import { header } from './fixtures.js';

const tmp = () => tempDir('mailtap-reader-');
const unit = (side: 'client' | 'server', bytes: Buffer): UnitEvent => ({ type: 'unit', side, kind: side === 'client' ? 'command' : 'reply', bytes, note: { en: 'n', es: 'n' } });

describe('readRecording + streamBytes', () => {
  test('round trip gives back the exact byte streams (text and b64 units, any bytes)', async () => {
    const dir = await tmp();
    let n = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(fc.boolean(), fc.oneof(fc.uint8Array({ maxLength: 40 }), fc.string({ unit: 'grapheme', maxLength: 30 }).map((s) => new TextEncoder().encode(s)))), { maxLength: 25 }), async (units) => {
        const w = await RecordingWriter.open(dir, header('smtp', { session: `p${n++}` }));
        const expected = { c2s: [] as Buffer[], s2c: [] as Buffer[] };
        units.forEach(([fromClient, bytes], i) => {
          const buf = Buffer.from(bytes);
          expected[fromClient ? 'c2s' : 's2c'].push(buf);
          w.write(recordEventFromCodec(unit(fromClient ? 'client' : 'server', buf), i, { tls: i % 2 === 0 }));
        });
        await w.close({ t: 99, dir: 'proxy', type: 'close', reason: 'done', bytes: { c2s: 0, s2c: 0 } });
        const rec = await readRecording(w.path);
        expect(rec.complete).toBe(true);
        expect(rec.truncated).toBe(false);
        expect(streamBytes(rec, 'c2s').equals(Buffer.concat(expected.c2s))).toBe(true);
        expect(streamBytes(rec, 's2c').equals(Buffer.concat(expected.s2c))).toBe(true);
      }),
      { numRuns: 60 },
    );
  });

  test('binary and printable bytes pick b64 and text', async () => {
    const dir = await tmp();
    const w = await RecordingWriter.open(dir, header('imap'));
    const binary = Buffer.from([0x00, 0xff, 0x0d, 0x0a, 0x80]);
    w.write(recordEventFromCodec(unit('server', binary), 1, { tls: false }));
    w.write(recordEventFromCodec(unit('client', Buffer.from('a1 LOGIN ñandú x\r\n')), 2, { tls: false }));
    await w.close({ t: 3, dir: 'proxy', type: 'close', reason: 'done', bytes: { c2s: 0, s2c: 0 } });
    const rec = await readRecording(w.path);
    expect(rec.events[0]).toMatchObject({ b64: binary.toString('base64') });
    expect(rec.events[1]).toMatchObject({ text: 'a1 LOGIN ñandú x\r\n' });
    expect(streamBytes(rec, 's2c').equals(binary)).toBe(true);
  });

  test('accepts a cut-off last line and says the recording is incomplete', async () => {
    const path = join(await tmp(), 'cut.jsonl');
    await writeFile(path, `${JSON.stringify(header('pop3'))}\n{"t":1,"dir":"c2s","type":"command","text":"STAT\\r\\n"}\n{"t":2,"dir":"s2c","type":"re`);
    const rec = await readRecording(path);
    expect(rec).toMatchObject({ complete: false, truncated: true });
    expect(rec.events).toHaveLength(1);
  });

  test('a last line that only lost its newline is kept', async () => {
    const path = join(await tmp(), 'nonl.jsonl');
    await writeFile(path, `${JSON.stringify(header('pop3'))}\n{"t":1,"dir":"proxy","type":"close","reason":"x","bytes":{"c2s":0,"s2c":0}}`);
    expect(await readRecording(path)).toMatchObject({ complete: true, truncated: false });
  });

  test.each([
    ['garbage', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x01]), /line 1: not JSON/],
    ['empty', Buffer.alloc(0), /empty/],
    ['event first', Buffer.from('{"t":1,"dir":"c2s","type":"command","text":"x"}\n'), /first line is not a recording header/],
    ['other JSON', Buffer.from('{"name":"package"}\n'), /line 1/],
    ['bad middle line', Buffer.from(`${JSON.stringify(header('smtp'))}\nnope\n{"t":1,"dir":"proxy","type":"info"}\n`), /line 2: not JSON/],
    ['two headers', Buffer.from(`${JSON.stringify(header('smtp'))}\n${JSON.stringify(header('smtp'))}\n`), /line 2: a second header/],
  ])('rejects %s, naming the file', async (_name, content, why) => {
    const path = join(await tmp(), 'bad.jsonl');
    await writeFile(path, content);
    const err = await readRecording(path).then(() => null, (e: unknown) => e);
    expect(err).toMatchObject({ code: 'E_RECORDING_INVALID' });
    expect((err as Error).message).toContain(path);
    expect((err as Error).message).toMatch(why);
  });

  test('a missing file is E_RECORDING_INVALID naming it', async () => {
    const path = join(await tmp(), 'missing.jsonl');
    await expect(readRecording(path)).rejects.toMatchObject({ code: 'E_RECORDING_INVALID', message: expect.stringContaining('ENOENT') });
  });
});
