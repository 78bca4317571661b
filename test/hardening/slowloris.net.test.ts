// Slowloris: every byte a client sends refreshes its idle timer, so one host trickling a byte now
// and then on many connections could hold every session mailtap allows. The per-client cap
// (limits.maxSessionsPerClient) stops it at its own share: past it that address is refused in
// protocol, while another client address is still served.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect as netConnect, type Socket } from 'node:net';
import { makeTestPki, type TestPki } from '../helpers/pki.js';
import { startTestProxy } from '../helpers/proxy-harness.js';
import { startScriptedSmtpServer } from '../helpers/scripted-smtp-server.js';

let pki: TestPki;
beforeAll(async () => {
  pki = await makeTestPki();
});
afterAll(async () => {
  await pki?.cleanup();
});

/** Connects from `localAddress` and resolves with the first line the proxy sends. */
function connectFrom(localAddress: string, port: number): Promise<{ socket: Socket; first: string }> {
  return new Promise((resolve, reject) => {
    const socket = netConnect({ host: '127.0.0.1', port, localAddress });
    let text = '';
    socket.on('data', (c: Buffer) => {
      text += c.toString('latin1');
      const end = text.indexOf('\r\n');
      if (end >= 0) resolve({ socket, first: text.slice(0, end) });
    });
    socket.once('error', reject);
  });
}

describe('slowloris', () => {
  it('one address trickling bytes on many connections holds only its share; another address is still served', async () => {
    const upstream = await startScriptedSmtpServer({ tls: 'starttls', key: pki.serverKey, cert: pki.serverCert });
    const cap = 8;
    // The global cap is above the per-client one: without the latter the trickler would fill it.
    const proxy = await startTestProxy(pki, [`smtp://127.0.0.1:0=smtp://127.0.0.1:${upstream.port}`], { limits: { maxSessions: cap + 2, maxSessionsPerClient: cap } });
    const held: Socket[] = [];
    try {
      for (let i = 0; i < cap; i++) {
        const { socket, first } = await connectFrom('127.0.0.3', proxy.port());
        expect(first).toMatch(/^220 /);
        socket.write('N'); // half a NOOP: a byte of progress that keeps the session alive
        held.push(socket);
      }
      const refused = await connectFrom('127.0.0.3', proxy.port());
      expect(refused.first).toMatch(/^421 .*too many sessions from 127\.0\.0\.3 \(limit 8 per client\)/);
      refused.socket.destroy();
      const other = await connectFrom('127.0.0.4', proxy.port());
      expect(other.first).toMatch(/^220 /);
      other.socket.destroy();
      // A session of the trickler that ends frees its place.
      held.pop()!.destroy();
      await proxy.ended(2);
      const again = await connectFrom('127.0.0.3', proxy.port());
      expect(again.first).toMatch(/^220 /);
      held.push(again.socket);
    } finally {
      for (const s of held) s.destroy();
      await proxy.close();
      await upstream.close();
    }
  });
});
