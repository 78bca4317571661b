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
});
