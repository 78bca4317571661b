// The first line of a session's recording (SPEC §Recordings): who connected where, and the TLS
// mode of each leg as the route's URLs set them.

import { formatMailUrl, type Route } from '../core/mail-url.js';
import type { Protocol } from '../protocol/types.js';
import type { RecordHeader } from '../record/schema.js';

/** The client's end of the connection, read once at accept: a reset socket forgets its peer. */
export interface ClientEndpoint {
  address: string;
  port: number;
  /** The port the client connected to (a route may listen on port 0). */
  localPort: number | undefined;
}

export function clientEndpoint(socket: { remoteAddress?: string; remotePort?: number; localPort?: number }): ClientEndpoint {
  return { address: socket.remoteAddress ?? '', port: socket.remotePort ?? 0, localPort: socket.localPort };
}

export function sessionHeader(session: { id: string; protocol: Protocol; route: Route; version: string; redact: boolean }, client: ClientEndpoint): RecordHeader {
  const { route } = session;
  return {
    format: 'mailtap-recording',
    version: 1,
    protocol: session.protocol,
    session: session.id,
    start: new Date().toISOString(),
    client: { address: client.address, port: client.port },
    // The port the client really connected to (a route may listen on port 0).
    listen: formatMailUrl({ ...route.listen, port: client.localPort ?? route.listen.port }),
    upstream: formatMailUrl(route.upstream),
    clientTls: route.listen.tls === 'implicit' ? 'implicit' : 'starttls',
    upstreamTls: route.upstream.tls === 'implicit' ? 'implicit' : 'starttls',
    mailtap: session.version,
    ...(session.redact ? { redacted: true } : {}),
  };
}
