// nodemailer → mailtap → smtp-server, over real sockets and real TLS, in each TLS mode.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SMTPServer } from 'smtp-server';
import nodemailer from 'nodemailer';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { makeTestPki, type TestPki } from '../helpers/pki.js';
import { startTestProxy, unitText, type SessionLog } from '../helpers/proxy-harness.js';
import { readRecording, streamBytes } from '../../src/record/reader.js';

let pki: TestPki;
beforeAll(async () => {
  pki = await makeTestPki();
});
afterAll(async () => {
  await pki?.cleanup();
});

interface Received {
  from?: string;
  to: string[];
  sha256: string;
  size: number;
}

async function startSmtpServer(secure: boolean): Promise<{ server: SMTPServer; port: number; received: Received[] }> {
  const received: Received[] = [];
  const server = new SMTPServer({
    secure,
    key: pki.serverKey,
    cert: pki.serverCert,
    authMethods: ['PLAIN', 'LOGIN', 'CRAM-MD5'],
    logger: false,
    onAuth(auth, _session, cb) {
      if (auth.username === 'alice' && (auth.method === 'CRAM-MD5' ? auth.validatePassword!('s3cret') : auth.password === 's3cret')) cb(null, { user: 'alice' });
      else cb(new Error('Invalid username or password'));
    },
    onData(stream, session, cb) {
      const hash = createHash('sha256');
      let size = 0;
      stream.on('data', (c: Buffer) => {
        hash.update(c);
        size += c.length;
      });
      stream.on('end', () => {
        received.push({ from: session.envelope.mailFrom ? session.envelope.mailFrom.address : undefined, to: session.envelope.rcptTo.map((r) => r.address), sha256: hash.digest('hex'), size });
        cb();
      });
    },
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const addr = server.server.address();
  return { server, port: typeof addr === 'object' && addr ? addr.port : 0, received };
}

function closeServer(server: SMTPServer): Promise<void> {
  return new Promise((r) => server.close(() => r()));
}

const message = (extra = '') => ({
  from: 'alice@example.com',
  to: 'bob@example.com',
  subject: 'hola',
  text: `Este mensaje es de prueba.\n.dot line\n${extra}`,
});

function types(log: SessionLog): string[] {
  return log.events.map((e) => e.type);
}

describe('SMTP through the proxy', () => {
  it.each([
    ['STARTTLS on both legs', 'smtp', false, 'smtp', false],
    ['implicit TLS on both legs', 'smtps', true, 'smtps', true],
    ['implicit TLS to the client, STARTTLS upstream', 'smtps', true, 'smtp', false],
  ] as const)('%s: nodemailer sends with AUTH LOGIN and the recording shows it', async (_name, listenScheme, clientSecure, upstreamScheme, upstreamSecure) => {
    const upstream = await startSmtpServer(upstreamSecure);
    const proxy = await startTestProxy(pki, [`${listenScheme}://127.0.0.1:0=${upstreamScheme}://127.0.0.1:${upstream.port}`]);
    try {
      const transport = nodemailer.createTransport({
        host: '127.0.0.1',
        port: proxy.port(),
        secure: clientSecure,
        requireTLS: !clientSecure,
        auth: { user: 'alice', pass: 's3cret' },
        authMethod: 'LOGIN',
        tls: { ca: pki.mailtapCaPem, servername: 'localhost' },
      });
      const info = await transport.sendMail(message());
      transport.close();
      expect(info.accepted).toEqual(['bob@example.com']);
      const [log] = await proxy.ended(1);
      expect(upstream.received).toHaveLength(1);

      const tls = log!.events.filter((e) => e.type === 'tls');
      expect(tls.map((e) => (e as { leg: string }).leg).sort()).toEqual(['client', 'upstream']);
      expect(tls.find((e) => (e as { leg: string }).leg === 'upstream')).toMatchObject({ verified: true });
      const auth = log!.events.find((e) => e.type === 'auth');
      expect(auth).toMatchObject({ mechanism: 'LOGIN', username: 'alice', password: 's3cret', result: 'success' });
      const verbs = log!.events.filter((e) => e.type === 'command').map((e) => (e as { verb?: string }).verb);
      expect(verbs).toEqual(expect.arrayContaining(['EHLO', 'AUTH', 'MAIL', 'RCPT', 'DATA']));
      expect(types(log!).at(-1)).toBe('close');

      // The recording on disk holds the same dialogue, mode 0600.
      const rec = await readRecording(log!.recordingPath!);
      expect(rec.complete).toBe(true);
      expect(rec.header).toMatchObject({ format: 'mailtap-recording', version: 1, protocol: 'smtp' });
      expect(streamBytes(rec, 'c2s').toString()).toContain('MAIL FROM:<alice@example.com>');
      const { mode } = await import('node:fs/promises').then((fs) => fs.stat(log!.recordingPath!));
      expect(mode & 0o777).toBe(0o600);
      expect((await readFile(log!.recordingPath!, 'utf8')).split('\n')[0]).toContain('"format":"mailtap-recording"');
    } finally {
      await proxy.close();
      await closeServer(upstream.server);
    }
  });

  it.each(['PLAIN', 'CRAM-MD5'] as const)('decodes AUTH %s', async (method) => {
    const upstream = await startSmtpServer(false);
    const proxy = await startTestProxy(pki, [`smtp://127.0.0.1:0=smtp://127.0.0.1:${upstream.port}`]);
    try {
      const transport = nodemailer.createTransport({
        host: '127.0.0.1',
        port: proxy.port(),
        requireTLS: true,
        auth: { user: 'alice', pass: 's3cret' },
        authMethod: method,
        tls: { ca: pki.mailtapCaPem, servername: 'localhost' },
      });
      await transport.sendMail(message());
      transport.close();
      const [log] = await proxy.ended(1);
      const auth = log!.events.find((e) => e.type === 'auth') as unknown as Record<string, unknown>;
      expect(auth).toMatchObject({ mechanism: method, username: 'alice', result: 'success' });
      if (method === 'PLAIN') expect(auth.password).toBe('s3cret');
      else expect(auth.proof).toMatch(/^[0-9a-f]{32}$/);
    } finally {
      await proxy.close();
      await closeServer(upstream.server);
    }
  });

  it('a wrong password is recorded as a failed authentication and the client sees the server reply', async () => {
    const upstream = await startSmtpServer(false);
    const proxy = await startTestProxy(pki, [`smtp://127.0.0.1:0=smtp://127.0.0.1:${upstream.port}`]);
    try {
      const transport = nodemailer.createTransport({
        host: '127.0.0.1',
        port: proxy.port(),
        requireTLS: true,
        auth: { user: 'alice', pass: 'wrong' },
        authMethod: 'PLAIN',
        tls: { ca: pki.mailtapCaPem, servername: 'localhost' },
      });
      await expect(transport.sendMail(message())).rejects.toThrow(/535|Invalid/);
      transport.close();
      const [log] = await proxy.ended(1);
      expect(log!.events.find((e) => e.type === 'auth')).toMatchObject({ username: 'alice', password: 'wrong', result: 'failure' });
    } finally {
      await proxy.close();
      await closeServer(upstream.server);
    }
  });
});

describe('SMTP with different TLS modes on the two legs', () => {
  it('a STARTTLS client in front of an implicit-TLS server: mailtap answers STARTTLS itself', async () => {
    const upstream = await startSmtpServer(true);
    const proxy = await startTestProxy(pki, [`smtp://127.0.0.1:0=smtps://127.0.0.1:${upstream.port}`]);
    try {
      const transport = nodemailer.createTransport({
        host: '127.0.0.1',
        port: proxy.port(),
        requireTLS: true,
        auth: { user: 'alice', pass: 's3cret' },
        tls: { ca: pki.mailtapCaPem, servername: 'localhost' },
      });
      await transport.sendMail(message());
      transport.close();
      const [log] = await proxy.ended(1);
      expect(upstream.received).toHaveLength(1);
      const starttls = log!.events.find((e) => e.type === 'command' && (e as { verb?: string }).verb === 'STARTTLS');
      expect(starttls).toBeDefined();
      expect(unitText(log!, 's2c')).toContain('answered by mailtap');
      // The server (already TLS) offers no STARTTLS; mailtap adds the offer it answers for.
      expect(unitText(log!, 's2c')).toMatch(/250[ -]STARTTLS\r\n/);
      expect(log!.events.filter((e) => e.type === 'tls')).toHaveLength(2);
    } finally {
      await proxy.close();
      await closeServer(upstream.server);
    }
  });
});
