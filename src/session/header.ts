// The first line of a session's recording (SPEC §Recordings): who connected where, and the TLS
// mode of each leg as the route's URLs set them.

import type { Socket } from 'node:net';
import { formatMailUrl, type Route } from '../core/mail-url.js';
import type { Protocol } from '../protocol/types.js';
import type { RecordHeader } from '../record/schema.js';

export function sessionHeader(session: { id: string; protocol: Protocol; route: Route; version: string; redact: boolean }, client: Socket): RecordHeader {
  const { route } = session;
  return {
    format: 'mailtap-recording',
    version: 1,
    protocol: session.protocol,
    session: session.id,
    start: new Date().toISOString(),
    client: { address: client.remoteAddress ?? '', port: client.remotePort ?? 0 },
    // The port the client really connected to (a route may listen on port 0).
    listen: formatMailUrl({ ...route.listen, port: client.localPort ?? route.listen.port }),
    upstream: formatMailUrl(route.upstream),
    clientTls: route.listen.tls === 'implicit' ? 'implicit' : 'starttls',
    upstreamTls: route.upstream.tls === 'implicit' ? 'implicit' : 'starttls',
    mailtap: session.version,
    ...(session.redact ? { redacted: true } : {}),
  };
}
