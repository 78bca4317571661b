// Network tests: leaves issued by the CA against real node TLS clients and servers on 127.0.0.1
// (port 0), plus `openssl verify` / `openssl x509` when openssl is installed.

import { spawnSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { connect, TLSSocket, type ConnectionOptions } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CertificateAuthority, type LeafCertificate } from '../../src/ca/index.js';
import { tempDirs } from './temp-dir.js';

const dirs = tempDirs();
const openssl = spawnSync('openssl', ['version'], { encoding: 'utf8' });
const hasOpenssl = openssl.status === 0;
if (!hasOpenssl) console.warn(`skipping openssl checks: openssl not runnable (${openssl.error?.message ?? openssl.stderr})`);


let ca: CertificateAuthority;
let constrained: CertificateAuthority;

beforeAll(async () => {
  ca = await CertificateAuthority.init(await dirs.make());
  constrained = await CertificateAuthority.init(await dirs.make(), { permit: ['example.com'] });
});
afterAll(() => dirs.cleanup());

/** Serves `leaf` on 127.0.0.1 and returns the client's verdict: 'ok' or `CODE: message`. */
async function handshake(leaf: LeafCertificate, options: ConnectionOptions): Promise<string> {
  // A raw socket wrapped with the leaf's secure context: how the proxy serves it (no SNI needed).
  const server: Server = createServer((raw) => {
    const socket = new TLSSocket(raw, { isServer: true, secureContext: leaf.secureContext });
    socket.on('secure', () => socket.end());
    socket.on('error', () => raw.destroy()); // the client hanging up on a rejected certificate
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  try {
    return await new Promise<string>((resolve) => {
      const socket = connect({ host: '127.0.0.1', port, ...options }, () => {
        socket.end();
        resolve('ok');
      });
      socket.on('error', (err: NodeJS.ErrnoException) => {
        socket.destroy();
        resolve(`${err.code}: ${err.message}`);
      });
    });
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

describe('TLS handshakes with issued leaves', () => {
  it('is trusted for an SNI name when the client trusts only the CA', async () => {
    const leaf = await ca.issue(['mail.example.com', 'localhost', '127.0.0.1', '::1']);
    expect(await handshake(leaf, { servername: 'mail.example.com', ca: ca.certPem })).toBe('ok');
  });

  it('is trusted for an IP literal through its iPAddress SAN', async () => {
    const leaf = await ca.issue(['127.0.0.1']);
    expect(await handshake(leaf, { ca: ca.certPem })).toBe('ok');
  });

  it('is rejected for a name it does not carry', async () => {
    const leaf = await ca.issue(['mail.example.com']);
    expect(await handshake(leaf, { servername: 'other.example.org', ca: ca.certPem })).toMatch(/^ERR_TLS_CERT_ALTNAME_INVALID:/);
  });

  it('is rejected by a client that uses the default trust store', async () => {
    const leaf = await ca.issue(['mail.example.com']);
    expect(await handshake(leaf, { servername: 'mail.example.com' })).toMatch(/^UNABLE_TO_VERIFY_LEAF_SIGNATURE:/);
  });

  it('is rejected when signed by another mailtap CA', async () => {
    const leaf = await constrained.issue(['mail.example.com']);
    expect(await handshake(leaf, { servername: 'mail.example.com', ca: ca.certPem })).toMatch(/^UNABLE_TO_VERIFY_LEAF_SIGNATURE:/);
  });
});

describe('name constraints (--permit example.com)', () => {
  it('accepts a leaf inside the permitted domain', async () => {
    const leaf = await constrained.issue(['mail.example.com', 'localhost', '127.0.0.1', '::1']);
    expect(await handshake(leaf, { servername: 'mail.example.com', ca: constrained.certPem })).toBe('ok');
  });

  it('accepts a leaf for the loopback address', async () => {
    const leaf = await constrained.issue(['127.0.0.1']);
    expect(await handshake(leaf, { ca: constrained.certPem })).toBe('ok');
  });

  it('never signs a leaf outside it (a client would reject it: RFC 5280 §4.2.1.10)', async () => {
    await expect(constrained.issue(['evil.test'])).rejects.toThrow(/--permit example\.com/);
  });

  it('leaves the forbidden name out of a leaf that mixes it with a permitted one, so the client accepts it', async () => {
    const leaf = await constrained.issue(['mail.example.com', 'evil.test']);
    expect(leaf.names).toEqual(['mail.example.com']);
    expect(await handshake(leaf, { servername: 'mail.example.com', ca: constrained.certPem })).toBe('ok');
  });
});

describe.runIf(hasOpenssl)('openssl agrees', () => {
  it('`openssl verify` accepts a leaf and `openssl x509 -fingerprint` matches info.fingerprint256', async () => {
    const dir = await dirs.make();
    const leaf = await ca.issue(['smtp.example.net', '192.0.2.7', '2001:db8::25']);
    const leafPath = join(dir, 'leaf.pem');
    await writeFile(leafPath, leaf.certPem);
    const verify = spawnSync('openssl', ['verify', '-CAfile', ca.info.certPath, leafPath], { encoding: 'utf8' });
    expect(verify.stdout.trim()).toBe(`${leafPath}: OK`);
    const fingerprint = spawnSync('openssl', ['x509', '-in', ca.info.certPath, '-noout', '-fingerprint', '-sha256'], { encoding: 'utf8' });
    expect(fingerprint.stdout.trim().replace(/^sha256 Fingerprint=/i, '')).toBe(ca.info.fingerprint256);
    const leafPrint = spawnSync('openssl', ['x509', '-in', leafPath, '-noout', '-fingerprint', '-sha256'], { encoding: 'utf8' });
    expect(leafPrint.stdout.trim().replace(/^sha256 Fingerprint=/i, '')).toBe(leaf.fingerprint256);
  });

  it('`openssl x509 -text` shows the extensions RFC 5280 and the CA/B Forum ask for', async () => {
    const dir = await dirs.make();
    const leafPath = join(dir, 'leaf.pem');
    await writeFile(leafPath, (await constrained.issue(['mail.example.com', '127.0.0.1'])).certPem);
    const text = (path: string) => spawnSync('openssl', ['x509', '-in', path, '-noout', '-text'], { encoding: 'utf8' }).stdout;
    const caText = text(constrained.info.certPath);
    expect(caText).toMatch(/X509v3 Basic Constraints: critical\s+CA:TRUE, pathlen:0/);
    expect(caText).toMatch(/X509v3 Key Usage: critical\s+Certificate Sign, CRL Sign/);
    expect(caText).toMatch(/X509v3 Name Constraints: critical\s+Permitted:\s+DNS:example.com\s+DNS:localhost\s+IP:127.0.0.0\/255.0.0.0\s+IP:0:0:0:0:0:0:0:1\/FFFF(:FFFF){7}\s/);
    const caKeyId = /X509v3 Subject Key Identifier:\s+([0-9A-F:]+)/.exec(caText)?.[1];
    expect(caKeyId).toMatch(/^([0-9A-F]{2}:){19}[0-9A-F]{2}$/);
    const leafText = text(leafPath);
    expect(leafText).toMatch(/X509v3 Basic Constraints: critical\s+CA:FALSE/);
    // RFC 5480 §3: an id-ecPublicKey certificate MUST NOT assert keyEncipherment.
    expect(leafText).toMatch(/X509v3 Key Usage: critical\s+Digital Signature\n/);
    expect(leafText).toMatch(/Public Key Algorithm: id-ecPublicKey[\s\S]*NIST CURVE: P-256/);
    expect(leafText).toMatch(/X509v3 Extended Key Usage:\s+TLS Web Server Authentication/);
    expect(leafText).toMatch(/X509v3 Subject Alternative Name:\s+DNS:mail.example.com, IP Address:127.0.0.1\s/);
    expect(leafText).toMatch(/X509v3 Subject Key Identifier:\s+[0-9A-F:]{59}\s/);
    // openssl 3 prints the bare key id, 1.1 prefixes it with "keyid:".
    expect(leafText).toMatch(new RegExp(`X509v3 Authority Key Identifier:\\s+(keyid:)?${caKeyId}\\s`));
    expect(leafText).toContain('Signature Algorithm: sha256WithRSAEncryption');
  });

  it('a name outside the constraints is never issued: alone it is refused, with others it is left out and `openssl verify` accepts the leaf', async () => {
    await expect(constrained.issue(['evil.test'])).rejects.toThrow(/--permit/);
    const leaf = await constrained.issue(['evil.test', 'mail.example.com']);
    expect(leaf.names).toEqual(['mail.example.com']);
    expect(leaf.omitted).toEqual(['evil.test']);
    const dir = await dirs.make();
    const leafPath = join(dir, 'mixed.pem');
    await writeFile(leafPath, leaf.certPem);
    const verify = spawnSync('openssl', ['verify', '-CAfile', constrained.info.certPath, leafPath], { encoding: 'utf8' });
    expect(verify.stdout + verify.stderr).toMatch(/: OK/);
    expect(verify.status).toBe(0);
  });
});
