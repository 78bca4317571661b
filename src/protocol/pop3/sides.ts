// Per-direction framing state of the POP3 codec: one receive queue per side, whether that side
// is inside an over-long line (its tail must pass as raw, not be parsed), and whether it ended.

import { ByteQueue } from '../byte-queue.js';
import type { Side } from '../types.js';

export class Sides {
  readonly client = new ByteQueue();
  readonly server = new ByteQueue();
  private long = { client: false, server: false };
  private done = { client: false, server: false };

  queue(side: Side): ByteQueue {
    return side === 'client' ? this.client : this.server;
  }

  inLongLine(side: Side): boolean {
    return this.long[side];
  }

  setLongLine(side: Side, on: boolean): void {
    this.long[side] = on;
  }

  ended(side: Side): void {
    this.done[side] = true;
    this.long[side] = false;
  }

  hasEnded(side: Side): boolean {
    return this.done[side];
  }
}
