// The cap on commands sent ahead of their replies (limits.maxPendingCommands), on the proxy's
// side: at the cap the codec frames no further command, and mailtap stops reading the client
// until the server has answered some, so a server that reads but never replies (a sink, a stuck
// one) cannot make a pipelining client grow mailtap's memory. Each stop is recorded once.

import type { RecordEvent } from '../record/schema.js';
import type { Leg } from './leg.js';

const REASON = 'replies-owed';

export class OwedReplies {
  private stopped = false;
  private told = false;
  private released = false;

  constructor(
    private readonly client: Leg,
    private readonly max: number,
    private readonly emit: (ev: RecordEvent) => void,
  ) {}

  /** Called after every batch of codec events with the number of replies still owed. */
  check(owed: number): void {
    if (owed >= this.max && !this.released) {
      if (this.stopped) return;
      this.stopped = true;
      this.client.pause(REASON);
      if (this.told) return;
      this.told = true;
      this.emit({
        type: 'info',
        dir: 'proxy',
        code: 'E_LIMIT',
        message: `${owed} commands wait for the server's replies (limit ${this.max}): mailtap reads no more from the client until the server answers`,
        note: `The client sent ${owed} commands ahead of their replies; mailtap stops reading it until the server catches up`,
        note_es: `El cliente envió ${owed} comandos antes de recibir sus respuestas; mailtap deja de leerlo hasta que el servidor se ponga al día`,
      } as RecordEvent);
    } else if (this.stopped) {
      this.stopped = false;
      this.client.resume(REASON);
    }
  }

  /**
   * The server ended its side: the owed replies will never come. Read the client again, if only
   * to hear it leave (a paused socket does not notice its peer's reset).
   */
  release(): void {
    this.released = true;
    if (!this.stopped) return;
    this.stopped = false;
    this.client.resume(REASON);
  }
}
