// Opens the upstream leg: TCP with a timeout, then TLS at once for implicit-TLS upstreams.

import { connect as netConnect, type Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { MailtapError, describeError } from '../core/errors.js';
import type { MailEndpoint } from '../core/mail-url.js';
import type { UpstreamTrust } from './upstream-trust.js';
import { wrapUpstream } from './tls-wrap.js';
import { guardSocket } from './socket-guard.js';

export interface UpstreamConnection {
  raw: Socket;
  /** Set when the upstream speaks implicit TLS. */
  tls?: TLSSocket;
}

export function connectTcp(host: string, port: number, timeoutMs: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    // allowHalfOpen: a server's FIN ends only its direction; the session propagates it (half-close).
    const socket = guardSocket(netConnect({ host, port, allowHalfOpen: true }));
    socket.setNoDelay(true);
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new MailtapError('E_UPSTREAM_TIMEOUT', `upstream ${host}:${port} did not accept the connection within ${timeoutMs} ms`, { side: 'server' }));
    }, timeoutMs);
    const onError = (err: Error) => {
      clearTimeout(timer);
      reject(new MailtapError('E_UPSTREAM_CONNECT', `cannot connect to upstream ${host}:${port}: ${describeError(err)}`, { side: 'server', cause: err }));
    };
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.removeListener('error', onError);
      resolve(socket);
    });
    socket.once('error', onError);
  });
}

export async function connectUpstream(endpoint: MailEndpoint, trust: UpstreamTrust, timeoutMs: number): Promise<UpstreamConnection> {
  const raw = await connectTcp(endpoint.host, endpoint.port, timeoutMs);
  if (endpoint.tls !== 'implicit') return { raw };
  try {
    const tls = await wrapUpstream(raw, { host: endpoint.host, trust, timeoutMs });
    return { raw, tls };
  } catch (err) {
    raw.destroy();
    throw err;
  }
}
