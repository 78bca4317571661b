// The one error type of mailtap. `code` is stable (tests and the CLI match on it); `side` says
// who broke the rules: the client, the server, mailtap itself or the user's input.

export type ErrorCode =
  | 'E_USAGE'
  | 'E_CA_EXISTS'
  | 'E_CA_MISSING'
  | 'E_CA_CORRUPT'
  | 'E_CA_MISMATCH'
  | 'E_CA_KEY_MODE'
  | 'E_UPSTREAM_CONNECT'
  | 'E_UPSTREAM_TIMEOUT'
  | 'E_UPSTREAM_TLS'
  | 'E_UPSTREAM_CLOSED'
  | 'E_CLIENT_TLS'
  | 'E_LINE_TOO_LONG'
  | 'E_STARTTLS_INJECTION'
  | 'E_PROTOCOL'
  | 'E_RECORDING_INVALID'
  | 'E_RECORDING_WRITE'
  | 'E_REPLAY_MISMATCH'
  | 'E_IDLE_TIMEOUT'
  | 'E_LIMIT'
  | 'E_NOT_BASE64'
  | 'E_KEYLOG';

export type FaultSide = 'client' | 'server' | 'mailtap' | 'user';

export class MailtapError extends Error {
  readonly code: ErrorCode;
  readonly side: FaultSide;
  /** The message in Spanish, where one was written (the CLI prints it under a Spanish locale). */
  readonly messageEs: string | undefined;

  constructor(code: ErrorCode, message: string, options: { side?: FaultSide; cause?: unknown; es?: string } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'MailtapError';
    this.code = code;
    this.side = options.side ?? 'mailtap';
    this.messageEs = options.es;
  }
}

export function isMailtapError(err: unknown): err is MailtapError {
  return err instanceof MailtapError;
}

/** A one-line description of any thrown value, for logs and protocol-shaped error replies. */
export function describeError(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as NodeJS.ErrnoException).code;
    return code && !err.message.includes(code) ? `${err.message} (${code})` : err.message;
  }
  return String(err);
}
