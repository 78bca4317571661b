// What a finished TLS handshake tells about one leg: filled in by the transport, stored as-is in
// a recording's `type:"tls"` event. One shape for both, so they cannot drift apart.

/** One X.509 certificate as a person checks it: who, who vouches, for which names, until when. */
export interface CertificateFacts {
  /** `CN=mail.example.com, O=…` (RFC 4514 order as Node prints it, lines joined with `, `). */
  subject: string;
  issuer: string;
  /** subjectAltName entries as printed by OpenSSL: `DNS:mail.example.com`, `IP Address:127.0.0.1`. */
  san: string[];
  /** SHA-256 of the DER, colon-separated upper-case hex. */
  fingerprint256: string;
  /** ISO 8601. */
  validFrom: string;
  validTo: string;
  serialNumber?: string;
}

export interface TlsInfo {
  leg: 'client' | 'upstream';
  version?: string;
  cipher?: string;
  sni?: string;
  /** Upstream leg: the server certificate's subject and fingerprint (kept flat for old readers). */
  peerSubject?: string;
  fingerprint256?: string;
  /** Upstream leg: the server's certificate. Client leg: the leaf mailtap served. */
  certificate?: CertificateFacts;
  verified?: boolean;
  reason?: string;
}
