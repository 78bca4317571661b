// A session tap: a hook that sees each unit at the point the proxy forwards it, for callers that
// play an active part in the dialogue (`mailtap audit` strips capabilities, refuses STARTTLS,
// serves bad certificates and holds credentials back). Without a tap the proxy forwards as is.
// The tap decides; the session keeps the byte accounting and the recording consistent.

import type { Note } from '../core/note.js';
import type { UnitEvent } from '../protocol/types.js';
import type { ClientTlsOptions } from '../transport/tls-wrap.js';

/** A client unit kept back from the server, and what the client gets instead. */
export interface TapHold {
  delayMs?: undefined;
  /** Server bytes for the client, fed to the codec as if the server had sent them ('' for none). */
  answer: Buffer;
  /** End the session once the answer is out (nothing more reaches the server). */
  end: boolean;
  /** Why, for the recording. */
  why: Note;
}

/**
 * A client unit forwarded only after `ms`: whatever the client sends meanwhile queues behind
 * it. The tap sees those units first and may still hold them (the audit uses this to learn
 * whether a client acts on a reply before the server's real one could have reached it).
 */
export interface TapDelay {
  delayMs: number;
}

export interface SessionTap {
  /** A client unit about to go to the server (`tls`: the client leg is encrypted). */
  client?(unit: UnitEvent, tls: boolean): TapHold | TapDelay | undefined;
  /** A server unit about to go to the client: returns the unit as the client gets it. */
  server?(unit: UnitEvent, tls: boolean): UnitEvent;
  /** TLS options for the client leg instead of the mailtap leaf for the route's names. */
  clientTls?(): Promise<ClientTlsOptions>;
}
