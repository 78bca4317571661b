// `mailtap audit` as a user runs it: usage errors exit 2 with one line; `--case NAME` serves one
// session and exits 0 (pass) or 1 (fail); `--format json --out FILE` writes the SPEC's report.

import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { runCli } from '../../src/cli/program.js';
import { closeKeylog } from '../../src/transport/keylog.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mailtap-audit-cli-'));
  // The CA the audit creates on first use, made here once so both runs share it.
  expect(await runCli(['ca', 'init', '--dir', join(dir, 'certs')])).toBe(0);
});
afterAll(() => rm(dir, { recursive: true, force: true }));
afterEach(() => {
  vi.restoreAllMocks();
  process.exitCode = undefined;
});

async function runAudit(args: string[], client: (port: number, caPem: string) => Promise<void>): Promise<{ code: number; out: string }> {
  let out = '';
  let seen!: (port: number) => void;
  const listening = new Promise<number>((r) => (seen = r));
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out += String(chunk);
    const m = /mailtap audit on \w+:\/\/127\.0\.0\.1:(\d+)/.exec(out);
    if (m) seen(Number(m[1]));
    return true;
  });
  vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  const running = runCli(['audit', '--certs', join(dir, 'certs'), '--no-record', '--lang', 'en', ...args]);
  const caPem = await readFile(join(dir, 'certs', 'mailtap-ca.pem'), 'utf8');
  const port = await Promise.race([listening, running.then(() => 0)]);
  if (port) await client(port, caPem).catch(() => undefined);
  const code = await running;
  return { code, out };
}

/** An implicit-TLS SMTP client: handshake (verifying or not), EHLO, AUTH PLAIN, QUIT. */
function smtpsClient(verify: boolean) {
  return (port: number, ca: string) =>
    new Promise<void>((resolve, reject) => {
      const s = tlsConnect({ host: '127.0.0.1', port, ca: [ca], servername: 'localhost', rejectUnauthorized: verify });
      let text = '';
      s.on('data', (d: Buffer) => {
        text += d.toString('latin1');
        if (/^220 /m.test(text) && !text.includes('#ehlo')) {
          text += '#ehlo';
          s.write('EHLO client.test\r\nAUTH PLAIN AGFsaWNlAHNlY3JldA==\r\nQUIT\r\n');
        }
      });
      s.on('error', reject);
      s.on('close', () => resolve());
    });
}

describe('mailtap audit', () => {
  it.each([
    [['--listen', 'smtp://127.0.0.1:0'], /exactly one of --upstream URL or --mock/],
    [['--listen', 'smtp://127.0.0.1:0', '--mock', '--case', 'nope'], /unknown case "nope"/],
    [['--listen', 'smtp://127.0.0.1:0', '--mock', '--format', 'xml'], /--format/],
    [['--listen', 'smtp://127.0.0.1:0', '--upstream', 'imap://127.0.0.1:143'], /speaks smtp but --upstream speaks imap/],
  ])('usage error %j exits 2 with one line', async (args, message) => {
    let err = '';
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => ((err += String(chunk)), true));
    expect(await runCli(['audit', ...args])).toBe(2);
    expect(err).toMatch(message);
    expect(err.trim().split('\n')).toHaveLength(1);
  });

  it('--case untrusted-cert with a verifying client: one session, exit 0, JSON report', async () => {
    const out = join(dir, 'report.json');
    const { code } = await runAudit(['--listen', 'smtps://127.0.0.1:0', '--mock', '--case', 'untrusted-cert', '--format', 'json', '--out', out], smtpsClient(true));
    expect(code).toBe(0);
    const report = JSON.parse(await readFile(out, 'utf8')) as { cases: { name: string; verdict: string; evidence: { transcript: string[] } }[] };
    expect(report.cases).toHaveLength(1);
    expect(report.cases[0]).toMatchObject({ name: 'untrusted-cert', verdict: 'pass' });
    expect(report.cases[0]!.evidence.transcript.join('\n')).toMatch(/unknown ca|rejected the mailtap certificate|left during the TLS handshake after mailtap sent its certificate/i);
  });

  it('--case untrusted-cert with a client that does not verify: exit 1 and the fix in the scorecard', async () => {
    const { code, out } = await runAudit(['--listen', 'smtps://127.0.0.1:0', '--mock', '--case', 'untrusted-cert'], smtpsClient(false));
    expect(code).toBe(1);
    expect(out).toMatch(/FAIL\s+untrusted-cert/);
    expect(out).toMatch(/fix: verify certificates/);
    expect(out).not.toContain('AGFsaWNlAHNlY3JldA==');
  });

  it('--keylog: the TLS secrets of the case session are appended to the file', async () => {
    const file = join(dir, 'keys.log');
    try {
      const { code, out } = await runAudit(['--listen', 'smtps://127.0.0.1:0', '--mock', '--case', 'expired-cert', '--keylog', file], smtpsClient(false));
      expect(code).toBe(1);
      expect(out).toContain(`key log: ${file}`);
      expect(await readFile(file, 'utf8')).toMatch(/^(CLIENT_TRAFFIC_SECRET_0|CLIENT_RANDOM) [0-9a-f]+ [0-9a-f]+$/m);
    } finally {
      await closeKeylog();
    }
  });
});
