// What mailtap tells about a CA certificate (`ca show`, the public API): plain data, no
// certificate library types, so the package's published declarations need none.

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
