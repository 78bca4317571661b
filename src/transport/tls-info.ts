// What a finished TLS handshake tells us, in the shape the recording stores (`type:"tls"`).
// Node hands out a peer's X509Certificate only once per socket (a second
// getPeerX509Certificate() returns undefined on Node 20) and none on a resumed session:
// tls-sessions.ts reads it at the handshake; here it becomes these facts, and all else (the names
// for our leaf included) derives from them.

import { isIP } from 'node:net';
import type { X509Certificate } from 'node:crypto';
import type { SecureContext, TLSSocket } from 'node:tls';
import type { CertificateFacts, TlsInfo } from '../core/tls-facts.js';
import { peerCertificate } from './tls-sessions.js';
export type { TlsInfo, CertificateFacts };

/** The context (our leaf) each client-leg socket was served with: set by tls-wrap.ts wrapClient. */
const servedContext = new WeakMap<TLSSocket, SecureContext>();
/** Facts of each leaf we serve, read from the first socket that showed it. */
const leafFacts = new WeakMap<SecureContext, CertificateFacts>();

/** Remembers which leaf (`context`) the client-leg `socket` shows; the SNI callback may change it. */
export function noteServedContext(socket: TLSSocket, context: SecureContext): void {
  servedContext.set(socket, context);
}

/**
 * The facts of the leaf a client-leg socket showed. Node builds a new X509Certificate per call
 * (OpenSSL 3 copies and re-decodes the certificate, key included): ~4 % of mailtap's CPU on short
 * sessions, for the same few leaves every time. So they are read once per leaf.
 */
function servedLeafFacts(socket: TLSSocket): CertificateFacts | undefined {
  const context = servedContext.get(socket);
  let facts = context && leafFacts.get(context);
  if (!facts) {
    const cert = socket.getX509Certificate?.();
    if (!cert) return undefined;
    facts = certificateFacts(cert);
    if (context) leafFacts.set(context, facts);
  }
  // Each event gets its own copy: a consumer may change what it was given.
  return { ...facts, san: [...facts.san] };
}

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
  if (leg === 'upstream') {
    const cert = peerCertificate(socket);
    if (cert) info.certificate = certificateFacts(cert);
  } else {
    const facts = servedLeafFacts(socket);
    if (facts) info.certificate = facts;
  }
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
