// One mock-server connection: greets from the recording, frames the live client with the same
// codec the proxy uses (fed the live client bytes *and* the recorded server bytes we send, so it
// knows when a body or a TLS upgrade begins), matches each client step, and sends the recorded
// server units whose trigger has been reached. IMAP tags are rewritten to the client's own.

import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import { describeError } from '../core/errors.js';
import { DEFAULT_LIMITS } from '../core/limits.js';
import { findLiteralMarker } from '../protocol/imap/literal.js';
import { defaultLocalNames, type CertificateAuthority } from '../ca/index.js';
import type { Codec, CodecEvent, ProtocolModule } from '../protocol/types.js';
import { leafTlsOptions, wrapClient, type ClientTlsOptions } from '../transport/tls-wrap.js';
import { ClientStepTracker, type ClientStep } from './steps.js';
import { Deflater, InflatePair } from '../transport/deflate.js';
import { endingReply, isGoodbye, mismatchMessage, mismatchReply, stepsMatch } from './mismatch.js';
import type { ReplayScript } from './script.js';
import type { ReplayTap } from './replay-tap.js';

export interface ReplayOutcome {
  /** Every recorded client step was matched, with no mismatch. */
  matched: boolean;
  recording: string;
  stepsMatched: number;
  stepsExpected: number;
  mismatches: string[];
  /** Things worth knowing that did not fail the session (a client that left without QUIT). */
  notes: string[];
  /** The client sent not one byte (a port probe): not a session, not counted by --once. */
  probe?: boolean;
}

export interface ReplaySessionOptions {
  /** Candidate scripts in order of preference; the first that keeps matching is served. */
  scripts: ReplayScript[];
  module: ProtocolModule;
  ca: CertificateAuthority;
  strict: boolean;
  /** TLS mode of this listener (from --listen or the recording). */
  implicitTls: boolean;
  logger?: Logger;
  timeoutMs?: number;
  /** Close a session silent this long in both directions (the proxy's --idle-timeout). */
  idleTimeoutMs?: number;
  /** Largest IMAP literal a client may announce (default from core/limits). */
  maxLiteralBytes?: number;
  /** `replay --web`: the session's events go to an observer (replay-tap.ts). */
  tap?: ReplayTap;
}

const LOCAL_NAMES = defaultLocalNames();

export class ReplaySession {
  private socket: Socket;
  private readonly codec: Codec;
  private readonly tracker: ClientStepTracker;
  private candidates: ReplayScript[];
  private readonly next = new Map<ReplayScript, number>();
  private readonly tagMap = new Map<string, string>();
  private stepsDone = 0;
  private readonly mismatches: string[] = [];
  private readonly notes: string[] = [];
  /** --strict after a mismatch: the session is over, nothing more is answered. */
  private stopped = false;
  private readonly raw: Socket;
  private upgrading = false;
  private ended = false;
  /** An IMAP command whose line goes on after a literal the recording did not have: matched once whole. */
  private deferred: ClientStep | undefined;
  private readonly idleTimer: NodeJS.Timeout;
  /** IMAP COMPRESS=DEFLATE on (RFC 4978): what we send is deflated, what the client sends inflated. */
  private deflater: Deflater | undefined;
  private inflater: InflatePair | undefined;
  private resolve!: (o: ReplayOutcome) => void;
  readonly outcome: Promise<ReplayOutcome>;

  constructor(
    raw: Socket,
    private readonly options: ReplaySessionOptions,
  ) {
    this.socket = raw;
    this.raw = raw;
    this.candidates = [...options.scripts];
    for (const s of this.candidates) this.next.set(s, 0);
    this.codec = options.module.createCodec({ tls: options.implicitTls });
    this.tracker = new ClientStepTracker(options.module.protocol);
    this.outcome = new Promise((r) => (this.resolve = r));
    raw.setNoDelay(true);
    const idleMs = options.idleTimeoutMs ?? DEFAULT_LIMITS.idleTimeoutMs;
    this.idleTimer = setTimeout(() => {
      this.fail(`idle for ${idleMs} ms: closed (--idle-timeout)`);
      this.socket.destroy();
    }, idleMs);
    this.idleTimer.unref();
  }

  async start(): Promise<void> {
    try {
      if (this.options.implicitTls) {
        const { socket, secure } = wrapClient(this.socket, await this.tlsOptions());
        this.socket = socket;
        this.listen(socket);
        await secure;
        this.options.tap?.tls(socket);
      } else this.listen(this.socket);
      this.flush();
    } catch (err) {
      this.fail(`TLS with the client failed: ${describeError(err)}`);
      this.socket.destroy();
    }
  }

  private get current(): ReplayScript {
    return this.candidates[0]!;
  }

  private listen(socket: Socket): void {
    socket.on('data', (chunk: Buffer) => {
      this.idleTimer.refresh();
      if (this.inflater) this.inflater.push('client', chunk);
      else if (!this.upgrading) this.handle(this.codec.feed('client', chunk));
    });
    socket.on('error', (err) => this.options.logger?.debug({ err: describeError(err) }, 'replay client socket error'));
    socket.on('close', () => this.finish());
    socket.on('end', () => {
      this.handle(this.codec.end('client'));
      socket.end();
    });
  }

  private handle(events: CodecEvent[]): void {
    this.options.tap?.codec(events, this.socket !== this.raw);
    for (const ev of events) {
      if (this.stopped) return;
      if (ev.type === 'unit' && ev.side === 'client') {
        const literal = this.imapLiteral(ev.kind, ev.bytes, ev.tag);
        if (literal === 'refused') continue;
        const step = this.tracker.push(ev);
        if (step) this.onClientStep(step, literal);
      } else if (ev.type === 'injection' && ev.side === 'client') {
        this.options.logger?.warn({ bytes: ev.bytes.length }, 'replay: dropped plaintext the client pipelined after STARTTLS');
      } else if (ev.type === 'upgrade-tls') {
        void this.upgrade();
      } else if (ev.type === 'compress') {
        this.startCompression();
      }
    }
  }

  /**
   * An IMAP command line ending in a literal marker (RFC 9051 §4.3): one larger than the cap is
   * refused with a tagged BAD before any of its bytes (the codec, fed our BAD, drops the literal
   * as RFC 9051 §7.5 says); otherwise its size and whether the client waits for `+`.
   */
  private imapLiteral(kind: string, bytes: Buffer, unitTag: string | undefined): { sync: boolean } | 'refused' | undefined {
    if (this.options.module.protocol !== 'imap' || kind !== 'command') return undefined;
    const m = findLiteralMarker(bytes);
    if (m.kind !== 'literal') return undefined;
    const cap = this.options.maxLiteralBytes ?? DEFAULT_LIMITS.maxReplayLiteralBytes;
    if (m.marker.size <= cap) return { sync: m.marker.sync };
    const tag = unitTag ?? this.deferred?.tag ?? '*';
    const message = `a literal of ${m.marker.size} bytes is larger than replay accepts (${cap} bytes)`;
    this.deferred = undefined;
    this.fail(message);
    this.send(Buffer.from(`${tag} BAD [TOOBIG] ${message}\r\n`, 'latin1'));
    return 'refused';
  }

  /**
   * A step, or the first line part of a command whose literal the recording did not have: the
   * recorded answer must not go out before the literal, so replay grants it (`+`) itself and
   * matches the command once its last line part arrives.
   */
  private onClientStep(step: ClientStep, literal: { sync: boolean } | undefined): void {
    if (step.kind === 'continuation' && this.deferred) {
      if (literal) {
        if (literal.sync) this.send(Buffer.from('+ Ready for literal data\r\n', 'latin1'));
        return;
      }
      const whole = this.deferred;
      this.deferred = undefined;
      return this.onStep(whole);
    }
    if (literal && step.kind === 'command') {
      const next = this.current.steps[this.stepsDone + 1];
      if (next?.kind !== 'continuation') {
        this.deferred = step;
        if (literal.sync) this.send(Buffer.from('+ Ready for literal data\r\n', 'latin1'));
        return;
      }
    }
    this.onStep(step);
  }

  private onStep(step: ClientStep): void {
    const matching = this.candidates.filter((s) => {
      const expected = s.steps[this.stepsDone];
      return expected !== undefined && stepsMatch(expected, step, this.options.strict);
    });
    if (matching.length === 0) {
      const message = mismatchMessage(this.current.steps[this.stepsDone], step);
      this.mismatches.push(message);
      this.options.tap?.problem(message);
      this.options.logger?.warn({ recording: this.current.name, step: this.stepsDone + 1 }, `replay mismatch: ${message}`);
      if (this.options.strict) {
        // Past a difference the dialogues cannot be re-aligned: every later line (a DATA body
        // too) would get an error. End the session the protocol's way instead.
        this.stopped = true;
        if (!this.socket.destroyed) this.socket.end(endingReply(this.options.module.protocol, message));
        return;
      }
      this.send(mismatchReply(this.options.module.protocol, message, step));
      return;
    }
    this.candidates = matching;
    const expected = this.current.steps[this.stepsDone]!;
    if (expected.tag && step.tag) this.tagMap.set(expected.tag, step.tag);
    this.stepsDone += 1;
    this.flush();
  }

  /** Send every unit of the served recording whose trigger is reached; keep the others' places. */
  private flush(): void {
    for (const script of this.candidates) {
      let i = this.next.get(script)!;
      while (!this.upgrading && i < script.server.length && script.server[i]!.trigger <= this.stepsDone) {
        if (script === this.current) this.send(this.rewriteTag(script.server[i]!.bytes, script.server[i]!.tag));
        i += 1;
      }
      this.next.set(script, i);
    }
    const script = this.current;
    if (script.serverCloses && this.next.get(script) === script.server.length && this.stepsDone >= script.steps.length && !this.upgrading) {
      const socket = this.socket;
      if (this.deflater) void this.deflater.settled().then(() => socket.end());
      else socket.end();
    }
  }

  private rewriteTag(bytes: Buffer, tag: string | undefined): Buffer {
    if (!tag) return bytes;
    const live = this.tagMap.get(tag);
    if (!live || live === tag || !bytes.toString('latin1', 0, tag.length + 1).startsWith(`${tag} `)) return bytes;
    return Buffer.concat([Buffer.from(live, 'latin1'), bytes.subarray(tag.length)]);
  }

  private startCompression(): void {
    const socket = this.socket;
    this.deflater = new Deflater((bytes) => !socket.destroyed && socket.write(bytes));
    this.inflater = new InflatePair({
      maxOutputBytes: DEFAULT_LIMITS.maxInflateBytes,
      onData: (_side, bytes) => this.handle(this.codec.feed('client', bytes)),
      onFailure: (_side, message) => {
        this.fail(`COMPRESS: ${message}`);
        socket.destroy();
      },
    });
  }

  private send(bytes: Buffer): void {
    if (this.socket.destroyed) return;
    this.idleTimer.refresh();
    if (this.deflater) this.deflater.write(bytes);
    else this.socket.write(bytes);
    // Our own replies drive the codec too: it learns that DATA was accepted, that TLS begins.
    this.handle(this.codec.feed('server', bytes));
  }

  private async upgrade(): Promise<void> {
    this.upgrading = true;
    const raw = this.socket;
    raw.removeAllListeners('data');
    raw.removeAllListeners('end');
    raw.removeAllListeners('close');
    try {
      const { socket, secure } = wrapClient(raw, await this.tlsOptions());
      this.socket = socket;
      this.listen(socket);
      this.upgrading = false;
      await secure;
      this.options.tap?.tls(socket);
      this.flush();
    } catch (err) {
      this.upgrading = false;
      this.fail(`STARTTLS with the client failed: ${describeError(err)}`);
      raw.destroy();
    }
  }

  private tlsOptions(): Promise<ClientTlsOptions> {
    const { ca } = this.options;
    return leafTlsOptions((names) => ca.issue(names), (sni) => (sni ? [sni, ...LOCAL_NAMES] : LOCAL_NAMES), this.options.timeoutMs ?? 15_000);
  }

  private fail(message: string): void {
    this.mismatches.push(message);
    this.options.tap?.problem(message);
    this.options.logger?.warn({ recording: this.current.name }, message);
  }

  private finish(): void {
    if (this.ended) return;
    this.ended = true;
    clearTimeout(this.idleTimer);
    this.deflater?.close();
    this.inflater?.close();
    const script = this.current;
    let complete = this.stepsDone >= script.steps.length;
    // nodemailer and others hang up after their last command without QUIT/LOGOUT: the dialogue
    // the recording holds was played to its end all the same.
    if (!complete && this.stepsDone === script.steps.length - 1 && isGoodbye(script.steps[this.stepsDone]) && this.mismatches.length === 0) {
      complete = true;
      this.notes.push(`the client left after the last step without ${script.steps[this.stepsDone]!.verb!.toUpperCase()}; counted as matched`);
    }
    if (!complete && this.mismatches.length === 0) {
      this.mismatches.push(`the client left after ${this.stepsDone} of ${script.steps.length} recorded steps`);
    }
    const matched = complete && this.mismatches.length === 0;
    this.options.tap?.close(matched ? 'the dialogue matched the recording to its end' : 'the dialogue did not match the recording');
    this.resolve({
      matched,
      recording: script.name,
      stepsMatched: this.stepsDone,
      stepsExpected: script.steps.length,
      mismatches: this.mismatches,
      notes: this.notes,
      ...(this.raw.bytesRead === 0 ? { probe: true } : {}),
    });
  }
}

