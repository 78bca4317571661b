// Clients that leave before any dialogue: a port probe (connect, close, not a byte), a client that
// sends half a ClientHello and resets, a client that leaves after STARTTLS without starting its
// handshake. Each session ends at once (no waiting for a handshake timeout), its header names the
// client's address, and the close reason says what happened instead of blaming the certificate.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect as netConnect, type Socket } from 'node:net';
import { makeTestPki, type TestPki } from '../helpers/pki.js';
import { startTestProxy, type SessionLog } from '../helpers/proxy-harness.js';
import { startScriptedSmtpServer } from '../helpers/scripted-smtp-server.js';
import { LineClient } from '../helpers/line-client.js';

let pki: TestPki;
beforeAll(async () => {
  pki = await makeTestPki();
});
afterAll(async () => {
  await pki?.cleanup();
});

// Far above the test's own timeout: a session that waits for a handshake timeout fails the test.
const SLOW = { connectTimeoutMs: 120_000 };

function rawConnect(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = netConnect({ host: '127.0.0.1', port }, () => resolve(s));
    s.once('error', reject);
  });
}

/** The first bytes of a TLS 1.2 record carrying a ClientHello that claims 512 bytes. */
const PARTIAL_CLIENT_HELLO = Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03, 0x11, 0x22]);

function errorsOf(log: SessionLog): string[] {
  return log.events.filter((e) => e.type === 'error').map((e) => (e as { message: string }).message);
}

describe('clients that leave before the dialogue', { timeout: 15_000 }, () => {
  it('a partial ClientHello then a reset: the session ends at once, the header names the client, the reason says it left mid-hello', async () => {
    const upstream = await startScriptedSmtpServer({ tls: 'implicit', key: pki.serverKey, cert: pki.serverCert });
    const proxy = await startTestProxy(pki, [`smtps://127.0.0.1:0=smtps://127.0.0.1:${upstream.port}`], { limits: SLOW });
    try {
      const raw = await rawConnect(proxy.port());
      const localPort = raw.localPort;
      raw.write(PARTIAL_CLIENT_HELLO);
      await new Promise((r) => setTimeout(r, 50));
      raw.resetAndDestroy();
      const [log] = await proxy.ended(1);
      expect(log!.header.client).toEqual({ address: '127.0.0.1', port: localPort });
      expect(log!.close?.reason).toMatch(/before (the|its) TLS handshake (was done|finished)|in the middle of its TLS hello/);
      expect(log!.close?.reason).not.toMatch(/rejected the mailtap certificate/);
      // The server leg is not kept for a client that is gone.
      await expect.poll(() => upstream.sessions.length === 0 || proxy.handle.sessionCount === 0).toBe(true);
    } finally {
      await proxy.close();
      await upstream.close();
    }
  });

  it('30 clients that send half a hello and reset at once: every session ends without a handshake timeout, none keeps a server connection', async () => {
    const upstream = await startScriptedSmtpServer({ tls: 'implicit', key: pki.serverKey, cert: pki.serverCert });
    const proxy = await startTestProxy(pki, [`smtps://127.0.0.1:0=smtps://127.0.0.1:${upstream.port}`], { limits: SLOW });
    try {
      for (let i = 0; i < 30; i++) {
        const s = netConnect({ host: '127.0.0.1', port: proxy.port() }, () => {
          s.write(PARTIAL_CLIENT_HELLO);
          s.resetAndDestroy();
        });
        s.on('error', () => {});
      }
      const logs = await proxy.ended(30);
      for (const log of logs) {
        // Either the peer was already gone at accept (the kernel forgets a reset peer's address)
        // or its address is in the header and the reason says it left mid-hello.
        if (log.header.client.address === '') expect(log.close?.reason).toBe('the client reset the connection before mailtap accepted it');
        else {
          expect(log.header.client.address).toBe('127.0.0.1');
          expect(log.close?.reason).toMatch(/in the middle of its TLS hello|without starting the TLS handshake|without sending a byte/);
        }
      }
      await expect.poll(() => proxy.handle.sessionCount).toBe(0);
    } finally {
      await proxy.close();
      await upstream.close();
    }
  });

  it('a port probe (connect, close, not a byte) on an implicit-TLS port is a probe, not a certificate problem', async () => {
    const upstream = await startScriptedSmtpServer({ tls: 'implicit', key: pki.serverKey, cert: pki.serverCert });
    const proxy = await startTestProxy(pki, [`smtps://127.0.0.1:0=smtps://127.0.0.1:${upstream.port}`], { limits: SLOW });
    try {
      const raw = await rawConnect(proxy.port());
      raw.end();
      const [log] = await proxy.ended(1);
      expect(log!.close?.reason).toMatch(/without sending a byte|without starting the TLS handshake/);
      expect([log!.close?.reason, ...errorsOf(log!)].join('\n')).not.toMatch(/rejected the mailtap certificate|trust the mailtap CA/);
    } finally {
      await proxy.close();
      await upstream.close();
    }
  });

  it('a port probe on a STARTTLS port: closed without a byte, no certificate hint', async () => {
    const upstream = await startScriptedSmtpServer({ tls: 'starttls', key: pki.serverKey, cert: pki.serverCert });
    const proxy = await startTestProxy(pki, [`smtp://127.0.0.1:0=smtp://127.0.0.1:${upstream.port}`], { limits: SLOW });
    try {
      const raw = await rawConnect(proxy.port());
      raw.end();
      const [log] = await proxy.ended(1);
      expect(log!.close?.reason).toMatch(/closed the connection/);
      expect([log!.close?.reason, ...errorsOf(log!)].join('\n')).not.toMatch(/rejected the mailtap certificate|trust the mailtap CA/);
    } finally {
      await proxy.close();
      await upstream.close();
    }
  });

  it('a client that leaves after STARTTLS without starting its handshake: said so, no certificate hint', async () => {
    const upstream = await startScriptedSmtpServer({ tls: 'starttls', key: pki.serverKey, cert: pki.serverCert });
    const proxy = await startTestProxy(pki, [`smtp://127.0.0.1:0=smtp://127.0.0.1:${upstream.port}`], { limits: SLOW });
    try {
      const client = await LineClient.connect({ port: proxy.port() });
      await client.smtpReply();
      await client.send('EHLO x\r\n');
      await client.smtpReply();
      await client.send('STARTTLS\r\n');
      expect(await client.smtpReply()).toMatch(/^220/);
      client.destroy();
      const [log] = await proxy.ended(1);
      const said = [log!.close?.reason, ...errorsOf(log!)].join('\n');
      expect(said).toMatch(/without starting the TLS handshake/);
      expect(said).not.toMatch(/rejected the mailtap certificate|trust the mailtap CA/);
    } finally {
      await proxy.close();
      await upstream.close();
    }
  });

  it('a client that rejects the certificate (closes after seeing it) still gets the trust-the-CA hint', async () => {
    const upstream = await startScriptedSmtpServer({ tls: 'implicit', key: pki.serverKey, cert: pki.serverCert });
    const proxy = await startTestProxy(pki, [`smtps://127.0.0.1:0=smtps://127.0.0.1:${upstream.port}`], { limits: SLOW });
    try {
      // No CA given: Node's client rejects the mailtap leaf and sends an alert.
      const { connect } = await import('node:tls');
      const tls = connect({ host: '127.0.0.1', port: proxy.port(), servername: 'localhost' });
      await new Promise<void>((resolve) => tls.once('error', () => resolve()));
      const [log] = await proxy.ended(1);
      expect([log!.close?.reason, ...errorsOf(log!)].join('\n')).toMatch(/trust the mailtap CA/);
    } finally {
      await proxy.close();
      await upstream.close();
    }
  });
});
