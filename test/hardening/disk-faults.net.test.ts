// Disk faults under a live proxy. Decision: the mail matters more than the recording, so a
// recordings directory that cannot be written does NOT refuse the session: it goes on
// unrecorded, the error is logged once per session, and the proxy never crashes.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { makeTestPki, makeTempDir, type TestPki } from '../helpers/pki.js';
import { startTestProxy } from '../helpers/proxy-harness.js';
import { startScriptedSmtpServer, type ScriptedSmtpServer } from '../helpers/scripted-smtp-server.js';
import { LineClient } from '../helpers/line-client.js';
import { readRecording } from '../../src/record/reader.js';
import { captureLogger } from './support/log-capture.js';
import { createLiveView } from '../../src/cli/live-view.js';
import { parseRoute } from '../../src/core/mail-url.js';
import { startProxy } from '../../src/session/proxy.js';

let pki: TestPki;
let upstream: ScriptedSmtpServer;
let tmp: { dir: string; cleanup: () => Promise<void> };
beforeAll(async () => {
  pki = await makeTestPki();
  upstream = await startScriptedSmtpServer({ tls: 'starttls', key: pki.serverKey, cert: pki.serverCert });
  tmp = await makeTempDir('mailtap-disk-');
});
afterAll(async () => {
  await upstream?.close();
  await pki?.cleanup();
  await tmp?.cleanup();
});

async function smtpSession(port: number): Promise<void> {
  const client = await LineClient.connect({ port });
  expect(await client.smtpReply()).toMatch(/^220/);
  await client.send('EHLO x\r\nMAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nDATA\r\n');
  for (let i = 0; i < 4; i++) await client.smtpReply();
  await client.send('Subject: kept\r\n\r\nthe mail goes through\r\n.\r\nQUIT\r\n');
  expect(await client.smtpReply()).toMatch(/^250/);
  expect(await client.smtpReply()).toMatch(/^221/);
  await client.close();
}

describe('the recordings directory', () => {
  it('missing (nested): created with mode 0700, the recording 0600 and whole', async () => {
    const dir = join(tmp.dir, 'not', 'there', 'yet');
    const proxy = await startTestProxy(pki, [`smtp://127.0.0.1:0=smtp://127.0.0.1:${upstream.port}`], { recordings: dir });
    try {
      await smtpSession(proxy.port());
      const [log] = await proxy.ended(1);
      expect((await stat(dir)).mode & 0o777).toBe(0o700);
      expect((await stat(log!.recordingPath!)).mode & 0o777).toBe(0o600);
      const rec = await readRecording(log!.recordingPath!);
      expect(rec.complete).toBe(true);
    } finally {
      await proxy.close();
    }
  });

  it('not writable (a path under a regular file, ENOTDIR): sessions go on unrecorded (not refused), one error logged per session, no crash', async () => {
    const file = join(tmp.dir, 'a-file');
    await writeFile(file, 'not a directory');
    const { logger, lines } = captureLogger();
    const proxy = await startTestProxy(pki, [`smtp://127.0.0.1:0=smtp://127.0.0.1:${upstream.port}`], { recordings: join(file, 'recordings'), logger });
    try {
      const before = upstream.sessions.length;
      await smtpSession(proxy.port());
      await smtpSession(proxy.port());
      const logs = await proxy.ended(2);
      expect(upstream.sessions.slice(before).map((s) => s.messages)).toEqual([1, 1]);
      for (const log of logs) expect(log.close?.reason).toMatch(/closed/);
      await new Promise((r) => setTimeout(r, 50));
      const recordingErrors = lines.filter((l) => l.level >= 50 && /recording/i.test(l.msg));
      expect(recordingErrors).toHaveLength(2);
      expect(new Set(recordingErrors.map((l) => l.session)).size).toBe(2);
      expect(String(recordingErrors[0]!.err)).toMatch(/ENOTDIR/);
    } finally {
      await proxy.close();
    }
  });

  it.each(['en', 'es'] as const)('not writable: the live view (%s) names no recording file, and says recording failed', async (lang) => {
    const file = join(tmp.dir, `another-file-${lang}`);
    await writeFile(file, 'not a directory');
    const printed: string[] = [];
    const view = createLiveView({ mode: 'human', lang, redact: false, color: false, out: (t) => printed.push(t) });
    const quiet = createLiveView({ mode: 'quiet', lang, redact: false, color: false, out: (t) => printed.push(t) });
    const proxy = await startProxy({
      routes: [parseRoute(`smtp://127.0.0.1:0=smtp://127.0.0.1:${upstream.port}`)],
      ca: pki.mailtapCa,
      recordings: join(file, 'recordings'),
      observer: {
        start: (id, h) => [view, quiet].forEach((v) => v.start?.(id, h)),
        event: (id, e) => view.event?.(id, e),
        end: (id, c, path, error) => [view, quiet].forEach((v) => v.end?.(id, c, path, error)),
      },
    });
    try {
      await smtpSession(proxy.listeners[0]!.port);
      await new Promise<void>((resolve) => {
        const check = () => (printed.join('').includes('closed') || printed.join('').includes('cerrada') ? resolve() : setTimeout(check, 20));
        check();
      });
      await new Promise((r) => setTimeout(r, 100));
    } finally {
      await proxy.close();
    }
    const out = printed.join('');
    expect(out).not.toMatch(/=== #\S+ (recording|grabación): /);
    expect(out).toMatch(lang === 'en' ? /\*\*\* #\S+ recording failed, the session was not recorded: .*ENOTDIR/ : /\*\*\* #\S+ no se pudo grabar la sesión: .*ENOTDIR/);
  });
});
