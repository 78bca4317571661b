// Client misbehaviour, with real sockets on loopback: slow or abandoned TLS handshakes, a
// disconnect inside an IMAP literal, a half-close after QUIT, and a client that says nothing.
// The proxy ends only the session concerned, says why in the recording, and keeps serving.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { makeTestPki, type TestPki } from '../helpers/pki.js';
import { startTestProxy } from '../helpers/proxy-harness.js';
import { startScriptedSmtpServer } from '../helpers/scripted-smtp-server.js';
import { startMiniImapServer } from '../helpers/mini-imap-server.js';
import { LineClient } from '../helpers/line-client.js';
import { readRecording } from '../../src/record/reader.js';

let pki: TestPki;
beforeAll(async () => {
  pki = await makeTestPki();
});
afterAll(async () => {
  await pki?.cleanup();
});

function rawConnect(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = netConnect({ host: '127.0.0.1', port }, () => resolve(s));
    s.once('error', reject);
  });
}

describe('TLS handshakes', () => {
  it('a client slow to start its implicit TLS handshake still gets the greeting inside TLS (upstream bytes wait for it)', async () => {
    const upstream = await startScriptedSmtpServer({ tls: 'implicit', key: pki.serverKey, cert: pki.serverCert });
    const proxy = await startTestProxy(pki, [`smtps://127.0.0.1:0=smtps://127.0.0.1:${upstream.port}`]);
    try {
      const raw = await rawConnect(proxy.port());
      // Long enough for the upstream's greeting to reach the proxy before our ClientHello.
      await new Promise((r) => setTimeout(r, 300));
      const tls = tlsConnect({ socket: raw, ca: pki.mailtapCaPem, servername: 'localhost' });
      const greeting = await new Promise<string>((resolve, reject) => {
        tls.once('data', (c: Buffer) => resolve(c.toString('latin1')));
        tls.once('error', reject);
      });
      expect(greeting).toMatch(/^220 scripted/);
      tls.destroy();
    } finally {
      await proxy.close();
      await upstream.close();
    }
  });

  it('a client that abandons the implicit TLS handshake halfway ends its session with E_CLIENT_TLS, and the server leg is hung up', async () => {
    const upstream = await startScriptedSmtpServer({ tls: 'implicit', key: pki.serverKey, cert: pki.serverCert });
    const proxy = await startTestProxy(pki, [`smtps://127.0.0.1:0=smtps://127.0.0.1:${upstream.port}`]);
    try {
      const raw = await rawConnect(proxy.port());
      // The first bytes of a TLS record header and a ClientHello, then nothing more.
      raw.write(Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03]));
      await new Promise((r) => setTimeout(r, 100));
      raw.destroy();
      const [log] = await proxy.ended(1);
      expect(log!.events.some((e) => e.type === 'error' && (e as { code: string }).code === 'E_CLIENT_TLS')).toBe(true);
      expect(log!.close?.reason).toMatch(/TLS|closed/i);
      await expect.poll(() => upstream.sessions.length === 1 && upstream.sessions[0]!.sha256 !== '').toBe(true);
      const next = await LineClient.connect({ port: proxy.port(), tls: true, ca: pki.mailtapCaPem });
      expect(await next.smtpReply()).toMatch(/^220/);
      next.destroy();
    } finally {
      await proxy.close();
      await upstream.close();
    }
  });

  it('a client that abandons the handshake after STARTTLS ends its session with E_CLIENT_TLS', async () => {
    const upstream = await startScriptedSmtpServer({ tls: 'starttls', key: pki.serverKey, cert: pki.serverCert });
    const proxy = await startTestProxy(pki, [`smtp://127.0.0.1:0=smtp://127.0.0.1:${upstream.port}`]);
    try {
      const client = await LineClient.connect({ port: proxy.port() });
      await client.smtpReply();
      await client.send('EHLO x\r\n');
      await client.smtpReply();
      await client.send('STARTTLS\r\n');
      expect(await client.smtpReply()).toMatch(/^220/);
      await client.send(Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00]));
      client.destroy();
      const [log] = await proxy.ended(1);
      expect(log!.events.some((e) => e.type === 'error' && (e as { code: string }).code === 'E_CLIENT_TLS')).toBe(true);
    } finally {
      await proxy.close();
      await upstream.close();
    }
  });
});

describe('disconnects and silence', () => {
  it('IMAP: a client that disconnects mid-literal (APPEND) ends its session; nothing is appended; the server sees the cut', async () => {
    // Plaintext IMAP, so the client can abort with a real TCP reset.
    const server = await startMiniImapServer({ tls: 'plain', users: { alice: 'pw' }, messages: [] });
    const proxy = await startTestProxy(pki, [`imap://127.0.0.1:0=imap://127.0.0.1:${server.port}`]);
    try {
      const client = await LineClient.connect({ port: proxy.port() });
      expect(await client.line()).toMatch(/^\* OK/);
      await client.send('a1 LOGIN alice pw\r\n');
      expect(await client.line()).toMatch(/^a1 OK/);
      await client.send('a2 APPEND INBOX {100000}\r\n');
      expect(await client.line()).toMatch(/^\+ /);
      await client.send(Buffer.alloc(40_000, 0x61));
      client.reset();
      const [log] = await proxy.ended(1);
      expect(log!.close?.reason).toMatch(/client (connection reset|error|closed)/);
      expect(log!.events.some((e) => e.type === 'command' && (e as { verb?: string }).verb === 'APPEND')).toBe(true);
      expect(server.mailbox.inbox.messages).toHaveLength(0);
      const next = await LineClient.connect({ port: proxy.port() });
      expect(await next.line()).toMatch(/^\* OK/);
      next.destroy();
    } finally {
      await proxy.close();
      await server.close();
    }
  });

  it('half-close: a client that shuts its write side right after QUIT still reads the reply', async () => {
    const upstream = await startScriptedSmtpServer({ tls: 'starttls', key: pki.serverKey, cert: pki.serverCert });
    const proxy = await startTestProxy(pki, [`smtp://127.0.0.1:0=smtp://127.0.0.1:${upstream.port}`]);
    try {
      const raw = await rawConnect(proxy.port());
      let received = '';
      raw.on('data', (c: Buffer) => (received += c.toString('latin1')));
      const ended = new Promise<void>((r) => raw.once('end', () => r()));
      await expect.poll(() => received).toMatch(/^220 /);
      raw.end('QUIT\r\n');
      await ended;
      expect(received).toMatch(/\r\n221 2\.0\.0 bye\r\n$/);
      const [log] = await proxy.ended(1);
      expect(log!.events.some((e) => e.type === 'reply' && (e as { text?: string }).text?.startsWith('221'))).toBe(true);
      raw.destroy();
    } finally {
      await proxy.close();
      await upstream.close();
    }
  });

  it('a client that says nothing is closed after idleTimeoutMs, with the reason in the recording', async () => {
    const upstream = await startScriptedSmtpServer({ tls: 'starttls', key: pki.serverKey, cert: pki.serverCert });
    const proxy = await startTestProxy(pki, [`smtp://127.0.0.1:0=smtp://127.0.0.1:${upstream.port}`], { limits: { idleTimeoutMs: 400 } });
    try {
      const client = await LineClient.connect({ port: proxy.port() });
      expect(await client.smtpReply()).toMatch(/^220/);
      await expect(client.line(5000)).rejects.toThrow(/closed/);
      const [log] = await proxy.ended(1);
      expect(log!.close?.reason).toMatch(/idle for 400 ms/);
      expect(log!.events.some((e) => e.type === 'error' && (e as { code: string }).code === 'E_IDLE_TIMEOUT')).toBe(true);
      const rec = await readRecording(log!.recordingPath!);
      expect(rec.complete).toBe(true);
      expect(rec.events.at(-1)).toMatchObject({ type: 'close', reason: 'idle for 400 ms' });
    } finally {
      await proxy.close();
      await upstream.close();
    }
  });
});
