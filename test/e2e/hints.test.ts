// Mistakes explained in the moment, through a real proxy and real sockets: each arrives as one
// `hint` event with the fix, at the moment it happens, instead of a puzzle (OpenSSL internals,
// forwarded ClientHello bytes annotated as unknown commands, a silent hang).

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect as netConnect } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { makeTestPki, type TestPki } from '../helpers/pki.js';
import { startTestProxy, type SessionLog } from '../helpers/proxy-harness.js';
import { startScriptedSmtpServer, type ScriptedSmtpServer } from '../helpers/scripted-smtp-server.js';
import { LineClient } from '../helpers/line-client.js';
import type { RecordEvent } from '../../src/record/schema.js';

let pki: TestPki;
let starttls: ScriptedSmtpServer;
let implicit: ScriptedSmtpServer;
beforeAll(async () => {
  pki = await makeTestPki();
  starttls = await startScriptedSmtpServer({ tls: 'starttls', key: pki.serverKey, cert: pki.serverCert });
  implicit = await startScriptedSmtpServer({ tls: 'implicit', key: pki.serverKey, cert: pki.serverCert });
});
afterAll(async () => {
  await starttls?.close();
  await implicit?.close();
  await pki?.cleanup();
});

const hints = (log: SessionLog): (RecordEvent & { code: string; note: string; note_es?: string })[] =>
  log.events.filter((e) => e.type === 'hint') as never;

describe('hints from the bytes (plaintext/STARTTLS listener)', () => {
  it('bare LF once per session, a POP3 command on the SMTP port, both in en and es', async () => {
    const proxy = await startTestProxy(pki, [`smtp://127.0.0.1:0=smtp://127.0.0.1:${starttls.port}`]);
    try {
      const c = await LineClient.connect({ port: proxy.port() });
      expect(await c.smtpReply()).toMatch(/^220/);
      await c.send('EHLO x\n');
      expect(await c.smtpReply()).toMatch(/^250[ -]/);
      await c.send('NOOP\n');
      expect(await c.smtpReply()).toMatch(/^250/);
      await c.send('USER alice\r\n');
      expect(await c.smtpReply()).toMatch(/^500/);
      await c.send('QUIT\r\n');
      expect(await c.smtpReply()).toMatch(/^221/);
      const [log] = await proxy.ended(1);
      const got = hints(log!);
      expect(got.map((h) => h.code)).toEqual(['bare-lf', 'wrong-protocol']);
      expect(got[0]!.note).toMatch(/RFC 5321 §2\.3\.8.*smuggling.*-crlf/);
      expect(got[1]!.note).toContain('This port speaks SMTP, and that is a POP3 command: POP3 is on 110');
      expect(got[1]!.note_es).toContain('Este puerto habla SMTP');
    } finally {
      await proxy.close();
    }
  });

  it('a TLS ClientHello on a STARTTLS port: started TLS at once, use -starttls smtp or 465', async () => {
    const proxy = await startTestProxy(pki, [`smtp://127.0.0.1:0=smtp://127.0.0.1:${starttls.port}`]);
    try {
      const tls = tlsConnect({ host: '127.0.0.1', port: proxy.port(), ca: pki.mailtapCaPem, servername: 'localhost' });
      tls.on('error', () => {});
      // The server answers the hello bytes with 500s; the client gives up on its own.
      const [log] = await proxy.ended(1);
      tls.destroy();
      const got = hints(log!);
      expect(got.map((h) => h.code)).toContain('tls-on-plaintext');
      expect(got.find((h) => h.code === 'tls-on-plaintext')!.note).toMatch(/-starttls smtp.*465/);
    } finally {
      await proxy.close();
    }
  });
});

describe('hints at the TLS level (implicit-TLS listener)', () => {
  it('plaintext EHLO to the implicit-TLS port: one hint with the fix, no OpenSSL error lines', async () => {
    const proxy = await startTestProxy(pki, [`smtps://127.0.0.1:0=smtps://127.0.0.1:${implicit.port}`]);
    try {
      const sock = netConnect({ host: '127.0.0.1', port: proxy.port() }, () => sock.write('EHLO x\r\n'));
      sock.on('error', () => {});
      const [log] = await proxy.ended(1);
      sock.destroy();
      const got = hints(log!);
      expect(got.map((h) => h.code)).toEqual(['plaintext-on-tls']);
      expect(got[0]!.note).toMatch(/plaintext to an implicit-TLS port.*-connect HOST:465.*-starttls smtp/);
      expect(log!.events.filter((e) => e.type === 'error')).toEqual([]);
      expect(log!.close!.reason).toBe('the client spoke plaintext to an implicit-TLS port');
    } finally {
      await proxy.close();
    }
  });

  it('a client waiting for a greeting on the implicit-TLS port gets a hint after ~2 s of silence', async () => {
    const proxy = await startTestProxy(pki, [`smtps://127.0.0.1:0=smtps://127.0.0.1:${implicit.port}`]);
    try {
      const sock = netConnect({ host: '127.0.0.1', port: proxy.port() });
      sock.on('error', () => {});
      const deadline = Date.now() + 8000;
      let got: ReturnType<typeof hints> = [];
      while (Date.now() < deadline) {
        const log = [...proxy.sessions.values()][0];
        got = log ? hints(log) : [];
        if (got.length) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      sock.destroy();
      expect(got.map((h) => h.code)).toEqual(['expects-greeting']);
      expect(got[0]!.note).toMatch(/plaintext greeting.*-starttls smtp.*465/);
    } finally {
      await proxy.close();
    }
  });

  it('an untrusted upstream certificate names --upstream-ca and --insecure', async () => {
    const proxy = await startTestProxy(pki, [`smtps://127.0.0.1:0=smtps://127.0.0.1:${implicit.port}`], { upstreamCa: [] });
    try {
      const c = await LineClient.connect({ port: proxy.port(), tls: true, ca: pki.mailtapCaPem });
      expect(await c.line()).toMatch(/^421 /);
      const [log] = await proxy.ended(1);
      const got = hints(log!);
      expect(got.map((h) => h.code)).toEqual(['untrusted-upstream']);
      expect(got[0]!.note).toMatch(/--upstream-ca FILE.*--insecure/);
    } finally {
      await proxy.close();
    }
  });

  it('STARTTLS to an untrusted server: the client gets 454, and nothing says "upgrading both legs"', async () => {
    const proxy = await startTestProxy(pki, [`smtp://127.0.0.1:0=smtp://127.0.0.1:${starttls.port}`], { upstreamCa: [] });
    try {
      const c = await LineClient.connect({ port: proxy.port() });
      expect(await c.smtpReply()).toMatch(/^220/);
      await c.send('EHLO x\r\n');
      expect(await c.smtpReply()).toMatch(/^250[ -]/);
      await c.send('STARTTLS\r\n');
      expect(await c.smtpReply()).toMatch(/^454 /);
      const [log] = await proxy.ended(1);
      expect(log!.events.some((e) => e.type === 'info' && /upgrading both legs/.test((e as { message?: string }).message ?? ''))).toBe(false);
      expect(hints(log!).map((h) => h.code)).toEqual(['untrusted-upstream']);
    } finally {
      await proxy.close();
    }
  });
});

describe('a clean close is not an error', () => {
  it('a client that resets right after 221 (as swaks on 465 does) closes normally', async () => {
    const proxy = await startTestProxy(pki, [`smtps://127.0.0.1:0=smtps://127.0.0.1:${implicit.port}`]);
    try {
      const raw = netConnect({ host: '127.0.0.1', port: proxy.port() });
      raw.on('error', () => {});
      const tls = tlsConnect({ socket: raw, ca: pki.mailtapCaPem, servername: 'localhost' });
      tls.on('error', () => {});
      let got = '';
      let quit = false;
      await new Promise<void>((resolve) => {
        tls.on('data', (d: Buffer) => {
          got += d.toString();
          if (/^220 /m.test(got) && !quit) {
            quit = true;
            tls.write('QUIT\r\n');
          }
          if (/^221 /m.test(got)) resolve();
        });
      });
      // RST instead of FIN.
      raw.resetAndDestroy();
      const [log] = await proxy.ended(1);
      expect(log!.events.filter((e) => e.type === 'error')).toEqual([]);
      expect(log!.close!.reason).not.toMatch(/error|reset/);
    } finally {
      await proxy.close();
    }
  });
});
