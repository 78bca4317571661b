// The mistakes that show only at the TLS level, explained once, in one line with the fix:
// plaintext sent to an implicit-TLS port (OpenSSL's "wrong version number"), a client that waits
// for a plaintext greeting there (`-starttls smtp` to 465: silence, then a handshake timeout), and
// an upstream certificate mailtap cannot verify. The byte-level mistakes are src/protocol/hints.ts.

import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { wrapClient, type ClientTlsOptions } from '../transport/tls-wrap.js';
import type { Leg } from './leg.js';
import { note } from '../core/note.js';
import type { Protocol } from '../core/protocol-name.js';
import { PORTS } from '../protocol/hints.js';
import type { HintEvent } from '../protocol/types.js';

/** How long a silent client on an implicit-TLS port is given before mailtap says why. */
export const SILENT_CLIENT_HINT_MS = 2000;

function causeCode(err: unknown): string | undefined {
  for (let e: unknown = err; e instanceof Error; e = e.cause) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code && !code.startsWith('E_')) return code;
  }
  return undefined;
}

/** The client's TLS handshake failed because it spoke plaintext (EHLO to 465), or null. */
export function plaintextOnTlsHint(err: unknown, protocol: Protocol): HintEvent | null {
  const code = causeCode(err);
  if (code !== 'ERR_SSL_WRONG_VERSION_NUMBER' && code !== 'ERR_SSL_HTTP_REQUEST' && code !== 'ERR_SSL_UNKNOWN_PROTOCOL') return null;
  const p = PORTS[protocol];
  return {
    type: 'hint',
    code: 'plaintext-on-tls',
    side: 'client',
    note: note(
      `The client spoke plaintext to an implicit-TLS port (OpenSSL: "wrong version number"): use \`openssl s_client -connect HOST:${p.implicit}\` (TLS from the first byte), or the plaintext port ${p.plain} with \`${p.starttls}\``,
      `El cliente habló en claro a un puerto de TLS implícito (OpenSSL: "wrong version number"): use \`openssl s_client -connect HOST:${p.implicit}\` (TLS desde el primer byte), o el puerto en claro ${p.plain} con \`${p.starttls}\``,
    ),
  };
}

export function silentClientHint(protocol: Protocol): HintEvent {
  const p = PORTS[protocol];
  return {
    type: 'hint',
    code: 'expects-greeting',
    side: 'client',
    note: note(
      `The client has sent nothing for ${SILENT_CLIENT_HINT_MS / 1000} s on an implicit-TLS port: it seems to wait for a plaintext greeting (STARTTLS, e.g. \`${p.starttls}\`). Drop ${p.starttls} for this port (${p.implicit}), or use the STARTTLS port ${p.plain}`,
      `El cliente no ha enviado nada en ${SILENT_CLIENT_HINT_MS / 1000} s a un puerto de TLS implícito: parece esperar un saludo en claro (STARTTLS, p. ej. \`${p.starttls}\`). Quite ${p.starttls} para este puerto (${p.implicit}) o use el puerto STARTTLS ${p.plain}`,
    ),
  };
}

/**
 * Watches a client TLS handshake on an implicit-TLS listener: if the client has not sent a single
 * byte after SILENT_CLIENT_HINT_MS, it is waiting for us to speak first. `raw.bytesRead` counts
 * what reached the TLS layer, so a slow handshake of a real TLS client never triggers it.
 */
export function watchSilentClient(raw: Socket, protocol: Protocol, emit: (hint: HintEvent) => void): { stop(): void } {
  const timer = setTimeout(() => {
    if (raw.bytesRead === 0 && !raw.destroyed) emit(silentClientHint(protocol));
  }, SILENT_CLIENT_HINT_MS);
  timer.unref();
  return { stop: () => clearTimeout(timer) };
}

const UNTRUSTED = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_GET_ISSUER_CERT',
  'CERT_UNTRUSTED',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/** mailtap refused the server's certificate: name the two ways out, or null for other failures. */
export function untrustedUpstreamHint(err: unknown): HintEvent | null {
  const code = causeCode(err);
  if (!code || !UNTRUSTED.has(code)) return null;
  return {
    type: 'hint',
    code: 'untrusted-upstream',
    side: 'server',
    note: note(
      `mailtap does not trust the server's certificate (${code}): give it the server's CA with \`--upstream-ca FILE\`, or skip the check with \`--insecure\` (test servers only)`,
      `mailtap no confía en el certificado del servidor (${code}): indíquele la CA del servidor con \`--upstream-ca FICHERO\` o desactive la comprobación con \`--insecure\` (solo servidores de prueba)`,
    ),
  };
}

/**
 * The client's handshake on an implicit-TLS listener, watched for the two mistakes made there: a
 * client silent for SILENT_CLIENT_HINT_MS gets `hint` (it waits for a plaintext greeting), and a
 * client that spoke plaintext is answered with the hint to give, not a TLS error. Other failures
 * throw (E_CLIENT_TLS from tls-wrap.ts).
 */
export async function acceptImplicitTls(
  client: Leg,
  options: ClientTlsOptions,
  protocol: Protocol,
  hint: (h: HintEvent) => void,
): Promise<{ socket: TLSSocket } | { plaintext: HintEvent }> {
  const { socket, secure } = wrapClient(client.raw, options, client.bytesIn);
  client.detach();
  const silence = watchSilentClient(client.raw, protocol, hint);
  try {
    await secure;
    return { socket };
  } catch (err) {
    const plaintext = plaintextOnTlsHint(err, protocol);
    if (plaintext) return { plaintext };
    throw err;
  } finally {
    silence.stop();
  }
}
