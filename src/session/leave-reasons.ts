// Why a peer left, in words that fit how far it got: a port probe that sent nothing, a client
// that left mid-hello on an implicit-TLS port, a TLS client that hung up in silence right after
// the handshake (most likely it rejected the mailtap leaf). Pure: the session passes the facts.

import type { Side } from '../protocol/types.js';

export interface ClientProgress {
  /** The listener is implicit TLS: the client's first bytes are its TLS hello. */
  implicitListener: boolean;
  /** The client's TLS handshake has completed. */
  tlsDone: boolean;
  /** Bytes read from the client's raw socket. */
  bytesRead: number;
  /** Bytes the client sent inside TLS. */
  bytesInTls: number;
}

export type Leaving = 'closed the connection' | 'connection reset';

/** On an implicit-TLS port, before the client's handshake is done: how far the client got. */
export function leftBeforeTls(client: ClientProgress, cause: string): string | undefined {
  if (!client.implicitListener || client.tlsDone) return undefined;
  if (client.bytesRead === 0) return 'client connection reset without sending a byte (a port probe?)';
  return `the client left in the middle of its TLS hello, before the TLS handshake was done (${cause})`;
}

/**
 * Why `side` left. `silentTls`: the client hung up right after its handshake without a word, which
 * is how most TLS clients reject a certificate; the session records that as an error and a hint.
 */
export function leftReason(side: Side, how: Leaving, client: ClientProgress): { reason: string; silentTls: boolean } {
  if (side === 'server') return { reason: `server ${how}`, silentTls: false };
  if (client.bytesRead === 0) return { reason: `client ${how} without sending a byte (a port probe?)`, silentTls: false };
  if (!client.tlsDone || client.bytesInTls > 0) return { reason: `client ${how}`, silentTls: false };
  return {
    reason: `client ${how} right after the TLS handshake without a word: if it rejected the mailtap certificate, trust the mailtap CA (run \`mailtap ca show\`)`,
    silentTls: true,
  };
}
