// Every cap mailtap enforces, in one place. Codecs check them *before* buffering, so no peer
// can make mailtap hold more than these numbers per session, whatever it sends.

export interface Limits {
  /** Longest command or reply line a codec frames as one unit; longer lines pass as raw chunks. */
  maxLineBytes: number;
  /** Largest multi-line reply (SMTP 250-…, POP3 LIST/CAPA/UIDL listing) kept as one unit. */
  maxReplyBytes: number;
  /** Client bytes held while a STARTTLS verdict is pending (beyond: dropped as injection). */
  maxPendingBytes: number;
  /**
   * Commands a codec tracks while their replies are owed (SMTP/POP3 pipelining, IMAP tags).
   * At the cap the codec frames no further command and the proxy stops reading the client until
   * the server answers: a server that reads but never replies cannot make mailtap grow.
   */
  maxPendingCommands: number;
  /** Bytes of a body or literal kept for annotation (headers summary); bodies are never buffered whole. */
  maxBodyPeekBytes: number;
  /** Concurrent sessions a proxy accepts before refusing new ones with a protocol-shaped error. */
  maxSessions: number;
  /**
   * Concurrent sessions from one client address. Every byte a client sends keeps its session
   * alive, so without this one host trickling a byte a second per connection (slowloris) could
   * hold all maxSessions; with it, it holds only its own share and the rest of a class goes on.
   */
  maxSessionsPerClient: number;
  /**
   * Bytes one compressed read may inflate to (IMAP COMPRESS=DEFLATE, RFC 4978). Past it that
   * direction is no longer decoded (a deflate bomb); the compressed bytes are still relayed.
   */
  maxInflateBytes: number;
  /** Milliseconds a session may stay silent in both directions before it is closed. */
  idleTimeoutMs: number;
  /** Milliseconds to wait for the upstream TCP connect and TLS handshake. */
  connectTimeoutMs: number;
  /**
   * Longest line `show` and `replay` read from a recording. mailtap writes far shorter ones: a
   * unit is at most a framed line or reply (maxLineBytes, maxReplyBytes) or one socket read,
   * under 2 MiB as base64 with its note; the margin covers raised limits.
   */
  maxRecordingLineBytes: number;
  /** Deepest JSON nesting accepted in a recording line (mailtap writes 2 levels). */
  maxRecordingDepth: number;
  /**
   * Largest IMAP literal `replay` lets a client announce. The mock server keeps none of it, but
   * like a real server it refuses a 4 GiB `{4294967295}` with BAD instead of inviting it.
   */
  maxReplayLiteralBytes: number;
  /**
   * Bytes of recording one session may write (`--max-recording-size`). Past it, units are counted
   * and not stored, and the close event says how many: a NOOP flood makes a recording ~30 times
   * its traffic, so without a cap one client could fill the disk.
   */
  maxRecordingBytes: number;
}

export const DEFAULT_LIMITS: Readonly<Limits> = Object.freeze({
  maxLineBytes: 1024 * 1024,
  maxReplyBytes: 1024 * 1024,
  maxPendingBytes: 64 * 1024,
  // Far above any real client's pipelining window (Postfix's own client sends a few dozen).
  maxPendingCommands: 1000,
  maxBodyPeekBytes: 64 * 1024,
  maxSessions: 1000,
  // A mail client opens a handful at once (Thunderbird: up to 5 IMAP connections per account);
  // a classroom behind one NAT address still fits.
  maxSessionsPerClient: 100,
  // A 64 KiB read at DEFLATE's best ratio (~1032:1) inflates to about 64 MiB: stop well before.
  maxInflateBytes: 16 * 1024 * 1024,
  // Above IMAP IDLE's 29-minute re-issue interval (RFC 2177 §3), so idling clients are not cut.
  idleTimeoutMs: 31 * 60_000,
  connectTimeoutMs: 15_000,
  maxRecordingLineBytes: 64 * 1024 * 1024,
  maxRecordingDepth: 32,
  // Above the message size limits of common servers (Gmail 35 MB, Postfix's default 10 MB).
  maxReplayLiteralBytes: 64 * 1024 * 1024,
  // A lab session, attachments and all, is a few MiB; 256 MiB keeps a day of heavy IMAP whole
  // while a flood stops costing disk long before the disk is full.
  maxRecordingBytes: 256 * 1024 * 1024,
});

export function resolveLimits(overrides: Partial<Limits> = {}): Limits {
  return { ...DEFAULT_LIMITS, ...overrides };
}

/**
 * Client bytes a codec queues while maxPendingCommands replies are owed: a few reads' worth, since
 * the proxy stops reading within one read of the cap. Past it the codec stops framing instead.
 */
export function owedQueueCap(limits: Limits): number {
  return 4 * limits.maxPendingBytes;
}
