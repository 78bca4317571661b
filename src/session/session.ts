// One proxied session: a client leg, an upstream leg, and their lifecycle: connecting, implicit
// TLS and STARTTLS on both legs, leaving, the end and its recording. The data path (the codec,
// forwarding, units on record) is relay.ts; the protocol state, never sniffing, decides when TLS
// starts. Failures are answered in-protocol (421 / -ERR / * BYE / 454) and recorded with their cause.

import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { Logger } from 'pino';
import { MailtapError, describeError } from '../core/errors.js';
import type { Limits } from '../core/limits.js';
import { formatMailUrl, type Route } from '../core/mail-url.js';
import type { CertificateAuthority } from '../ca/index.js';
import type { CodecEvent, HintEvent, ProtocolModule, Side, UpgradeTlsEvent } from '../protocol/types.js';
import type { RecordEvent, CloseEvent } from '../record/schema.js';
import { recordEventFromCodec } from '../record/from-codec.js';
import { clientTlsOptions, leafNames } from './client-certificates.js';
import type { ClientTlsOptions } from '../transport/tls-wrap.js';
import { certificateNames, tlsInfoOf } from '../transport/tls-info.js';
import type { UpstreamTrust } from '../transport/upstream-trust.js';
import { Leg } from './leg.js';
import { clientEndpoint, sessionHeader, type ClientEndpoint } from './header.js';
import { acceptImplicitTls, untrustedUpstreamHint } from './tls-mistakes.js';
import type { SessionTap } from './tap.js';
import { oneLine, upgradeBothLegs } from './starttls-upgrade.js';
import { closeWhenFlushed } from './teardown.js';
import { leftBeforeTls, leftReason, type ClientProgress, type Leaving } from './leave-reasons.js';
import { SessionRecord, type SessionObserver } from './session-record.js';
import { openUpstreamLeg } from './upstream-leg.js';
import { Relay, type RelayHost } from './relay.js';

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
  /** The data path: codec, forwarding, recording of units (relay.ts). */
  private readonly relay: Relay;
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

  constructor(
    clientSocket: Socket,
    private readonly options: SessionOptions,
  ) {
    this.id = options.id;
    this.done = new Promise((resolve) => (this.resolveDone = resolve));
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
    this.clientEnd = clientEndpoint(clientSocket);
    clientSocket.setNoDelay(true);
    this.client = new Leg(clientSocket, this.handlersFor('client'));
    this.relay = this.createRelay();
    this.client.pause('connecting');
    this.client.attach(clientSocket);
    this.idleTimer = setTimeout(() => this.finish(`idle for ${options.limits.idleTimeoutMs} ms`, 'E_IDLE_TIMEOUT'), options.limits.idleTimeoutMs);
    this.idleTimer.unref();
  }

  private createRelay(): Relay {
    const { module, route, limits, tap } = this.options;
    const codec = module.createCodec({ limits, tls: route.listen.tls === 'implicit' });
    // The host reads live session state (the server leg comes later, the end at any time).
    const session = this;
    const host: RelayHost = {
      client: this.client,
      get upstream() {
        return session.upstream;
      },
      get finished() {
        return session.finished;
      },
      rec: this.rec,
      emit: (ev) => this.emit(ev),
      hint: (h) => this.hint(h),
      startTls: (events, upgrade) => void this.startTls(events, upgrade),
      endAfterTap: (reason) => {
        this.client.end();
        this.finish(reason, undefined, true);
      },
    };
    return new Relay(host, { protocol: module.protocol, codec, route, limits, tap });
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
      this.relay.fromServer(pendingGreeting);
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
    this.relay.read(side, chunk);
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
        record: (ev) => this.relay.record(ev),
        tapServer: (ev) => this.relay.gate.server(ev),
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
    // Propagate the half-close so the peer sees EOF exactly where the other side stopped.
    this.relay.ended(side);
    // Graceful: the last reply may still be on its way to a client that half-closed first.
    if (this.client.ended && (!this.upstream || this.upstream.ended)) this.finish(this.closeReason ?? 'both sides closed', undefined, true);
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
      if (!this.upgrading) this.relay.endCodec(side);
      other?.reset();
      const goodbye = side === 'client' && this.relay.saidGoodbye ? 'client closed the connection after its goodbye' : undefined;
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
    if (side === 'client' && this.relay.saidGoodbye) {
      this.closeReason ??= 'client closed the connection after its goodbye';
      return;
    }
    const beforeTls = side === 'client' ? leftBeforeTls(this.clientProgress(), describeError(err)) : undefined;
    this.closeReason ??= beforeTls ?? `${side === 'client' ? 'client' : 'server'} error: ${describeError(err)}`;
    this.emit({ type: 'error', dir: 'proxy', code: side === 'client' ? (beforeTls ? 'E_CLIENT_TLS' : 'E_CLIENT') : 'E_UPSTREAM_CLOSED', message: beforeTls ?? describeError(err) } as RecordEvent);
  }

  // ── recording and the end ───────────────────────────────────────────────

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
    void this.rec.close(close, this.relay.settled(), (err) => this.logError(err)).finally(() => this.resolveDone());
  }

  private logError(err: unknown): void {
    const log = this.options.logger;
    if (!log) return;
    const code = err instanceof MailtapError ? err.code : undefined;
    log.warn({ session: this.id, code, err: describeError(err) }, describeError(err));
  }
}
