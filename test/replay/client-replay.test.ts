// `replay --client`: the recorded client side re-sent to a live smtp-server; the same server
// answers as recorded, a differently configured one is reported unit by unit.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import nodemailer from 'nodemailer';
import { copyFile } from 'node:fs/promises';
import { makeTestPki, type TestPki } from '../helpers/pki.js';
import { startTestProxy } from '../helpers/proxy-harness.js';
import { replayClient } from '../../src/replay/client-replay.js';
import { loadUpstreamTrust } from '../../src/transport/upstream-trust.js';

let pki: TestPki;
beforeAll(async () => {
  pki = await makeTestPki();
});
afterAll(async () => {
  await pki?.cleanup();
});

async function smtpServer(extra: Partial<SMTPServerOptions> = {}): Promise<{ server: SMTPServer; port: number }> {
  const server = new SMTPServer({
    key: pki.serverKey,
    cert: pki.serverCert,
    authMethods: ['PLAIN', 'LOGIN'],
    logger: false,
    onAuth: (auth, _s, cb) => (auth.password === 's3cret' ? cb(null, { user: auth.username }) : cb(new Error('bad'))),
    onData: (stream, _s, cb) => {
      stream.resume();
      stream.on('end', () => cb());
    },
    ...extra,
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { server, port: (server.server.address() as { port: number }).port };
}

describe('client replay', () => {
  it('reports no difference against the same server, and each difference against another', async () => {
    const a = await smtpServer();
    const b = await smtpServer({ hidePIPELINING: true, disabledCommands: [] , size: 1024 });
    const proxy = await startTestProxy(pki, [`smtp://127.0.0.1:0=smtp://127.0.0.1:${a.port}`]);
    const recording = `${pki.dir}/client-replay.jsonl`;
    try {
      const transport = nodemailer.createTransport({ host: '127.0.0.1', port: proxy.port(), requireTLS: true, auth: { user: 'alice', pass: 's3cret' }, authMethod: 'LOGIN', tls: { ca: pki.mailtapCaPem, servername: 'localhost' } });
      await transport.sendMail({ from: 'alice@example.com', to: 'bob@example.com', subject: 's', text: 'hello\n' });
      transport.close();
      await copyFile((await proxy.ended(1))[0]!.recordingPath!, recording);
    } finally {
      await proxy.close();
    }
    const trust = await loadUpstreamTrust({ upstreamCa: [pki.upstreamCaFile] });
    try {
      const same = await replayClient({ recording, to: `smtp://127.0.0.1:${a.port}`, trust, timeoutMs: 5000 });
      expect(same.error).toBeUndefined();
      expect(same.differences).toBe(0);
      expect(same.comparisons.length).toBeGreaterThan(6);

      const other = await replayClient({ recording, to: `smtp://127.0.0.1:${b.port}`, trust, timeoutMs: 5000 });
      expect(other.differences).toBeGreaterThan(0);
      const ehlo = other.comparisons.find((c) => !c.same && c.command === 'EHLO');
      expect(ehlo?.detail).toMatch(/lost PIPELINING/);
      
    } finally {
      await new Promise<void>((r) => a.server.close(() => r()));
      await new Promise<void>((r) => b.server.close(() => r()));
    }
  });
});
