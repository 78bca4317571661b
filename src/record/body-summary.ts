// Summarises a message body seen as a stream of chunks, without keeping it: its size, and what
// the MIME parser (src/mime) reads from its structure — From, To, the RFC 2047-decoded Subject
// and the attachment list (name, type, size). Bounded in memory whatever the body's size.

import { formatBytes } from '../core/bytes.js';
import { MessageSummarizer, type MessageSummary, type SummarizerOptions } from '../mime/summary.js';

/** Attachments listed one per line; beyond this, one line says how many more. */
const MAX_LISTED = 20;

export class BodySummary {
  bytes = 0;
  chunks = 0;
  private readonly parser: MessageSummarizer;
  private result: MessageSummary | null = null;

  /** `dotStuffed`: an SMTP DATA or POP3 body, whose dot-stuffing and terminator are not content. */
  constructor(options: SummarizerOptions = {}) {
    this.parser = new MessageSummarizer(options);
  }

  add(chunk: Buffer): void {
    this.bytes += chunk.length;
    this.chunks++;
    this.parser.add(chunk);
  }

  /** The message as parsed so far (the body is complete once no more chunks come). */
  get message(): MessageSummary {
    this.result ??= this.parser.finish();
    return this.result;
  }

  /**
   * A chunk whose bytes were not kept (the web view's memory cap): counted, not parsed. What the
   * parser saw before it (headers, the parts so far) still describes the message.
   */
  skip(length: number): void {
    this.bytes += length;
    this.chunks++;
  }

  get attachments(): number {
    return this.message.attachments.length;
  }

  /** The Subject header, decoded (RFC 2047), when the body starts with a header block that has one. */
  get subject(): string | null {
    return this.message.subject ?? null;
  }

  /** `[DATA 1.2 MiB, 3 attachments] From: … | To: … | Subject: …` with the label given. */
  describe(label: string, lang: 'en' | 'es'): string {
    const m = this.message;
    const parts = [`${label} ${formatBytes(this.bytes, lang)}`];
    const n = m.attachments.length;
    if (n > 0) parts.push(lang === 'es' ? `${n} ${n === 1 ? 'adjunto' : 'adjuntos'}` : `${n} ${n === 1 ? 'attachment' : 'attachments'}`);
    // Header names stay as on the wire in both languages: they are what a mail admin greps for.
    const fields = (['from', 'to', 'subject'] as const).filter((k) => m[k] !== undefined).map((k) => `${k[0]!.toUpperCase()}${k.slice(1)}: ${m[k]}`);
    return `[${parts.join(', ')}]${fields.length ? ` ${fields.join(' | ')}` : ''}`;
  }

  /** One line per attachment: `attachment: report.pdf (application/pdf, 1.2 MiB)`. */
  attachmentLines(lang: 'en' | 'es'): string[] {
    const list = this.message.attachments;
    const word = lang === 'es' ? 'adjunto' : 'attachment';
    const unnamed = lang === 'es' ? '(sin nombre)' : '(no name)';
    const lines = list.slice(0, MAX_LISTED).map((a) => `${word}: ${a.name ?? unnamed} (${a.type}, ${formatBytes(a.size, lang)})`);
    if (list.length > MAX_LISTED) lines.push(lang === 'es' ? `... ${list.length - MAX_LISTED} adjuntos más` : `... ${list.length - MAX_LISTED} more attachments`);
    return lines;
  }
}
