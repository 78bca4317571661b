// The record tells the whole story of both TLS legs: the server's certificate (subject, issuer,
// names, SHA-256 fingerprint, validity, verification) and the leaf mailtap served to the client.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { X509Certificate } from 'node:crypto';
import { makeTestPki, type TestPki } from '../helpers/pki.js';
import { startTestProxy } from '../helpers/proxy-harness.js';
import { startScriptedSmtpServer } from '../helpers/scripted-smtp-server.js';
import { LineClient } from '../helpers/line-client.js';
import { readRecording } from '../../src/record/reader.js';

let pki: TestPki;
beforeAll(async () => {
  pki = await makeTestPki();
});
afterAll(async () => {
  await pki?.cleanup();
});

describe('tls events carry the certificate facts', () => {
  it.each(['implicit', 'starttls'] as const)('%s: upstream and client legs', async (mode) => {
    const upstream = await startScriptedSmtpServer({ tls: mode, key: pki.serverKey, cert: pki.serverCert });
    const scheme = mode === 'implicit' ? 'smtps' : 'smtp';
    const proxy = await startTestProxy(pki, [`${scheme}://127.0.0.1:0=${scheme}://127.0.0.1:${upstream.port}`]);
    try {
      const client = await LineClient.connect({ port: proxy.port(), tls: mode === 'implicit', ca: pki.mailtapCaPem });
      expect(await client.smtpReply()).toMatch(/^220/);
      if (mode === 'starttls') {
        await client.send('EHLO me\r\n');
        await client.smtpReply();
        await client.send('STARTTLS\r\n');
        expect(await client.smtpReply()).toMatch(/^220/);
        await client.startTls();
      }
      const served = client.servedCertificate();
      await client.send('QUIT\r\n');
      expect(await client.smtpReply()).toMatch(/^221/);
      const [log] = await proxy.ended(1);
      const rec = await readRecording(log!.recordingPath!);
      const server = new X509Certificate(pki.serverCert);
      const up = rec.events.find((e) => e.type === 'tls' && (e as { leg: string }).leg === 'upstream');
      expect(up).toMatchObject({
        verified: true,
        peerSubject: server.subject.replace(/\n/g, ', '),
        fingerprint256: server.fingerprint256,
        certificate: {
          subject: server.subject.replace(/\n/g, ', '),
          issuer: server.issuer.replace(/\n/g, ', '),
          san: ['DNS:localhost', 'IP Address:127.0.0.1'],
          fingerprint256: server.fingerprint256,
          validFrom: new Date(server.validFrom).toISOString(),
          validTo: new Date(server.validTo).toISOString(),
        },
      });
      const cl = rec.events.find((e) => e.type === 'tls' && (e as { leg: string }).leg === 'client');
      expect(cl).toMatchObject({
        certificate: {
          subject: served.subject.replace(/\n/g, ', '),
          issuer: served.issuer.replace(/\n/g, ', '),
          fingerprint256: served.fingerprint256,
        },
      });
      expect((cl as { certificate: { san: string[] } }).certificate.san).toEqual(expect.arrayContaining(['DNS:localhost', 'IP Address:127.0.0.1']));
    } finally {
      await proxy.close();
      await upstream.close();
    }
  });
});

describe('the client leg names the leaf that client was shown', () => {
  // The facts of a leaf are read once and then reused (src/transport/tls-info.ts): a client
  // asking for another name (SNI) gets another leaf, and its record must name that one.
  it('with different SNI names in turn, each record has the fingerprint its client saw', async () => {
    const upstream = await startScriptedSmtpServer({ tls: 'implicit', key: pki.serverKey, cert: pki.serverCert });
    const proxy = await startTestProxy(pki, [`smtps://127.0.0.1:0=smtps://127.0.0.1:${upstream.port}`]);
    try {
      const seen: string[] = [];
      for (const servername of ['localhost', 'other.mailtap.test', 'localhost', 'other.mailtap.test']) {
        const client = await LineClient.connect({ port: proxy.port(), tls: true, ca: pki.mailtapCaPem, servername });
        expect(await client.smtpReply()).toMatch(/^220/);
        seen.push(client.servedCertificate().fingerprint256);
        await client.send('QUIT\r\n');
        expect(await client.smtpReply()).toMatch(/^221/);
      }
      // Two leaves, each shown twice: the cache has something to get wrong.
      expect(new Set(seen).size).toBe(2);
      const logs = await proxy.ended(4);
      const recorded = await Promise.all(
        logs.map(async (log) => {
          const rec = await readRecording(log.recordingPath!);
          const cl = rec.events.find((e) => e.type === 'tls' && (e as { leg: string }).leg === 'client') as { certificate: { fingerprint256: string; san: string[] }; sni?: string };
          return { sni: cl.sni, fingerprint: cl.certificate.fingerprint256, san: cl.certificate.san };
        }),
      );
      // Sessions may end in any order: match them by the name each one asked for.
      for (const r of recorded) {
        const i = ['localhost', 'other.mailtap.test'].indexOf(r.sni!);
        expect(i).toBeGreaterThanOrEqual(0);
        expect(r.fingerprint).toBe(seen[i]);
        expect(r.san).toContain(`DNS:${r.sni}`);
      }
    } finally {
      await proxy.close();
      await upstream.close();
    }
  });
});
