// Annotates RETR/TOP content without buffering it: the first `maxBodyPeekBytes` are copied aside
// and, once the header block ends (first empty line, RFC 5322 §2.1) or the peek is full, From and
// Subject are read from it by src/mime (unfolded, RFC 2047 encoded words decoded). Never more.

import { formatBytes } from '../../core/bytes.js';
import { note, type Note } from '../../core/note.js';
import { headerFields } from '../../mime/headers.js';

export interface HeaderSummary {
  from?: string;
  subject?: string;
}

export class HeaderPeek {
  private parts: Buffer[] = [];
  private size = 0;
  private ended = false;
  private cached: HeaderSummary | null = null;

  constructor(private readonly max: number) {}

  /** Copies what still fits of `chunk` (chunks are views into fed buffers; keep no reference). */
  add(chunk: Buffer): void {
    if (this.complete) return;
    const take = Math.min(chunk.length, this.max - this.size);
    if (take <= 0) return;
    this.parts.push(Buffer.from(chunk.subarray(0, take)));
    this.size += take;
    // Look for the blank line in the newly added part (plus 3 bytes back for a split CRLFCRLF).
    const all = this.bytes();
    const from = Math.max(0, this.size - take - 3);
    if (all.indexOf('\n\n', from) >= 0 || all.indexOf('\n\r\n', from) >= 0 || (from === 0 && (all[0] === 0x0a || (all[0] === 0x0d && all[1] === 0x0a)))) this.ended = true;
  }

  /** The headers are known: their end was seen or the peek is full. */
  get complete(): boolean {
    return this.ended || this.size >= this.max;
  }

  summary(): HeaderSummary {
    if (this.cached && this.complete) return this.cached;
    const s = parseHeaders(this.bytes());
    if (this.complete) this.cached = s;
    return s;
  }

  private bytes(): Buffer {
    if (this.parts.length > 1) this.parts = [Buffer.concat(this.parts)];
    return this.parts[0] ?? Buffer.alloc(0);
  }
}

function parseHeaders(bytes: Buffer): HeaderSummary {
  const fields = headerFields(bytes);
  const out: HeaderSummary = {};
  if (fields.from !== undefined) out.from = fields.from;
  if (fields.subject !== undefined) out.subject = fields.subject;
  return out;
}

function describe(s: HeaderSummary): { en: string; es: string } {
  const en: string[] = [];
  const es: string[] = [];
  if (s.from !== undefined) {
    en.push(`From ${s.from}`);
    es.push(`De ${s.from}`);
  }
  if (s.subject !== undefined) {
    en.push(`Subject "${s.subject}"`);
    es.push(`Asunto "${s.subject}"`);
  }
  return { en: en.join(', '), es: es.join(', ') };
}

export interface ContentLabel {
  verb: string;
  /** The message number argument. */
  message: string;
}

function what(label: ContentLabel): Note {
  return label.verb === 'TOP'
    ? note(`top of message ${label.message}`, `la parte inicial del mensaje ${label.message}`)
    : note(`message ${label.message}`, `el mensaje ${label.message}`);
}

/** Note for one body chunk of RETR/TOP content. */
export function contentChunkNote(label: ContentLabel, peek: HeaderPeek, first: boolean, final: boolean, total: number): Note {
  const w = what(label);
  if (final) {
    const d = describe(peek.summary());
    const sep = d.en ? `; ${d.en}` : '';
    const sepEs = d.es ? `; ${d.es}` : '';
    return note(`End of ${w.en}: ${formatBytes(total)} in all, ending with "."${sep}`, `Fin de ${w.es}: ${formatBytes(total, 'es')} en total, termina con "."${sepEs}`);
  }
  if (first) {
    const d = peek.complete ? describe(peek.summary()) : { en: '', es: '' };
    const sep = d.en ? `: ${d.en}` : '';
    const sepEs = d.es ? `: ${d.es}` : '';
    return note(`Content of ${w.en} begins${sep}`, `Empieza el contenido de ${w.es}${sepEs}`);
  }
  return note(`Content of ${w.en} continues (${formatBytes(total)} so far)`, `Sigue el contenido de ${w.es} (${formatBytes(total, 'es')} hasta ahora)`);
}
