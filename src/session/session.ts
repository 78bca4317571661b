// One proxied session: a client leg, an upstream leg, the protocol codec watching both, and the
// recording. Bytes are forwarded as the codec frames them (units), so the codec decides where a
// STARTTLS boundary falls; the protocol state, never sniffing, decides when TLS starts. What the
// codec holds only for framing (a line without its end) goes out at the end of each read anyway
// (unframed.ts): no byte waits for a CRLF.
// Failures are answered in-protocol (421 / -ERR / * BYE / 454) and recorded with their cause.

import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { Logger } from 'pino';
import { MailtapError, describeError } from '../core/errors.js';
import type { Limits } from '../core/limits.js';
import { formatMailUrl, type Route } from '../core/mail-url.js';
import type { CertificateAuthority } from '../ca/index.js';
import type { Codec, CodecEvent, ProtocolModule, Side, UnitEvent, UpgradeTlsEvent } from '../protocol/types.js';
import type { RecordEvent, CloseEvent } from '../record/schema.js';
import { recordEventFromCodec } from '../record/from-codec.js';
import { isStartTlsCommand, localStartTlsAcceptance, withStartTlsOffer } from './local-starttls.js';
import { clientTlsOptions, leafNames } from './client-certificates.js';
import type { ClientTlsOptions } from '../transport/tls-wrap.js';
import { certificateNames, tlsInfoOf } from '../transport/tls-info.js';
import type { UpstreamTrust } from '../transport/upstream-trust.js';
import { Leg } from './leg.js';
import { clientEndpoint, sessionHeader, type ClientEndpoint } from './header.js';
import { MistakeSpotter } from '../protocol/hints.js';
import { isGoodbye } from '../protocol/goodbye.js';
import type { HintEvent } from '../protocol/types.js';
import { acceptImplicitTls, untrustedUpstreamHint } from './tls-mistakes.js';
import { CompressTap } from './compress-tap.js';
import type { SessionTap, TapHold } from './tap.js';
import { TapGate } from './tap-gate.js';
import { oneLine, upgradeBothLegs } from './starttls-upgrade.js';
import { closeWhenFlushed } from './teardown.js';
import { leftBeforeTls, leftReason, type ClientProgress, type Leaving } from './leave-reasons.js';
import { OwedReplies } from './owed-replies.js';
import { SessionRecord, type SessionObserver } from './session-record.js';
import { openUpstreamLeg } from './upstream-leg.js';
import { Unframed, unsentBytes, type RelayedUnit } from './unframed.js';
import { partialRecord } from '../record/partials.js';
import type { UnitRecord } from '../record/schema.js';

export type { SessionObserver } from './session-record.js';

export interface SessionOptions {
  id: string;
  route: Route;
  module: ProtocolModule;
  ca: CertificateAuthority;
  trust: UpstreamTrust;
  limits: Limits;
  /** Directory for recordings; undefined with --no-record. */
  recordingsDir?: string;
  observer?: SessionObserver;
  redact?: boolean;
  logger?: Logger;
  /** Names of the upstream certificate seen before on this route, reused for the leaf. */
  knownUpstreamNames?: string[];
  onUpstreamNames?: (names: string[]) => void;
  version: string;
  /** An active part in the dialogue (mailtap audit); see tap.ts. */
  tap?: SessionTap;
}

export class ProxySession {
  readonly id: string;
  readonly done: Promise<void>;
  private resolveDone!: () => void;
  private readonly codec: Codec;
  private readonly client: Leg;
  private readonly clientEnd: ClientEndpoint;
  private upstream: Leg | undefined;
  /** The recording file and the observer (session-record.ts). */
  private readonly rec: SessionRecord;
  private finished = false;
  private upgrading = false;
  private closeReason: string | undefined;
  private clientBytesInTls = 0;
  /** The client's TLS handshake has completed (client.tls is set from its start). */
  private clientTlsDone = false;
  private upstreamNames: string[];
  private readonly idleTimer: NodeJS.Timeout;
  /** Both legs are wired (client TLS done on implicit listeners); bytes may flow. */
  private ready = false;
  /** The server has sent its first byte (all three protocols greet first). */
  private serverSpoke = false;
  private greetingTimer: NodeJS.Timeout | undefined;
  /** The server hung up before the client leg was ready; answered once it is. */
  private upstreamGone: MailtapError | undefined;
  /**
   * Bytes fed to the codec per side, and bytes it has given back (units + injections). A side's
   * FIN is passed on only once they match: the codec may hold an ended side's bytes until a
   * reply decides how to frame them (SMTP after AUTH/DATA/STARTTLS), and those must go first.
   */
  private readonly fed = { client: 0, server: 0 };
  private readonly accounted = { client: 0, server: 0 };
  private readonly endPending = { client: false, server: false };
  /** What the codec holds of each side only for framing, forwarded without waiting (unframed.ts). */
  private readonly unframed = { client: new Unframed(), server: new Unframed() };
  /** IMAP COMPRESS=DEFLATE is on: reads are relayed as they come, and decoded from a copy. */
  private compressTap: CompressTap | undefined;
  /** Stops reading the client while maxPendingCommands replies are owed (owed-replies.ts). */
  private readonly owedReplies: OwedReplies;
  /** The audit's tap on the forwarding path (a pass-through without one). */
  private readonly gate: TapGate;
  /** Explains the user's mistakes as they happen (hints). */
  private readonly spotter: MistakeSpotter;
  /** The server said goodbye (221, +OK to QUIT, BYE): a reset after it is a normal close. */
  private saidGoodbye = false;

  constructor(
    clientSocket: Socket,
    private readonly options: SessionOptions,
  ) {
    this.id = options.id;
    this.done = new Promise((resolve) => (this.resolveDone = resolve));
    this.codec = options.module.createCodec({ limits: options.limits, tls: options.route.listen.tls === 'implicit' });
    this.upstreamNames = options.knownUpstreamNames ?? [];
    this.rec = new SessionRecord({
      id: options.id,
      recordingsDir: options.recordingsDir,
      maxBytes: options.limits.maxRecordingBytes,
      redact: !!options.redact,
      observer: options.observer,
      logger: options.logger,
      onDrain: () => {
        this.client.resume('recorder');
        this.upstream?.resume('recorder');
      },
    });
    this.spotter = new MistakeSpotter(options.module.protocol);
    this.clientEnd = clientEndpoint(clientSocket);
    clientSocket.setNoDelay(true);
    this.client = new Leg(clientSocket, this.handlersFor('client'));
    this.gate = new TapGate(options.tap, { toServer: (b) => void this.upstream?.write(b), finished: () => this.finished, clientTls: () => !!this.client.tls });
    this.owedReplies = new OwedReplies(this.client, options.limits.maxPendingCommands, (ev) => this.emit(ev));
    this.client.pause('connecting');
    this.client.attach(clientSocket);
    this.idleTimer = setTimeout(() => this.finish(`idle for ${options.limits.idleTimeoutMs} ms`, 'E_IDLE_TIMEOUT'), options.limits.idleTimeoutMs);
    this.idleTimer.unref();
  }

  /** Runs the session until both legs are closed; never rejects. */
  async run(): Promise<void> {
    try {
      const { module, route, version, redact } = this.options;
      await this.rec.open(sessionHeader({ id: this.id, protocol: module.protocol, route, version, redact: !!redact }, this.clientEnd));
      // No peer address at accept: the client had reset the connection already (a scanner).
      if (!this.clientEnd.address) this.finish('the client reset the connection before mailtap accepted it');
      else await this.connect();
    } catch (err) {
      this.logError(err);
      this.emit({ type: 'error', dir: 'proxy', code: (err as MailtapError).code ?? 'E_PROTOCOL', message: describeError(err) } as RecordEvent);
      this.finish(describeError(err));
    }
    return this.done;
  }

  /** Graceful stop (SIGINT): flush what is queued, half-close both legs, finalise the recording. */
  shutdown(reason = 'mailtap is shutting down'): void {
    this.closeReason ??= reason;
    this.client.end();
    this.upstream?.end();
    setTimeout(() => this.finish(reason), 2000).unref();
  }

  /** The process guard caught an error that escaped: end this session if one of its sockets died. */
  reapIfBroken(err: unknown): void {
    if (this.finished) return;
    if (!this.client.raw.destroyed && !this.upstream?.raw.destroyed) return;
    this.emit({ type: 'error', dir: 'proxy', code: 'E_PROTOCOL', message: `internal error: ${describeError(err)}` } as RecordEvent);
    this.finish(`internal error: ${describeError(err)}`);
  }

  // ── setup ────────────────────────────────────────────────────────────────

  private async connect(): Promise<void> {
    const { route, trust, limits } = this.options;
    this.emit({ type: 'connect', dir: 'proxy', message: `client ${this.clientEnd.address}:${this.clientEnd.port} → ${formatMailUrl(route.upstream)}` } as RecordEvent);
    let upstreamFailure: unknown;
    let pendingGreeting: Buffer | undefined;
    try {
      const opened = await openUpstreamLeg({
        route,
        trust,
        timeoutMs: limits.connectTimeoutMs,
        handlers: this.handlersFor('server'),
        clientGone: () => this.finished,
        adopt: (leg) => (this.upstream = leg),
      });
      if (!opened) return;
      if (opened.bridgeTranscript) this.emit({ type: 'info', dir: 'proxy', message: `mailtap upgraded the server leg with STARTTLS itself:\n${opened.bridgeTranscript.join('\n')}` } as RecordEvent);
      if (opened.tls) this.noteUpstreamTls(opened.tls);
      pendingGreeting = opened.greeting;
    } catch (err) {
      upstreamFailure = err;
    }
    if (this.finished) return;
    if (route.listen.tls === 'implicit') {
      let accepted;
      try {
        accepted = await acceptImplicitTls(this.client, await this.clientTlsOptions(), this.options.module.protocol, (h) => this.hint(h));
      } catch (err) {
        this.upstream?.destroy();
        throw err;
      }
      if ('plaintext' in accepted) {
        this.upstream?.destroy();
        // One line with the fix, not OpenSSL's "wrong version number" as error, log and close reason.
        this.hint(accepted.plaintext);
        this.finish('the client spoke plaintext to an implicit-TLS port');
        return;
      }
      this.client.attach(accepted.socket, accepted.socket);
      this.clientTlsDone = true;
      this.emit({ type: 'tls', dir: 'proxy', ...tlsInfoOf(accepted.socket, 'client') } as RecordEvent);
    }
    if (upstreamFailure) {
      this.refuse(this.options.module.upstreamFailure(oneLine(describeError(upstreamFailure))), upstreamFailure);
      return;
    }
    this.ready = true;
    if (this.upstreamGone) {
      this.refuse(this.options.module.upstreamFailure(this.upstreamGone.message), this.upstreamGone);
      return;
    }
    this.client.resume('connecting');
    this.upstream?.resume('connecting');
    if (pendingGreeting) {
      this.serverSpoke = true;
      this.dispatch(this.feed('server', pendingGreeting));
    } else {
      // A server that accepts and never greets would leave the client waiting for the idle timeout.
      this.greetingTimer = setTimeout(() => {
        const err = new MailtapError('E_UPSTREAM_TIMEOUT', `timed out: the server sent no greeting within ${limits.connectTimeoutMs} ms`, { side: 'server' });
        this.refuse(this.options.module.upstreamFailure(err.message), err);
      }, limits.connectTimeoutMs);
      this.greetingTimer.unref();
    }
  }

  /** The server hung up before its greeting: answer the client like an unreachable server. */
  private upstreamClosedEarly(what: string): void {
    const err = new MailtapError('E_UPSTREAM_CLOSED', `the server ${what} before its greeting`, { side: 'server' });
    if (!this.ready) this.upstreamGone ??= err;
    else this.refuse(this.options.module.upstreamFailure(err.message), err);
  }

  private clientTlsOptions(): Promise<ClientTlsOptions> {
    const { ca, route, limits, tap } = this.options;
    if (tap?.clientTls) return tap.clientTls();
    return clientTlsOptions(ca, (sni) => leafNames(route, this.upstreamNames, sni), limits.connectTimeoutMs);
  }

  private noteUpstreamTls(socket: TLSSocket): void {
    const info = tlsInfoOf(socket, 'upstream', this.options.route.upstream.host);
    const names = certificateNames(info.certificate);
    if (names.length) {
      this.upstreamNames = names;
      this.options.onUpstreamNames?.(names);
    }
    this.emit({ type: 'tls', dir: 'proxy', ...info } as RecordEvent);
  }

  /** Answer the client in-protocol, record why, close. */
  private refuse(reply: Buffer, cause: unknown): void {
    this.emit({ type: 'error', dir: 'proxy', code: (cause as MailtapError).code ?? 'E_PROTOCOL', message: describeError(cause) } as RecordEvent);
    const untrusted = untrustedUpstreamHint(cause);
    if (untrusted) this.hint(untrusted);
    this.logError(cause);
    const sock = this.client.socket;
    if (!sock.destroyed) sock.end(reply);
    this.finish(describeError(cause), undefined, true);
  }

  // ── the data path ───────────────────────────────────────────────────────

  private handlersFor(side: Side) {
    return {
      data: (chunk: Buffer) => this.onData(side, chunk),
      end: () => this.onEnd(side),
      close: () => this.onClose(side),
      error: (err: Error) => this.onError(side, err),
    };
  }

  private onData(side: Side, chunk: Buffer): void {
    if (this.finished || this.upgrading) return;
    this.idleTimer.refresh();
    if (side === 'server' && !this.serverSpoke) {
      this.serverSpoke = true;
      clearTimeout(this.greetingTimer);
    }
    if (side === 'client' && this.client.tls) this.clientBytesInTls += chunk.length;
    if (this.compressTap) return this.relayCompressed(side, chunk);
    this.dispatch(this.feed(side, chunk));
  }

  /** Compressed stream: relay the read unchanged now, decode a copy for the notes. */
  private relayCompressed(side: Side, chunk: Buffer): void {
    this.fed[side] += chunk.length;
    this.accounted[side] += chunk.length;
    (side === 'client' ? this.upstream : this.client)?.write(chunk);
    this.compressTap!.wire(side, chunk);
    if (this.upstream) this.applyBackpressure();
  }

  private startCompression(): void {
    this.compressTap = new CompressTap({
      codec: this.codec,
      maxInflateBytes: this.options.limits.maxInflateBytes,
      record: (events) => {
        for (const ev of events) if (ev.type !== 'upgrade-tls') this.record(ev, false);
      },
      failed: (side, message) => this.emit({ type: 'error', dir: 'proxy', code: 'E_LIMIT', side, message: `${message}: the ${side} stream is no longer decoded, only relayed` } as RecordEvent),
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
      void this.startTls(events, upgrade);
      return;
    }
    const upstream = this.upstream;
    if (!upstream) return;
    const client = this.client;
    let localStartTls: string | false = false;
    const held: TapHold[] = [];
    for (let ev of events) {
      if (ev.type === 'compress') this.startCompression();
      else if (ev.type === 'unit' && this.compressTap) {
        // Held past the COMPRESS boundary: compressed wire bytes. Relay (behind a tap's delay), then decode a copy.
        if (ev.side === 'client') this.gate.toServer(unsentBytes(ev));
        else client.write(unsentBytes(ev));
        this.accounted[ev.side] += ev.bytes.length;
        this.compressTap.wire(ev.side, ev.bytes);
        continue;
      }
      if (ev.type === 'unit') {
        const hold = ev.side === 'client' ? this.gate.client(ev, held) : undefined;
        if (hold?.delayMs !== undefined) this.gate.delay(ev.bytes, hold.delayMs);
        else if (hold) held.push(hold);
        else if (ev.side === 'client' && ev.kind === 'command' && this.upstreamIsImplicit && isStartTlsCommand(ev.verb)) localStartTls = ev.tag ?? '';
        else {
          if (ev.side === 'server' && this.offersLocalStartTls) ev = this.withStartTlsOffer(ev);
          if (ev.side === 'server') ev = this.tapServer(ev);
          if (ev.side === 'client') this.gate.toServer(unsentBytes(ev));
          else client.write(unsentBytes(ev));
        }
      }
      this.record(ev);
    }
    if (held.length) return this.answerHeld(held);
    if (localStartTls !== false) {
      this.emit({ type: 'info', dir: 'proxy', message: 'mailtap answers this STARTTLS itself: the server leg is already TLS' } as RecordEvent);
      this.dispatch(this.feed('server', localStartTlsAcceptance(this.options.module.protocol, localStartTls || undefined)));
      return;
    }
    this.forwardUnframed();
    this.applyBackpressure();
    this.propagateEnds();
  }

  private feed(side: Side, bytes: Buffer): CodecEvent[] {
    this.fed[side] += bytes.length;
    this.unframed[side].fed(bytes);
    return this.codec.feed(side, bytes);
  }

  /**
   * No byte waits for a line end: what the codec holds only for framing goes out at the end of
   * the read that brought it, recorded as a partial unit. Not past a STARTTLS/STLS/COMPRESS
   * command awaiting its verdict (those bytes may belong to the other side of the boundary), and
   * not where mailtap itself acts on whole units: an audit tap, or the STARTTLS mailtap answers
   * (and offers) in front of an implicit-TLS server.
   */
  private forwardUnframed(): void {
    const upstream = this.upstream;
    if (!upstream || this.finished || this.codec.atBoundary || this.options.tap || this.compressTap) return;
    if (this.upstreamIsImplicit && !this.client.tls) return;
    for (const side of ['client', 'server'] as const) {
      const bytes = this.unframed[side].takeUnsent();
      if (!bytes) continue;
      const leg = side === 'client' ? upstream : this.client;
      leg.write(bytes);
      if (this.rec.wanted) this.emit(partialRecord(side, bytes, this.rec.now(), !!(side === 'client' ? this.client.tls : upstream.tls)));
    }
  }

  /** Passes a side's half-close on once the codec has released everything that side sent. */
  private propagateEnds(): void {
    for (const side of ['client', 'server'] as const) {
      if (!this.endPending[side]) continue;
      const passOn = () => {
        if (!this.endPending[side]) return;
        this.endPending[side] = false;
        (side === 'client' ? this.upstream : this.client)?.end();
      };
      if (this.accounted[side] >= this.fed[side]) passOn();
      // A reply that never completes must not keep the FIN forever: pass it on after a grace.
      else setTimeout(passOn, Math.min(2000, this.options.limits.connectTimeoutMs)).unref();
    }
  }

  /** A plaintext client in front of an implicit-TLS server: mailtap itself offers STARTTLS. */
  private get offersLocalStartTls(): boolean {
    return this.upstreamIsImplicit && this.options.route.listen.tls !== 'implicit' && !this.client.tls;
  }

  /** The server's capability list as the client gets it: with the STARTTLS offer mailtap answers. */
  private withStartTlsOffer(ev: UnitEvent): UnitEvent {
    const offered = withStartTlsOffer(this.options.module.protocol, ev);
    // The codec was fed the server's bytes: account for those, record what the client got.
    this.accounted.server += ev.bytes.length - offered.bytes.length;
    return offered;
  }

  private tapServer(ev: UnitEvent): UnitEvent {
    const tapped = this.gate.server(ev);
    // As with the STARTTLS offer: the codec was fed the server's bytes, the client gets these.
    this.accounted.server += ev.bytes.length - tapped.bytes.length;
    return tapped;
  }

  /** Client units the tap kept back: say why, answer in the server's place, end if asked. */
  private answerHeld(held: TapHold[]): void {
    const ending = held.find((h) => h.end);
    for (const h of new Set(held.map((x) => x.why))) this.emit({ type: 'info', dir: 'proxy', message: h.en, note: h.en, note_es: h.es } as RecordEvent);
    for (const h of held) if (h.answer.length && !this.finished) this.dispatch(this.feed('server', h.answer));
    if (!ending || this.finished) return;
    this.client.end();
    this.finish(ending.why.en, undefined, true);
  }

  private get upstreamIsImplicit(): boolean {
    return this.options.route.upstream.tls === 'implicit';
  }

  private applyBackpressure(): void {
    const upstream = this.upstream!;
    if (upstream.needsDrain) {
      this.client.pause('upstream-full');
      upstream.socket.once('drain', () => this.client.resume('upstream-full'));
    }
    if (this.client.needsDrain) {
      upstream.pause('client-full');
      this.client.socket.once('drain', () => upstream.resume('client-full'));
    }
    if (this.rec.needsDrain) {
      this.client.pause('recorder');
      upstream.pause('recorder');
    }
    this.owedReplies.check(this.codec.commandsAwaitingReply);
  }

  /** STARTTLS/STLS accepted by the server: both legs move to TLS (starttls-upgrade.ts). */
  private startTls(events: CodecEvent[], upgrade: UpgradeTlsEvent): Promise<void> {
    const { route, trust, limits } = this.options;
    return upgradeBothLegs(
      {
        client: this.client,
        upstream: this.upstream!,
        upstreamTlsOptions: { host: route.upstream.host, trust, timeoutMs: limits.connectTimeoutMs },
        isFinished: () => this.finished,
        setUpgrading: (on) => (this.upgrading = on),
        record: (ev) => this.record(ev),
        tapServer: (ev) => this.tapServer(ev),
        emit: (ev) => this.emit(ev),
        noteUpstreamTls: (socket) => this.noteUpstreamTls(socket),
        clientTlsOptions: () => this.clientTlsOptions(),
        clientSecured: () => (this.clientTlsDone = true),
        refuse: (reply, cause) => this.refuse(reply, cause),
        clientTlsFailed: (err) => {
          this.emit({ type: 'error', dir: 'proxy', code: 'E_CLIENT_TLS', message: describeError(err) } as RecordEvent);
          this.logError(err);
          this.finish(describeError(err));
        },
      },
      events,
      upgrade,
    );
  }

  private onEnd(side: Side): void {
    if (this.finished) return;
    if (side === 'server' && !this.serverSpoke) return this.upstreamClosedEarly('closed the connection');
    this.closeReason ??= this.leftReason(side, 'closed the connection');
    // On an implicit-TLS port a client that ends before its handshake cannot say anything more.
    if (side === 'client' && this.options.route.listen.tls === 'implicit' && !this.clientTlsDone) return this.finish(this.closeReason);
    if (side === 'server') this.owedReplies.release();
    // Propagate the half-close so the peer sees EOF exactly where the other side stopped.
    this.endPending[side] = true;
    this.endCodec(side);
    // Graceful: the last reply may still be on its way to a client that half-closed first.
    if (this.client.ended && (!this.upstream || this.upstream.ended)) this.finish(this.closeReason ?? 'both sides closed', undefined, true);
  }

  /** What the codec still holds of an ended side: relayed and recorded, or (compressed) recorded. */
  private endCodec(side: Side): void {
    if (!this.compressTap) return this.dispatch(this.codec.end(side));
    this.compressTap.end(side);
    this.propagateEnds();
  }

  /**
   * A socket of `side` is gone (both directions): nothing more can pass through that leg, so the
   * session ends now, whatever state it is in (connecting, upgrading, draining): a peer's 'drain'
   * or FIN that would never come must not hold the other leg until the idle timeout.
   */
  private onClose(side: Side): void {
    if (this.finished) return;
    if (side === 'server' && !this.serverSpoke && !this.upstream?.ended && !this.upgrading) return this.upstreamClosedEarly('reset the connection');
    const other = side === 'client' ? this.upstream : this.client;
    const leg = side === 'client' ? this.client : this.upstream;
    const who = side === 'client' ? 'client' : 'server';
    if (leg && !leg.ended) {
      // Closed without a FIN (reset or destroyed): what the codec still held (a partial reply or
      // command) is forwarded and recorded, then the reset is passed on. Mid-upgrade the codec
      // already waits for TLS bytes: nothing of it may reach a socket in plaintext.
      if (!this.upgrading) this.endCodec(side);
      other?.reset();
      const goodbye = side === 'client' && this.saidGoodbye ? 'client closed the connection after its goodbye' : undefined;
      this.finish(this.closeReason ?? goodbye ?? this.leftReason(side, 'connection reset'));
      return;
    }
    // Closed after its FIN: the client may still be reading what the server said last.
    this.finish(this.closeReason ?? `${who} closed the connection`, undefined, side === 'server');
  }

  private clientProgress(): ClientProgress {
    const tls = { implicitListener: this.options.route.listen.tls === 'implicit', tlsDone: this.clientTlsDone };
    return { ...tls, bytesRead: this.client.raw.bytesRead, bytesInTls: this.clientBytesInTls };
  }

  /** Why `side` left; a silent hang-up right after TLS is recorded as the certificate hint. */
  private leftReason(side: Side, how: Leaving): string {
    const { reason, silentTls } = leftReason(side, how, this.clientProgress());
    if (silentTls) {
      this.emit({ type: 'error', dir: 'proxy', code: 'E_CLIENT_TLS', message: reason } as RecordEvent);
      this.options.logger?.warn({ session: this.id }, reason);
    }
    return reason;
  }

  private onError(side: Side, err: Error): void {
    if (this.finished) return;
    if (side === 'client' && this.saidGoodbye) {
      this.closeReason ??= 'client closed the connection after its goodbye';
      return;
    }
    const beforeTls = side === 'client' ? leftBeforeTls(this.clientProgress(), describeError(err)) : undefined;
    this.closeReason ??= beforeTls ?? `${side === 'client' ? 'client' : 'server'} error: ${describeError(err)}`;
    this.emit({ type: 'error', dir: 'proxy', code: side === 'client' ? (beforeTls ? 'E_CLIENT_TLS' : 'E_CLIENT') : 'E_UPSTREAM_CLOSED', message: beforeTls ?? describeError(err) } as RecordEvent);
  }

  // ── recording and the end ───────────────────────────────────────────────

  /** `relayed`: the event's bytes were fed from the wire (false for inflated COMPRESS bytes). */
  private record(ev: CodecEvent, relayed = true): void {
    if (relayed && (ev.type === 'unit' || ev.type === 'injection')) this.accounted[ev.side] += ev.bytes.length;
    if (isGoodbye(ev)) this.saidGoodbye = true;
    // With --no-record and no observer nothing reads the event: do not build it (per body chunk
    // that is a base64 copy and a note string).
    if (!this.rec.wanted) return;
    const tls = ev.type === 'unit' ? (ev.side === 'client' ? !!this.client.tls : !!this.upstream?.tls) : false;
    const ahead = ev.type === 'unit' ? (ev as RelayedUnit).ahead : undefined;
    if (!ahead) this.emit(recordEventFromCodec(ev, this.rec.now(), { tls }));
    else {
      // Its first bytes are in the partial units recorded when they went out: record the rest.
      const rest = recordEventFromCodec({ ...(ev as UnitEvent), bytes: unsentBytes(ev as UnitEvent) }, this.rec.now(), { tls }) as UnitRecord;
      rest.ahead = ahead;
      this.emit(rest);
    }
    for (const h of this.spotter.observe(ev, { clientTls: !!this.client.tls })) this.hint(h);
  }

  private hint(h: HintEvent): void {
    this.emit(recordEventFromCodec(h, this.rec.now(), { tls: false }));
  }

  private emit(event: RecordEvent): void {
    this.rec.emit(event);
  }

  /** Ends the session once. `graceful`: let the client read what was just written to it. */
  private finish(reason: string, code?: string, graceful = false): void {
    if (this.finished) return;
    this.finished = true;
    clearTimeout(this.idleTimer);
    clearTimeout(this.greetingTimer);
    if (code) this.emit({ type: 'error', dir: 'proxy', code, message: reason } as RecordEvent);
    if (graceful) closeWhenFlushed(this.client, 2000);
    else this.client.destroy();
    this.upstream?.destroy();
    const close = {
      t: this.rec.now(),
      dir: 'proxy',
      type: 'close',
      reason,
      bytes: { c2s: this.upstream?.bytesOut ?? 0, s2c: this.client.bytesOut },
    } as CloseEvent;
    // Compressed: the last reads may still be inflating; their units belong before the close.
    const decoded = this.compressTap ? this.compressTap.settled().finally(() => this.compressTap?.close()) : undefined;
    void this.rec.close(close, decoded, (err) => this.logError(err)).finally(() => this.resolveDone());
  }

  private logError(err: unknown): void {
    const log = this.options.logger;
    if (!log) return;
    const code = err instanceof MailtapError ? err.code : undefined;
    log.warn({ session: this.id, code, err: describeError(err) }, describeError(err));
  }
}
