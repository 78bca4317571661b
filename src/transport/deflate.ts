// Raw DEFLATE streams (RFC 1951) as IMAP COMPRESS=DEFLATE uses them (RFC 4978 §4): one
// compression context per direction for the whole connection, each flushed with Z_SYNC_FLUSH.
// Everything runs through one queue per session, so the inflated bytes of both directions reach
// their consumer in the order the wire bytes arrived (a codec needs that order), and a
// deflate bomb is cut at `maxOutputBytes` per wire chunk: that direction stops being decoded.

import { constants, createDeflateRaw, createInflateRaw, type DeflateRaw, type InflateRaw } from 'node:zlib';

type Direction = 'client' | 'server';

export interface InflatePairOptions {
  /** Cap on what one wire chunk may inflate to (src/core/limits.ts: maxInflateBytes). */
  maxOutputBytes: number;
  /** Inflated bytes of one direction, in wire order across both. */
  onData(side: Direction, bytes: Buffer): void;
  /** That direction cannot be decoded any more (corrupt stream, or over the cap). */
  onFailure(side: Direction, message: string): void;
}

/** Inflates both directions of a compressed connection, in arrival order. */
export class InflatePair {
  private readonly streams: Record<Direction, InflateRaw | undefined>;
  private readonly failed: Record<Direction, boolean> = { client: false, server: false };
  private queue: Promise<void> = Promise.resolve();
  private current: { side: Direction; bytes: number } | undefined;

  constructor(private readonly options: InflatePairOptions) {
    this.streams = { client: this.open('client'), server: this.open('server') };
  }

  /** Queue one wire chunk of `side`; its inflated bytes follow everything queued before it. */
  push(side: Direction, wire: Buffer): void {
    if (this.failed[side] || wire.length === 0) return;
    this.queue = this.queue.then(() => this.inflate(side, wire));
  }

  /** Resolves once every queued chunk has been inflated and delivered. */
  settled(): Promise<void> {
    return this.queue;
  }

  close(): void {
    for (const side of ['client', 'server'] as const) this.streams[side]?.destroy();
  }

  private open(side: Direction): InflateRaw {
    const stream = createInflateRaw();
    stream.on('data', (chunk: Buffer) => {
      const cur = this.current;
      if (!cur || cur.side !== side || this.failed[side]) return;
      cur.bytes += chunk.length;
      if (cur.bytes > this.options.maxOutputBytes) {
        this.fail(side, `one compressed read inflated past ${this.options.maxOutputBytes} bytes (a deflate bomb?)`);
        return;
      }
      this.options.onData(side, chunk);
    });
    stream.on('error', (err) => this.fail(side, `the compressed stream is not valid DEFLATE: ${err.message}`));
    return stream;
  }

  private inflate(side: Direction, wire: Buffer): Promise<void> {
    const stream = this.streams[side];
    if (!stream || this.failed[side]) return Promise.resolve();
    return new Promise((resolve) => {
      this.current = { side, bytes: 0 };
      const done = () => {
        this.current = undefined;
        stream.off('error', done);
        resolve();
      };
      stream.once('error', done);
      stream.write(wire);
      stream.flush(constants.Z_SYNC_FLUSH, done);
    });
  }

  private fail(side: Direction, message: string): void {
    if (this.failed[side]) return;
    this.failed[side] = true;
    this.streams[side]?.destroy();
    this.streams[side] = undefined;
    this.options.onFailure(side, message);
  }
}

/** Compresses what one side sends (the replay's mock server), each write sync-flushed. */
export class Deflater {
  private readonly stream: DeflateRaw = createDeflateRaw();
  private queue: Promise<void> = Promise.resolve();

  constructor(onData: (bytes: Buffer) => void) {
    this.stream.on('data', onData);
    this.stream.on('error', () => undefined);
  }

  write(bytes: Buffer): void {
    this.queue = this.queue.then(
      () =>
        new Promise<void>((resolve) => {
          this.stream.write(bytes);
          this.stream.flush(constants.Z_SYNC_FLUSH, () => resolve());
        }),
    );
  }

  settled(): Promise<void> {
    return this.queue;
  }

  close(): void {
    this.stream.destroy();
  }
}
