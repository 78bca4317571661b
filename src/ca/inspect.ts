// Reads what a CA certificate says about itself (subject, fingerprint, validity, name
// constraints) for `ca show` and for loading. Needs only the certificate, never the key, so
// `ca show` and `ca export` work for a user who cannot read the key.

import { X509Certificate } from 'node:crypto';
import forge from 'node-forge';
import { MailtapError } from '../core/errors.js';
import { caPaths, readCaFile, type CaPaths } from './key-files.js';
import { decodeNameConstraints, NAME_CONSTRAINTS_OID } from './name-constraints.js';

export interface CaInfo {
  dir: string;
  certPath: string;
  keyPath: string;
  derPath: string;
  subject: string;
  /** AA:BB:… upper-case, like `openssl x509 -fingerprint -sha256`. */
  fingerprint256: string;
  notBefore: Date;
  notAfter: Date;
  /** Permitted name-constraint subtrees (DNS names, IP/prefix); empty when unconstrained. */
  permitted: string[];
}

export interface DescribedCertificate {
  info: CaInfo;
  x509: X509Certificate;
  forgeCert: forge.pki.Certificate;
  subjectKeyIdentifier?: Buffer;
}

export function describeCertificate(certPem: string, paths: CaPaths): DescribedCertificate {
  let x509: X509Certificate;
  let forgeCert: forge.pki.Certificate;
  let permitted: string[] = [];
  let subjectKeyIdentifier: Buffer | undefined;
  try {
    if (!certPem.includes('-----BEGIN CERTIFICATE-----')) throw new Error('no PEM certificate block');
    x509 = new X509Certificate(certPem);
    forgeCert = forge.pki.certificateFromPem(certPem);
    for (const ext of forgeCert.extensions as Array<{ id: string; value: string }>) {
      const bytes = Buffer.from(ext.value, 'latin1');
      if (ext.id === NAME_CONSTRAINTS_OID) permitted = decodeNameConstraints(bytes);
      // extnValue of subjectKeyIdentifier is an OCTET STRING (RFC 5280 §4.2.1.2): 0x04 len id.
      if (ext.id === '2.5.29.14' && bytes[0] === 0x04 && bytes[1] === bytes.length - 2) subjectKeyIdentifier = bytes.subarray(2);
    }
  } catch (err) {
    throw new MailtapError('E_CA_CORRUPT', `${paths.certPath} is not a valid certificate: ${(err as Error).message}`, {
      side: 'user',
      cause: err,
    });
  }
  const info: CaInfo = {
    dir: paths.dir,
    certPath: paths.certPath,
    keyPath: paths.keyPath,
    derPath: paths.derPath,
    // Readable rather than RFC 4514-escaped: `CN=mailtap CA (host, 2026-11-26), O=mailtap, …`.
    subject: forgeCert.subject.attributes.map((attr) => `${attr.shortName ?? attr.type}=${String(attr.value)}`).join(', '),
    fingerprint256: x509.fingerprint256,
    notBefore: new Date(x509.validFrom),
    notAfter: new Date(x509.validTo),
    permitted,
  };
  return { info, x509, forgeCert, ...(subjectKeyIdentifier ? { subjectKeyIdentifier } : {}) };
}

/** The CA certificate of `dir` without touching its key (for `ca show` and `ca export`). */
export async function readCaCertificate(dir: string): Promise<{ info: CaInfo; certPem: string; der: Buffer }> {
  const paths = caPaths(dir);
  const certPem = await readCaFile(paths.certPath, `no mailtap CA in ${paths.dir}; run \`mailtap ca init\``);
  const described = describeCertificate(certPem, paths);
  return { info: described.info, certPem, der: described.x509.raw };
}
