// Where a session tap (tap.ts) acts on the forwarding path: it asks the tap about each client
// unit, queues client bytes behind a delay the tap asked for, and lets the tap rewrite server
// units. Without a tap every call is a pass-through.

import type { UnitEvent } from '../protocol/types.js';
import type { SessionTap, TapDelay, TapHold } from './tap.js';

export interface TapGateHost {
  /** Writes client bytes to the server leg now. */
  toServer(bytes: Buffer): void;
  finished(): boolean;
  /** The client leg is encrypted. */
  clientTls(): boolean;
}

export class TapGate {
  /** Client bytes waiting for a tap's delay to pass, in order; undefined when none is running. */
  private delayed: Buffer[] | undefined;

  constructor(
    private readonly tap: SessionTap | undefined,
    private readonly host: TapGateHost,
  ) {}

  /** The tap's say on a client unit; after a hold that ends the session nothing more goes out. */
  client(ev: UnitEvent, held: readonly TapHold[]): TapHold | TapDelay | undefined {
    if (held.some((h) => h.end)) return { answer: Buffer.alloc(0), end: true, why: held[0]!.why };
    return this.tap?.client?.(ev, this.host.clientTls());
  }

  /** The server unit as the client gets it. */
  server(ev: UnitEvent): UnitEvent {
    return this.tap?.server?.(ev, this.host.clientTls()) ?? ev;
  }

  /** Client bytes for the server: queued behind a running delay, else written now. */
  toServer(bytes: Buffer): void {
    if (this.delayed) this.delayed.push(bytes);
    else this.host.toServer(bytes);
  }

  /** Forwards `bytes`, and whatever the client sends meanwhile, after `ms`. */
  delay(bytes: Buffer, ms: number): void {
    if (this.delayed) return void this.delayed.push(bytes);
    this.delayed = [bytes];
    setTimeout(() => {
      const queued = this.delayed ?? [];
      this.delayed = undefined;
      if (!this.host.finished()) for (const b of queued) this.host.toServer(b);
    }, ms).unref();
  }
}
