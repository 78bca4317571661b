// The live view and `mailtap show --format text`: lays transcript entries out as swaks-style
// lines, streaming (one call per event), each followed by (or joined with, when it fits in 100
// columns) its note. ANSI colors only when asked; no dependency.

import { escapeControl } from '../core/bytes.js';
import type { Lang } from '../core/note.js';
import type { RecordEvent, RecordHeader } from './schema.js';
import { TranscriptBuilder, type Entry, type Marker } from './transcript.js';

const WIDTH = 100;
const GAP = '  # ';

const COLORS: Record<Marker, string> = { '->': '36', '~>': '36', '<-': '32', '<~': '32', '===': '35', '***': '1;31' };

export interface TranscriptRendererOptions {
  lang: Lang;
  color: boolean;
  redact: boolean;
  /** Prefix for every line, like "#3 " in the live view. */
  sessionLabel?: string;
  /** Show notes (default true). */
  notes?: boolean;
  /** Secrets to scrub from the start (when the whole recording is known). */
  secrets?: Iterable<string>;
}

export class TranscriptRenderer {
  private readonly builder: TranscriptBuilder;
  private readonly opts: TranscriptRendererOptions;

  constructor(opts: TranscriptRendererOptions) {
    this.opts = opts;
    this.builder = new TranscriptBuilder({ lang: opts.lang, redact: opts.redact, ...(opts.secrets ? { secrets: opts.secrets } : {}) });
  }

  /** Lines to print for the header ('' or several lines, each ending in a newline). */
  header(h: RecordHeader): string {
    return this.layout(this.builder.header(h));
  }

  /** Lines to print for this event; '' while a body is still being summarised. */
  event(ev: RecordEvent): string {
    return this.layout(this.builder.event(ev));
  }

  /** No more events: pending body summaries, and a warning when the recording never closed. */
  finish(): string {
    return this.layout(this.builder.finish());
  }

  private layout(entries: Entry[]): string {
    let out = '';
    for (const e of entries) out += this.entry(e);
    return out;
  }

  private entry(e: Entry): string {
    const label = escapeControl(this.opts.sessionLabel ?? '');
    const marker = e.marker;
    const paint = (code: string, s: string) => (this.opts.color ? `\x1b[${code}m${s}\x1b[0m` : s);
    const markerText = paint(COLORS[e.marker], marker);
    const body = (line: string) => (e.marker === '***' ? paint('31', line) : line);
    // Notes, messages and header fields quote what a peer sent (EHLO names, greetings, subjects):
    // nothing a terminal would obey gets through (escapeBytes already did the wire lines).
    const note = this.opts.notes === false || e.note === undefined ? undefined : escapeControl(e.note);
    const lines = e.lines.map(escapeControl);
    const first = `${label}${marker} ${lines[0] ?? ''}`;
    const joined = note !== undefined && lines.length === 1 && first.length + GAP.length + note.length <= WIDTH;
    let out = '';
    for (const line of lines) out += `${label}${markerText} ${body(line)}${joined ? paint('2', GAP + note) : ''}\n`;
    if (note !== undefined && !joined) out += `${label}   ${paint('2', GAP + note)}\n`;
    return out;
  }
}
