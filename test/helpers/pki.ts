// Test PKI made once per test file: the mailtap CA (what clients must trust) and a separate
// "real server" CA with a leaf for localhost/127.0.0.1 (what mailtap trusts via upstreamCa).

import { rm, writeFile } from 'node:fs/promises';
import { tempDir } from './temp-dirs.js';
import { join } from 'node:path';
import { CertificateAuthority } from '../../src/ca/index.js';

export interface TestPki {
  dir: string;
  mailtapCa: CertificateAuthority;
  /** PEM of the mailtap CA: what clients trust. */
  mailtapCaPem: string;
  upstreamCaPem: string;
  upstreamCaFile: string;
  /** Key and certificate for the test servers (localhost, 127.0.0.1). */
  serverKey: string;
  serverCert: string;
  cleanup(): Promise<void>;
}

export async function makeTestPki(): Promise<TestPki> {
  const dir = await tempDir('mailtap-pki-');
  const mailtapCa = await CertificateAuthority.init(join(dir, 'mailtap'), { cn: 'mailtap test CA' });
  const upstreamCa = await CertificateAuthority.init(join(dir, 'upstream'), { cn: 'upstream test CA' });
  const leaf = await upstreamCa.issue(['localhost', '127.0.0.1']);
  const upstreamCaFile = join(dir, 'upstream-ca.pem');
  await writeFile(upstreamCaFile, upstreamCa.certPem);
  return {
    dir,
    mailtapCa,
    mailtapCaPem: mailtapCa.certPem,
    upstreamCaPem: upstreamCa.certPem,
    upstreamCaFile,
    serverKey: leaf.keyPem,
    serverCert: leaf.certPem,
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}

export async function makeTempDir(prefix: string): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  // Also removed when the test file ends, should a failing test never reach its cleanup.
  const dir = await tempDir(prefix);
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}
