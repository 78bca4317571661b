// `mailtap audit --upstream`: the real server (smtp-server here) gets the session only when the
// case lets it through, and never the credentials the auditor caught in a failing case.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SMTPServer } from 'smtp-server';
import nodemailer from 'nodemailer';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startAudit } from '../../src/audit/index.js';
import { parseMailUrl } from '../../src/core/mail-url.js';
import { makeTestPki, type TestPki } from '../helpers/pki.js';

let pki: TestPki;
let server: SMTPServer;
let port: number;
const logins: string[] = [];
const messages: string[] = [];

beforeAll(async () => {
  pki = await makeTestPki();
  server = new SMTPServer({
    key: pki.serverKey,
    cert: pki.serverCert,
    authMethods: ['PLAIN', 'LOGIN'],
    // Like Postfix's smtpd_tls_auth_only: AUTH only inside TLS.
    allowInsecureAuth: false,
    logger: false,
    onAuth(auth, _session, cb) {
      logins.push(`${auth.username}:${auth.password}`);
      cb(null, { user: auth.username });
    },
    onData(stream, _session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        messages.push(Buffer.concat(chunks).toString('latin1'));
        cb();
      });
    },
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  port = (server.server.address() as { port: number }).port;
});
afterAll(async () => {
  await new Promise<void>((r) => server.close(() => r()));
  await pki.cleanup();
});

function send(listenPort: number): Promise<unknown> {
  const t = nodemailer.createTransport({
    host: '127.0.0.1',
    port: listenPort,
    auth: { user: 'alice', pass: 'alice-Secret1' },
    tls: { ca: [pki.mailtapCaPem], servername: 'localhost' },
    connectionTimeout: 5000,
    socketTimeout: 5000,
  });
  return t.sendMail({ from: 'alice@mailtap.test', to: 'bob@mailtap.test', subject: 'through', text: 'let through' }).finally(() => t.close());
}

async function runCase(name: 'starttls-stripped' | 'plaintext-auth', recordings: string | false, redact = true) {
  const audit = await startAudit({
    listen: parseMailUrl('smtp://127.0.0.1:0'),
    upstream: parseMailUrl(`smtp://127.0.0.1:${port}`),
    upstreamCa: [pki.upstreamCaFile],
    only: name,
    ca: pki.mailtapCa,
    recordings,
    redact,
  });
  const listenPort = Number(audit.url.split(':').pop());
  const sent = await send(listenPort).then(
    () => 'sent',
    (e: Error) => e.message,
  );
  const report = await audit.done;
  await audit.close();
  return { sent, result: report.cases[0]! };
}

describe('audit --upstream', () => {
  it('a failing case: the credentials caught in clear never reach the server, and the recording is redacted', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mailtap-audit-'));
    try {
      const { sent, result } = await runCase('starttls-stripped', dir);
      expect(result.verdict).toBe('fail');
      expect(sent).toMatch(/530/);
      expect(logins).toEqual([]);
      expect(messages).toEqual([]);
      const [file] = await readdir(dir);
      const text = await readFile(join(dir, file!), 'utf8');
      expect(text).toContain('AUTH PLAIN');
      expect(text).not.toContain('alice-Secret1');
      expect(text).not.toContain(Buffer.from('\0alice\0alice-Secret1').toString('base64'));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('a passing case is proxied to the server: the client logs in inside TLS and its mail arrives', async () => {
    const { sent, result } = await runCase('plaintext-auth', false);
    expect(result.verdict).toBe('pass');
    expect(sent).toBe('sent');
    expect(logins).toEqual(['alice:alice-Secret1']);
    expect(messages.join('')).toContain('let through');
  });
});
