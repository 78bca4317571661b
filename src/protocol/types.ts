// The codec contract shared by SMTP, POP3 and IMAP. A codec is sans-IO: it is fed the bytes of
// both directions (`feed(side, chunk)`, in arrival order, any chunking) and returns typed events.
// It never touches a socket, a file, a timer or a logger, and it does not know whether it serves
// a proxy (both sides real) or the replay server (server side recorded): both feed it the same way.
//
// Invariants every codec keeps (tests check them with fast-check):
//  1. For each side, the `bytes` of its `unit` events, concatenated in order, equal exactly the
//     bytes fed for that side, minus the bytes reported in `injection` events.
//  2. Any chunking of the same input gives the same events (same kinds, same bytes after joining
//     adjacent body chunks; line units are identical).
//  3. No input throws. Peer misbehaviour becomes a `violation` event and a fallback (raw units).
//  4. Memory per codec is bounded by `Limits`: a line longer than `maxLineBytes` is emitted as
//     `raw` units as it arrives, bodies and literals stream as `body` chunks.

import type { Limits } from '../core/limits.js';
import type { SaslCredentials } from '../sasl/types.js';

export type Side = 'client' | 'server';
import type { Protocol } from '../core/protocol-name.js';
export type { Protocol };

import type { Note } from '../core/note.js';
export type { Note };

/**
 * - `command`: one client command line (with its CRLF), e.g. `MAIL FROM:<a@b>\r\n`, `a1 LOGIN x y\r\n`
 *   (an IMAP command with literals is several units: the line up to `{n}\r\n`, the literal as
 *   `body`, then the rest of the line as another `command` unit with `continued: true`).
 * - `reply`: one complete server response unit: an SMTP reply with all its lines, a POP3 status line
 *   (plus the whole listing for small multi-line answers such as LIST/UIDL/CAPA), an IMAP untagged,
 *   continuation or tagged line (or its part around a literal).
 * - `body`: a chunk of message content: SMTP DATA (with the final `.\r\n` in the last chunk) or BDAT
 *   payload, POP3 RETR/TOP content (with the final `.\r\n`), IMAP literal bytes. `final` marks the
 *   last chunk of one body.
 * - `sasl`: a client line inside an AUTH exchange (base64 response, or `*` to cancel).
 * - `raw`: bytes the codec could not frame: an over-long line, bytes after a violation, a partial
 *   line flushed at end of stream.
 */
export type UnitKind = 'command' | 'reply' | 'body' | 'sasl' | 'raw';

export interface UnitEvent {
  type: 'unit';
  side: Side;
  kind: UnitKind;
  /** The exact bytes, a view into the fed chunk when possible (never modified). */
  bytes: Buffer;
  /** Upper-case command verb for commands and the command a reply answers, e.g. `MAIL`, `UID FETCH`, `STLS`. */
  verb?: string;
  /** IMAP tag of a command or tagged response (`*` untagged, `+` continuation). */
  tag?: string;
  /** Reply status: SMTP `250`, POP3 `+OK`/`-ERR`, IMAP `OK`/`NO`/`BAD`/`BYE`/`PREAUTH` or untagged data name (`EXISTS`). */
  status?: string;
  /** SMTP enhanced status code, e.g. `2.1.0`. */
  enhanced?: string;
  /** For `body`: the last chunk of this body. */
  final?: boolean;
  /** For `body`: total bytes of this body so far, including this chunk. */
  bodyOffset?: number;
  /** For an IMAP command line that continues after a literal. */
  continued?: boolean;
  note: Note;
}

export type AuthResult = 'success' | 'failure' | 'cancelled' | 'incomplete';

export interface AuthEvent extends SaslCredentials {
  type: 'auth';
  /** `PLAIN`, `LOGIN`, `CRAM-MD5`, `XOAUTH2`, `OAUTHBEARER`, `SCRAM-SHA-256`…, or `USER/PASS`, `APOP`, `IMAP LOGIN`. */
  mechanism: string;
  result: AuthResult;
  /** The server's verdict line, e.g. `235 2.7.0 Authentication successful`. */
  verdict?: string;
  note: Note;
}

/**
 * The server accepted STARTTLS/STLS. The proxy holds the accepting reply (the unit just before
 * this event, in the same batch), upgrades the upstream leg, then forwards the reply and upgrades
 * the client leg. If the upstream handshake fails it sends `refusal` to the client instead
 * (`454 4.7.0 …`, `-ERR …`, `tag NO …`). After this event the codec is in its post-TLS state and
 * expects the next fed bytes to be the decrypted TLS stream of each side.
 */
export interface UpgradeTlsEvent {
  type: 'upgrade-tls';
  command: 'STARTTLS' | 'STLS';
  /** Builds the in-protocol failure reply for the client, naming `reason`. */
  refusal: (reason: string) => Buffer;
}

/**
 * Plaintext that must not be forwarded: client bytes pipelined after STARTTLS/STLS that was then
 * accepted, or server bytes after the accepting reply (RFC 3207 §4.2, RFC 2595 §3.1, RFC 8314 §4).
 */
export interface InjectionEvent {
  type: 'injection';
  side: Side;
  bytes: Buffer;
  note: Note;
}

/**
 * IMAP COMPRESS=DEFLATE accepted (RFC 4978 §3): both directions are raw DEFLATE from the byte after
 * the accepting reply. Any bytes of either side the codec already held past that point come right
 * after this event as `raw` units (they are compressed: relay them as they are). From then on the
 * codec expects to be fed the *inflated* bytes of each side.
 */
export interface CompressEvent {
  type: 'compress';
  algorithm: 'DEFLATE';
  note: Note;
}

/** The peer broke the protocol; the codec falls back as the note says (usually pass-through). */
export interface ViolationEvent {
  type: 'violation';
  side: Side;
  code: 'E_LINE_TOO_LONG' | 'E_PROTOCOL' | 'E_LIMIT';
  message: string;
  note: Note;
}

/** Informative protocol state change (SMTP `envelope`, POP3 `TRANSACTION`, IMAP `selected`…). */
export interface StateEvent {
  type: 'state';
  state: string;
  note: Note;
}

/** Kinds of user mistake mailtap explains in the moment (recorded as `type:"hint"`). */
export type HintCode =
  | 'not-base64'
  | 'bare-lf'
  | 'tls-on-plaintext'
  | 'plaintext-on-tls'
  | 'expects-greeting'
  | 'wrong-protocol'
  | 'clear-credentials'
  | 'untrusted-upstream';

/** mailtap explains a mistake of the person at the keyboard (src/protocol/hints.ts). */
export interface HintEvent {
  type: 'hint';
  code: HintCode;
  side: Side;
  note: Note;
}

export type CodecEvent = UnitEvent | AuthEvent | UpgradeTlsEvent | CompressEvent | InjectionEvent | ViolationEvent | StateEvent;

export interface Codec {
  readonly protocol: Protocol;
  /** Feed bytes that travelled from `side` (decrypted if inside TLS). Returns events in order. */
  feed(side: Side, chunk: Buffer): CodecEvent[];
  /** That side's stream ended: flush any partial unit as `raw`, report an unfinished auth as `incomplete`. */
  end(side: Side): CodecEvent[];
  /**
   * Commands whose replies are still owed. At `limits.maxPendingCommands` the codec frames no
   * further command (the bytes wait in its queue): the caller should stop reading the client.
   */
  readonly commandsAwaitingReply: number;
  /**
   * A STARTTLS/STLS (or IMAP COMPRESS) command awaits its verdict. Until it comes, what either
   * side sends may lie past a boundary (plaintext or TLS, plain or compressed) that only the
   * verdict places: a relay must leave those bytes to the codec. At any other time the bytes a
   * codec holds are held for framing only (a line without its end yet), and a relay may forward
   * them at once (session/unframed.ts).
   */
  readonly atBoundary: boolean;
}

export interface CodecOptions {
  limits?: Partial<Limits>;
  /**
   * The session starts inside TLS (implicit TLS, or a replay of a post-STARTTLS stream).
   * Only affects notes and whether STARTTLS is expected to succeed.
   */
  tls?: boolean;
}

/** What each protocol package exports as its public face (`src/protocol/<name>/index.ts`). */
export interface ProtocolModule {
  readonly protocol: Protocol;
  createCodec(options?: CodecOptions): Codec;
  /** Reply for a client whose upstream is unusable: SMTP `421 4.4.1 …`, POP3 `-ERR …`, IMAP `* BYE …`. */
  upstreamFailure(reason: string): Buffer;
  /** Reply when mailtap refuses a session (too many sessions, shutting down). */
  serviceUnavailable(reason: string): Buffer;
}
