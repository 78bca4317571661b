// The proxy as a real process (the CLI, started with tsx) killed mid-transfer. SIGINT: it exits 0
// and every recording ends with its close event. SIGKILL: the recording is a valid prefix that
// readRecording parses (complete=false) and `mailtap show` says ends early.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { makeTestPki, makeTempDir, type TestPki } from '../helpers/pki.js';
import { startScriptedSmtpServer, type ScriptedSmtpServer } from '../helpers/scripted-smtp-server.js';
import { LineClient } from '../helpers/line-client.js';
import { readRecording } from '../../src/record/reader.js';
import { runCliInProcess, spawnCli, type CliChild } from './support/cli.js';

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

async function startCliProxy(recordings: string): Promise<{ cli: CliChild; port: number }> {
  const cli = spawnCli([
    'proxy',
    '--route', `smtp://127.0.0.1:0=smtp://127.0.0.1:${upstream.port}`,
    '--certs', join(pki.dir, 'mailtap'),
    '--recordings', recordings,
    '--upstream-ca', pki.upstreamCaFile,
    '--quiet',
  ]);
  const m = await cli.waitFor(/=== listening on smtp:\/\/127\.0\.0\.1:(\d+)/);
  return { cli, port: Number(m[1]) };
}

/** Opens `n` sessions that are each in the middle of a DATA body, still sending. */
async function midTransfer(port: number, n: number): Promise<{ clients: LineClient[]; stop: () => void }> {
  const clients: LineClient[] = [];
  let stopped = false;
  for (let i = 0; i < n; i++) {
    const c = await LineClient.connect({ port });
    await c.smtpReply();
    await c.send('EHLO x\r\nMAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nDATA\r\n');
    for (let r = 0; r < 4; r++) await c.smtpReply();
    clients.push(c);
    void (async () => {
      const chunk = Buffer.from(`${'body line '.repeat(50)}\r\n`.repeat(64));
      while (!stopped) await c.send(chunk).catch(() => (stopped = true));
    })();
  }
  // Let a few hundred KiB flow through each before the signal.
  await new Promise((r) => setTimeout(r, 300));
  return { clients, stop: () => (stopped = true) };
}

describe('signals mid-transfer', () => {
  it('SIGINT: exit code 0, every recording ends with a close event', { timeout: 40_000 }, async () => {
    const rec = await makeTempDir('mailtap-sigint-');
    try {
      const { cli, port } = await startCliProxy(rec.dir);
      const { clients, stop } = await midTransfer(port, 3);
      cli.child.kill('SIGINT');
      const exit = await cli.exited;
      stop();
      for (const c of clients) c.destroy();
      expect(exit).toEqual({ code: 0, signal: null });
      const files = await readdir(rec.dir);
      expect(files).toHaveLength(3);
      for (const f of files) {
        const r = await readRecording(join(rec.dir, f));
        expect(r.complete).toBe(true);
        expect(r.truncated).toBe(false);
        expect(r.events.some((e) => e.type === 'body')).toBe(true);
        expect(r.events.at(-1)).toMatchObject({ type: 'close', reason: expect.stringMatching(/shutting down/) });
      }
    } finally {
      await rec.cleanup();
    }
  });

  it('SIGKILL: the recording still parses up to its last whole line, and show says it ends early', { timeout: 40_000 }, async () => {
    const rec = await makeTempDir('mailtap-sigkill-');
    try {
      const { cli, port } = await startCliProxy(rec.dir);
      const { clients, stop } = await midTransfer(port, 1);
      cli.child.kill('SIGKILL');
      expect((await cli.exited).signal).toBe('SIGKILL');
      stop();
      for (const c of clients) c.destroy();
      const [file] = await readdir(rec.dir);
      const r = await readRecording(join(rec.dir, file!));
      expect(r.complete).toBe(false);
      expect(r.events.some((e) => e.type === 'body')).toBe(true);
      const shown = await runCliInProcess(['show', join(rec.dir, file!)]);
      expect(shown.code).toBe(0);
      expect(shown.out).toContain('recording ends early');
    } finally {
      await rec.cleanup();
    }
  });
});
