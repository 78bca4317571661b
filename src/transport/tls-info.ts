// What a finished TLS handshake tells us, in the shape the recording stores (`type:"tls"`).
// Node hands out a peer's X509Certificate only once per socket (a second
// getPeerX509Certificate() returns undefined on Node 20) and none on a resumed session:
// tls-sessions.ts reads it at the handshake; here it becomes these facts, and all else (the names
// for our leaf included) derives from them.

import { isIP } from 'node:net';
import type { X509Certificate } from 'node:crypto';
import type { TLSSocket } from 'node:tls';
import type { CertificateFacts, TlsInfo } from '../core/tls-facts.js';
import { peerCertificate } from './tls-sessions.js';
export type { TlsInfo, CertificateFacts };

export function tlsInfoOf(socket: TLSSocket, leg: 'client' | 'upstream', sni?: string): TlsInfo {
  const info: TlsInfo = { leg };
  info.version = socket.getProtocol() ?? undefined;
  const cipher = socket.getCipher();
  if (cipher) info.cipher = cipher.standardName || cipher.name;
  // SNI carries host names only (RFC 6066 §3): none is sent to an IP literal.
  const servername = leg === 'client' ? (socket as TLSSocket & { servername?: string | false }).servername : sni && !isIP(sni) ? sni : undefined;
  if (servername) info.sni = servername;
  // Upstream: what the server showed us (kept from the handshake that made the session when this
  // one resumed it, see tls-sessions.ts). Client leg: the leaf we served.
  const cert = leg === 'upstream' ? peerCertificate(socket) : socket.getX509Certificate?.();
  if (cert) info.certificate = certificateFacts(cert);
  if (leg === 'upstream') {
    if (info.certificate) {
      info.peerSubject = info.certificate.subject;
      info.fingerprint256 = info.certificate.fingerprint256;
    }
    info.verified = socket.authorized;
    if (!socket.authorized && socket.authorizationError) info.reason = String(socket.authorizationError);
  }
  return info;
}

export function certificateFacts(cert: X509Certificate): CertificateFacts {
  return {
    subject: oneLine(cert.subject),
    issuer: oneLine(cert.issuer),
    san: (cert.subjectAltName ?? '')
      .split(/,\s*/)
      .map((s) => s.trim())
      .filter(Boolean),
    fingerprint256: cert.fingerprint256,
    validFrom: isoDate(cert.validFrom),
    validTo: isoDate(cert.validTo),
    serialNumber: cert.serialNumber,
  };
}

/** DNS names and IP addresses of the upstream's certificate, to name them in our leaf too. */
export function certificateNames(facts: CertificateFacts | undefined): string[] {
  if (!facts) return [];
  const names: string[] = [];
  for (const part of facts.san) {
    const m = /^(DNS|IP Address):(.+)$/.exec(part);
    if (m) names.push(m[2]!.trim());
  }
  const cn = /(?:^|, )CN=([^,]+)/.exec(facts.subject)?.[1];
  if (names.length === 0 && cn) names.push(cn);
  return names;
}

function oneLine(name: string): string {
  return name.replace(/\n/g, ', ');
}

function isoDate(text: string): string {
  const d = new Date(text);
  return Number.isNaN(d.getTime()) ? text : d.toISOString();
}
