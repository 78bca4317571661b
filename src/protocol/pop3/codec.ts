// The POP3 codec's state machine (sans-IO): frames client commands and server responses, pairs
// responses with commands FIFO (RFC 2449 §6.6 PIPELINING), and knows from the command whether a
// `+OK` opens a multi-line answer (RFC 1939 §3). Everything that changes state lives here; the
// command table, response notes, login tracking and body summaries are separate pure helpers.

import type { ByteQueue } from '../byte-queue.js';
import { DotBodyScanner } from '../dot-body.js';
import { owedQueueCap, resolveLimits, type Limits } from '../../core/limits.js';
import { note, type Note } from '../../core/note.js';
import type { Codec, CodecEvent, CodecOptions, Side, UnitEvent } from '../types.js';
import { AuthTracker } from './auth.js';
import { HeaderPeek, contentChunkNote } from './body-summary.js';
import { parseCommand, type Pop3Command } from './commands.js';
import { Sides } from './sides.js';
import { DeletionMarks } from './deletions.js';
import { phaseNote, type Pop3Phase } from './phases.js';
import { greetingNote, listingNote, replyNote, statusOf, truncatedListingNote, type Pop3Status } from './responses.js';
import { stlsRefusal } from './replies.js';
import { listingStreamNote, NOTES } from './unit-notes.js';

interface Request {
  cmd: Pop3Command;
  /** Phase when the command was sent (QUIT means UPDATE only from TRANSACTION, RFC 1939 §6). */
  phase: Pop3Phase;
}

const enum ServerMode {
  Line = 0, // status lines
  Listing = 1, // collecting a LIST/UIDL/CAPA/AUTH/LANG listing into one reply unit
  Content = 2, // streaming RETR/TOP content (or an oversized listing) as body units
}

type UnitExtra = Pick<UnitEvent, 'verb' | 'status' | 'final' | 'bodyOffset'>;

const VERDICT_VERBS = new Set(['PASS', 'APOP', 'AUTH']);

function isTerminator(line: Buffer): boolean {
  return line[0] === 0x2e && (line.length === 2 ? line[1] === 0x0a : line.length === 3 && line[1] === 0x0d && line[2] === 0x0a);
}

export class Pop3Codec implements Codec {
  readonly protocol = 'pop3' as const;
  private readonly limits: Limits;
  private tls: boolean;
  private phase: Pop3Phase = 'AUTHORIZATION';
  private greeted = false;
  private readonly auth = new AuthTracker();
  private readonly pending: Request[] = [];
  private readonly marks = new DeletionMarks();
  private readonly sides = new Sides();
  private out: CodecEvent[] = [];

  // STLS (RFC 2595 §4): client bytes after the command wait for the verdict.
  private holding = false;
  private holdOverflowed = false;

  // Server multi-line answer in progress.
  private mode = ServerMode.Line;
  private current: Request | null = null;
  private listing: Buffer[] = [];
  private listingBytes = 0;
  private scanner = new DotBodyScanner();
  private midLine = false; // content streaming resumed inside a line: finish it before scanning
  private bodyTotal = 0;
  private peek: HeaderPeek | null = null;
  /** A response whose status line is over-long: what it means takes effect when the line ends. */
  private afterLongLine: { req: Request; status: '+OK' | '-ERR'; start: Buffer } | null = null;

  constructor(options: CodecOptions = {}) {
    this.limits = resolveLimits(options.limits);
    this.tls = options.tls ?? false;
  }

  feed(side: Side, chunk: Buffer): CodecEvent[] {
    this.out = [];
    this.sides.queue(side).push(chunk);
    if (side === 'client') this.drainClient();
    else {
      this.drainServer();
      // Replies make room under maxPendingCommands: commands waiting for it go on now.
      if (this.sides.queue('client').length) this.drainClient();
    }
    return this.out;
  }

  end(side: Side): CodecEvent[] {
    this.out = [];
    const q = this.sides.queue(side);
    // A listing cut by the end of the stream: what was kept (within maxReplyBytes) and the partial
    // tail (within maxLineBytes) go out as two units, so neither exceeds its cap.
    if (side === 'server' && this.mode === ServerMode.Listing && this.listing.length) {
      this.unit(side, 'raw', Buffer.concat(this.listing), NOTES.partialAtEnd);
      this.listing = [];
    }
    const rest = q.takeAll();
    if (rest.length > 0) this.unit(side, 'raw', rest, NOTES.partialAtEnd);
    if (side === 'server') {
      this.resetServerMode();
      this.afterLongLine = null;
    } else this.holding = false;
    this.sides.ended(side);
    // A login waiting for the server's verdict may still get it after the client half-closes.
    const awaitingServer = this.pending.some((r) => VERDICT_VERBS.has(r.cmd.verb) && (r.cmd.verb !== 'AUTH' || r.cmd.args.length > 0));
    if (side === 'server' || !awaitingServer || this.sides.hasEnded('server')) {
      const ev = this.auth.incomplete();
      if (ev) this.out.push(ev);
    }
    return this.out;
  }

  // ---- client side -------------------------------------------------------------------------

  private drainClient(): void {
    const q = this.sides.client;
    while (!this.holding) {
      if (this.pending.length >= this.limits.maxPendingCommands && !this.auth.saslActive && !this.sides.inLongLine('client')) return this.checkOwed();
      const r = q.takeLine(this.limits.maxLineBytes);
      if (!r) return;
      if (r.kind === 'overflow') {
        this.longLine('client', r.bytes);
        continue;
      }
      if (this.sides.inLongLine('client')) {
        this.unit('client', 'raw', r.bytes, NOTES.longLineTail);
        this.sides.setLongLine('client', false);
        // The server will answer that line somehow: keep the FIFO aligned.
        if (!this.auth.saslActive) this.pending.push({ cmd: parseCommand(Buffer.alloc(0), this.context()), phase: this.phase });
        continue;
      }
      this.clientLine(r.bytes);
    }
    this.checkHold();
  }

  private clientLine(line: Buffer): void {
    if (this.auth.saslActive) {
      this.unit('client', 'sasl', line, this.auth.onSaslLine(line), { verb: 'AUTH' });
      return;
    }
    const cmd = parseCommand(line, this.context());
    const extra = this.auth.onCommand(cmd);
    const n = extra ? note(`${cmd.note.en}: ${extra.en}`, `${cmd.note.es}: ${extra.es}`) : cmd.note;
    this.unit('client', 'command', line, n, { verb: cmd.verb });
    this.pending.push({ cmd, phase: this.phase });
    if (cmd.verb === 'STLS') this.holding = true;
  }

  get atBoundary(): boolean {
    return this.holding;
  }

  get commandsAwaitingReply(): number {
    return this.pending.length;
  }

  /**
   * At maxPendingCommands further commands wait in the queue until replies come (the proxy stops
   * reading the client meanwhile). A caller that keeps feeding past owedQueueCap() gets them
   * passed on as raw, untracked bytes rather than a growing codec (limits.ts).
   */
  private checkOwed(): void {
    const q = this.sides.queue('client');
    if (q.length <= owedQueueCap(this.limits)) return;
    this.out.push({ type: 'violation', side: 'client', code: 'E_LIMIT', message: `more than ${this.limits.maxPendingCommands} commands sent ahead of their replies`, note: NOTES.tooManyOwed });
    this.unit('client', 'raw', q.takeAll(), NOTES.tooManyOwed);
  }

  /** Held bytes beyond `maxPendingBytes` are dropped as injection, never buffered (limits.ts). */
  private checkHold(): void {
    const q = this.sides.client;
    if (!this.holding || q.length === 0) return;
    if (!this.holdOverflowed && q.length <= this.limits.maxPendingBytes) return;
    if (!this.holdOverflowed) {
      this.holdOverflowed = true;
      this.out.push({ type: 'violation', side: 'client', code: 'E_LIMIT', message: `more than ${this.limits.maxPendingBytes} bytes sent while STLS was pending`, note: NOTES.holdOverflow });
    }
    this.out.push({ type: 'injection', side: 'client', bytes: q.takeAll(), note: NOTES.heldDropped });
  }

  // ---- server side -------------------------------------------------------------------------

  private drainServer(): void {
    const q = this.sides.server;
    for (;;) {
      if (this.mode === ServerMode.Content) {
        if (!this.streamContent(q)) return;
        continue;
      }
      const r = q.takeLine(this.limits.maxLineBytes);
      if (!r) return;
      if (this.mode === ServerMode.Listing) {
        this.listingLine(r.kind === 'line' ? r.bytes : null, r.bytes);
        continue;
      }
      if (r.kind === 'overflow') {
        const starts = !this.sides.inLongLine('server');
        this.longLine('server', r.bytes);
        if (starts) this.longStatusLine(r.bytes);
        continue;
      }
      if (this.sides.inLongLine('server')) {
        this.unit('server', 'raw', r.bytes, NOTES.longLineTail);
        this.sides.setLongLine('server', false);
        const after = this.afterLongLine;
        this.afterLongLine = null;
        if (after && after.status === '+OK' && after.req.cmd.shape !== 'single') this.startContent(after.req, false);
        else if (after) this.afterReply(after.req, after.status, after.start);
        continue;
      }
      this.serverLine(r.bytes);
    }
  }

  private serverLine(line: Buffer): void {
    if (!this.greeted) {
      const status = statusOf(line, false);
      if (!status) return this.badServerLine(line);
      this.greeted = true;
      this.unit('server', 'reply', line, greetingNote(status, line, this.tls), { status });
      if (status === '+OK') this.state('AUTHORIZATION');
      return;
    }
    const head = this.pending[0];
    const status = statusOf(line, head?.cmd.verb === 'AUTH' && this.auth.saslActive);
    if (!status) return this.badServerLine(line);
    if (status === '+') {
      this.unit('server', 'reply', line, this.auth.onChallenge(line), { verb: 'AUTH', status });
      return;
    }
    if (!head) {
      this.unit('server', 'reply', line, replyNote(undefined, status, line), { status });
      return;
    }
    this.pending.shift();
    if (status === '+OK' && head.cmd.shape === 'listing') {
      this.mode = ServerMode.Listing;
      this.current = head;
      this.listing = [line];
      this.listingBytes = line.length;
      return;
    }
    this.unit('server', 'reply', line, replyNote(head.cmd, status, line, head.phase === 'TRANSACTION' ? this.marks.summary() : undefined), { verb: head.cmd.verb || undefined, status });
    if (status === '+OK' && head.cmd.shape === 'content') return this.startContent(head, true);
    this.afterReply(head, status, line);
  }

  private badServerLine(line: Buffer): void {
    this.out.push({ type: 'violation', side: 'server', code: 'E_PROTOCOL', message: 'response line is neither +OK nor -ERR', note: NOTES.badStatus });
    this.unit('server', 'raw', line, NOTES.badStatusUnit);
  }

  /** An over-long first line: still honour its status so the FIFO and multi-line framing hold. */
  private longStatusLine(start: Buffer): void {
    const status = statusOf(start, false);
    if (!status || status === '+') return;
    if (!this.greeted) {
      this.greeted = true;
      if (status === '+OK') this.state('AUTHORIZATION');
      return;
    }
    const head = this.pending.shift();
    // Deferred to the line's end, so an STLS upgrade never splits a line (and chunking cannot matter).
    if (head) this.afterLongLine = { req: head, status, start: Buffer.from(start.subarray(0, 200)) };
  }

  /** `line` is null when the listing line overflowed `maxLineBytes` (`bytes` is its start). */
  private listingLine(line: Buffer | null, bytes: Buffer): void {
    const req = this.current!;
    if (line && isTerminator(line)) {
      if (this.listingBytes + line.length > this.limits.maxReplyBytes) {
        // The terminator would take the unit past the cap: the listing goes out first, alone.
        this.unit('server', 'reply', Buffer.concat(this.listing), truncatedListingNote(req.cmd, this.limits.maxReplyBytes), { verb: req.cmd.verb, status: '+OK' });
        this.listing = [];
      }
      this.listing.push(line);
      const all = Buffer.concat(this.listing);
      this.listing = [];
      this.mode = ServerMode.Line;
      this.current = null;
      this.unit('server', 'reply', all, listingNote(req.cmd, all), { verb: req.cmd.verb, status: '+OK' });
      return;
    }
    if (line && this.listingBytes + line.length <= this.limits.maxReplyBytes) {
      this.listing.push(line);
      this.listingBytes += line.length;
      return;
    }
    // Too big to keep as one unit: what we have becomes the reply, the rest streams (limits.ts).
    const head = Buffer.concat(this.listing);
    this.listing = [];
    this.unit('server', 'reply', head, truncatedListingNote(req.cmd, this.limits.maxReplyBytes), { verb: req.cmd.verb, status: '+OK' });
    this.startContent(req, false);
    this.midLine = line === null;
    this.emitBody(bytes, false);
  }

  private startContent(req: Request, canPeek: boolean): void {
    this.mode = ServerMode.Content;
    this.current = req;
    this.scanner = new DotBodyScanner();
    this.midLine = false;
    this.bodyTotal = 0;
    this.peek = canPeek && req.cmd.shape === 'content' ? new HeaderPeek(this.limits.maxBodyPeekBytes) : null;
  }

  /** Streams content; false when more bytes are needed. */
  private streamContent(q: ByteQueue): boolean {
    if (this.midLine) {
      const r = q.takeLine(this.limits.maxLineBytes);
      if (!r) return false;
      this.emitBody(r.bytes, false);
      if (r.kind === 'line') this.midLine = false;
      return true;
    }
    const { chunk, final } = this.scanner.next(q);
    if (chunk.length > 0) this.emitBody(chunk, final);
    if (final) this.resetServerMode();
    return final;
  }

  private emitBody(bytes: Buffer, final: boolean): void {
    const req = this.current!;
    const first = this.bodyTotal === 0;
    this.bodyTotal += bytes.length;
    let n: Note;
    if (this.peek) {
      this.peek.add(bytes);
      n = contentChunkNote({ verb: req.cmd.verb, message: req.cmd.args[0] ?? '?' }, this.peek, first, final, this.bodyTotal);
    } else n = listingStreamNote(req.cmd.verb, final, this.bodyTotal);
    this.unit('server', 'body', bytes, n, { verb: req.cmd.verb || undefined, final, bodyOffset: this.bodyTotal });
  }

  private resetServerMode(): void {
    this.mode = ServerMode.Line;
    this.current = null;
    this.listing = [];
    this.listingBytes = 0;
    this.peek = null;
    this.midLine = false;
  }

  /** What a single-line verdict changes: logins, phases, STLS. */
  private afterReply(req: Request, status: Pop3Status, line: Buffer): void {
    const verb = req.cmd.verb;
    if (status === '+') return;
    if (verb === 'USER' || VERDICT_VERBS.has(verb)) {
      const ev = this.auth.onReply(req.cmd, status, line);
      if (ev) this.out.push(ev);
      if (ev?.result === 'success' && this.phase === 'AUTHORIZATION') this.state('TRANSACTION');
    } else if (verb === 'QUIT' && req.phase === 'TRANSACTION') {
      // RFC 1939 §6: QUIT from TRANSACTION enters UPDATE whatever the outcome of the deletions.
      this.state('UPDATE');
    } else if (verb === 'DELE' && status === '+OK') {
      this.marks.mark(req.cmd.args[0]);
    } else if (verb === 'RSET' && status === '+OK') {
      this.marks.reset();
    } else if (verb === 'STLS') {
      if (status === '+OK') this.upgrade();
      else this.release();
    }
  }

  private upgrade(): void {
    this.out.push({ type: 'upgrade-tls', command: 'STLS', refusal: stlsRefusal });
    // RFC 2595 §4 / RFC 8314 §4: nothing sent in plaintext after STLS may enter the TLS session.
    const held = this.sides.client.takeAll();
    if (held.length > 0) this.out.push({ type: 'injection', side: 'client', bytes: held, note: NOTES.injectedClient });
    const trailing = this.sides.server.takeAll();
    if (trailing.length > 0) this.out.push({ type: 'injection', side: 'server', bytes: trailing, note: NOTES.injectedServer });
    this.holding = false;
    this.holdOverflowed = false;
    this.tls = true;
    this.pending.length = 0;
    this.auth.reset();
    this.sides.setLongLine('client', false);
    this.sides.setLongLine('server', false);
    this.afterLongLine = null;
    this.resetServerMode();
  }

  /** STLS refused: the held client bytes are ordinary commands after all. */
  private release(): void {
    this.holding = false;
    this.holdOverflowed = false;
    this.drainClient();
  }

  // ---- helpers -----------------------------------------------------------------------------

  private context() {
    return { phase: this.phase, tls: this.tls, user: this.auth.user, marks: this.marks.summary() };
  }

  private longLine(side: Side, bytes: Buffer): void {
    if (!this.sides.inLongLine(side)) {
      this.out.push({ type: 'violation', side, code: 'E_LINE_TOO_LONG', message: `line longer than ${this.limits.maxLineBytes} bytes`, note: NOTES.longLine });
      this.sides.setLongLine(side, true);
    }
    this.unit(side, 'raw', bytes, NOTES.longLineChunk);
  }

  private state(phase: Pop3Phase): void {
    this.phase = phase;
    this.out.push({ type: 'state', state: phase, note: phaseNote(phase) });
  }

  private unit(side: Side, kind: UnitEvent['kind'], bytes: Buffer, n: Note, extra?: UnitExtra): void {
    const ev: UnitEvent = { type: 'unit', side, kind, bytes, note: n };
    // Only present fields are set, so events compare and serialise without `undefined` keys.
    if (extra) {
      if (extra.verb) ev.verb = extra.verb;
      if (extra.status !== undefined) ev.status = extra.status;
      if (extra.final !== undefined) ev.final = extra.final;
      if (extra.bodyOffset !== undefined) ev.bodyOffset = extra.bodyOffset;
    }
    this.out.push(ev);
  }
}
