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

export interface SessionObserver {
  start?(id: string, header: RecordHeader): void;
  event?(id: string, event: RecordEvent): void;
  /** `recordingPath` only when the file exists; `recordingError` when recording was asked for and failed. */
  end?(id: string, close: CloseEvent, recordingPath: string | undefined, recordingError?: string): void;
}

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
  /** The observer threw once: it gets no more events of this session. */
  private observerFailed = false;
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
  }

  /** Milliseconds since the session began, to a tenth. */
  now(): number {
    return Math.round((performance.now() - this.started) * 10) / 10;
  }

  /** Somebody reads events (a file or an observer): else building them is wasted work. */
  get wanted(): boolean {
    return !!this.writer || !!this.options.observer?.event;
  }

  /** The file is behind: the session should stop reading until onDrain. */
  get needsDrain(): boolean {
    return !!this.writer?.needsDrain;
  }

  async open(header: RecordHeader): Promise<void> {
    const { id, recordingsDir, logger } = this.options;
    if (this.options.observer?.start) this.tellObserver((o, id) => o.start!(id, header));
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
        this.observe(masked);
      }
      return;
    }
    this.writer?.write(event);
    if (this.options.observer?.event) for (const whole of this.joiner.push(event)) this.observe(whole);
  }

  /** One event to the observer, called as its method (a class instance needs its `this`). */
  private observe(event: RecordEvent): void {
    const { observer, id } = this.options;
    if (!observer?.event || this.observerFailed) return;
    try {
      observer.event(id, event);
    } catch (err) {
      this.observerThrew(err);
    }
  }

  /** start() and end(), once each per session: guarded like observe(). */
  private tellObserver(call: (observer: SessionObserver, id: string) => void): void {
    const { observer, id } = this.options;
    if (!observer) return;
    try {
      call(observer, id);
    } catch (err) {
      this.observerThrew(err);
    }
  }

  /**
   * An observer that throws loses its view of this session (one log line), never the mail: the
   * relay and the file go on. Its end() is still called, so it can let go of what it holds.
   */
  private observerThrew(err: unknown): void {
    if (this.observerFailed) return;
    this.observerFailed = true;
    this.options.logger?.error({ err: describeError(err), session: this.options.id }, 'a session observer failed; it sees no more of this session, the mail goes on');
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
        this.observe(ev);
      }
      this.closed = true;
      this.observe(close);
    };
    if (!before) closeNow();
    try {
      await Promise.all([this.opening, before]);
      if (before) closeNow();
      await this.writer?.close(close);
    } catch (err) {
      onError(err);
    } finally {
      const path = this.writer?.created ? this.writer.path : undefined;
      if (this.options.observer?.end) this.tellObserver((o, id) => o.end!(id, close, path, this.writer?.error?.message));
    }
  }
}
