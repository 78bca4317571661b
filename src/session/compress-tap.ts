// The proxy's side of IMAP COMPRESS=DEFLATE (RFC 4978). Once compression starts the session
// relays each read as it is (the wire bytes, unchanged, in the same turn) and hands a copy here:
// both directions are inflated in arrival order and fed to the codec, so notes, AUTH and bodies
// keep being decoded. Decoding may fail (corrupt stream, a deflate bomb past the cap): then only
// the notes stop; the relay never waits for, or depends on, anything in this file.

import type { Codec, CodecEvent, Side } from '../protocol/types.js';
import { InflatePair } from '../transport/deflate.js';

export interface CompressTapOptions {
  codec: Codec;
  maxInflateBytes: number;
  /** Codec events of the inflated stream: to record, never to forward. */
  record(events: CodecEvent[]): void;
  /** A direction can no longer be decoded. */
  failed(side: Side, message: string): void;
}

export class CompressTap {
  private readonly pair: InflatePair;

  constructor(private readonly options: CompressTapOptions) {
    this.pair = new InflatePair({
      maxOutputBytes: options.maxInflateBytes,
      onData: (side, bytes) => options.record(options.codec.feed(side, bytes)),
      onFailure: (side, message) => options.failed(side, message),
    });
  }

  /** Wire bytes `side` sent (already relayed). */
  wire(side: Side, bytes: Buffer): void {
    this.pair.push(side, bytes);
  }

  /** `side` ended: once its bytes are decoded, flush what the codec still holds. */
  end(side: Side): void {
    void this.pair.settled().then(() => this.options.record(this.options.codec.end(side)));
  }

  /** Resolves when everything relayed so far has been decoded and recorded. */
  async settled(): Promise<void> {
    await this.pair.settled();
    // end() chains one more step on the same queue's completion.
    await new Promise<void>((r) => setImmediate(r));
  }

  close(): void {
    this.pair.close();
  }
}
