// Upstream certificates that must be refused, made with node-forge per test file: a CA the proxy
// trusts (via upstreamCa), and leaves that are expired, name another host, or sign themselves.
// Keys come from node:crypto (fast); forge only builds and signs the certificates.

import { generateKeyPairSync } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import forge from 'node-forge';

export interface KeyAndCert {
  key: string;
  cert: string;
}

export interface BadCerts {
  /** PEM file of the CA that signed `expired` and `wrongName`; pass it as upstreamCa. */
  caFile: string;
  /** A valid leaf for localhost/127.0.0.1 (the control). */
  good: KeyAndCert;
  expired: KeyAndCert;
  /** Valid and trusted, but for `elsewhere.example` only. */
  wrongName: KeyAndCert;
  /** Names localhost/127.0.0.1 but signed by its own key. */
  selfSigned: KeyAndCert;
}

const DAY = 86_400_000;

function keyPair(): { key: string; forgeKey: forge.pki.rsa.PrivateKey; forgePublic: forge.pki.rsa.PublicKey } {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const key = privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
  return {
    key,
    forgeKey: forge.pki.privateKeyFromPem(key),
    forgePublic: forge.pki.publicKeyFromPem(publicKey.export({ type: 'spki', format: 'pem' }).toString()),
  };
}

interface CertSpec {
  cn: string;
  names: string[];
  notBefore: Date;
  notAfter: Date;
  ca?: boolean;
}

function build(spec: CertSpec, subjectKey: forge.pki.rsa.PublicKey, issuer: { key: forge.pki.rsa.PrivateKey; subject: forge.pki.CertificateField[] } | undefined, selfKey: forge.pki.rsa.PrivateKey): forge.pki.Certificate {
  const cert = forge.pki.createCertificate();
  cert.publicKey = subjectKey;
  cert.serialNumber = `01${forge.util.bytesToHex(forge.random.getBytesSync(8))}`;
  cert.validity.notBefore = spec.notBefore;
  cert.validity.notAfter = spec.notAfter;
  const subject = [{ name: 'commonName', value: spec.cn }];
  cert.setSubject(subject);
  cert.setIssuer(issuer?.subject ?? subject);
  const extensions: object[] = [{ name: 'basicConstraints', cA: !!spec.ca, critical: true }];
  if (spec.ca) extensions.push({ name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true });
  else {
    extensions.push({ name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true });
    extensions.push({ name: 'extKeyUsage', serverAuth: true });
    extensions.push({
      name: 'subjectAltName',
      altNames: spec.names.map((n) => (/^[\d.]+$/.test(n) ? { type: 7, ip: n } : { type: 2, value: n })),
    });
  }
  cert.setExtensions(extensions);
  cert.sign(issuer?.key ?? selfKey, forge.md.sha256.create());
  return cert;
}

export async function makeBadCerts(dir: string): Promise<BadCerts> {
  const now = Date.now();
  const valid = { notBefore: new Date(now - DAY), notAfter: new Date(now + 30 * DAY) };
  const caKeys = keyPair();
  const caCert = build({ cn: 'hardening upstream CA', names: [], ca: true, ...valid }, caKeys.forgePublic, undefined, caKeys.forgeKey);
  const issuer = { key: caKeys.forgeKey, subject: caCert.subject.attributes as forge.pki.CertificateField[] };
  const leaf = (spec: CertSpec, selfSigned = false): KeyAndCert => {
    const k = keyPair();
    const cert = build(spec, k.forgePublic, selfSigned ? undefined : issuer, k.forgeKey);
    return { key: k.key, cert: forge.pki.certificateToPem(cert) };
  };
  const local = ['localhost', '127.0.0.1'];
  const caFile = join(dir, 'hardening-upstream-ca.pem');
  await writeFile(caFile, forge.pki.certificateToPem(caCert));
  return {
    caFile,
    good: leaf({ cn: 'localhost', names: local, ...valid }),
    expired: leaf({ cn: 'localhost', names: local, notBefore: new Date(now - 60 * DAY), notAfter: new Date(now - 30 * DAY) }),
    wrongName: leaf({ cn: 'elsewhere.example', names: ['elsewhere.example'], ...valid }),
    selfSigned: leaf({ cn: 'localhost', names: local, ...valid }, true),
  };
}
