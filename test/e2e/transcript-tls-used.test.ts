// What the transcript says about TLS, from a live proxy: mailtap's own STARTTLS with the server
// (implicit-TLS client, STARTTLS-only server) is quoted one `===` line per exchanged line, so a
// multi-line EHLO reply keeps each line's prefix; and the close says which TLS each leg really
// used — a STARTTLS route whose client never sent STARTTLS ran in plaintext, whatever it offered.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestPki, type TestPki } from '../helpers/pki.js';
import { startTestProxy, type SessionLog } from '../helpers/proxy-harness.js';
import { startScriptedSmtpServer } from '../helpers/scripted-smtp-server.js';
import { LineClient } from '../helpers/line-client.js';
import { TranscriptRenderer } from '../../src/record/render-text.js';

let pki: TestPki;
beforeAll(async () => {
  pki = await makeTestPki();
});
afterAll(async () => {
  await pki?.cleanup();
});

function render(log: SessionLog, lang: 'en' | 'es'): string[] {
  const r = new TranscriptRenderer({ lang, color: false, redact: false });
  let text = r.header(log.header);
  for (const ev of log.events) text += r.event(ev);
  text += r.finish();
  return text.split('\n');
}

describe('TLS in the transcript', () => {
  it('a bridged route: every line of the EHLO reply mailtap got keeps its own "=== server → mailtap: 250-" line; the close says both legs used TLS', async () => {
    const upstream = await startScriptedSmtpServer({ tls: 'starttls', key: pki.serverKey, cert: pki.serverCert });
    const proxy = await startTestProxy(pki, [`smtps://127.0.0.1:0=smtp://127.0.0.1:${upstream.port}`]);
    try {
      const client = await LineClient.connect({ port: proxy.port(), tls: true, ca: pki.mailtapCaPem });
      expect(await client.smtpReply()).toMatch(/^220/);
      await client.send('QUIT\r\n');
      await client.smtpReply();
      await client.close();
      const [log] = await proxy.ended(1);
      const en = render(log!, 'en');
      const start = en.findIndex((l) => l === '=== mailtap upgraded the server leg with STARTTLS itself:');
      expect(start).toBeGreaterThan(0);
      const quoted = en.slice(start + 1).filter((l) => l.startsWith('=== ') && /→/.test(l));
      const ehloReply = quoted.filter((l) => l.startsWith('=== server → mailtap: 250'));
      // The scripted server's EHLO reply has several lines: each is its own === line, 250- then 250 last.
      expect(ehloReply.length).toBeGreaterThan(1);
      expect(ehloReply.slice(0, -1).every((l) => /^=== server → mailtap: 250-/.test(l))).toBe(true);
      expect(ehloReply.at(-1)).toMatch(/^=== server → mailtap: 250 /);
      expect(quoted).toContain('=== mailtap → server: STARTTLS');
      expect(en).toContain('=== TLS used: client TLSv1.3, upstream TLSv1.3');
      const es = render(log!, 'es');
      expect(es).toContain('=== mailtap pasó a TLS el tramo del servidor con STARTTLS:');
      expect(es).toContain('=== mailtap → servidor: STARTTLS');
      expect(es).toContain('=== TLS usado: cliente TLSv1.3, servidor TLSv1.3');
    } finally {
      await proxy.close();
      await upstream.close();
    }
  });

  it('a STARTTLS route whose client never sends STARTTLS: the close says the client leg was plaintext throughout', async () => {
    const upstream = await startScriptedSmtpServer({ tls: 'starttls', key: pki.serverKey, cert: pki.serverCert });
    const proxy = await startTestProxy(pki, [`smtp://127.0.0.1:0=smtp://127.0.0.1:${upstream.port}`]);
    try {
      const client = await LineClient.connect({ port: proxy.port() });
      await client.smtpReply();
      await client.send('EHLO x\r\n');
      await client.smtpReply();
      await client.send('QUIT\r\n');
      await client.smtpReply();
      await client.close();
      const [log] = await proxy.ended(1);
      const en = render(log!, 'en');
      // The header names what the route offers; the close what was used.
      expect(en[1]).toMatch(/TLS: client STARTTLS, upstream STARTTLS/);
      expect(en).toContain('=== TLS used: client none (plaintext throughout), upstream none (plaintext throughout)');
      expect(render(log!, 'es')).toContain('=== TLS usado: cliente ninguno (todo en claro), servidor ninguno (todo en claro)');
    } finally {
      await proxy.close();
      await upstream.close();
    }
  });
});
