// The web view's memory: a SessionObserver that keeps a summary per session and the session's
// events for the transcript, bounded. Body chunks past BODY_BYTES_KEPT per session keep only
// their length (the message itself is read from the recording on demand), and the lengths of a
// run of such chunks add up in one record until a page reads it (then it is sealed and the next
// chunk opens a new one): a 64 MiB message costs the proxy a counter, not a copy nor thousands
// of records, and a page watching it gets one record per batch (the --web bench rows).
// Sessions that came from files keep no events at all.

import { basename } from 'node:path';
import type { SessionObserver } from '../session/session.js';
import type { CloseEvent, RecordEvent, RecordHeader, UnitRecord } from '../record/schema.js';
import { applyEvent, summaryFromHeader, unitLength, type SessionSummary } from './summary.js';

/** Body bytes kept in memory per session for the live transcript (Subject, attachment count). */
export const BODY_BYTES_KEPT = 256 * 1024;
/** Events kept per session; past it the transcript is read from the recording. */
export const EVENTS_KEPT = 20_000;
/** Closed sessions that keep their events in memory; older ones fall back to their recording. */
export const CLOSED_WITH_EVENTS = 200;
/** Sessions listed at most; the oldest closed ones are forgotten first. */
export const SESSIONS_KEPT = 20_000;

/** Body chunks whose bytes were not kept: only their length. `sealed`: a reader has seen it. */
export type ElidedUnit = Omit<UnitRecord, 'text' | 'b64'> & { elided: number; b64: ''; sealed?: boolean };

/** What a reader of a session's records calls on each one it reads, so it stops growing. */
export function sealRecord(ev: RecordEvent): RecordEvent {
  if ((ev as ElidedUnit).elided !== undefined) (ev as ElidedUnit).sealed = true;
  return ev;
}

export interface StoredSession {
  summary: SessionSummary;
  header: RecordHeader;
  /** In-memory events, or null when they must be read from `recordingPath`. */
  events: RecordEvent[] | null;
  /** Some events were dropped (EVENTS_KEPT): read the recording for the whole transcript. */
  eventsCut: boolean;
  bodyBytesKept: number;
  /** Some body chunks are kept only as their length: messages come from the recording. */
  elided: boolean;
  recordingPath?: string;
}

export type StoreListener = (id: string, kind: 'start' | 'event' | 'end') => void;

export class SessionStore implements SessionObserver {
  private readonly sessions = new Map<string, StoredSession>();
  private readonly closedWithEvents: string[] = [];
  private readonly listeners = new Set<StoreListener>();
  /** Bumped on every change, so a list client can tell it is stale. */
  version = 0;

  start(id: string, header: RecordHeader): void {
    this.sessions.set(id, { summary: summaryFromHeader(header), header, events: [], eventsCut: false, bodyBytesKept: 0, elided: false });
    this.trim();
    this.notify(id, 'start');
  }

  event(id: string, ev: RecordEvent): void {
    const s = this.sessions.get(id);
    if (!s) return;
    applyEvent(s.summary, ev);
    if (s.events) {
      if (ev.type === 'body') this.keepBody(s, s.events, ev as UnitRecord);
      else if (s.events.length >= EVENTS_KEPT) s.eventsCut = true;
      else s.events.push(ev);
    }
    this.version++;
    if (this.listeners.size > 0) this.notify(id, 'event');
  }

  end(id: string, close: CloseEvent, recordingPath: string | undefined): void {
    const s = this.sessions.get(id);
    if (!s) return;
    if (!s.summary.closed) applyEvent(s.summary, close);
    if (recordingPath) {
      s.recordingPath = recordingPath;
      s.summary.recording = basename(recordingPath);
      this.closedWithEvents.push(id);
      while (this.closedWithEvents.length > CLOSED_WITH_EVENTS) {
        const old = this.sessions.get(this.closedWithEvents.shift()!);
        if (old?.recordingPath) old.events = null;
      }
    }
    this.notify(id, 'end');
  }

  /** A session read from a recording file (mailtap web DIR): summary only, events on demand. */
  addRecorded(summary: SessionSummary, header: RecordHeader, path: string): void {
    summary.recording = basename(path);
    this.sessions.set(summary.id, { summary, header, events: null, eventsCut: false, bodyBytesKept: 0, elided: false, recordingPath: path });
    this.trim();
    this.notify(summary.id, 'end');
  }

  get(id: string): StoredSession | undefined {
    return this.sessions.get(id);
  }

  /** Newest first. */
  list(): SessionSummary[] {
    const out: SessionSummary[] = [];
    for (const s of this.sessions.values()) out.push(s.summary);
    return out.sort((a, b) => (a.start < b.start ? 1 : a.start > b.start ? -1 : 0));
  }

  get size(): number {
    return this.sessions.size;
  }

  subscribe(listener: StoreListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private notify(id: string, kind: 'start' | 'event' | 'end'): void {
    this.version++;
    for (const l of this.listeners) l(id, kind);
  }

  private keepBody(s: StoredSession, events: RecordEvent[], ev: UnitRecord): void {
    const length = unitLength(ev);
    if (!s.elided && s.bodyBytesKept + length <= BODY_BYTES_KEPT) {
      s.bodyBytesKept += length;
      if (events.length >= EVENTS_KEPT) s.eventsCut = true;
      else events.push(ev);
      return;
    }
    s.elided = true;
    // Until a reader has seen it, the run's chunks add up in its last record.
    const last = events[events.length - 1] as ElidedUnit | undefined;
    if (last?.elided !== undefined && !last.sealed && last.dir === ev.dir && !last.final) {
      last.elided += length;
      if (ev.final) last.final = true;
      return;
    }
    if (events.length >= EVENTS_KEPT) {
      s.eventsCut = true;
      return;
    }
    const kept: ElidedUnit = { t: ev.t, dir: ev.dir, type: 'body', b64: '', elided: length };
    if (ev.verb !== undefined) kept.verb = ev.verb;
    if (ev.final) kept.final = true;
    if (ev.tls) kept.tls = ev.tls;
    if (ev.note !== undefined) kept.note = ev.note;
    if (ev.note_es !== undefined) kept.note_es = ev.note_es;
    events.push(kept);
  }

  private trim(): void {
    if (this.sessions.size <= SESSIONS_KEPT) return;
    for (const [id, s] of this.sessions) {
      if (this.sessions.size <= SESSIONS_KEPT) break;
      if (s.summary.closed) this.sessions.delete(id);
    }
  }
}
