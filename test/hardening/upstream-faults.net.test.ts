// Upstream misbehaviour, with real sockets on loopback: a server that hangs up at once, never
// greets, resets mid-reply or mid-handshake, or shows a certificate that must not be trusted.
// Each time the client gets a protocol-shaped answer naming the cause, the recording says why,
// and the proxy goes on serving the next session.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestPki, makeTempDir, type TestPki } from '../helpers/pki.js';
import { startTestProxy, unitText, type SessionLog } from '../helpers/proxy-harness.js';
import { startScriptedSmtpServer } from '../helpers/scripted-smtp-server.js';
import { LineClient } from '../helpers/line-client.js';
import { makeBadCerts, type BadCerts } from './support/bad-certs.js';
import { resetSocket, startRawServer } from './support/raw-server.js';

let pki: TestPki;
let certs: BadCerts;
let tmp: { dir: string; cleanup: () => Promise<void> };
beforeAll(async () => {
  pki = await makeTestPki();
  tmp = await makeTempDir('mailtap-badcerts-');
  certs = await makeBadCerts(tmp.dir);
});
afterAll(async () => {
  await pki?.cleanup();
  await tmp?.cleanup();
});

function errorCodes(log: SessionLog): string[] {
  return log.events.filter((e) => e.type === 'error').map((e) => (e as { code: string }).code);
}

const REFUSALS = {
  smtp: /^421 4\.4\.1 /,
  pop3: /^-ERR /,
  imap: /^\* BYE /,
} as const;

describe('an upstream that hangs up or never speaks', () => {
  it.each(['smtp', 'pop3', 'imap'] as const)('%s: accepts then closes at once → the client is told, not left with a dead socket', async (scheme) => {
    const upstream = await startRawServer((conn) => conn.socket.end());
    const proxy = await startTestProxy(pki, [`${scheme}://127.0.0.1:0=${scheme}://127.0.0.1:${upstream.port}`]);
    try {
      const client = await LineClient.connect({ port: proxy.port() });
      const line = await client.line();
      expect(line).toMatch(REFUSALS[scheme]);
      expect(line).toMatch(/closed/i);
      const [log] = await proxy.ended(1);
      expect(errorCodes(log!)).toContain('E_UPSTREAM_CLOSED');
      expect(log!.close?.reason).toMatch(/server closed/i);
    } finally {
      await proxy.close();
      await upstream.close();
    }
  });

  it.each(['smtp', 'smtps'] as const)('%s: stalls before the greeting → 421 "timed out" after connectTimeoutMs, the stalled server is hung up on', async (scheme) => {
    const upstream = await startRawServer(() => {}, scheme === 'smtps' ? { tls: { key: pki.serverKey, cert: pki.serverCert } } : {});
    const proxy = await startTestProxy(pki, [`${scheme}://127.0.0.1:0=${scheme}://127.0.0.1:${upstream.port}`], { limits: { connectTimeoutMs: 300 } });
    try {
      const client = await LineClient.connect({ port: proxy.port(), tls: scheme === 'smtps', ca: pki.mailtapCaPem });
      expect(await client.line()).toMatch(/^421 4\.4\.1 .*timed out/i);
      const [log] = await proxy.ended(1);
      expect(errorCodes(log!)).toContain('E_UPSTREAM_TIMEOUT');
      await expect.poll(() => upstream.connections[0]?.socket.destroyed || upstream.connections[0]?.socket.readableEnded).toBe(true);
    } finally {
      await proxy.close();
      await upstream.close();
    }
  });

  it('a greeting that arrives in time is not cut by the greeting timeout', async () => {
    const upstream = await startRawServer((conn) => setTimeout(() => conn.send('220 slow but fine\r\n'), 50));
    const proxy = await startTestProxy(pki, [`smtp://127.0.0.1:0=smtp://127.0.0.1:${upstream.port}`], { limits: { connectTimeoutMs: 2000 } });
    try {
      const client = await LineClient.connect({ port: proxy.port() });
      expect(await client.line()).toBe('220 slow but fine\r\n');
      client.destroy();
    } finally {
      await proxy.close();
      await upstream.close();
    }
  });

  it('resets mid-reply → the client sees the reset after the complete replies; the recording keeps the partial reply; the next session works', async () => {
    let n = 0;
    const upstream = await startRawServer((conn) => {
      if (++n > 1) return void conn.send('220 second session\r\n');
      conn.send('220 first\r\n');
      conn.socket.once('data', () => {
        conn.send('250-first line\r\n250-half a li');
        setTimeout(() => resetSocket(conn.socket), 50);
      });
    });
    const proxy = await startTestProxy(pki, [`smtp://127.0.0.1:0=smtp://127.0.0.1:${upstream.port}`]);
    try {
      const client = await LineClient.connect({ port: proxy.port() });
      expect(await client.line()).toBe('220 first\r\n');
      await client.send('EHLO x\r\n');
      await expect(client.smtpReply()).rejects.toThrow(/closed/);
      const [log] = await proxy.ended(1);
      expect(log!.close?.reason).toMatch(/server (connection reset|error)/);
      expect(unitText(log!, 's2c')).toBe('220 first\r\n250-first line\r\n250-half a li');
      expect(unitText(log!, 'c2s')).toBe('EHLO x\r\n');
      const second = await LineClient.connect({ port: proxy.port() });
      expect(await second.line()).toBe('220 second session\r\n');
      second.destroy();
    } finally {
      await proxy.close();
      await upstream.close();
    }
  });

  it('resets mid-TLS-handshake (implicit) → 421 naming the TLS failure', async () => {
    const upstream = await startRawServer((conn) => conn.socket.once('data', () => resetSocket(conn.socket)));
    const proxy = await startTestProxy(pki, [`smtps://127.0.0.1:0=smtps://127.0.0.1:${upstream.port}`]);
    try {
      const client = await LineClient.connect({ port: proxy.port(), tls: true, ca: pki.mailtapCaPem });
      expect(await client.line()).toMatch(/^421 4\.4\.1 .*TLS.*(ECONNRESET|disconnected|reset)/i);
      const [log] = await proxy.ended(1);
      expect(errorCodes(log!)).toContain('E_UPSTREAM_TLS');
    } finally {
      await proxy.close();
      await upstream.close();
    }
  });
});

describe('upstream certificates', () => {
  const cases = [
    ['good (control)', 'good', null],
    ['expired', 'expired', /expired/i],
    ['for another name', 'wrongName', /Hostname|altnames|does not match/i],
    ['self-signed', 'selfSigned', /self[-_ ]signed/i],
  ] as const;

  it.each(cases)('%s: verified by default → accepted or refused with the reason', async (_label, which, reason) => {
    const upstream = await startScriptedSmtpServer({ tls: 'implicit', key: certs[which].key, cert: certs[which].cert });
    const proxy = await startTestProxy(pki, [`smtps://127.0.0.1:0=smtps://127.0.0.1:${upstream.port}`], { upstreamCa: [certs.caFile] });
    try {
      const client = await LineClient.connect({ port: proxy.port(), tls: true, ca: pki.mailtapCaPem });
      const line = await client.line();
      if (reason === null) {
        expect(line).toMatch(/^220 scripted/);
        client.destroy();
        const [log] = await proxy.ended(1);
        expect(log!.events.find((e) => e.type === 'tls' && (e as { leg: string }).leg === 'upstream')).toMatchObject({ verified: true });
        return;
      }
      expect(line).toMatch(/^421 4\.4\.1 /);
      expect(line).toMatch(reason);
      const [log] = await proxy.ended(1);
      const err = log!.events.find((e) => e.type === 'error') as { code: string; message: string };
      expect(err.code).toBe('E_UPSTREAM_TLS');
      expect(err.message).toMatch(reason);
      expect(log!.close?.reason).toMatch(reason);
    } finally {
      await proxy.close();
      await upstream.close();
    }
  });

  it.each(cases.filter((c) => c[2] !== null))('%s: accepted with insecure: true, recorded as unverified with the reason', async (_label, which, reason) => {
    const upstream = await startScriptedSmtpServer({ tls: 'implicit', key: certs[which].key, cert: certs[which].cert });
    const proxy = await startTestProxy(pki, [`smtps://127.0.0.1:0=smtps://127.0.0.1:${upstream.port}`], { upstreamCa: [certs.caFile], insecure: true });
    try {
      const client = await LineClient.connect({ port: proxy.port(), tls: true, ca: pki.mailtapCaPem });
      expect(await client.smtpReply()).toMatch(/^220 scripted/);
      await client.send('QUIT\r\n');
      expect(await client.smtpReply()).toMatch(/^221/);
      await client.close();
      const [log] = await proxy.ended(1);
      const tls = log!.events.find((e) => e.type === 'tls' && (e as { leg: string }).leg === 'upstream') as { verified: boolean; reason?: string };
      expect(tls.verified).toBe(false);
      // Node reports the chain error; the name mismatch is only checked when verifying, so any reason will do there.
      if (which !== 'wrongName') expect(tls.reason).toMatch(reason!);
    } finally {
      await proxy.close();
      await upstream.close();
    }
  });
});

describe("the server's last words", () => {
  // Dovecot after too many bad commands: "-ERR Too many invalid bad commands." and a close while
  // the client is still sending, so mailtap's next write to it fails (EPIPE / RST). What the
  // server said before closing must still reach the client and the recording.
  it.each([
    ['plaintext', undefined],
    ['implicit TLS', 'tls'],
  ] as const)('%s: a server that answers, says goodbye and closes under a flood of commands', async (_label, tls) => {
    const upstream = await startRawServer(
      (conn) => {
        conn.send('+OK ready\r\n');
        let seen = 0;
        conn.socket.on('data', (c: Buffer) => {
          if (seen >= 3) return;
          seen += c.toString('latin1').split('\r\n').length - 1;
          if (seen < 3) conn.send('-ERR Unknown command.\r\n');
          else {
            conn.send('-ERR Too many invalid bad commands.\r\n');
            conn.socket.end();
            // Unread input on a closed socket makes the kernel answer the next bytes with RST.
            setTimeout(() => conn.socket.destroy(), 20);
          }
        });
      },
      tls ? { tls: { key: pki.serverKey, cert: pki.serverCert } } : {},
    );
    const scheme = tls ? 'pop3s' : 'pop3';
    const proxy = await startTestProxy(pki, [`pop3://127.0.0.1:0=${scheme}://127.0.0.1:${upstream.port}`]);
    try {
      const client = await LineClient.connect({ port: proxy.port() });
      await client.line();
      for (let i = 0; i < 200 && !client.received.includes('Too many'); i++) {
        await client.send(`BOGUS${i}\r\n`).catch(() => {});
        await new Promise((r) => setTimeout(r, 2));
      }
      await expect.poll(() => client.received, { timeout: 5000 }).toContain('-ERR Too many invalid bad commands.\r\n');
      client.destroy();
      const [log] = await proxy.ended(1);
      expect(unitText(log!, 's2c')).toContain('-ERR Too many invalid bad commands.\r\n');
    } finally {
      await proxy.close();
      await upstream.close();
    }
  });
});
