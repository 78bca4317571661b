// Mail endpoint URLs: `scheme://host[:port]` (SPEC §URLs). The scheme fixes the protocol and
// the TLS mode of a leg: `s` forms are implicit TLS (RFC 8314), the others plain with STARTTLS /
// STLS available. Positional upstreams listen on the scheme's default *local* port.

import { isIP } from 'node:net';
import { MailtapError } from './errors.js';
import type { Protocol } from './protocol-name.js';

export type TlsMode = 'implicit' | 'starttls';

export type MailScheme = 'smtp' | 'submission' | 'smtps' | 'pop3' | 'pop3s' | 'imap' | 'imaps';

interface SchemeInfo {
  protocol: Protocol;
  tls: TlsMode;
  port: number;
  localPort: number;
}

export const SCHEMES: Readonly<Record<MailScheme, SchemeInfo>> = {
  smtp: { protocol: 'smtp', tls: 'starttls', port: 25, localPort: 2525 },
  submission: { protocol: 'smtp', tls: 'starttls', port: 587, localPort: 2587 },
  smtps: { protocol: 'smtp', tls: 'implicit', port: 465, localPort: 2465 },
  pop3: { protocol: 'pop3', tls: 'starttls', port: 110, localPort: 2110 },
  pop3s: { protocol: 'pop3', tls: 'implicit', port: 995, localPort: 2995 },
  imap: { protocol: 'imap', tls: 'starttls', port: 143, localPort: 2143 },
  imaps: { protocol: 'imap', tls: 'implicit', port: 993, localPort: 2993 },
};

export interface MailEndpoint {
  scheme: MailScheme;
  protocol: Protocol;
  tls: TlsMode;
  /** Host name or IP literal, without IPv6 brackets. */
  host: string;
  port: number;
}

export function parseMailUrl(text: string, options: { defaultPort?: 'remote' | 'local' } = {}): MailEndpoint {
  const m = /^([a-zA-Z0-9]+):\/\/(\[[0-9a-fA-F:.]+\]|[^\s/:[\]]+)(?::(\d{1,5}))?\/?$/.exec(text.trim());
  if (!m) throw new MailtapError('E_USAGE', `not a mail URL: "${text}" (expected scheme://host[:port], e.g. smtps://mail.example.com:465)`, { side: 'user' });
  const scheme = m[1]!.toLowerCase();
  if (!(scheme in SCHEMES)) {
    throw new MailtapError('E_USAGE', `unknown scheme "${scheme}" in "${text}" (use one of ${Object.keys(SCHEMES).join(', ')})`, { side: 'user' });
  }
  const info = SCHEMES[scheme as MailScheme];
  const host = m[2]!.startsWith('[') ? m[2]!.slice(1, -1) : m[2]!;
  if (m[2]!.startsWith('[') && isIP(host) !== 6) throw new MailtapError('E_USAGE', `bad IPv6 address in "${text}"`, { side: 'user' });
  const port = m[3] === undefined ? (options.defaultPort === 'local' ? info.localPort : info.port) : Number(m[3]);
  if (port > 65535) throw new MailtapError('E_USAGE', `port out of range in "${text}"`, { side: 'user' });
  return { scheme: scheme as MailScheme, protocol: info.protocol, tls: info.tls, host, port };
}

export function formatMailUrl(e: Pick<MailEndpoint, 'scheme' | 'host' | 'port'>): string {
  const host = isIP(e.host) === 6 ? `[${e.host}]` : e.host;
  return `${e.scheme}://${host}:${e.port}`;
}

export interface Route {
  listen: MailEndpoint;
  upstream: MailEndpoint;
}

/** A positional UPSTREAM: listen on 127.0.0.1 at the scheme's default local port. */
export function routeForUpstream(text: string): Route {
  const upstream = parseMailUrl(text);
  const info = SCHEMES[upstream.scheme];
  return { upstream, listen: { ...upstream, host: '127.0.0.1', port: info.localPort } };
}

/** `--route LISTEN=UPSTREAM`. Both legs must speak the same protocol. */
export function parseRoute(text: string): Route {
  const eq = text.indexOf('=');
  if (eq < 0) throw new MailtapError('E_USAGE', `--route needs LISTEN=UPSTREAM, got "${text}"`, { side: 'user' });
  const listen = parseMailUrl(text.slice(0, eq), { defaultPort: 'local' });
  const upstream = parseMailUrl(text.slice(eq + 1));
  if (listen.protocol !== upstream.protocol) {
    throw new MailtapError('E_USAGE', `--route "${text}": ${listen.scheme} listens for ${listen.protocol} but ${upstream.scheme} is ${upstream.protocol}`, { side: 'user' });
  }
  return { listen, upstream };
}

export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}
