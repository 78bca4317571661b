// The client-leg TLS each certificate case serves: a leaf from a throwaway CA (untrusted-cert),
// a trusted leaf for another name (wrong-name), a trusted leaf that expired (expired-cert), and
// a trusted leaf offered over TLS 1.0/1.1 only (old-tls), when this platform can still speak them.

import { createSecureContext, connect as tlsConnect, createServer as tlsCreateServer, type SecureContext } from 'node:tls';
import { CertificateAuthority, defaultLocalNames } from '../ca/index.js';
import { describeError } from '../core/errors.js';
import { leafTlsOptions, type ClientTlsOptions } from '../transport/tls-wrap.js';
import type { AuditCaseName } from './cases.js';

export const WRONG_NAME = 'wrong-name.mailtap.invalid';
/** OpenSSL 3 refuses TLS 1.0/1.1 at its default security level 1+ (they sign with SHA-1/MD5). */
const OLD_TLS = { minVersion: 'TLSv1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT@SECLEVEL=0' } as const;
const LOCAL_NAMES = defaultLocalNames();

let throwaway: CertificateAuthority | undefined;

/** TLS options for the client leg in `name`, or undefined for the usual trusted leaf. */
export function caseTlsOptions(name: AuditCaseName, ca: CertificateAuthority, listenHost: string, timeoutMs: number): (() => Promise<ClientTlsOptions>) | undefined {
  const names = (sni?: string) => [...new Set([sni, listenHost, ...LOCAL_NAMES].filter((n): n is string => !!n && n !== '0.0.0.0' && n !== '::'))];
  const expired = new Map<string, Promise<{ secureContext: SecureContext }>>();
  switch (name) {
    case 'untrusted-cert':
      return () => leafTlsOptions((n) => (throwaway ??= CertificateAuthority.ephemeral()).issue(n), names, timeoutMs);
    case 'wrong-name':
      return () => leafTlsOptions(() => ca.issue([WRONG_NAME]), names, timeoutMs);
    case 'expired-cert':
      return () =>
        leafTlsOptions(
          (n) => {
            const key = n.join(',');
            if (!expired.has(key)) expired.set(key, ca.issueExpired(n));
            return expired.get(key)!;
          },
          names,
          timeoutMs,
        );
    case 'old-tls':
      return () =>
        leafTlsOptions(
          async (n) => {
            const leaf = await ca.issue(n);
            return { secureContext: createSecureContext({ key: leaf.keyPem, cert: leaf.certPem, ...OLD_TLS }) };
          },
          names,
          timeoutMs,
        );
    default:
      return undefined;
  }
}

/**
 * Can this Node/OpenSSL still complete a TLS 1.0 handshake? Answered by doing one on loopback
 * (OpenSSL builds without TLS 1.0, or with a system policy above it, fail here).
 * Returns undefined when it can, or the reason it cannot.
 */
export async function oldTlsUnavailable(ca: CertificateAuthority): Promise<string | undefined> {
  const leaf = await ca.issue(['localhost']);
  return new Promise((resolve) => {
    const server = tlsCreateServer({ key: leaf.keyPem, cert: leaf.certPem, ...OLD_TLS }, (s) => s.end());
    server.on('tlsClientError', () => undefined);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port;
      const done = (why: string | undefined) => {
        client.destroy();
        server.close();
        resolve(why);
      };
      const client = tlsConnect({ host: '127.0.0.1', port, rejectUnauthorized: false, ...OLD_TLS });
      client.once('secureConnect', () => done(client.getProtocol() === 'TLSv1' || client.getProtocol() === 'TLSv1.1' ? undefined : `negotiated ${client.getProtocol()} instead`));
      client.once('error', (err) => done(`this OpenSSL cannot offer TLS 1.0/1.1: ${describeError(err)}`));
    });
  });
}
