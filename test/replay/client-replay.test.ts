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

describe('POP3 client replay', () => {
  it('multi-line replies (CAPA, LIST, UIDL, RETR, TOP) are one reply each: no difference against the same server', async () => {
    const { startMiniPop3Server } = await import('../helpers/mini-pop3-server.js');
    const { Pop3Client } = await import('../helpers/pop3-client.js');
    const message = Buffer.from('From: a@example.com\r\nSubject: prueba\r\n\r\nhola\r\n.a line with a dot\r\nmore\r\n');
    const server = await startMiniPop3Server({ tls: 'implicit', key: pki.serverKey, cert: pki.serverCert, users: { alice: 'al1ce-pass' }, messages: [message, message] });
    const proxy = await startTestProxy(pki, [`pop3s://127.0.0.1:0=pop3s://127.0.0.1:${server.port}`]);
    const recording = `${pki.dir}/pop3-client-replay.jsonl`;
    try {
      const client = await Pop3Client.connect({ host: '127.0.0.1', port: proxy.port(), tls: 'implicit', ca: pki.mailtapCaPem, servername: 'localhost' });
      expect((await client.command('CAPA')).status).toBe('+OK');
      await client.login('alice', 'al1ce-pass');
      await client.command('STAT');
      await client.command('LIST');
      await client.command('UIDL');
      await client.retr(1);
      await client.command('TOP 2 0');
      await client.quit();
      await copyFile((await proxy.ended(1))[0]!.recordingPath!, recording);
    } finally {
      await proxy.close();
    }
    const trust = await loadUpstreamTrust({ upstreamCa: [pki.upstreamCaFile] });
    try {
      const report = await replayClient({ recording, to: `pop3s://127.0.0.1:${server.port}`, trust, timeoutMs: 3000 });
      expect(report.error).toBeUndefined();
      expect(report.comparisons.filter((c) => !c.same)).toEqual([]);
      expect(report.differences).toBe(0);
      // Greeting, CAPA, USER, PASS, STAT, LIST, UIDL, RETR, TOP, QUIT: one reply each.
      expect(report.comparisons.map((c) => c.command)).toEqual(['greeting', 'CAPA', 'USER', 'PASS', 'STAT', 'LIST', 'UIDL', 'RETR', 'TOP', 'QUIT']);
    } finally {
      await server.close();
    }
  });
});
