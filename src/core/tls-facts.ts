// What a finished TLS handshake tells about one leg: filled in by the transport, stored as-is in
// a recording's `type:"tls"` event. One shape for both, so they cannot drift apart.

export interface TlsInfo {
  leg: 'client' | 'upstream';
  version?: string;
  cipher?: string;
  sni?: string;
  peerSubject?: string;
  fingerprint256?: string;
  verified?: boolean;
  reason?: string;
}
