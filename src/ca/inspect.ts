// Reads what a CA certificate says about itself (subject, fingerprint, validity, name
// constraints) for `ca show` and for loading. Needs only the certificate, never the key, so
// `ca show` and `ca export` work for a user who cannot read the key.

import { caPaths, readCaFile } from './key-files.js';
import { describeCertificate } from './describe.js';
import type { CaInfo } from './ca-info.js';

export type { CaInfo } from './ca-info.js';

/** The CA certificate of `dir` without touching its key (for `ca show` and `ca export`). */
export async function readCaCertificate(dir: string): Promise<{ info: CaInfo; certPem: string; der: Buffer }> {
  const paths = caPaths(dir);
  const certPem = await readCaFile(paths.certPath, `no mailtap CA in ${paths.dir}; run \`mailtap ca init\``);
  const described = describeCertificate(certPem, paths);
  return { info: described.info, certPem, der: described.x509.raw };
}
