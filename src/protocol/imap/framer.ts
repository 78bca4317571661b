// Frames one direction of an IMAP connection into line parts and literal bytes (RFC 9051 §2.2,
// §4.3). The framer only counts bytes: whether a line ends in a literal marker, and whether a
// synchronizing literal was granted, is decided by the codec, which sees both directions.
// Literal bytes are never buffered: each frame is what has arrived, so a {99999999999} streams.

import { ByteQueue } from '../byte-queue.js';

export type Frame =
  /** One line part with its CRLF; `continued` when it follows a literal of the same command/response. */
  | { kind: 'line'; bytes: Buffer; continued: boolean }
  /** Part of a line longer than maxLineBytes (`first` on its first piece); ends with the line's LF. */
  | { kind: 'overflow'; bytes: Buffer; first: boolean }
  /** Literal bytes as they arrive; `offset` counts this literal's bytes through this chunk. */
  | { kind: 'body'; bytes: Buffer; final: boolean; offset: number; size: number }
  /** Pass-through after a framing violation: everything that arrives, unframed. */
  | { kind: 'raw'; bytes: Buffer };

const enum Mode {
  Line = 0,
  Overflow = 1,
  AwaitSync = 2,
  Literal = 3,
  PassThrough = 4,
}

export class SideFramer {
  private readonly queue = new ByteQueue();
  private mode: Mode = Mode.Line;
  private literalSize = 0;
  private literalDone = 0;
  private afterLiteral = false;

  constructor(private readonly maxLineBytes: number) {}

  push(chunk: Buffer): void {
    this.queue.push(chunk);
  }

  /** Bytes received but not framed yet (a partial line). */
  get buffered(): number {
    return this.queue.length;
  }

  /** A synchronizing literal was announced and the server's `+` (or refusal) has not come yet. */
  get awaitingSync(): boolean {
    return this.mode === Mode.AwaitSync;
  }

  get passingThrough(): boolean {
    return this.mode === Mode.PassThrough;
  }

  /** The next frame, or null until more bytes arrive. */
  next(): Frame | null {
    switch (this.mode) {
      case Mode.PassThrough:
        return this.queue.length ? { kind: 'raw', bytes: this.queue.takeAll() } : null;
      case Mode.AwaitSync:
        // A client that does not wait for `+` sends the literal anyway: its bytes are the literal
        // (the server reads them so too). A refusal that comes first cancels instead (cancelLiteral).
        if (this.queue.length === 0) return null;
        this.mode = Mode.Literal;
        return this.literal();
      case Mode.Literal:
        return this.literal();
      case Mode.Overflow: {
        const r = this.queue.takeLine(this.maxLineBytes);
        if (!r) return null;
        if (r.kind === 'line') this.mode = Mode.Line;
        return { kind: 'overflow', bytes: r.bytes, first: false };
      }
      case Mode.Line: {
        const r = this.queue.takeLine(this.maxLineBytes);
        if (!r) return null;
        const continued = this.afterLiteral;
        this.afterLiteral = false;
        if (r.kind === 'overflow') {
          this.mode = Mode.Overflow;
          return { kind: 'overflow', bytes: r.bytes, first: true };
        }
        return { kind: 'line', bytes: r.bytes, continued };
      }
    }
  }

  /** The line just returned ends in a literal marker of `size` bytes. */
  expectLiteral(size: number, sync: boolean): void {
    this.literalSize = size;
    this.literalDone = 0;
    if (size === 0) {
      // `{0}`: nothing to stream; the line simply continues.
      this.afterLiteral = true;
      this.mode = sync ? Mode.AwaitSync : Mode.Line;
      return;
    }
    this.mode = sync ? Mode.AwaitSync : Mode.Literal;
  }

  /** The server sent `+`: the announced literal follows. */
  grant(): void {
    if (this.mode !== Mode.AwaitSync) return;
    this.mode = this.literalSize === 0 ? Mode.Line : Mode.Literal;
  }

  /** The server refused the command before the literal (tagged NO/BAD): the client will not send it. */
  cancelLiteral(): void {
    if (this.mode !== Mode.AwaitSync) return;
    this.mode = Mode.Line;
    this.afterLiteral = false;
  }

  /** From now on every byte passes as `raw` (framing is lost). */
  passThrough(): void {
    this.mode = Mode.PassThrough;
  }

  /** Everything received but not framed, e.g. plaintext after STARTTLS or a partial line at the end. */
  takeAll(): Buffer {
    return this.queue.takeAll();
  }

  private literal(): Frame | null {
    if (this.literalDone === this.literalSize) {
      // {0} granted: go straight back to the line.
      this.mode = Mode.Line;
      return this.next();
    }
    const avail = this.queue.length;
    if (avail === 0) return null;
    const bytes = this.queue.take(Math.min(avail, this.literalSize - this.literalDone));
    this.literalDone += bytes.length;
    const final = this.literalDone === this.literalSize;
    if (final) {
      this.mode = Mode.Line;
      this.afterLiteral = true;
    }
    return { kind: 'body', bytes, final, offset: this.literalDone, size: this.literalSize };
  }
}
