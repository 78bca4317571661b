// Every message a session carried, byte-exact, out of its recording: SMTP DATA (dot-unstuffed,
// RFC 5321 §4.5.2) and BDAT chunks (RFC 3030), IMAP APPEND literals and FETCH BODY[] / RFC822 /
// BINARY[] literals (RFC 9051 §6.3.12, §7.5.2), POP3 RETR and TOP (dot-unstuffed, RFC 1939 §3;
// TOP is only the start of a message and is marked partial). Events stream through a scanner that
// hands bytes to a sink as they come, so a 64 MiB message is never held (`mailtap export --eml`,
// the web view's message list and download).

import { isUnitRecord, type RecordEvent, type RecordHeader, type UnitRecord } from '../record/schema.js';
import { unitBytes } from '../record/reader.js';
import { openEvents } from './events.js';

export type MessageKind = 'smtp-data' | 'smtp-bdat' | 'imap-append' | 'imap-fetch' | 'pop3-retr' | 'pop3-top';

export interface MessageMeta {
  session: string;
  protocol: RecordHeader['protocol'];
  /** 1-based position among this session's messages. */
  n: number;
  kind: MessageKind;
  /** `<session>-<n>-<kind>`: sortable and telling; `.eml` and `.json` are added to it. */
  name: string;
  /** Milliseconds since the session start when the message began, and the same as a date. */
  t: number;
  time: string;
  /** The client sent it (SMTP, APPEND) or the server did (FETCH, RETR, TOP). */
  direction: 'c2s' | 's2c';
  mailFrom?: string;
  rcptTo?: string[];
  user?: string;
  /** What the command said about it: `RETR 3`, `a1 FETCH 2 (BODY[])`, `APPEND INBOX`. */
  command?: string;
  /** Only part of the message (POP3 TOP, an IMAP partial FETCH, or the recording ends inside it). */
  partial: boolean;
  size: number;
}

export interface MessageSink {
  begin(meta: MessageMeta): void;
  data(meta: MessageMeta, chunk: Buffer): void;
  end(meta: MessageMeta): void;
}

const FETCH_LITERAL = /(?:BODY|BINARY)\[\](<\d+>)?\s+~?\{(\d+)\+?\}\r?\n$|RFC822\s+\{(\d+)\}\r?\n$/i;

/** The state machine: feed it the header, then every event in order. */
export class MessageScanner {
  private n = 0;
  private mailFrom: string | undefined;
  private rcptTo: string[] = [];
  private user: string | undefined;
  private current: MessageMeta | null = null;
  private lineStart = true;
  private lastClientCommand = '';
  private lastServerLine = '';
  private bdatLast = false;

  constructor(
    private readonly header: RecordHeader,
    private readonly sink: MessageSink,
  ) {}

  event(ev: RecordEvent): void {
    if (ev.type === 'auth' && ev.result === 'success' && ev.username) this.user = ev.username;
    if (!isUnitRecord(ev)) return;
    if (ev.type === 'body') {
      this.body(ev);
      return;
    }
    const text = unitBytes(ev).toString('latin1');
    if (ev.dir === 'c2s' && ev.type === 'command') {
      if (!ev.continued) this.lastClientCommand = text.replace(/\r?\n$/, '');
      this.command(ev, text);
    } else if (ev.dir === 's2c') {
      this.lastServerLine = text;
    }
  }

  /** No more events: a message still open was cut short. */
  finish(): void {
    if (this.current) this.close(true);
  }

  private command(ev: UnitRecord, text: string): void {
    if (this.header.protocol !== 'smtp') return;
    const verb = (ev.verb ?? text.split(/\s/)[0] ?? '').toUpperCase();
    if (verb === 'MAIL') {
      this.mailFrom = /<([^>]*)>/.exec(text)?.[1] ?? text.replace(/^MAIL FROM:\s*/i, '').trim();
      this.rcptTo = [];
    } else if (verb === 'RCPT') {
      this.rcptTo.push(/<([^>]*)>/.exec(text)?.[1] ?? text.replace(/^RCPT TO:\s*/i, '').trim());
    } else if (verb === 'RSET') {
      this.mailFrom = undefined;
      this.rcptTo = [];
    } else if (verb === 'BDAT') {
      this.bdatLast = /\sLAST\s*$/i.test(text);
    }
  }

  private body(ev: UnitRecord): void {
    const bytes = unitBytes(ev);
    const p = this.header.protocol;
    if (!this.current) {
      const kind = this.kindOf(ev);
      if (!kind) return;
      this.open(ev, kind.kind, kind.partial);
    }
    const meta = this.current!;
    const stuffed = meta.kind === 'smtp-data' || p === 'pop3';
    let out = bytes;
    if (stuffed) out = this.unstuff(bytes, ev.final === true);
    if (out.length > 0) {
      meta.size += out.length;
      this.sink.data(meta, out);
    }
    if (!ev.final) return;
    // A BDAT message goes on until the chunk of `BDAT n LAST` (RFC 3030 §2).
    if (meta.kind === 'smtp-bdat' && !this.bdatLast) return;
    this.close(false);
  }

  private kindOf(ev: UnitRecord): { kind: MessageKind; partial: boolean } | null {
    const verb = (ev.verb ?? '').toUpperCase();
    switch (this.header.protocol) {
      case 'smtp':
        if (ev.dir !== 'c2s') return null;
        return { kind: verb === 'BDAT' ? 'smtp-bdat' : 'smtp-data', partial: false };
      case 'pop3':
        if (ev.dir !== 's2c') return null;
        if (verb === 'RETR') return { kind: 'pop3-retr', partial: false };
        if (verb === 'TOP') return { kind: 'pop3-top', partial: true };
        return null;
      case 'imap': {
        if (ev.dir === 'c2s') return /^\S+\s+(UID\s+)?APPEND\s/i.test(this.lastClientCommand) || verb === 'APPEND' ? { kind: 'imap-append', partial: false } : null;
        const m = FETCH_LITERAL.exec(this.lastServerLine);
        return m ? { kind: 'imap-fetch', partial: m[1] !== undefined } : null;
      }
    }
  }

  private open(ev: UnitRecord, kind: MessageKind, partial: boolean): void {
    this.n++;
    const meta: MessageMeta = {
      session: this.header.session,
      protocol: this.header.protocol,
      n: this.n,
      kind,
      name: `${this.header.session}-${String(this.n).padStart(3, '0')}-${kind}`,
      t: ev.t,
      time: new Date(Date.parse(this.header.start) + ev.t).toISOString(),
      direction: ev.dir,
      partial,
      size: 0,
    };
    if (kind.startsWith('smtp')) {
      if (this.mailFrom !== undefined) meta.mailFrom = this.mailFrom;
      meta.rcptTo = [...this.rcptTo];
    }
    if (this.user !== undefined) meta.user = this.user;
    const command = kind === 'imap-fetch' ? this.lastServerLine.replace(/\s*~?\{\d+\+?\}\r?\n$/, '') : this.lastClientCommand;
    if (command) meta.command = command.slice(0, 200);
    this.current = meta;
    this.lineStart = true;
    this.sink.begin(meta);
  }

  private close(cut: boolean): void {
    const meta = this.current!;
    if (cut) meta.partial = true;
    this.current = null;
    this.sink.end(meta);
  }

  /**
   * Undoes dot-stuffing (a leading dot of a line is dropped) and drops the terminating `.CRLF`,
   * which the codec leaves at the very end of the final unit. The CRLF before it is the message's.
   */
  private unstuff(bytes: Buffer, final: boolean): Buffer {
    let body = bytes;
    if (final) {
      const cut = body.length >= 3 && body[body.length - 3] === 0x2e && body[body.length - 2] === 0x0d && body[body.length - 1] === 0x0a ? 3 : body.length >= 2 && body[body.length - 2] === 0x2e && body[body.length - 1] === 0x0a ? 2 : 0;
      body = body.subarray(0, body.length - cut);
    }
    const parts: Buffer[] = [];
    let from = 0;
    let at = 0;
    let lineStart = this.lineStart;
    while (at < body.length) {
      if (lineStart && body[at] === 0x2e) {
        if (at > from) parts.push(body.subarray(from, at));
        from = at + 1;
      }
      const lf = body.indexOf(0x0a, at);
      if (lf < 0) {
        lineStart = false;
        break;
      }
      at = lf + 1;
      lineStart = true;
    }
    this.lineStart = lineStart;
    if (from === 0) return body;
    parts.push(body.subarray(from));
    return Buffer.concat(parts);
  }
}

/** Streams every message of a recording to `sink`; resolves with the header once done. */
export async function scanMessages(path: string, sink: MessageSink): Promise<RecordHeader> {
  const { header, events } = await openEvents(path);
  const scanner = new MessageScanner(header, sink);
  for await (const ev of events) scanner.event(ev);
  scanner.finish();
  return header;
}

/** The messages of a recording, without their bytes. */
export async function listMessages(path: string): Promise<MessageMeta[]> {
  const out: MessageMeta[] = [];
  await scanMessages(path, { begin: () => {}, data: () => {}, end: (m) => out.push({ ...m }) });
  return out;
}

/** One message's bytes (n is 1-based, as in MessageMeta.n), or null when there is no such message. */
export async function readMessage(path: string, n: number): Promise<{ meta: MessageMeta; bytes: Buffer } | null> {
  const chunks: Buffer[] = [];
  let found: MessageMeta | null = null;
  await scanMessages(path, {
    begin: () => {},
    data: (m, c) => {
      if (m.n === n) chunks.push(Buffer.from(c));
    },
    end: (m) => {
      if (m.n === n) found = { ...m };
    },
  });
  return found ? { meta: found, bytes: Buffer.concat(chunks) } : null;
}

/**
 * The same messages, numbered the same way, from events already in memory (the web view's live
 * sessions): every message's meta, and the bytes of message `n` when asked for.
 */
export function messagesInEvents(header: RecordHeader, events: Iterable<RecordEvent>, n?: number): { metas: MessageMeta[]; bytes: Buffer | null } {
  const metas: MessageMeta[] = [];
  const chunks: Buffer[] = [];
  let found = false;
  const scanner = new MessageScanner(header, {
    begin: () => {},
    data: (m, c) => {
      if (m.n === n) chunks.push(c);
    },
    end: (m) => {
      metas.push({ ...m });
      if (m.n === n) found = true;
    },
  });
  for (const ev of events) scanner.event(ev);
  scanner.finish();
  return { metas, bytes: found ? Buffer.concat(chunks) : null };
}
