// Which names the mailtap leaf for a client must carry, and the TLS options that serve it: the
// client's SNI, the upstream host and the names in the upstream's own certificate, and the local
// names it may have connected to (SPEC §Certificates). Leaves come from the CA's cache.

import { defaultLocalNames, type CertificateAuthority } from '../ca/index.js';
import type { Route } from '../core/mail-url.js';
import { leafTlsOptions, type ClientTlsOptions } from '../transport/tls-wrap.js';

const LOCAL_NAMES = defaultLocalNames();
/** A leaf with hundreds of names helps nobody; an upstream certificate could list that many. */
const MAX_NAMES = 64;

export function leafNames(route: Route, upstreamNames: readonly string[], sni?: string): string[] {
  const names = [sni, route.upstream.host, ...upstreamNames, route.listen.host, ...LOCAL_NAMES].filter((n): n is string => !!n && n !== '0.0.0.0' && n !== '::');
  return [...new Set(names.map((n) => n.toLowerCase()))].slice(0, MAX_NAMES);
}

/** TLS options for the client leg; `names(sni)` is asked again when the client sends SNI. */
export function clientTlsOptions(ca: CertificateAuthority, names: (sni?: string) => string[], timeoutMs: number): Promise<ClientTlsOptions> {
  return leafTlsOptions((n) => ca.issue(n), names, timeoutMs);
}
