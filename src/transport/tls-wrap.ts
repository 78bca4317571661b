// TLS on an existing TCP socket, for both legs and both modes: implicit TLS wraps at once,
// STARTTLS/STLS wraps mid-stream (the nodemailer mechanics: stop reading the raw socket, wrap it
// in tls.TLSSocket, read again only once the handshake is done). Every wait has a timeout, and
// every failure is a MailtapError naming the leg.

import { connect as tlsConnect, TLSSocket, type SecureContext } from 'node:tls';
import { isIP, type Socket } from 'node:net';
import { MailtapError, describeError } from '../core/errors.js';
import { activeKeylog } from './keylog.js';
import type { UpstreamTrust } from './upstream-trust.js';
import { guardSocket } from './socket-guard.js';

export interface UpstreamTlsOptions {
  host: string;
  trust: UpstreamTrust;
  timeoutMs: number;
}

/** Opens TLS to the real server over `raw` (already connected), verifying it unless told not to. */
export function wrapUpstream(raw: Socket, options: UpstreamTlsOptions): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    guardSocket(raw);
    const sessions = options.trust.sessions;
    const port = raw.remotePort;
    const socket = tlsConnect({
      socket: raw,
      host: options.host,
      // SNI carries host names only (RFC 6066 §3).
      servername: isIP(options.host) ? undefined : options.host,
      // The context holds the trust store, parsed once per proxy; without extra CAs Node's
      // shared default store is used.
      secureContext: options.trust.secureContext,
      rejectUnauthorized: options.trust.rejectUnauthorized,
      // Resume this upstream's last session when we have one (tls-sessions.ts).
      session: sessions?.get(options.host, port),
    });
    guardSocket(socket);
    sessions?.track(socket, options.host, port);
    activeKeylog()?.attach(socket);
    const timer = setTimeout(() => fail(new Error(`TLS handshake with the server timed out after ${options.timeoutMs} ms`)), options.timeoutMs);
    const onError = (err: Error) => fail(err);
    function fail(err: Error): void {
      clearTimeout(timer);
      socket.removeListener('secureConnect', onSecure);
      socket.destroy();
      // A certificate mailtap cannot verify is the usual case on a lab server: name the way out.
      const fix = /CERT|SELF_SIGNED|VERIFY|ISSUER|ALTNAME/.test((err as NodeJS.ErrnoException).code ?? '') ? ' (use --upstream-ca FILE to trust its CA, or --insecure)' : '';
      reject(new MailtapError('E_UPSTREAM_TLS', `upstream TLS failed: ${describeError(err)}${fix}`, { side: 'server', cause: err }));
    }
    function onSecure(): void {
      clearTimeout(timer);
      socket.removeListener('error', onError);
      resolve(socket);
    }
    socket.once('secureConnect', onSecure);
    socket.once('error', onError);
  });
}

export interface ClientTlsOptions {
  secureContext: SecureContext;
  /** Picks the leaf for the name the client asked for (SNI). */
  SNICallback: (servername: string, cb: (err: Error | null, ctx?: SecureContext) => void) => void;
  timeoutMs: number;
}

/** Terminates the client's TLS on `raw` with a mailtap leaf. Resolves once the handshake is done. */
export function wrapClient(raw: Socket, options: ClientTlsOptions): { socket: TLSSocket; secure: Promise<TLSSocket> } {
  guardSocket(raw);
  const socket = guardSocket(
    new TLSSocket(raw, {
      isServer: true,
      secureContext: options.secureContext,
      SNICallback: options.SNICallback,
      requestCert: false,
    }),
  );
  activeKeylog()?.attach(socket);
  const secure = new Promise<TLSSocket>((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error(`TLS handshake with the client timed out after ${options.timeoutMs} ms`)), options.timeoutMs);
    const onError = (err: Error) => fail(err);
    const onClose = () => fail(new Error('the client closed the connection during the TLS handshake'));
    function fail(err: Error): void {
      clearTimeout(timer);
      socket.removeListener('secure', onSecure);
      socket.removeListener('close', onClose);
      socket.removeListener('end', onClose);
      socket.destroy();
      reject(new MailtapError('E_CLIENT_TLS', clientTlsHint(err), { side: 'client', cause: err }));
    }
    function onSecure(): void {
      clearTimeout(timer);
      socket.removeListener('error', onError);
      socket.removeListener('close', onClose);
      socket.removeListener('end', onClose);
      resolve(socket);
    }
    socket.once('secure', onSecure);
    socket.once('error', onError);
    socket.once('close', onClose);
    // The proxy's sockets allow half-open connections, so a client's FIN mid-handshake is an
    // 'end' without a 'close': without this the handshake would wait for its timeout.
    socket.once('end', onClose);
  });
  return { socket, secure };
}

/** A client that rejects our leaf usually does not trust the mailtap CA yet: say how to fix it. */
function clientTlsHint(err: Error): string {
  const text = describeError(err);
  const rejectedCert = /alert (unknown ca|bad certificate|certificate unknown|certificate expired|access denied)|alert number 4[2-9]|closed the connection during/i.test(text);
  return rejectedCert
    ? `client rejected the mailtap certificate (${text}); trust the mailtap CA: run \`mailtap ca show\` for the exact steps`
    : `client TLS handshake failed: ${text}`;
}

/**
 * Client-leg TLS options serving leaves issued on demand: `names(sni)` says which names the leaf
 * must carry (asked again when the client sends SNI), `issue` returns a cached or new leaf.
 */
export async function leafTlsOptions(
  issue: (names: string[]) => Promise<{ secureContext: SecureContext }>,
  names: (sni?: string) => string[],
  timeoutMs: number,
): Promise<ClientTlsOptions> {
  const leaf = await issue(names());
  return {
    secureContext: leaf.secureContext,
    SNICallback: (servername, cb) => {
      issue(names(servername)).then(
        (l) => cb(null, l.secureContext),
        (err: Error) => cb(err),
      );
    },
    timeoutMs,
  };
}
