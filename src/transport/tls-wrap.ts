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
import { noteServedContext } from './tls-info.js';

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

/**
 * Terminates the client's TLS on `raw` with a mailtap leaf. Resolves once the handshake is done.
 * `plaintextRead`: bytes of `raw` consumed as plaintext before TLS (the dialogue up to STARTTLS);
 * what the socket read beyond them is the client's TLS, buffered or not.
 */
export function wrapClient(raw: Socket, options: ClientTlsOptions, plaintextRead = raw.bytesRead): { socket: TLSSocket; secure: Promise<TLSSocket> } {
  guardSocket(raw);
  const socket: TLSSocket = guardSocket(
    new TLSSocket(raw, {
      isServer: true,
      secureContext: options.secureContext,
      // The leaf the client got is remembered, so its facts are read once per leaf (tls-info.ts).
      SNICallback: (servername, cb) =>
        options.SNICallback(servername, (err, ctx) => {
          if (ctx) noteServedContext(socket, ctx);
          cb(err, ctx);
        }),
      requestCert: false,
    }),
  );
  noteServedContext(socket, options.secureContext);
  activeKeylog()?.attach(socket);
  // What had crossed the raw socket before TLS started, to tell later how far the client got.
  const before = { read: plaintextRead, written: raw.bytesWritten };
  const secure = new Promise<TLSSocket>((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error(`TLS handshake with the client timed out after ${options.timeoutMs} ms`)), options.timeoutMs);
    const onError = (err: Error) => fail(err);
    const onClose = () => fail(new Error('the client closed the connection during the TLS handshake'));
    function fail(err: Error): void {
      clearTimeout(timer);
      socket.removeListener('secure', onSecure);
      socket.removeListener('close', onClose);
      socket.removeListener('end', onClose);
      raw.removeListener('end', onClose);
      socket.destroy();
      const progress = { sent: raw.bytesRead - before.read, answered: raw.bytesWritten - before.written };
      reject(new MailtapError('E_CLIENT_TLS', clientTlsHint(err, progress), { side: 'client', cause: err }));
    }
    function onSecure(): void {
      clearTimeout(timer);
      socket.removeListener('error', onError);
      socket.removeListener('close', onClose);
      socket.removeListener('end', onClose);
      raw.removeListener('end', onClose);
      resolve(socket);
    }
    // A socket that ended or died before the wrap will never emit 'end' or 'close' again.
    if (raw.destroyed || raw.readableEnded) return onClose();
    socket.once('secure', onSecure);
    socket.once('error', onError);
    socket.once('close', onClose);
    // The proxy's sockets allow half-open connections, so a client's FIN mid-handshake is an
    // 'end' without a 'close': without this the handshake would wait for its timeout.
    socket.once('end', onClose);
    // An EOF the raw socket read before the wrap (the client sent its bytes and left at once)
    // surfaces on the raw socket after it, not on the TLS one.
    raw.once('end', onClose);
  });
  return { socket, secure };
}

/**
 * Why the client's handshake failed, in words that fit what happened: a client that sent nothing
 * (a port probe, or one that left after STARTTLS without starting TLS) or left before mailtap
 * answered its hello never saw a certificate, so only a client that did is told to trust the CA.
 */
function clientTlsHint(err: Error, progress: { sent: number; answered: number }): string {
  const text = describeError(err);
  const left = /closed the connection during|ECONNRESET|EPIPE/.test(text);
  if (left && progress.sent === 0) return 'the client closed the connection without starting the TLS handshake';
  if (left && progress.answered === 0) return `the client left in the middle of its TLS hello, before the TLS handshake was done${/closed the connection during/.test(text) ? '' : ` (${text})`}`;
  const rejectedCert = /alert (unknown ca|bad certificate|certificate unknown|certificate expired|access denied)|alert number 4[2-9]/i.test(text);
  if (rejectedCert) return `client rejected the mailtap certificate (${text}); trust the mailtap CA: run \`mailtap ca show\` for the exact steps`;
  // No alert, just a hang-up after the certificate went out: some clients reject that way, but a
  // client killed mid-handshake looks the same, so say what is known and what it may mean.
  if (left) return `the client left during the TLS handshake after mailtap sent its certificate, without an alert: if it did not trust that certificate, trust the mailtap CA (run \`mailtap ca show\`)`;
  return `client TLS handshake failed: ${text}`;
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
