// What a finished TLS handshake tells us, in the shape the recording stores (`type:"tls"`).

import { isIP } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { TlsInfo } from '../core/tls-facts.js';
export type { TlsInfo };

export function tlsInfoOf(socket: TLSSocket, leg: 'client' | 'upstream', sni?: string): TlsInfo {
  const info: TlsInfo = { leg };
  info.version = socket.getProtocol() ?? undefined;
  const cipher = socket.getCipher();
  if (cipher) info.cipher = cipher.standardName || cipher.name;
  // SNI carries host names only (RFC 6066 §3): none is sent to an IP literal.
  const servername = leg === 'client' ? (socket as TLSSocket & { servername?: string | false }).servername : sni && !isIP(sni) ? sni : undefined;
  if (servername) info.sni = servername;
  if (leg === 'upstream') {
    const peer = socket.getPeerX509Certificate?.();
    if (peer) {
      info.peerSubject = peer.subject.replace(/\n/g, ', ');
      info.fingerprint256 = peer.fingerprint256;
    }
    info.verified = socket.authorized;
    if (!socket.authorized && socket.authorizationError) info.reason = String(socket.authorizationError);
  }
  return info;
}

/** DNS names and IP addresses of the upstream's certificate, to name them in our leaf too. */
export function peerCertificateNames(socket: TLSSocket): string[] {
  const peer = socket.getPeerX509Certificate?.();
  if (!peer) return [];
  const names: string[] = [];
  for (const part of (peer.subjectAltName ?? '').split(/,\s*/)) {
    const m = /^(DNS|IP Address):(.+)$/.exec(part.trim());
    if (m) names.push(m[2]!.trim());
  }
  const cn = /(?:^|\n)CN=([^\n]+)/.exec(peer.subject)?.[1];
  if (names.length === 0 && cn) names.push(cn);
  return names;
}
