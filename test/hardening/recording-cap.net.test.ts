// A NOOP flood makes a recording ~30 times its traffic (each 6-byte NOOP and 14-byte reply is a
// line with notes in two languages). Past --max-recording-size, units are counted, not stored;
// the file stays near the cap, is still a valid recording, and its close event says what was
// left out; `show` says so too.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stat } from 'node:fs/promises';
import { makeTestPki, type TestPki } from '../helpers/pki.js';
import { startTestProxy } from '../helpers/proxy-harness.js';
import { startScriptedSmtpServer, type ScriptedSmtpServer } from '../helpers/scripted-smtp-server.js';
import { LineClient } from '../helpers/line-client.js';
import { readRecording, streamBytes } from '../../src/record/reader.js';
import { DEFAULT_LIMITS } from '../../src/core/limits.js';
import type { CloseRecord } from '../../src/record/schema.js';
import { parseSize } from '../../src/cli/usage.js';
import { runCliInProcess } from './support/cli.js';

const NOOPS = 3000;
const CAP = 64 * 1024;

let pki: TestPki;
let upstream: ScriptedSmtpServer;
beforeAll(async () => {
  pki = await makeTestPki();
  upstream = await startScriptedSmtpServer({ tls: 'starttls', key: pki.serverKey, cert: pki.serverCert });
});
afterAll(async () => {
  await upstream?.close();
  await pki?.cleanup();
});

async function noopFlood(port: number): Promise<void> {
  const c = await LineClient.connect({ port });
  await c.smtpReply();
  for (let sent = 0; sent < NOOPS; sent += 100) {
    await c.send('NOOP\r\n'.repeat(100));
    for (let i = 0; i < 100; i++) await c.smtpReply();
  }
  await c.send('QUIT\r\n');
  await c.smtpReply();
  await c.close();
}

describe('--max-recording-size', () => {
  it(`a ${NOOPS}-NOOP flood past a ${CAP / 1024} KiB cap: the file stays near the cap, valid, and the close event counts what was left out`, async () => {
    const proxy = await startTestProxy(pki, [`smtp://127.0.0.1:0=smtp://127.0.0.1:${upstream.port}`], { limits: { maxRecordingBytes: CAP } });
    try {
      await noopFlood(proxy.port());
      const [log] = await proxy.ended(1);
      const size = (await stat(log!.recordingPath!)).size;
      // One event may cross the cap, then one info line and the close line.
      expect(size).toBeLessThan(CAP + 2048);
      const rec = await readRecording(log!.recordingPath!);
      expect(rec.complete).toBe(true);
      const close = rec.events.at(-1) as CloseRecord;
      expect(close.notRecorded).toBeDefined();
      const n = close.notRecorded!;
      expect(n.cap).toBe(CAP);
      expect(n.units).toBeGreaterThan(NOOPS);
      // Stored plus counted gives back every byte carried.
      expect(streamBytes(rec, 'c2s').length + n.c2s).toBe(close.bytes.c2s);
      expect(streamBytes(rec, 's2c').length + n.s2c).toBe(close.bytes.s2c);
      expect(rec.events.some((e) => e.type === 'info' && /recording cap of 64\.0 KiB reached/.test((e as { message?: string }).message ?? ''))).toBe(true);
      const en = await runCliInProcess(['show', log!.recordingPath!, '--lang', 'en']);
      expect(en.out).toMatch(/recording capped at 64\.0 KiB: \d+ units \(.+\) and \d+ other events counted, not stored/);
      const es = await runCliInProcess(['show', log!.recordingPath!, '--lang', 'es']);
      expect(es.out).toMatch(/grabación limitada a 64,0 KiB: \d+ unidades/);
    } finally {
      await proxy.close();
    }
  });

  it('under the default cap the same flood is recorded whole', async () => {
    expect(DEFAULT_LIMITS.maxRecordingBytes).toBe(256 * 1024 * 1024);
    const proxy = await startTestProxy(pki, [`smtp://127.0.0.1:0=smtp://127.0.0.1:${upstream.port}`]);
    try {
      await noopFlood(proxy.port());
      const [log] = await proxy.ended(1);
      const rec = await readRecording(log!.recordingPath!);
      const close = rec.events.at(-1) as CloseRecord;
      expect(close.notRecorded).toBeUndefined();
      expect(streamBytes(rec, 'c2s').length).toBe(close.bytes.c2s);
    } finally {
      await proxy.close();
    }
  });

  it('sizes are written like 64M or 1G, on the command line and in --config', async () => {
    expect(parseSize('64M')).toBe(64 * 1024 * 1024);
    expect(parseSize('1G')).toBe(1024 ** 3);
    expect(parseSize('512KiB')).toBe(512 * 1024);
    expect(parseSize('1048576')).toBe(1048576);
    for (const bad of ['', '0', '-1M', 'lots', '1X']) expect(() => parseSize(bad)).toThrow(/size such as 64M/);
    const help = await runCliInProcess(['proxy', '--help']);
    expect(help.out).toMatch(/--max-recording-size <size>/);
  });
});
