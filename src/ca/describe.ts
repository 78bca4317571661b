// Parses a CA certificate once for loading and `ca show`: subject, fingerprint, validity, name
// constraints and the key identifier. The only module of the CA's public face that needs forge;
// kept apart so no forge type reaches the published declarations (test/e2e/package-types).

import { X509Certificate } from 'node:crypto';
import forge from 'node-forge';
import { MailtapError } from '../core/errors.js';
import type { CaPaths } from './key-files.js';
import { decodeNameConstraints, NAME_CONSTRAINTS_OID } from './name-constraints.js';
import type { CaInfo } from './ca-info.js';

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
