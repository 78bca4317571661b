// The certificates `mailtap audit` serves on purpose: a leaf that expired, and a throwaway CA
// nobody trusts. Read back with node:crypto and checked by a real TLS verification.

import { X509Certificate } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CertificateAuthority } from '../../src/ca/index.js';
import { tempDirs } from './temp-dir.js';

const DAY_MS = 86_400_000;
const dirs = tempDirs();
let ca: CertificateAuthority;

beforeAll(async () => {
  ca = await CertificateAuthority.init(join(await dirs.make(), 'certs'));
});
afterAll(() => dirs.cleanup());

describe('issueExpired', () => {
  it('signs a leaf for the names whose notAfter lies in the past', async () => {
    const leaf = await ca.issueExpired(['localhost', '127.0.0.1'], 30);
    const x = new X509Certificate(leaf.certPem);
    expect(x.subjectAltName).toContain('DNS:localhost');
    expect(x.subjectAltName).toContain('IP Address:127.0.0.1');
    const notAfter = new Date(x.validTo).getTime();
    expect(Date.now() - notAfter).toBeGreaterThan(29 * DAY_MS);
    expect(Date.now() - notAfter).toBeLessThan(31 * DAY_MS);
    expect(x.checkIssued(new X509Certificate(ca.certPem))).toBe(true);
    expect(x.verify(new X509Certificate(ca.certPem).publicKey)).toBe(true);
  });

  it('is never served from the cache of valid leaves', async () => {
    const valid = await ca.issue(['localhost']);
    const expired = await ca.issueExpired(['localhost']);
    expect(expired.certPem).not.toBe(valid.certPem);
    expect((await ca.issue(['localhost'])).certPem).toBe(valid.certPem);
  });
});

describe('ephemeral', () => {
  it('is a CA of its own, unrelated to the directory CA, and writes nothing', async () => {
    const other = CertificateAuthority.ephemeral();
    const leaf = await other.issue(['localhost']);
    const x = new X509Certificate(leaf.certPem);
    expect(x.checkIssued(new X509Certificate(other.certPem))).toBe(true);
    expect(x.checkIssued(new X509Certificate(ca.certPem))).toBe(false);
    expect(other.info.fingerprint256).not.toBe(ca.info.fingerprint256);
  });
});
