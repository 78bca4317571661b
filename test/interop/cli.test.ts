// The mailtap command line as a lab-guide user runs it: `mailtap proxy --route … --upstream-ca`
// in front of the real POP3S and SMTPS, openssl s_client through it, then `mailtap show
// --format md` on the recording and `mailtap replay --once` serving it back to s_client.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { withInteropEnv } from './harness.js';
import type { InteropEnv } from './interop-env.js';
import { converse, runCli, type Step } from './run-cli.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');
const MAIN = join(ROOT, 'src/cli/main.ts');
const mailtapArgs = (args: string[]): string[] => ['--import', 'tsx', MAIN, ...args];

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

/** Waits for a line announcing the listener (a probe connection would be a session itself). */
async function waitFor(output: () => string, text: string, who: string): Promise<void> {
  for (let i = 0; i < 150 && !output().includes(text); i++) await new Promise((r) => setTimeout(r, 100));
  expect(output(), `${who}: never printed "${text}"`).toContain(text);
}

function exited(child: ChildProcess): Promise<number | null> {
  return child.exitCode !== null ? Promise.resolve(child.exitCode) : new Promise((r) => child.once('exit', (code) => r(code)));
}

withInteropEnv('the mailtap CLI: proxy, show --format md, replay --once', (env: InteropEnv) => {
  let dir: string;
  let recording: string;
  const steps = (): Step[] => [
    { expect: /^\+OK[^\n]*\n/m },
    { send: `user ${env.users.bob.login}`, expect: /^\+OK[^\n]*\n/m },
    { send: `pass ${env.users.bob.password}`, expect: /^\+OK Logged in/m },
    { send: 'list', expect: /^\.\r?\n/m },
    { send: 'retr 1', expect: /\r\n\.\r\n/ },
    { send: 'quit', expect: /^\+OK Logging out/m },
  ];
  const sClient = (port: number): string[] => ['s_client', '-quiet', '-crlf', '-CAfile', join(dir, 'certs/mailtap-ca.pem'), '-verify_return_error', '-connect', `127.0.0.1:${port}`];

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'mailtap-cli-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('mailtap proxy --route pop3s…=pop3s://127.0.0.1:10995 --upstream-ca records the lab POP3S dialogue', async () => {
    const port = await freePort();
    const proxy = spawn('node', mailtapArgs(['proxy', '--route', `pop3s://127.0.0.1:${port}=${env.urls.pop3s}`, '--upstream-ca', env.ca, '--certs', join(dir, 'certs'), '--recordings', join(dir, 'rec'), '--quiet']), { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    let stdout = '';
    proxy.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    proxy.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    try {
      await waitFor(() => stdout, `=== listening on pop3s://127.0.0.1:${port}`, 'mailtap proxy');
      const live = await converse('openssl s_client pop3s via `mailtap proxy`', 'openssl', sClient(port), steps());
      expect(live.code, 'openssl s_client via `mailtap proxy`: exit code').toBe(0);
    } finally {
      proxy.kill('SIGTERM');
    }
    const code = await Promise.race([exited(proxy), new Promise<string>((r) => setTimeout(() => r('still running 10 s after SIGTERM'), 10_000))]);
    if (proxy.exitCode === null) proxy.kill('SIGKILL');
    expect(code, `mailtap proxy: exit code after SIGTERM; stderr: ${stderr}`).toBe(0);
    const files = readdirSync(join(dir, 'rec'));
    expect(files, 'mailtap proxy: one recording').toHaveLength(1);
    recording = join(dir, 'rec', files[0]!);
  });

  it.each(['en', 'es'])('mailtap show --format md --lang %s renders credentials and notes', async (lang) => {
    expect(recording, 'mailtap show: no recording (the proxy test failed)').toBeDefined();
    const out = await runCli('node', mailtapArgs(['show', recording, '--format', 'md', '--lang', lang]), { cwd: ROOT });
    expect(out.code, `mailtap show --format md: exit code, stderr: ${out.stderr}`).toBe(0);
    expect(out.stdout, 'mailtap show --format md: title').toMatch(/^# .*POP3/);
    expect(out.stdout, 'mailtap show --format md: user').toContain(env.users.bob.login);
    expect(out.stdout, 'mailtap show --format md: password').toContain(env.users.bob.password);
    for (const verb of ['USER', 'PASS', 'LIST', 'RETR', 'QUIT']) expect(out.stdout.toUpperCase(), `mailtap show --format md: ${verb} explained`).toContain(verb);
    const redacted = await runCli('node', mailtapArgs(['show', recording, '--format', 'md', '--lang', lang, '--redact']), { cwd: ROOT });
    expect(redacted.stdout, 'mailtap show --redact: password hidden').not.toContain(env.users.bob.password);
  });

  it('mailtap replay --once serves the recording to the same s_client dialogue and exits 0', async () => {
    expect(recording, 'mailtap replay: no recording (the proxy test failed)').toBeDefined();
    const port = await freePort();
    const replay = spawn('node', mailtapArgs(['replay', recording, '--once', '--listen', `pop3s://127.0.0.1:${port}`, '--certs', join(dir, 'certs')]), { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    replay.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    replay.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    try {
      await waitFor(() => output, `on pop3s://127.0.0.1:${port}`, 'mailtap replay');
      const result = await converse('openssl s_client pop3s via `mailtap replay --once`', 'openssl', sClient(port), steps());
      expect(result.code, 'openssl s_client via `mailtap replay --once`: exit code').toBe(0);
      expect(await exited(replay), `mailtap replay --once: exit code (0 = matched); output: ${output}`).toBe(0);
    } finally {
      if (replay.exitCode === null) replay.kill('SIGTERM');
    }
  });
});
