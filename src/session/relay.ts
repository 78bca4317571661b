// The data path of one session: every read goes through the codec, and each unit it frames is
// forwarded (through the audit's tap, when there is one) and recorded. What the codec holds only
// for framing goes out at the end of the read anyway (unframed.ts): no byte waits for a CRLF.
// Also here: flow control, passing each side's half-close on, mailtap's own STARTTLS in front of
// an implicit-TLS server, and IMAP COMPRESS. The session (session.ts) owns the legs' lifecycle:
// connecting, TLS, leaving, the end.

import type { Limits } from '../core/limits.js';
import type { Route } from '../core/mail-url.js';
import type { Codec, CodecEvent, HintEvent, Protocol, Side, UnitEvent, UpgradeTlsEvent } from '../protocol/types.js';
import { MistakeSpotter } from '../protocol/hints.js';
import { isGoodbye } from '../protocol/goodbye.js';
import { recordEventFromCodec } from '../record/from-codec.js';
import { partialRecord } from '../record/partials.js';
import type { RecordEvent, UnitRecord } from '../record/schema.js';
import { CompressTap } from './compress-tap.js';
import type { Leg } from './leg.js';
import { isStartTlsCommand, localStartTlsAcceptance, withStartTlsOffer } from './local-starttls.js';
import { OwedReplies } from './owed-replies.js';
import type { SessionRecord } from './session-record.js';
import type { SessionTap, TapHold } from './tap.js';
import { TapGate } from './tap-gate.js';
import { Unframed, unsentBytes, type RelayedUnit } from './unframed.js';

/** What the relay needs from its session. */
export interface RelayHost {
  readonly client: Leg;
  /** The server leg, once connected. */
  readonly upstream: Leg | undefined;
  readonly finished: boolean;
  readonly rec: SessionRecord;
  emit(ev: RecordEvent): void;
  hint(h: HintEvent): void;
  /** STARTTLS/STLS accepted: `events` hold the accepting reply (starttls-upgrade.ts). */
  startTls(events: CodecEvent[], upgrade: UpgradeTlsEvent): void;
  /** The tap answered in the server's place and asked to end the session. */
  endAfterTap(reason: string): void;
}

export interface RelayOptions {
  protocol: Protocol;
  codec: Codec;
  route: Route;
  limits: Limits;
  tap?: SessionTap;
}

export class Relay {
  private readonly codec: Codec;
  /** The audit's tap on the forwarding path (a pass-through without one). */
  readonly gate: TapGate;
  /** The server said goodbye (221, +OK to QUIT, BYE): a reset after it is a normal close. */
  saidGoodbye = false;
  /**
   * What the codec holds of each side: forwarded without waiting when it is held for framing only
   * (unframed.ts). A side's FIN is passed on once the codec holds nothing of it: it may hold an
   * ended side's bytes until a reply decides how to frame them (SMTP after AUTH/DATA/STARTTLS).
   */
  private readonly unframed = { client: new Unframed(), server: new Unframed() };
  private readonly endPending = { client: false, server: false };
  /** IMAP COMPRESS=DEFLATE is on: reads are relayed as they come, and decoded from a copy. */
  private compressTap: CompressTap | undefined;
  /** Stops reading the client while maxPendingCommands replies are owed (owed-replies.ts). */
  private readonly owedReplies: OwedReplies;
  /** Explains the user's mistakes as they happen (hints). */
  private readonly spotter: MistakeSpotter;

  constructor(
    private readonly host: RelayHost,
    private readonly options: RelayOptions,
  ) {
    this.codec = options.codec;
    this.spotter = new MistakeSpotter(options.protocol);
    this.gate = new TapGate(options.tap, { toServer: (b) => void host.upstream?.write(b), finished: () => host.finished, clientTls: () => !!host.client.tls });
    this.owedReplies = new OwedReplies(host.client, options.limits.maxPendingCommands, (ev) => host.emit(ev));
  }

  /** A read from `side`'s socket. */
  read(side: Side, chunk: Buffer): void {
    if (this.compressTap) return this.relayCompressed(side, chunk);
    this.dispatch(this.feed(side, chunk));
  }

  /** `side` sent its FIN: flush what the codec holds of it, then pass the FIN on. */
  ended(side: Side): void {
    if (side === 'server') this.owedReplies.release();
    this.endPending[side] = true;
    this.endCodec(side);
  }

  /** What the codec still holds of an ended side: relayed and recorded, or (compressed) recorded. */
  endCodec(side: Side): void {
    if (!this.compressTap) return this.dispatch(this.codec.end(side));
    this.compressTap.end(side);
    this.propagateEnds();
  }

  /** Resolves once compressed reads still inflating have been recorded (none without COMPRESS). */
  settled(): Promise<void> | undefined {
    return this.compressTap ? this.compressTap.settled().finally(() => this.compressTap?.close()) : undefined;
  }

  record(ev: CodecEvent): void {
    if (isGoodbye(ev)) this.saidGoodbye = true;
    const { rec, client, upstream } = this.host;
    // With --no-record and no observer nothing reads the event: do not build it (per body chunk
    // that is a base64 copy and a note string).
    if (!rec.wanted) return;
    const tls = ev.type === 'unit' ? (ev.side === 'client' ? !!client.tls : !!upstream?.tls) : false;
    const ahead = ev.type === 'unit' ? (ev as RelayedUnit).ahead : undefined;
    if (!ahead) this.host.emit(recordEventFromCodec(ev, rec.now(), { tls }));
    else {
      // Its first bytes are in the partial units recorded when they went out: record the rest.
      const rest = recordEventFromCodec({ ...(ev as UnitEvent), bytes: unsentBytes(ev as UnitEvent) }, rec.now(), { tls }) as UnitRecord;
      rest.ahead = ahead;
      this.host.emit(rest);
    }
    for (const h of this.spotter.observe(ev, { clientTls: !!client.tls })) this.host.hint(h);
  }

  private feed(side: Side, bytes: Buffer): CodecEvent[] {
    this.unframed[side].fed(bytes);
    return this.codec.feed(side, bytes);
  }

  /** Bytes mailtap says in the server's place (a greeting read early, a tap's answer, its own STARTTLS). */
  fromServer(bytes: Buffer): void {
    this.dispatch(this.feed('server', bytes));
  }

  /** Compressed stream: relay the read unchanged now, decode a copy for the notes. */
  private relayCompressed(side: Side, chunk: Buffer): void {
    (side === 'client' ? this.host.upstream : this.host.client)?.write(chunk);
    this.compressTap!.wire(side, chunk);
    if (this.host.upstream) this.applyBackpressure();
  }

  private startCompression(): void {
    this.compressTap = new CompressTap({
      codec: this.codec,
      maxInflateBytes: this.options.limits.maxInflateBytes,
      record: (events) => {
        for (const ev of events) if (ev.type !== 'upgrade-tls') this.record(ev);
      },
      failed: (side, message) => this.host.emit({ type: 'error', dir: 'proxy', code: 'E_LIMIT', side, message: `${message}: the ${side} stream is no longer decoded, only relayed` } as RecordEvent),
    });
  }

  private dispatch(events: CodecEvent[]): void {
    let upgrade: UpgradeTlsEvent | undefined;
    for (const ev of events) {
      if (ev.type === 'upgrade-tls') upgrade = ev;
      else if (ev.type === 'unit' || ev.type === 'injection') {
        const ahead = this.unframed[ev.side].framed(ev.bytes.length);
        if (ahead) (ev as RelayedUnit).ahead = ahead;
      }
    }
    if (upgrade) {
      this.unframed.client.clear();
      this.unframed.server.clear();
      this.host.startTls(events, upgrade);
      return;
    }
    const { client, upstream } = this.host;
    if (!upstream) return;
    let localStartTls: string | false = false;
    const held: TapHold[] = [];
    for (let ev of events) {
      if (ev.type === 'compress') this.startCompression();
      else if (ev.type === 'unit' && this.compressTap) {
        // Held past the COMPRESS boundary: compressed wire bytes. Relay (behind a tap's delay), then decode a copy.
        if (ev.side === 'client') this.gate.toServer(unsentBytes(ev));
        else client.write(unsentBytes(ev));
        this.compressTap.wire(ev.side, ev.bytes);
        continue;
      }
      if (ev.type === 'unit') {
        const hold = ev.side === 'client' ? this.gate.client(ev, held) : undefined;
        if (hold?.delayMs !== undefined) this.gate.delay(ev.bytes, hold.delayMs);
        else if (hold) held.push(hold);
        else if (ev.side === 'client' && ev.kind === 'command' && this.upstreamIsImplicit && isStartTlsCommand(ev.verb)) localStartTls = ev.tag ?? '';
        else {
          // The codec read the server's own bytes; the client gets (and the record shows) these.
          if (ev.side === 'server' && this.offersLocalStartTls) ev = withStartTlsOffer(this.options.protocol, ev);
          if (ev.side === 'server') ev = this.gate.server(ev);
          if (ev.side === 'client') this.gate.toServer(unsentBytes(ev));
          else client.write(unsentBytes(ev));
        }
      }
      this.record(ev);
    }
    if (held.length) return this.answerHeld(held);
    if (localStartTls !== false) {
      this.host.emit({ type: 'info', dir: 'proxy', message: 'mailtap answers this STARTTLS itself: the server leg is already TLS' } as RecordEvent);
      this.fromServer(localStartTlsAcceptance(this.options.protocol, localStartTls || undefined));
      return;
    }
    this.forwardUnframed();
    this.applyBackpressure();
    this.propagateEnds();
  }

  /**
   * No byte waits for a line end: what the codec holds only for framing goes out at the end of
   * the read that brought it, recorded as a partial unit. Not past a STARTTLS/STLS/COMPRESS
   * command awaiting its verdict (those bytes may belong to the other side of the boundary), and
   * not where mailtap itself acts on whole units: an audit tap, or the STARTTLS mailtap answers
   * (and offers) in front of an implicit-TLS server.
   */
  private forwardUnframed(): void {
    const { client, upstream, rec } = this.host;
    if (!upstream || this.host.finished || this.codec.atBoundary || this.options.tap || this.compressTap) return;
    if (this.upstreamIsImplicit && !client.tls) return;
    for (const side of ['client', 'server'] as const) {
      const bytes = this.unframed[side].takeUnsent();
      if (!bytes) continue;
      (side === 'client' ? upstream : client).write(bytes);
      if (rec.wanted) this.host.emit(partialRecord(side, bytes, rec.now(), !!(side === 'client' ? client.tls : upstream.tls)));
    }
  }

  /** Passes a side's half-close on once the codec has released everything that side sent. */
  private propagateEnds(): void {
    for (const side of ['client', 'server'] as const) {
      if (!this.endPending[side]) continue;
      const passOn = () => {
        if (!this.endPending[side]) return;
        this.endPending[side] = false;
        (side === 'client' ? this.host.upstream : this.host.client)?.end();
      };
      if (this.unframed[side].holds === 0) passOn();
      // A reply that never completes must not keep the FIN forever: pass it on after a grace.
      else setTimeout(passOn, Math.min(2000, this.options.limits.connectTimeoutMs)).unref();
    }
  }

  /** A plaintext client in front of an implicit-TLS server: mailtap itself offers STARTTLS. */
  private get offersLocalStartTls(): boolean {
    return this.upstreamIsImplicit && this.options.route.listen.tls !== 'implicit' && !this.host.client.tls;
  }

  private get upstreamIsImplicit(): boolean {
    return this.options.route.upstream.tls === 'implicit';
  }

  /** Client units the tap kept back: say why, answer in the server's place, end if asked. */
  private answerHeld(held: TapHold[]): void {
    const ending = held.find((h) => h.end);
    for (const h of new Set(held.map((x) => x.why))) this.host.emit({ type: 'info', dir: 'proxy', message: h.en, note: h.en, note_es: h.es } as RecordEvent);
    for (const h of held) if (h.answer.length && !this.host.finished) this.fromServer(h.answer);
    if (!ending || this.host.finished) return;
    this.host.endAfterTap(ending.why.en);
  }

  private applyBackpressure(): void {
    const { client, rec } = this.host;
    const upstream = this.host.upstream!;
    if (upstream.needsDrain) {
      client.pause('upstream-full');
      upstream.socket.once('drain', () => client.resume('upstream-full'));
    }
    if (client.needsDrain) {
      upstream.pause('client-full');
      client.socket.once('drain', () => upstream.resume('client-full'));
    }
    if (rec.needsDrain) {
      client.pause('recorder');
      upstream.pause('recorder');
    }
    this.owedReplies.check(this.codec.commandsAwaitingReply);
  }
}
