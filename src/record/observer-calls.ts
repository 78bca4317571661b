// A session's events for someone watching live (the terminal view, the web view): the observer
// interface the proxy and the replay share, and one session's calls to it. Each call is a method
// call (an observer may be a class instance that needs its `this`), and guarded: an observer that
// throws loses its view of that session, never the session. Its end() is still called, so it can
// let go of what it holds for the session.

import type { CloseEvent, RecordEvent, RecordHeader } from './schema.js';

export interface SessionObserver {
  start?(id: string, header: RecordHeader): void;
  event?(id: string, event: RecordEvent): void;
  /** `recordingPath` only when the file exists; `recordingError` when recording was asked for and failed. */
  end?(id: string, close: CloseEvent, recordingPath: string | undefined, recordingError?: string): void;
}

export class ObserverCalls {
  /** The observer threw once: it gets nothing more of this session but end(). */
  private failed = false;

  constructor(
    private readonly observer: SessionObserver | undefined,
    private readonly id: string,
    /** Told of the first failure only (one log line per session). */
    private readonly onFailure: (err: unknown) => void,
  ) {}

  /** The observer reads events (and has not failed): else building them for it is wasted work. */
  get wantsEvents(): boolean {
    return !!this.observer?.event && !this.failed;
  }

  start(header: RecordHeader): void {
    const o = this.observer;
    if (!o?.start || this.failed) return;
    try {
      o.start(this.id, header);
    } catch (err) {
      this.fail(err);
    }
  }

  /** The hot path (one call per unit): no closure per call. */
  event(ev: RecordEvent): void {
    const o = this.observer;
    if (!o?.event || this.failed) return;
    try {
      o.event(this.id, ev);
    } catch (err) {
      this.fail(err);
    }
  }

  end(close: CloseEvent, recordingPath: string | undefined, recordingError?: string): void {
    const o = this.observer;
    if (!o?.end) return;
    try {
      o.end(this.id, close, recordingPath, recordingError);
    } catch (err) {
      this.fail(err);
    }
  }

  private fail(err: unknown): void {
    if (this.failed) return;
    this.failed = true;
    this.onFailure(err);
  }
}
