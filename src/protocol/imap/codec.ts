// The IMAP codec: frames both directions (framer.ts), names each unit, and follows what one side
// means for the other — a `+` grants a client literal, a tagged NO cancels it, a tagged OK to
// STARTTLS turns held client bytes into injections. All cross-side state lives in this class;
// the helpers it calls are pure. Nothing a peer sends throws: it becomes a violation and raw.

import { formatBytes, lineText } from '../../core/bytes.js';
import { DEFAULT_LIMITS, resolveLimits, type Limits } from '../../core/limits.js';
import { note, type Note } from '../../core/note.js';
import { SaslExchange } from '../../sasl/index.js';
import type { SaslCredentials } from '../../sasl/types.js';
import type { Codec, CodecEvent, CodecOptions, Side } from '../types.js';
import { authEvent, loginCredentials, LOGIN_MECHANISM, MAX_CAPTURED_LITERAL } from './auth.js';
import { commandNote, continuationNote, type CommandInfo, type TagContext } from './command-notes.js';
import { garbage, heldAtEndNote, literalNote, literalViolation, partialAtEndNote, passThroughNote, tooLong, tooLongNote, unit } from './events.js';
import { SideFramer, type Frame } from './framer.js';
import { contentEnd, findLiteralMarker, type LiteralMarker } from './literal.js';
import { PendingTags } from './pending-tags.js';
import { parseResponse, responseNote, type ParsedResponse } from './responses.js';
import { afterCompletion, afterGreeting, afterTlsNote, readOnlyAfter, stateNote, type ImapState, type ReadOnlyBy } from './session-state.js';
import { injection, StartTlsGate, starttlsRefusal } from './starttls.js';
import { compressionStarts } from './compress.js';
import { MAX_TOKENS, parseCommand, tokenize, tokenText, type Token } from './tokenizer.js';

/**
 * Commands awaiting their tagged completion that we remember by default; the oldest is forgotten
 * past `limits.maxPendingCommands` (and the proxy stops reading the client at it).
 */
export const MAX_PENDING_TAGS = DEFAULT_LIMITS.maxPendingCommands;

interface Command extends CommandInfo {
  login?: SaslCredentials;
  /** A literal argument of this command being streamed, captured when it may be a credential. */
  literal?: { token: Extract<Token, { kind: 'literal' }>; capture: Buffer[] | null; note: Note };
}

interface ServerPart {
  tag: string;
  status: string;
  verb?: string;
  literalNote: Note;
}

export class ImapCodec implements Codec {
  readonly protocol = 'imap' as const;
  private readonly limits: Limits;
  private client: SideFramer;
  private server: SideFramer;
  private state: ImapState = 'not-authenticated';
  private greeted = false;
  private readonly pending: PendingTags<Command>;
  /** The selected mailbox is read-only, and which command opened it so (EXAMINE, RFC 9051 §6.3.3). */
  private readOnly: ReadOnlyBy = null;
  /** The client command whose line continues after a literal. */
  private assembling: Command | null = null;
  private serverPart: ServerPart | null = null;
  private auth: { tag: string; exchange: SaslExchange } | null = null;
  private idle: { tag: string; done: boolean } | null = null;
  private tls: StartTlsGate | null = null;
  /** Tag of a `COMPRESS DEFLATE` awaiting its completion (RFC 4978 §3). */
  private compressTag: string | null = null;

  constructor(options: CodecOptions = {}) {
    this.limits = resolveLimits(options.limits);
    this.pending = new PendingTags<Command>(this.limits.maxPendingCommands);
    this.client = new SideFramer(this.limits.maxLineBytes);
    this.server = new SideFramer(this.limits.maxLineBytes);
  }

  feed(side: Side, chunk: Buffer): CodecEvent[] {
    const out: CodecEvent[] = [];
    if (chunk.length === 0) return out;
    if (side === 'client') {
      if (this.tls) this.tls.hold(chunk, out);
      else {
        this.client.push(chunk);
        this.pumpClient(out);
      }
    } else {
      this.server.push(chunk);
      this.pumpServer(out);
    }
    return out;
  }

  end(side: Side): CodecEvent[] {
    const out: CodecEvent[] = [];
    // Held STARTTLS bytes of a dying session are accounted for as raw, never silently lost.
    const held = this.tls?.release();
    if (held?.length) out.push(unit('client', 'raw', held, heldAtEndNote));
    const rest = (side === 'client' ? this.client : this.server).takeAll();
    if (rest.length) out.push(unit(side, 'raw', rest, partialAtEndNote));
    if (this.auth) {
      out.push(authEvent(this.auth.exchange.mechanism, this.auth.exchange.credentials(), 'incomplete'));
      this.auth = null;
    }
    for (const cmd of [...this.pending.all()]) {
      if (!cmd.login) continue;
      out.push(authEvent(LOGIN_MECHANISM, cmd.login, 'incomplete'));
      this.pending.remove(cmd);
    }
    return out;
  }

  // ---- client side ----

  private pumpClient(out: CodecEvent[]): void {
    for (;;) {
      if (this.tls) {
        this.tls.hold(this.client.takeAll(), out);
        return;
      }
      const f = this.client.next();
      if (!f) return;
      this.onClientFrame(f, out);
    }
  }

  private onClientFrame(f: Frame, out: CodecEvent[]): void {
    switch (f.kind) {
      case 'raw':
        out.push(unit('client', 'raw', f.bytes, passThroughNote));
        return;
      case 'overflow':
        if (f.first) {
          out.push(tooLong('client', this.limits.maxLineBytes));
          this.assembling = null;
        }
        out.push(unit('client', 'raw', f.bytes, tooLongNote));
        return;
      case 'body':
        this.onClientLiteral(f, out);
        return;
      case 'line':
        this.onClientLine(f.bytes, f.continued, out);
    }
  }

  private onClientLiteral(f: Extract<Frame, { kind: 'body' }>, out: CodecEvent[]): void {
    const cmd = this.assembling;
    const lit = cmd?.literal;
    const ev = unit('client', 'body', f.bytes, lit?.note ?? literalNote(f.size, undefined, 'client'), cmd?.tag, cmd?.verb);
    ev.final = f.final;
    ev.bodyOffset = f.offset;
    out.push(ev);
    if (lit?.capture) {
      lit.capture.push(f.bytes);
      if (f.final) lit.token.value = Buffer.concat(lit.capture);
    }
  }

  private onClientLine(line: Buffer, continued: boolean, out: CodecEvent[]): void {
    const end = contentEnd(line);
    if (continued && this.assembling) {
      const cmd = this.assembling;
      const marker = this.markerOrViolation('client', line, out);
      if (marker === null) return;
      const stop = marker ? marker.start : end;
      cmd.args.push(...tokenize(line, 0, stop, Math.max(0, MAX_TOKENS - cmd.args.length)));
      const ev = unit('client', 'command', line, continuationNote(cmd.verb), cmd.tag, cmd.verb);
      ev.continued = true;
      out.push(ev);
      this.afterClientLine(cmd, marker);
      return;
    }
    this.assembling = null;
    if (this.auth) {
      // RFC 9051 §6.2.2: every client line until the tagged completion is a SASL response.
      const n = this.auth.exchange.response(line.toString('latin1', 0, end));
      out.push(unit('client', 'sasl', line, n, this.auth.tag, 'AUTHENTICATE'));
      return;
    }
    if (this.idle && !this.idle.done && end === 4 && line.toString('latin1', 0, 4).toUpperCase() === 'DONE') {
      this.idle.done = true;
      out.push(unit('client', 'command', line, commandNote({ tag: this.idle.tag, verb: 'DONE', args: [] }), undefined, 'DONE'));
      return;
    }
    const cmd = parseCommand(line, end);
    if (!cmd) {
      out.push(...garbage('client', line));
      return;
    }
    const marker = this.markerOrViolation('client', line, out);
    if (marker === null) return;
    cmd.args = tokenize(line, cmd.argsFrom, marker ? marker.start : end);
    const command: Command = { tag: cmd.tag, verb: cmd.verb, args: cmd.args };
    const seen = this.pending.add(command);
    const tagContext = { explainTag: seen.first, reusedTag: seen.reused };
    const ready = marker ? undefined : this.commandComplete(command, tagContext);
    out.push(unit('client', 'command', line, ready ?? commandNote(command, tagContext), command.tag, command.verb));
    this.afterClientLine(command, marker);
  }

  /** After a command line part: stream its literal, or act on the complete command. */
  private afterClientLine(cmd: Command, marker: LiteralMarker | undefined): void {
    if (!marker) {
      this.assembling = null;
      if (cmd.literal || cmd.args.some((t) => t.kind === 'literal')) this.commandComplete(cmd);
      delete cmd.literal;
      return;
    }
    const token: Extract<Token, { kind: 'literal' }> = { kind: 'literal', size: marker.size };
    if (cmd.args.length < MAX_TOKENS) cmd.args.push(token);
    const capture = cmd.verb === 'LOGIN' && marker.size <= MAX_CAPTURED_LITERAL ? [] : null;
    cmd.literal = { token, capture, note: literalNote(marker.size, cmd.verb, 'client', marker.binary) };
    this.assembling = cmd;
    this.client.expectLiteral(marker.size, marker.sync);
  }

  /**
   * Effects of a complete command. Returns a note that replaces the generic one when the command
   * itself tells more (AUTHENTICATE with an initial response).
   */
  private commandComplete(cmd: Command, tagContext: TagContext = {}): Note | undefined {
    switch (cmd.verb) {
      case 'LOGIN':
        cmd.login = loginCredentials(cmd.args);
        return undefined;
      case 'AUTHENTICATE': {
        const mech = tokenText(cmd.args[0]) ?? '';
        const ir = tokenText(cmd.args[1]);
        const exchange = new SaslExchange(mech, ir);
        this.auth = { tag: cmd.tag, exchange };
        const base = commandNote(cmd, tagContext);
        const init = exchange.initialNote;
        return init ? note(`${base.en}. ${init.en}`, `${base.es}. ${init.es}`) : base;
      }
      case 'STARTTLS':
        this.tls = new StartTlsGate(cmd.tag, this.limits.maxPendingBytes);
        return undefined;
      case 'IDLE':
        this.idle = { tag: cmd.tag, done: false };
        return undefined;
      case 'COMPRESS':
        if ((tokenText(cmd.args[0]) ?? '').toUpperCase() === 'DEFLATE') this.compressTag = cmd.tag;
        return undefined;
      default:
        return undefined;
    }
  }

  get atBoundary(): boolean {
    return this.tls !== null || this.compressTag !== null;
  }

  get commandsAwaitingReply(): number {
    return this.pending.size;
  }

  /** The literal marker ending `line`: undefined if none, null after reporting a malformed one. */
  private markerOrViolation(side: Side, line: Buffer, out: CodecEvent[]): LiteralMarker | undefined | null {
    const m = findLiteralMarker(line);
    if (m.kind === 'none') return undefined;
    if (m.kind === 'literal') return m.marker;
    out.push(literalViolation(side, m.reason), unit(side, 'raw', line, passThroughNote));
    (side === 'client' ? this.client : this.server).passThrough();
    if (side === 'client') this.assembling = null;
    else this.serverPart = null;
    return null;
  }

  // ---- server side ----

  private pumpServer(out: CodecEvent[]): void {
    const framer = this.server;
    for (;;) {
      const f = framer.next();
      if (!f) return;
      this.onServerFrame(f, out);
      if (this.server !== framer) return; // STARTTLS accepted: what followed went out as injection
    }
  }

  private onServerFrame(f: Frame, out: CodecEvent[]): void {
    switch (f.kind) {
      case 'raw':
        out.push(unit('server', 'raw', f.bytes, passThroughNote));
        return;
      case 'overflow':
        if (f.first) {
          out.push(tooLong('server', this.limits.maxLineBytes));
          this.serverPart = null;
          this.greeted = true;
        }
        out.push(unit('server', 'raw', f.bytes, tooLongNote));
        return;
      case 'body': {
        const p = this.serverPart;
        const ev = unit('server', 'body', f.bytes, p?.literalNote ?? literalNote(f.size, undefined, 'server'), p?.tag, p?.verb);
        if (p) ev.status = p.status;
        ev.final = f.final;
        ev.bodyOffset = f.offset;
        out.push(ev);
        return;
      }
      case 'line':
        this.onServerLine(f.bytes, f.continued, out);
    }
  }

  private onServerLine(line: Buffer, continued: boolean, out: CodecEvent[]): void {
    const end = contentEnd(line);
    const part = this.serverPart;
    if (continued && part) {
      const marker = this.markerOrViolation('server', line, out);
      if (marker === null) return;
      const ev = unit('server', 'reply', line, note('Rest of the response after its literal', 'Resto de la respuesta tras su literal'), part.tag, part.verb);
      ev.status = part.status;
      ev.continued = true;
      out.push(ev);
      if (marker) this.server.expectLiteral(marker.size, false);
      else this.serverPart = null;
      return;
    }
    this.serverPart = null;
    const greeting = !this.greeted;
    this.greeted = true;
    const r = parseResponse(line, end);
    if (!r) {
      out.push(...garbage('server', line));
      return;
    }
    // resp-text after `+` is free text; only data responses carry literals (RFC 9051 §7).
    const marker = r.kind === 'continuation' ? undefined : this.markerOrViolation('server', line, out);
    if (marker === null) return;
    if (r.kind === 'continuation') {
      this.onContinuation(line, r.text, out);
      return;
    }
    const verb = r.kind === 'tagged' ? this.pending.peek(r.tag)?.verb : undefined;
    const ev = unit('server', 'reply', line, responseNote(r, { greeting, ...(verb ? { verb } : {}), readOnly: this.readOnly }), r.kind === 'tagged' ? r.tag : '*', verb);
    ev.status = r.status;
    out.push(ev);
    if (marker) {
      this.serverPart = { tag: ev.tag!, status: r.status, ...(verb ? { verb } : {}), literalNote: literalNote(marker.size, r.kind === 'untagged' ? r.status : verb, 'server', marker.binary, r) };
      this.server.expectLiteral(marker.size, false);
    }
    if (r.kind === 'untagged') this.onUntagged(r, greeting, out);
    else this.onCompletion(r, lineText(line), out);
  }

  private onContinuation(line: Buffer, text: string, out: CodecEvent[]): void {
    let n: Note;
    let verb: string | undefined;
    let grant = false;
    if (this.client.awaitingSync && this.assembling) {
      const cmd = this.assembling;
      const size = cmd.literal?.token.size ?? 0;
      n = note(`Go ahead: the server is ready for the ${formatBytes(size)} literal of ${cmd.verb} (RFC 9051 §7.5)`, `Adelante: el servidor espera el literal de ${formatBytes(size, 'es')} de ${cmd.verb} (RFC 9051 §7.5)`);
      verb = cmd.verb;
      grant = true;
    } else if (this.auth) {
      n = this.auth.exchange.challenge(text);
      verb = 'AUTHENTICATE';
    } else if (this.idle && !this.idle.done) {
      n = note('The server is idling: it pushes updates until the client sends DONE (RFC 2177)', 'El servidor está en IDLE: notifica cambios hasta que el cliente envíe DONE (RFC 2177)');
      verb = 'IDLE';
    } else {
      n = responseNote({ kind: 'continuation', text }, { greeting: false });
    }
    const ev = unit('server', 'reply', line, n, '+', verb);
    out.push(ev);
    if (grant) {
      this.client.grant();
      this.pumpClient(out);
    }
  }

  private onUntagged(r: Extract<ParsedResponse, { kind: 'untagged' }>, greeting: boolean, out: CodecEvent[]): void {
    if (greeting) {
      const s = afterGreeting(r.status);
      if (s) this.setState(s, out, true);
      return;
    }
    if (r.status === 'BYE' && r.number === undefined) this.setState('logout', out);
  }

  private onCompletion(r: Extract<ParsedResponse, { kind: 'tagged' }>, verdict: string, out: CodecEvent[]): void {
    const cmd = this.pending.take(r.tag);
    if (this.assembling?.tag === r.tag && this.client.awaitingSync) {
      // RFC 9051 §7.5: a tagged response instead of `+` refuses the literal; the client sends the next command.
      this.client.cancelLiteral();
      this.assembling = null;
    }
    if (this.tls && this.tls.tag === r.tag && r.status === 'OK') {
      this.upgrade(r.tag, out);
      return;
    }
    if (this.compressTag === r.tag) {
      this.compressTag = null;
      if (r.status === 'OK') {
        this.compress(out);
        return;
      }
    }
    const result = r.status === 'OK' ? 'success' : 'failure';
    if (this.auth && this.auth.tag === r.tag) {
      const ex = this.auth.exchange;
      out.push(authEvent(ex.mechanism, ex.credentials(), ex.cancelled && r.status !== 'OK' ? 'cancelled' : result, verdict));
      this.auth = null;
    }
    if (cmd?.login) out.push(authEvent(LOGIN_MECHANISM, cmd.login, result, verdict));
    if (this.idle?.tag === r.tag) this.idle = null;
    if (cmd) {
      this.readOnly = readOnlyAfter(this.readOnly, cmd.verb, r.status, r.code);
      const next = afterCompletion(this.state, cmd.verb, r.status);
      if (next && (next !== this.state || next === 'selected')) this.setState(next, out, false, tokenText(cmd.args[0]));
    }
    if (this.tls && this.tls.tag === r.tag) {
      const held = this.tls.release();
      this.tls = null;
      this.client.push(held);
      this.pumpClient(out);
    }
  }

  /** COMPRESS=DEFLATE accepted: see compress.ts. Framing goes on with the inflated bytes. */
  private compress(out: CodecEvent[]): void {
    compressionStarts(this.client.takeAll(), this.server.takeAll(), out);
    this.client = new SideFramer(this.limits.maxLineBytes);
    this.server = new SideFramer(this.limits.maxLineBytes);
  }

  /** STARTTLS accepted: announce the upgrade, drop plaintext on both sides, restart framing. */
  private upgrade(tag: string, out: CodecEvent[]): void {
    out.push({ type: 'upgrade-tls', command: 'STARTTLS', refusal: starttlsRefusal(tag) });
    const held = this.tls!.release();
    if (held.length) out.push(injection('client', held));
    const after = this.server.takeAll();
    if (after.length) out.push(injection('server', after));
    this.tls = null;
    this.client = new SideFramer(this.limits.maxLineBytes);
    this.server = new SideFramer(this.limits.maxLineBytes);
    this.pending.clear();
    this.readOnly = null;
    this.assembling = null;
    this.serverPart = null;
    this.idle = null;
    this.greeted = true; // RFC 9051 §6.2.1: no new greeting inside TLS
    this.state = 'not-authenticated';
    out.push({ type: 'state', state: this.state, note: afterTlsNote() });
  }

  private setState(next: ImapState, out: CodecEvent[], force = false, mailbox?: string): void {
    if (next === this.state && !force && next !== 'selected') return;
    this.state = next;
    out.push({ type: 'state', state: next, note: stateNote(next, next === 'selected' ? mailbox : undefined) });
  }
}
