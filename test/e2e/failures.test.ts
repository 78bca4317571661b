// Failure paths through the proxy, each with real sockets: the client gets a protocol-shaped
// answer naming the cause, the recording says why, and the proxy keeps serving.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { makeTestPki, type TestPki } from '../helpers/pki.js';
import { startTestProxy } from '../helpers/proxy-harness.js';
import { startScriptedSmtpServer } from '../helpers/scripted-smtp-server.js';
import { LineClient } from '../helpers/line-client.js';

let pki: TestPki;
beforeAll(async () => {
  pki = await makeTestPki();
});
afterAll(async () => {
  await pki?.cleanup();
});

/** A port on 127.0.0.1 where nothing listens. */
async function closedPort(): Promise<number> {
  const s: Server = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

describe('upstream failures answer in-protocol', () => {
  it.each([
    ['smtp', /^421 4\.4\.1 .*upstream.*(ECONNREFUSED|refused)/i],
    ['pop3', /^-ERR .*upstream.*(ECONNREFUSED|refused)/i],
    ['imap', /^\* BYE .*upstream.*(ECONNREFUSED|refused)/i],
  ])('%s: upstream refuses the connection', async (scheme, expected) => {
    const proxy = await startTestProxy(pki, [`${scheme}://127.0.0.1:0=${scheme}://127.0.0.1:${await closedPort()}`]);
    try {
      const client = await LineClient.connect({ port: proxy.port() });
      expect(await client.line()).toMatch(expected);
      const [log] = await proxy.ended(1);
      expect(log!.events.find((e) => e.type === 'error')).toMatchObject({ code: 'E_UPSTREAM_CONNECT' });
      expect(log!.close?.reason).toMatch(/refused|ECONNREFUSED/i);
    } finally {
      await proxy.close();
    }
  });

  it('implicit TLS listener: the client completes TLS and then reads the 421', async () => {
    const proxy = await startTestProxy(pki, [`smtps://127.0.0.1:0=smtps://127.0.0.1:${await closedPort()}`]);
    try {
      const client = await LineClient.connect({ port: proxy.port(), tls: true, ca: pki.mailtapCaPem });
      expect(await client.line()).toMatch(/^421 /);
    } finally {
      await proxy.close();
    }
  });

  it('an upstream certificate nobody vouches for is refused with the reason; --insecure accepts it and records why', async () => {
    const upstream = await startScriptedSmtpServer({ tls: 'implicit', key: pki.serverKey, cert: pki.serverCert });
    const strict = await startTestProxy(pki, [`smtps://127.0.0.1:0=smtps://127.0.0.1:${upstream.port}`], { upstreamCa: [] });
    try {
      const client = await LineClient.connect({ port: strict.port(), tls: true, ca: pki.mailtapCaPem });
      expect(await client.line()).toMatch(/^421 .*(certificate|issuer)/i);
      const [log] = await strict.ended(1);
      expect(log!.events.find((e) => e.type === 'error')).toMatchObject({ code: 'E_UPSTREAM_TLS' });
    } finally {
      await strict.close();
    }
    const lax = await startTestProxy(pki, [`smtps://127.0.0.1:0=smtps://127.0.0.1:${upstream.port}`], { upstreamCa: [], insecure: true });
    try {
      const client = await LineClient.connect({ port: lax.port(), tls: true, ca: pki.mailtapCaPem });
      expect(await client.smtpReply()).toMatch(/^220 scripted/);
      await client.send('QUIT\r\n');
      expect(await client.smtpReply()).toMatch(/^221/);
      const [log] = await lax.ended(1);
      const upTls = log!.events.find((e) => e.type === 'tls' && (e as { leg: string }).leg === 'upstream');
      expect(upTls).toMatchObject({ verified: false });
      expect((upTls as { reason?: string }).reason).toMatch(/CERT|certificate|issuer|VERIFY/i);
    } finally {
      await lax.close();
      await upstream.close();
    }
  });

  it('STARTTLS to an untrusted upstream: the client gets 454, not a dead socket', async () => {
    const upstream = await startScriptedSmtpServer({ tls: 'starttls', key: pki.serverKey, cert: pki.serverCert });
    const proxy = await startTestProxy(pki, [`smtp://127.0.0.1:0=smtp://127.0.0.1:${upstream.port}`], { upstreamCa: [] });
    try {
      const client = await LineClient.connect({ port: proxy.port() });
      await client.smtpReply();
      await client.send('EHLO x\r\n');
      await client.smtpReply();
      await client.send('STARTTLS\r\n');
      expect(await client.smtpReply()).toMatch(/^454 4\.7\.0 .*(certificate|issuer)/i);
      const [log] = await proxy.ended(1);
      expect(log!.events.some((e) => e.type === 'error' && (e as { code?: string }).code === 'E_UPSTREAM_TLS')).toBe(true);
    } finally {
      await proxy.close();
      await upstream.close();
    }
  });
});

describe('client-side failures', () => {
  it('a client that rejects the mailtap certificate is recorded with the hint to trust the CA', async () => {
    const upstream = await startScriptedSmtpServer({ tls: 'implicit', key: pki.serverKey, cert: pki.serverCert });
    const proxy = await startTestProxy(pki, [`smtps://127.0.0.1:0=smtps://127.0.0.1:${upstream.port}`]);
    try {
      await expect(
        new Promise((resolve, reject) => {
          const s = tlsConnect({ host: '127.0.0.1', port: proxy.port(), servername: 'localhost' }, () => resolve(s));
          s.once('error', reject);
        }),
      ).rejects.toThrow(/self[- ]signed|unable to verify|issuer/i);
      const [log] = await proxy.ended(1);
      const err = log!.events.find((e) => e.type === 'error' || e.type === 'close');
      expect(JSON.stringify(log!.events)).toMatch(/mailtap ca show/);
      expect(err).toBeDefined();
    } finally {
      await proxy.close();
      await upstream.close();
    }
  });

  it('a client reset mid-DATA ends that session with the cause; the next session works', async () => {
    const upstream = await startScriptedSmtpServer({ tls: 'starttls', key: pki.serverKey, cert: pki.serverCert });
    const proxy = await startTestProxy(pki, [`smtp://127.0.0.1:0=smtp://127.0.0.1:${upstream.port}`]);
    try {
      const client = await LineClient.connect({ port: proxy.port() });
      await client.smtpReply();
      await client.send('EHLO x\r\nMAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nDATA\r\n');
      for (let i = 0; i < 4; i++) await client.smtpReply();
      await client.send(Buffer.alloc(200_000, 0x41));
      client.reset();
      const [log] = await proxy.ended(1);
      expect(log!.close?.reason).toMatch(/client (connection reset|error|closed the connection)/i);
      expect(log!.events.some((e) => e.type === 'body')).toBe(true);

      const second = await LineClient.connect({ port: proxy.port() });
      expect(await second.smtpReply()).toMatch(/^220/);
      await second.send('QUIT\r\n');
      expect(await second.smtpReply()).toMatch(/^221/);
      await second.close();
    } finally {
      await proxy.close();
      await upstream.close();
    }
  });

  it('STARTTLS command injection: plaintext pipelined after STARTTLS never reaches the server', async () => {
    const upstream = await startScriptedSmtpServer({ tls: 'starttls', key: pki.serverKey, cert: pki.serverCert, keepBytes: true });
    const proxy = await startTestProxy(pki, [`smtp://127.0.0.1:0=smtp://127.0.0.1:${upstream.port}`]);
    try {
      const client = await LineClient.connect({ port: proxy.port(), ca: pki.mailtapCaPem });
      await client.smtpReply();
      await client.send('EHLO x\r\n');
      await client.smtpReply();
      await client.send('STARTTLS\r\nMAIL FROM:<evil@attacker.test>\r\n');
      expect(await client.smtpReply()).toMatch(/^220/);
      await client.startTls();
      await client.send('EHLO x\r\n');
      expect(await client.smtpReply()).toMatch(/^250/);
      await client.send('QUIT\r\n');
      await client.smtpReply();
      await client.close();
      const [log] = await proxy.ended(1);
      const received = Buffer.concat(upstream.sessions[0]!.chunks).toString('latin1');
      expect(received).not.toContain('evil@attacker.test');
      const injection = log!.events.find((e) => e.type === 'injection');
      expect(injection).toMatchObject({ from: 'client' });
      expect(Buffer.from((injection as { dropped: string }).dropped, 'base64').toString()).toContain('MAIL FROM:<evil@attacker.test>');
    } finally {
      await proxy.close();
      await upstream.close();
    }
  });

  it('refuses sessions beyond the limit with 421, keeping the ones it has', async () => {
    const upstream = await startScriptedSmtpServer({ tls: 'starttls', key: pki.serverKey, cert: pki.serverCert });
    const proxy = await startTestProxy(pki, [`smtp://127.0.0.1:0=smtp://127.0.0.1:${upstream.port}`], { limits: { maxSessions: 1 } });
    try {
      const first = await LineClient.connect({ port: proxy.port() });
      expect(await first.smtpReply()).toMatch(/^220/);
      const second = await LineClient.connect({ port: proxy.port() });
      expect(await second.line()).toMatch(/^421 .*too many sessions/);
      await first.send('QUIT\r\n');
      expect(await first.smtpReply()).toMatch(/^221/);
      await first.close();
    } finally {
      await proxy.close();
      await upstream.close();
    }
  });
});
