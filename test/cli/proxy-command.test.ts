// `mailtap proxy` as a user runs it: settings from --config (flags win), the live view on
// stdout, --json events, and SIGINT finishing the sessions and exiting 0.

import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { runCli } from '../../src/cli/program.js';
import { makeTestPki, type TestPki } from '../helpers/pki.js';
import { startScriptedSmtpServer, type ScriptedSmtpServer } from '../helpers/scripted-smtp-server.js';
import { LineClient } from '../helpers/line-client.js';

let pki: TestPki;
let upstream: ScriptedSmtpServer;
let dir: string;
beforeAll(async () => {
  pki = await makeTestPki();
  upstream = await startScriptedSmtpServer({ tls: 'starttls', key: pki.serverKey, cert: pki.serverCert });
  dir = await mkdtemp(join(tmpdir(), 'mailtap-proxy-cli-'));
});
afterAll(async () => {
  await upstream?.close();
  await pki?.cleanup();
  await rm(dir, { recursive: true, force: true });
});
afterEach(() => {
  vi.restoreAllMocks();
  process.exitCode = undefined;
});

/** Runs `mailtap proxy …` in-process until `session` is done, then sends it SIGINT. */
async function runProxy(args: string[], session: (port: number) => Promise<void>): Promise<{ code: number; out: string }> {
  let out = '';
  let seen: (port: number) => void;
  const listening = new Promise<number>((r) => (seen = r));
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out += String(chunk);
    const m = /(?:listening on|escuchando en) smtp:\/\/127\.0\.0\.1:(\d+)|"type":"listening","url":"smtp:\/\/127\.0\.0\.1:(\d+)"/.exec(out);
    if (m) seen(Number(m[1] ?? m[2]));
    return true;
  });
  const running = runCli(['proxy', ...args]);
  const port = await Promise.race([listening, running.then(() => -1)]);
  if (port < 0) throw new Error(`proxy exited early: ${out}`);
  await session(port);
  await new Promise((r) => setTimeout(r, 100));
  process.emit('SIGINT');
  const code = await running;
  vi.restoreAllMocks();
  return { code, out };
}

async function smtpSession(port: number): Promise<void> {
  const c = await LineClient.connect({ port });
  await c.smtpReply();
  await c.send('EHLO cli.test\r\n');
  await c.smtpReply();
  await c.send('QUIT\r\n');
  await c.smtpReply();
  await c.close();
}

describe('mailtap proxy', () => {
  it('reads --config, prints the annotated view, and exits 0 on SIGINT with the recording written', async () => {
    const config = join(dir, 'mailtap.json');
    const recordings = join(dir, 'rec-config');
    await writeFile(config, JSON.stringify({ route: [`smtp://127.0.0.1:0=smtp://127.0.0.1:${upstream.port}`], certs: join(pki.dir, 'mailtap'), recordings, upstreamCa: [pki.upstreamCaFile], lang: 'es' }));
    const { code, out } = await runProxy(['--config', config], smtpSession);
    expect(code).toBe(0);
    expect(out).toContain('-> EHLO cli.test');
    expect(out).toMatch(/# El cliente se identifica como cli\.test/);
    expect(out).toContain('=== cerrando: se terminan las sesiones');
    expect((await readdir(recordings)).filter((f) => f.endsWith('.jsonl'))).toHaveLength(1);
  });

  it('a flag given on the command line wins over the config file', async () => {
    const config = join(dir, 'mailtap-en.json');
    await writeFile(config, JSON.stringify({ route: [`smtp://127.0.0.1:0=smtp://127.0.0.1:${upstream.port}`], certs: join(pki.dir, 'mailtap'), upstreamCa: [pki.upstreamCaFile], lang: 'es', record: false }));
    const { out } = await runProxy(['--config', config, '--lang', 'en'], smtpSession);
    expect(out).toMatch(/# Client identifies itself as cli\.test/);
  });

  it('--json prints one JSON object per line', async () => {
    const { code, out } = await runProxy(['--route', `smtp://127.0.0.1:0=smtp://127.0.0.1:${upstream.port}`, '--certs', join(pki.dir, 'mailtap'), '--upstream-ca', pki.upstreamCaFile, '--no-record', '--json'], smtpSession);
    expect(code).toBe(0);
    const events = out.trim().split('\n').map((l) => JSON.parse(l) as { type?: string; format?: string; verb?: string });
    expect(events[0]).toMatchObject({ type: 'listening' });
    expect(events[1]).toMatchObject({ format: 'mailtap-recording', protocol: 'smtp' });
    expect(events.some((e) => e.type === 'command' && e.verb === 'EHLO')).toBe(true);
    expect(events.at(-1)).toMatchObject({ type: 'close' });
  });
});
