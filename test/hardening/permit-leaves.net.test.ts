// `ca init --permit example.test`: a constrained CA may only vouch for names inside its permitted
// subtrees, so its leaves must carry only those. The upstream's own certificate names a host
// outside them (mx.lab.internal): before, every leaf carried it once learned and a verifying
// client rejected every leaf. Now it is left out, and the log says which name and why.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFile } from 'node:fs/promises';
import { connect as tlsConnect, type PeerCertificate } from 'node:tls';
import { join } from 'node:path';
import { makeTestPki, makeTempDir, type TestPki } from '../helpers/pki.js';
import { startTestProxy } from '../helpers/proxy-harness.js';
import { startScriptedSmtpServer } from '../helpers/scripted-smtp-server.js';
import { CertificateAuthority } from '../../src/ca/index.js';
import { captureLogger } from './support/log-capture.js';

let pki: TestPki;
let tmp: { dir: string; cleanup: () => Promise<void> };
beforeAll(async () => {
  pki = await makeTestPki();
  tmp = await makeTempDir('mailtap-permit-');
});
afterAll(async () => {
  await pki?.cleanup();
  await tmp?.cleanup();
});

describe('--permit: leaves carry only permitted names', () => {
  it('a client verifying against the constrained CA accepts every leaf, also once the upstream names are known; the log names what was left out', async () => {
    const upstreamCa = await CertificateAuthority.init(join(tmp.dir, 'upstream-ca'), { cn: 'lab CA' });
    const upstreamLeaf = await upstreamCa.issue(['mx.lab.internal', 'localhost', '127.0.0.1']);
    const upstreamCaFile = join(tmp.dir, 'lab-ca.pem');
    await writeFile(upstreamCaFile, upstreamCa.certPem);
    const constrained = await CertificateAuthority.init(join(tmp.dir, 'constrained'), { permit: ['example.test'] });
    const upstream = await startScriptedSmtpServer({ tls: 'implicit', key: upstreamLeaf.keyPem, cert: upstreamLeaf.certPem });
    const { logger, lines } = captureLogger();
    const proxy = await startTestProxy(pki, [`smtps://127.0.0.1:0=smtps://127.0.0.1:${upstream.port}`], { ca: constrained, upstreamCa: [upstreamCaFile], logger });
    const handshake = (servername: string) =>
      new Promise<PeerCertificate>((resolve, reject) => {
        const s = tlsConnect({ host: '127.0.0.1', port: proxy.port(), ca: constrained.certPem, servername }, () => {
          const cert = s.getPeerCertificate();
          // Say something and leave, so the upstream handshake (which teaches the upstream names) completes.
          s.once('data', () => {
            s.end('QUIT\r\n');
            resolve(cert);
          });
        });
        s.once('error', reject);
      });
    try {
      for (let i = 0; i < 3; i++) {
        const cert = await handshake(`mail${i}.example.test`);
        expect(cert.subjectaltname).toContain(`DNS:mail${i}.example.test`);
        expect(cert.subjectaltname).not.toContain('mx.lab.internal');
        await proxy.ended(i + 1);
      }
      const omitted = lines.filter((l) => l.level === 40 && /left out of the leaf/.test(l.msg));
      expect(omitted.length).toBeGreaterThan(0);
      expect(JSON.stringify(omitted[0])).toContain('mx.lab.internal');
      expect(String(omitted[0]!.es)).toMatch(/fuera del certificado/);
    } finally {
      await proxy.close();
      await upstream.close();
    }
  });

  it('an unconstrained CA still puts the upstream names in its leaves', async () => {
    const names = (await pki.mailtapCa.issue(['mx.lab.internal', 'localhost'])).names;
    expect(names).toContain('mx.lab.internal');
  });

  it('a constrained CA asked only for outside names refuses with a clear reason', async () => {
    const constrained = await CertificateAuthority.init(join(tmp.dir, 'constrained-2'), { permit: ['example.test'] });
    await expect(constrained.issue(['mx.lab.internal'])).rejects.toMatchObject({ message: expect.stringMatching(/permit/) });
    const leaf = await constrained.issue(['mx.lab.internal', 'a.example.test', '127.0.0.1', '10.0.0.1']);
    expect(leaf.names).toEqual(['a.example.test', '127.0.0.1']);
    expect(leaf.omitted).toEqual(['mx.lab.internal', '10.0.0.1']);
  });
});
