// A session's record: the recording file and the observer, fed the same events in order. Owns the
// session clock (event times in ms since accept), --redact, and the rule that nothing follows the
// close event. Opening the file never blocks the mail: a failure is logged and the session goes
// on unrecorded; a session that ends while the file is still opening still gets a whole file.

import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import { describeError } from '../core/errors.js';
import type { CloseEvent, RecordEvent, RecordHeader } from '../record/schema.js';
import { RecordingWriter } from '../record/writer.js';
import { Redactor } from '../record/redact.js';
import { PartialJoiner } from '../record/partials.js';
import { ObserverCalls, type SessionObserver } from '../record/observer-calls.js';

export type { SessionObserver } from '../record/observer-calls.js';

export interface SessionRecordOptions {
  id: string;
  /** Directory for the file; undefined with --no-record. */
  recordingsDir?: string;
  maxBytes: number;
  redact: boolean;
  observer?: SessionObserver;
  logger?: Logger;
  /** The file caught up after needsDrain: the session may read its legs again. */
  onDrain(): void;
}

export class SessionRecord {
  private readonly started = performance.now();
  private writer: RecordingWriter | undefined;
  /** Set while the file is being opened, so close() can wait for it. */
  private opening: Promise<void> | undefined;
  /** The close event has been given: the record is final. */
  private closed = false;
  /** The live observer's calls for this session (guarded: its failure is its own). */
  private readonly observer: ObserverCalls;
  /** --redact: one per session, so a secret learnt once is masked everywhere after. */
  private readonly redactor: Redactor | undefined;

  /**
   * Observers (the live transcript, the web view) get whole units: a line forwarded in pieces
   * (partial units) reaches them once complete. With --redact the file gets whole units too, so
   * a secret split across two reads is still masked.
   */
  private readonly joiner = new PartialJoiner();

  constructor(private readonly options: SessionRecordOptions) {
    this.redactor = options.redact ? new Redactor() : undefined;
    this.observer = new ObserverCalls(options.observer, options.id, (err) =>
      options.logger?.error({ err: describeError(err), session: options.id }, 'a session observer failed; it sees no more of this session, the mail goes on'),
    );
  }

  /** Milliseconds since the session began, to a tenth. */
  now(): number {
    return Math.round((performance.now() - this.started) * 10) / 10;
  }

  /** Somebody reads events (a file or an observer): else building them is wasted work. */
  get wanted(): boolean {
    return !!this.writer || this.observer.wantsEvents;
  }

  /** The file is behind: the session should stop reading until onDrain. */
  get needsDrain(): boolean {
    return !!this.writer?.needsDrain;
  }

  async open(header: RecordHeader): Promise<void> {
    const { id, recordingsDir, logger } = this.options;
    this.observer.start(header);
    if (!recordingsDir) return;
    let opened!: () => void;
    this.opening = new Promise((resolve) => (opened = resolve));
    try {
      this.writer = await RecordingWriter.open(recordingsDir, header, { maxBytes: this.options.maxBytes });
      this.writer.on('error', (err: unknown) => logger?.error({ err: describeError(err), session: id }, 'recording failed; the session goes on unrecorded'));
      this.writer.on('drain', () => this.options.onDrain());
    } catch (err) {
      // The mail matters more than the recording: go on, loudly.
      logger?.error({ err: describeError(err), session: id }, 'cannot open the recording; the session goes on unrecorded');
    } finally {
      opened();
    }
  }

  emit(event: RecordEvent): void {
    // Nothing may follow the close event (a late TLS handshake, a late error).
    if (this.closed) return;
    if (event.t === undefined) (event as { t: number }).t = this.now();
    if (this.redactor) {
      for (const whole of this.joiner.push(event)) {
        const masked = this.redactor.event(whole);
        this.writer?.write(masked);
        this.observer.event(masked);
      }
      return;
    }
    this.writer?.write(event);
    if (this.observer.wantsEvents) for (const whole of this.joiner.push(event)) this.observer.event(whole);
  }

  /**
   * Gives the close event once `before` has settled (events that belong ahead of it, e.g. the last
   * inflated COMPRESS reads), then finalises the file and tells the observer. Never rejects.
   */
  async close(close: CloseEvent, before: Promise<unknown> | undefined, onError: (err: unknown) => void): Promise<void> {
    const closeNow = () => {
      // Pieces nothing completed (the session ended mid-line; normally the codec's last unit does).
      const leftovers = this.joiner.flush();
      for (const ev of this.redactor ? leftovers.map((e) => this.redactor!.event(e)) : leftovers) {
        if (this.redactor) this.writer?.write(ev);
        this.observer.event(ev);
      }
      this.closed = true;
      this.observer.event(close);
    };
    if (!before) closeNow();
    try {
      await Promise.all([this.opening, before]);
      if (before) closeNow();
      await this.writer?.close(close);
    } catch (err) {
      onError(err);
    } finally {
      this.observer.end(close, this.writer?.created ? this.writer.path : undefined, this.writer?.error?.message);
    }
  }
}
