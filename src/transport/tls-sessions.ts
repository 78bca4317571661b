// TLS sessions of the upstream leg, kept per upstream (host and port) so that the next
// connection to the same server resumes instead of doing a full handshake: no certificate chain
// sent, no signature made and checked, no chain built into JS objects for checkServerIdentity.
// Only sessions from completed handshakes are stored (a failed verification never yields one),
// and a server that refuses to resume simply gets a full, fully verified handshake.
// Node hands out a peer's X509Certificate once per socket and none at all on a resumed session,
// so the certificate is read here at the handshake, kept for the socket and with the session it
// made, and everyone else asks peerCertificate().

import type { TLSSocket } from 'node:tls';
import type { X509Certificate } from 'node:crypto';

/** Upstreams remembered; beyond it the least recently stored is dropped. */
export const SESSION_CACHE_MAX = 256;

interface Entry {
  session: Buffer;
  peer?: X509Certificate;
}

const peers = new WeakMap<TLSSocket, X509Certificate>();

/** The server certificate of a socket: as read at its handshake, or the one verified when the session it resumed was made. */
export function peerCertificate(socket: TLSSocket): X509Certificate | undefined {
  return peers.get(socket) ?? socket.getPeerX509Certificate?.();
}

export class TlsSessionCache {
  private readonly entries = new Map<string, Entry>();

  get(host: string, port: number | undefined): Buffer | undefined {
    return port === undefined ? undefined : this.entries.get(`${host}:${port}`)?.session;
  }

  /** Watches `socket` (a client of host:port): stores its sessions, and after a resumption remembers the peer. */
  track(socket: TLSSocket, host: string, port: number | undefined): void {
    if (port === undefined) return;
    const key = `${host}:${port}`;
    const offered = this.entries.get(key);
    let peer: X509Certificate | undefined;
    // Registered before the caller's own listener: the certificate is read before anyone asks.
    const read = () => {
      peer ??= socket.getPeerX509Certificate?.();
      if (peer) peers.set(socket, peer);
    };
    socket.once('secureConnect', () => {
      if (socket.isSessionReused() && offered?.peer) peer = offered.peer;
      read();
    });
    // The newest ticket wins (TLS 1.3 servers send several; any of them resumes).
    socket.on('session', (session: Buffer) => {
      // TLS 1.2 hands out its session during the handshake, before 'secureConnect'.
      read();
      this.entries.delete(key);
      this.entries.set(key, { session, peer });
      if (this.entries.size > SESSION_CACHE_MAX) this.entries.delete(this.entries.keys().next().value!);
    });
  }
}
