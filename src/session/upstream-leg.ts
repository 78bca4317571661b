// The server leg of a session, opened: TCP, then TLS as the route says, and on an implicit-TLS
// listener in front of a STARTTLS-only server mailtap's own STARTTLS first (the client will speak
// TLS from its first byte). The leg exists from the moment the TCP connection does, so its
// socket reports errors and closes to the session at every await (leg.ts), and it stays paused
// ('connecting') until the session has the client leg ready.

import type { TLSSocket } from 'node:tls';
import type { Route } from '../core/mail-url.js';
import { connectUpstream } from '../transport/connect.js';
import { negotiateUpstreamStartTls } from '../transport/upstream-starttls.js';
import { wrapUpstream } from '../transport/tls-wrap.js';
import type { UpstreamTrust } from '../transport/upstream-trust.js';
import { Leg, type LegHandlers } from './leg.js';

export interface UpstreamLegOptions {
  route: Route;
  trust: UpstreamTrust;
  timeoutMs: number;
  handlers: LegHandlers;
  /** The client has left: nothing may be kept for it. */
  clientGone(): boolean;
  /** Called with the leg as soon as it exists, so the session can close it at any await. */
  adopt(leg: Leg): void;
}

export interface OpenedUpstream {
  leg: Leg;
  /** The leg's TLS socket, when the server leg is encrypted. */
  tls?: TLSSocket;
  /** The greeting mailtap read while doing STARTTLS itself, for the client. */
  greeting?: Buffer;
  /** What mailtap said and heard doing that STARTTLS, one line each. */
  bridgeTranscript?: string[];
}

/** Opens the server leg; undefined when the client left meanwhile (everything opened is closed). */
export async function openUpstreamLeg(options: UpstreamLegOptions): Promise<OpenedUpstream | undefined> {
  const { route, trust, timeoutMs } = options;
  const conn = await connectUpstream(route.upstream, trust, timeoutMs);
  const abandoned = (): boolean => {
    if (!options.clientGone()) return false;
    conn.tls?.destroy();
    conn.raw.destroy();
    return true;
  };
  if (abandoned()) return undefined;
  const leg = new Leg(conn.raw, options.handlers);
  options.adopt(leg);
  // Nothing from the server may reach the client before the client leg is ready: on an
  // implicit-TLS listener the greeting would otherwise land in plaintext mid-handshake. (Not
  // before mailtap's own STARTTLS below: that reads the raw socket itself.)
  if (conn.tls) {
    leg.pause('connecting');
    leg.attach(conn.tls, conn.tls);
    return { leg, tls: conn.tls };
  }
  if (route.listen.tls !== 'implicit') {
    leg.pause('connecting');
    leg.attach(conn.raw);
    return { leg };
  }
  const { greeting, transcript } = await negotiateUpstreamStartTls(conn.raw, route.upstream.protocol, timeoutMs);
  const tls = await wrapUpstream(conn.raw, { host: route.upstream.host, trust, timeoutMs });
  if (abandoned()) {
    tls.destroy();
    return undefined;
  }
  leg.pause('connecting');
  leg.attach(tls, tls);
  return { leg, tls, greeting, bridgeTranscript: transcript };
}
