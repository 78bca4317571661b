// The session page's transcript: the same entries as the terminal (record/transcript.ts builds
// them, so its notes, escaping and summaries are the terminal's), tagged with what the page
// highlights (STARTTLS, injection, TLS, AUTH, errors) and with the message number of each body
// that carries one: the export's MessageScanner runs alongside, so the page's message N is
// `mailtap export --eml`'s N (1-based). The page puts these strings in with textContent only.

import type { Lang } from '../core/note.js';
import { MessageScanner } from '../export/messages.js';
import { TranscriptBuilder, type Entry, type Marker } from '../record/transcript.js';
import type { RecordEvent, RecordHeader } from '../record/schema.js';

export type EntryKind = 'starttls' | 'injection' | 'tls' | 'auth' | 'error' | 'hint' | 'body' | 'unit' | 'event';

export interface WebEntry {
  m: Marker;
  l: string[];
  n?: string;
  t?: number;
  k: EntryKind;
  /** For body entries: the message number, 1-based (GET /api/sessions/ID/messages/N). */
  msg?: number;
}

type Dir = 'c2s' | 's2c';

export class TranscriptFeed {
  private readonly builder: TranscriptBuilder;
  private scanner: MessageScanner | null = null;
  /** The message the scanner opened, fed or closed during the current event. */
  private touched: number | null = null;
  /** Per direction: the message of the body run whose summary entry is still to come. */
  private readonly runMessage = new Map<Dir, number>();

  constructor(lang: Lang) {
    // Events are already masked when the session ran with --redact (the session's redactor did it).
    this.builder = new TranscriptBuilder({ lang, redact: false });
  }

  header(h: RecordHeader): WebEntry[] {
    const touch = (m: { n: number }) => void (this.touched = m.n);
    this.scanner = new MessageScanner(h, { begin: touch, data: touch, end: touch });
    return this.builder.header(h).map((e) => this.web(e, 'event'));
  }

  event(ev: RecordEvent): WebEntry[] {
    this.touched = null;
    this.scanner?.event(ev);
    if (ev.type === 'body' && this.touched !== null) this.runMessage.set(ev.dir as Dir, this.touched);
    const entries = this.builder.event(ev);
    // A non-body event's own entry is its last; every entry before it (and every entry a body
    // chunk yields) belongs to a body summary: its `->`/`<-` line, then `===` attachment lines.
    const own = ev.type === 'body' ? -1 : entries.length - 1;
    return entries.map((e, i) => (i === own ? this.web(e, kindOf(ev)) : this.body(e)));
  }

  /** The recording ended: pending bodies, and a warning when it never closed. */
  finish(): WebEntry[] {
    return this.builder.finish().map((e) => (e.marker === '***' ? this.web(e, 'error') : this.body(e)));
  }

  /** A body's summary line links to its message; its attachment lines (`===`) follow it. */
  private body(e: Entry): WebEntry {
    const out = this.web(e, 'body');
    if (e.marker === '===' || e.marker === '***') return out;
    const dir: Dir = e.marker === '->' || e.marker === '~>' ? 'c2s' : 's2c';
    const n = this.runMessage.get(dir);
    if (n !== undefined) {
      out.msg = n;
      this.runMessage.delete(dir);
    }
    return out;
  }

  private web(e: Entry, k: EntryKind): WebEntry {
    const out: WebEntry = { m: e.marker, l: e.lines, k };
    if (e.note !== undefined) out.n = e.note;
    if (e.t !== undefined) out.t = e.t;
    return out;
  }
}

function kindOf(ev: RecordEvent): EntryKind {
  switch (ev.type) {
    case 'tls':
      return 'tls';
    case 'auth':
      return 'auth';
    case 'injection':
      return 'injection';
    case 'error':
    case 'violation':
      return 'error';
    case 'hint':
      return 'hint';
    case 'command':
    case 'reply':
      return ev.verb && /^(STARTTLS|STLS)$/i.test(ev.verb) ? 'starttls' : 'unit';
    case 'sasl':
    case 'raw':
    case 'body':
      return 'unit';
    default:
      return 'event';
  }
}
