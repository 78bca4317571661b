// The SMTP codec: frames both directions of one session into commands, replies, bodies and SASL
// lines, and matches replies to commands first-in first-out (RFC 2920 §3 pipelining). Everything
// that decides how the next bytes are framed lives here: DATA after 354 (RFC 5321 §4.1.1.4),
// BDAT sizes (RFC 3030 §2), AUTH exchanges (RFC 4954 §4), STARTTLS (RFC 3207 §4.2) and TURN/ATRN
// role reversal (RFC 2645 §5). This file does not know whether it serves a proxy or a replay.

import { lineText } from '../../core/bytes.js';
import { owedQueueCap, resolveLimits, type Limits } from '../../core/limits.js';
import { note, type Note } from '../../core/note.js';
import { ByteQueue } from '../byte-queue.js';
import type { Codec, CodecEvent, CodecOptions, Side, UnitEvent, UnitKind } from '../types.js';
import { SaslExchange } from '../../sasl/index.js';
import { describeAuth } from './auth-notes.js';
import { BodyStream } from './body-stream.js';
import { notes } from './codec-notes.js';
import { parseBdat, parseCommand } from './commands.js';
import { describeReply } from './replies.js';
import { parseEnhanced, parseReplyLine } from './reply-line.js';

/** A reply the codec waits for, oldest first. */
interface Expect {
  /** What the reply answers, for its note: a verb, `GREETING`, `BODY`, `BDAT LAST`, `LONG`. */
  answers: string;
  /** The verb reported on the reply unit. */
  verb: string | undefined;
  /** The command side stops being framed until this reply says how to go on. */
  gate?: 'data' | 'auth' | 'starttls' | 'turn';
}


const other = (s: Side): Side => (s === 'client' ? 'server' : 'client');
const VERB_SHAPE = /^[A-Z0-9-]{1,20}$/;

export class SmtpCodec implements Codec {
  readonly protocol = 'smtp' as const;
  private readonly limits: Limits;
  private readonly queues: Record<Side, ByteQueue> = { client: new ByteQueue(), server: new ByteQueue() };
  private readonly longLine: Record<Side, boolean> = { client: false, server: false };
  private readonly ended: Record<Side, boolean> = { client: false, server: false };
  /** The side that sends commands: the client, until a TURN/ATRN reverses the roles. */
  private cmdSide: Side = 'client';
  private expects: Expect[] = [{ answers: 'GREETING', verb: undefined }];
  private gate: Expect | null = null;
  /** The body being streamed from the command side, if any (DATA after 354, or a BDAT chunk). */
  private body: BodyStream | null = null;
  private passthrough = false;
  private pendingOverflow = false;
  /** BDAT chunks of the current message so far: only the first one holds the headers. */
  private bdatChunks = 0;
  // Reply lines of a multi-line reply not yet complete.
  private replyLines: Buffer[] = [];
  private replyTexts: string[] = [];
  private replyBytes = 0;
  private replyOverflow = false;
  // AUTH state.
  private auth: SaslExchange | null = null;
  private saslLine = false;
  private tls: boolean;

  constructor(options: CodecOptions = {}) {
    this.limits = resolveLimits(options.limits);
    this.tls = options.tls ?? false;
  }

  get atBoundary(): boolean {
    return this.gate?.gate === 'starttls';
  }

  get commandsAwaitingReply(): number {
    return this.expects.length;
  }

  /**
   * At maxPendingCommands the next commands wait in the queue until replies come (the proxy
   * stops reading the client meanwhile); a caller that keeps feeding past owedQueueCap() bytes
   * of them gets the stream passed through undecoded rather than a growing codec (limits.ts).
   */
  private checkOwed(ev: CodecEvent[]): void {
    if (this.queues[this.cmdSide].length <= owedQueueCap(this.limits)) return;
    ev.push({ type: 'violation', side: this.cmdSide, code: 'E_LIMIT', message: `more than ${this.limits.maxPendingCommands} commands sent ahead of their replies`, note: notes.pendingOverflow });
    this.passthrough = true;
  }

  private get replySide(): Side {
    return other(this.cmdSide);
  }

  feed(side: Side, chunk: Buffer): CodecEvent[] {
    const ev: CodecEvent[] = [];
    if (chunk.length === 0) return ev;
    if (this.passthrough) {
      this.unit(ev, side, 'raw', chunk, notes.passthrough);
      return ev;
    }
    this.queues[side].push(chunk);
    if (side === this.cmdSide && this.gate && !this.saslLine) this.checkHeld(ev);
    this.drain(ev);
    this.flushEnded(ev);
    return ev;
  }

  end(side: Side): CodecEvent[] {
    const ev: CodecEvent[] = [];
    this.ended[side] = true;
    if (!this.passthrough) this.drain(ev);
    if (this.auth) {
      this.finishAuth(ev, 'incomplete', undefined);
    }
    this.flushEnded(ev);
    return ev;
  }

  // ---- plumbing ----------------------------------------------------------------------------

  private unit(ev: CodecEvent[], side: Side, kind: UnitKind, bytes: Buffer, n: Note, extra?: Partial<UnitEvent>): void {
    ev.push({ type: 'unit', side, kind, bytes, note: n, ...extra });
  }

  private drain(ev: CodecEvent[]): void {
    // A reply can release command-side bytes, and released commands add expectations for later
    // replies, so alternate until neither side can make progress.
    for (let guard = 0; guard < 1_000_000; guard++) {
      if (this.passthrough) return this.flushAllRaw(ev);
      this.pumpCommands(ev);
      if (this.passthrough) return this.flushAllRaw(ev);
      if (!this.pumpReplies(ev)) return;
    }
  }

  /** A side that ended is flushed once nothing it sent can still be framed differently. */
  private flushEnded(ev: CodecEvent[]): void {
    for (const s of ['client', 'server'] as const) {
      if (!this.ended[s]) continue;
      // Only a STARTTLS verdict changes what held bytes are (commands or an injection); behind any
      // other gate an ended client's bytes are flushed now, or a server that never finishes its
      // reply would never receive them.
      if (s === this.cmdSide && this.gate?.gate === 'starttls' && !this.ended[other(s)]) continue;
      this.flushSide(ev, s);
    }
  }

  private flushSide(ev: CodecEvent[], s: Side): void {
    if (s === this.cmdSide && this.body) {
      this.body.flush(ev as UnitEvent[]);
      this.body = null;
    }
    if (s === this.replySide && this.replyLines.length) this.unit(ev, s, 'raw', this.takeReplyLines(), notes.partialReply);
    const q = this.queues[s];
    if (q.length) this.unit(ev, s, 'raw', q.takeAll(), notes.partialAtEnd);
  }

  private flushAllRaw(ev: CodecEvent[]): void {
    for (const s of ['client', 'server'] as const) {
      if (s === this.cmdSide && this.body) {
        this.body.flush(ev as UnitEvent[]);
        this.body = null;
      }
      if (s === this.replySide && this.replyLines.length) this.unit(ev, s, 'raw', this.takeReplyLines(), notes.passthrough);
      const q = this.queues[s];
      if (q.length) this.unit(ev, s, 'raw', q.takeAll(), notes.passthrough);
    }
  }

  /** Bytes queued while the command side waits on a reply are bounded by maxPendingBytes. */
  private checkHeld(ev: CodecEvent[]): void {
    const q = this.queues[this.cmdSide];
    if (q.length <= this.limits.maxPendingBytes && !this.pendingOverflow) return;
    if (this.gate?.gate === 'starttls') {
      if (!this.pendingOverflow) {
        this.pendingOverflow = true;
        ev.push({ type: 'violation', side: this.cmdSide, code: 'E_LIMIT', message: `more than ${this.limits.maxPendingBytes} bytes sent while STARTTLS was pending`, note: notes.heldOverflow });
      }
      ev.push({ type: 'injection', side: this.cmdSide, bytes: q.takeAll(), note: notes.injectionDropped });
      return;
    }
    ev.push({ type: 'violation', side: this.cmdSide, code: 'E_LIMIT', message: `more than ${this.limits.maxPendingBytes} bytes sent before the reply to ${this.gate?.verb ?? 'a command'}`, note: notes.pendingOverflow });
    this.passthrough = true;
  }

  /** Handles the tail of an over-long line as raw; true while the line is still going on. */
  private continueLongLine(ev: CodecEvent[], s: Side): boolean {
    const q = this.queues[s];
    const tail = q.takeLine(Number.POSITIVE_INFINITY);
    if (tail) {
      this.longLine[s] = false;
      this.unit(ev, s, 'raw', tail.bytes, notes.longLineEnd);
      if (s === this.cmdSide && !this.body) this.expects.push({ answers: 'LONG', verb: undefined });
      return false;
    }
    if (q.length) this.unit(ev, s, 'raw', q.takeAll(), notes.longLine);
    return true;
  }

  private overflow(ev: CodecEvent[], s: Side, bytes: Buffer): void {
    this.longLine[s] = true;
    ev.push({ type: 'violation', side: s, code: 'E_LINE_TOO_LONG', message: `line longer than ${this.limits.maxLineBytes} bytes`, note: notes.longLineViolation });
    this.unit(ev, s, 'raw', bytes, notes.longLine);
  }

  // ---- command side --------------------------------------------------------------------------

  private pumpCommands(ev: CodecEvent[]): void {
    const s = this.cmdSide;
    const q = this.queues[s];
    while (q.length > 0) {
      if (this.body) {
        if (!this.body.pump(q, ev as UnitEvent[])) return;
        // The reply to a DATA body comes after it; a BDAT's reply was expected at its command.
        if (this.body.verb === 'DATA') this.expects.push({ answers: 'BODY', verb: 'DATA' });
        this.body = null;
        continue;
      }
      if (this.gate && !this.saslLine) return;
      if (this.longLine[s]) {
        if (this.continueLongLine(ev, s)) return;
        continue;
      }
      if (this.expects.length >= this.limits.maxPendingCommands && !this.saslLine) return this.checkOwed(ev);
      const r = q.takeLine(this.limits.maxLineBytes);
      if (!r) return;
      if (r.kind === 'overflow') {
        this.overflow(ev, s, r.bytes);
        continue;
      }
      if (this.saslLine) this.saslResponse(ev, r.bytes);
      else this.command(ev, r.bytes);
    }
  }

  private command(ev: CodecEvent[], line: Buffer): void {
    const s = this.cmdSide;
    const parsed = parseCommand(lineText(line));
    const verb = VERB_SHAPE.test(parsed.verb) ? parsed.verb : undefined;
    let n = parsed.note;
    const expect: Expect = { answers: verb ?? 'UNKNOWN', verb };
    switch (parsed.known ? parsed.verb : '') {
      case 'DATA':
        expect.gate = 'data';
        break;
      case 'STARTTLS':
        expect.gate = 'starttls';
        break;
      case 'TURN':
      case 'ATRN':
        expect.gate = 'turn';
        break;
      case 'AUTH': {
        const [mech, ir] = parsed.args.split(/\s+/);
        if (mech) {
          this.auth = new SaslExchange(mech, ir);
          expect.gate = 'auth';
          if (this.auth.initialNote) n = note(`${n.en}; initial response: ${this.auth.initialNote.en}`, `${n.es}; respuesta inicial: ${this.auth.initialNote.es}`);
        }
        break;
      }
      case 'BDAT': {
        const b = parseBdat(parsed.args);
        if (b) {
          expect.answers = b.last ? 'BDAT LAST' : 'BDAT';
          if (b.size > 0) this.startBdat(b.size);
        }
        break;
      }
    }
    this.unit(ev, s, 'command', line, n, verb ? { verb } : undefined);
    this.expects.push(expect);
    if (expect.gate) {
      this.gate = expect;
      this.checkHeld(ev);
    }
  }

  private startBdat(size: number): void {
    // Only the first chunk of a message holds its headers.
    this.body = new BodyStream(this.cmdSide, 'BDAT', size, this.bdatChunks++ === 0 ? this.limits.maxBodyPeekBytes : null);
  }

  private saslResponse(ev: CodecEvent[], line: Buffer): void {
    this.saslLine = false;
    const n = this.auth ? this.auth.response(lineText(line)) : notes.saslWithoutAuth;
    this.unit(ev, this.cmdSide, 'sasl', line, n, { verb: 'AUTH' });
    this.checkHeld(ev);
  }

  // ---- reply side ----------------------------------------------------------------------------

  /** Frames replies; returns true when one changed how the command side is framed. */
  private pumpReplies(ev: CodecEvent[]): boolean {
    const s = this.replySide;
    const q = this.queues[s];
    while (q.length > 0) {
      if (this.longLine[s]) {
        if (this.continueLongLine(ev, s)) return false;
        continue;
      }
      const r = q.takeLine(this.limits.maxLineBytes);
      if (!r) return false;
      if (r.kind === 'overflow') {
        if (this.replyLines.length) this.unit(ev, s, 'raw', this.takeReplyLines(), notes.partialReply);
        this.overflow(ev, s, r.bytes);
        continue;
      }
      const parsed = parseReplyLine(r.bytes);
      if (!parsed) {
        if (this.replyLines.length) this.unit(ev, s, 'raw', this.takeReplyLines(), notes.partialReply);
        const shown = JSON.stringify(lineText(r.bytes).slice(0, 40));
        ev.push({ type: 'violation', side: s, code: 'E_PROTOCOL', message: `not an SMTP reply line: ${shown}`, note: notes.badReply });
        this.unit(ev, s, 'raw', r.bytes, notes.badReply);
        continue;
      }
      if (this.replyLines.length && this.replyBytes + r.bytes.length > this.limits.maxReplyBytes) {
        // Keep memory bounded (checked before adding, the final line too): pass the lines so far
        // on as one part of the reply.
        if (!this.replyOverflow) {
          this.replyOverflow = true;
          ev.push({ type: 'violation', side: s, code: 'E_LIMIT', message: `multi-line reply longer than ${this.limits.maxReplyBytes} bytes`, note: notes.replyTooLong });
        }
        const verb = this.expects[0]?.verb;
        this.unit(ev, s, 'reply', this.takeReplyLines(), notes.replyPart, verb ? { status: parsed.code, verb } : { status: parsed.code });
      }
      this.replyLines.push(r.bytes);
      this.replyTexts.push(parsed.text);
      this.replyBytes += r.bytes.length;
      if (!parsed.last) continue;
      if (this.reply(ev, parsed.code)) return true;
    }
    return false;
  }

  private takeReplyLines(): Buffer {
    const bytes = this.replyLines.length === 1 ? this.replyLines[0]! : Buffer.concat(this.replyLines, this.replyBytes);
    this.replyLines = [];
    this.replyTexts = [];
    this.replyBytes = 0;
    return bytes;
  }

  /** One complete reply. Returns true when the command side's framing changed. */
  private reply(ev: CodecEvent[], code: string): boolean {
    const s = this.replySide;
    const texts = this.replyTexts;
    const lastText = texts[texts.length - 1] ?? '';
    const bytes = this.takeReplyLines();
    this.replyOverflow = false;
    const enhanced = code[0] === '2' || code[0] === '4' || code[0] === '5' ? parseEnhanced(code, lastText) : undefined;
    const front = this.expects[0];
    const isChallenge = front?.gate === 'auth' && code === '334' && this.auth !== null;
    const challenge = isChallenge ? this.auth!.challenge(texts[0] ?? '') : undefined;
    const expect = isChallenge ? front : this.expects.shift();
    const authCancelled = front?.gate === 'auth' && !isChallenge && !!this.auth?.cancelled;
    const n = describeReply({ code, enhanced, texts, answers: expect?.answers, challenge, authCancelled });
    const extra: Partial<UnitEvent> = { status: code };
    if (expect?.verb) extra.verb = expect.verb;
    if (enhanced) extra.enhanced = enhanced;
    this.unit(ev, s, 'reply', bytes, n, extra);
    if (expect?.answers === 'BDAT LAST') this.bdatChunks = 0;
    if (!expect?.gate || expect !== this.gate) return false;
    switch (expect.gate) {
      case 'data':
        if (code === '354') {
          this.body = new BodyStream(this.cmdSide, 'DATA', undefined, this.limits.maxBodyPeekBytes);
        }
        break;
      case 'auth':
        if (isChallenge) {
          this.saslLine = true;
          return true;
        }
        this.finishAuth(ev, code[0] === '2' ? 'success' : this.auth?.cancelled ? 'cancelled' : 'failure', `${code}${lastText ? ` ${lastText}` : ''}`);
        break;
      case 'starttls':
        if (code === '220') {
          this.upgrade(ev);
          return false;
        }
        break;
      case 'turn':
        if (code[0] === '2') {
          this.reverseRoles(ev, expect.verb ?? 'TURN');
          this.gate = null;
          return true;
        }
        break;
    }
    this.gate = null;
    this.pendingOverflow = false;
    return true;
  }

  private finishAuth(ev: CodecEvent[], result: 'success' | 'failure' | 'cancelled' | 'incomplete', verdict: string | undefined): void {
    const x = this.auth;
    if (!x) return;
    this.auth = null;
    this.saslLine = false;
    const creds = x.credentials();
    ev.push({ type: 'auth', mechanism: x.mechanism, result, ...(verdict ? { verdict } : {}), note: describeAuth(x.mechanism, result, creds), ...creds });
    if (result === 'success') ev.push({ type: 'state', state: 'authenticated', note: notes.authenticated });
  }

  private upgrade(ev: CodecEvent[]): void {
    ev.push({
      type: 'upgrade-tls',
      command: 'STARTTLS',
      refusal: (reason: string) => Buffer.from(`454 4.7.0 TLS not available: ${oneLine(reason)}\r\n`, 'utf8'),
    });
    // RFC 3207 §4.2: nothing sent in plaintext after STARTTLS may be carried into TLS.
    const held = this.queues[this.cmdSide].takeAll();
    if (held.length) ev.push({ type: 'injection', side: this.cmdSide, bytes: held, note: notes.injectionClient });
    const after = this.queues[this.replySide].takeAll();
    if (after.length) ev.push({ type: 'injection', side: this.replySide, bytes: after, note: notes.injectionServer });
    this.tls = true;
    this.expects = [];
    this.gate = null;
    this.body = null;
    this.saslLine = false;
    this.pendingOverflow = false;
    this.longLine.client = this.longLine.server = false;
    this.bdatChunks = 0;
    ev.push({ type: 'state', state: 'tls', note: notes.tlsStarted });
  }

  private reverseRoles(ev: CodecEvent[], verb: string): void {
    // RFC 2645 §5 / RFC 821 §4.1.1: after 250 the old client becomes the server and greets.
    this.cmdSide = other(this.cmdSide);
    this.expects = [{ answers: 'GREETING', verb: undefined }];
    this.body = null;
    this.saslLine = false;
    this.pendingOverflow = false;
    this.bdatChunks = 0;
    ev.push({ type: 'state', state: this.cmdSide === 'client' ? 'roles-restored' : 'roles-reversed', note: notes.reversed(verb, this.cmdSide) });
  }

  /** Whether the session is inside TLS (implicit, or after STARTTLS). */
  get inTls(): boolean {
    return this.tls;
  }
}

function oneLine(text: string): string {
  return text.replace(/[\r\n]+/g, ' ').trim();
}
