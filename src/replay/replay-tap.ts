// `replay --web`: the mock server's sessions as session events, so the web view (or any observer
// shaped like the proxy's SessionObserver) shows them live: the dialogue both ways with the
// codecs' notes, the TLS handshake with the client, each mismatch as an error, and the close.
// Replay keeps no recording of its own; the observer decides what to keep.

import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { performance } from 'node:perf_hooks';
import { MAILTAP_VERSION } from '../core/version.js';
import type { CodecEvent, Protocol } from '../protocol/types.js';
import { recordEventFromCodec } from '../record/from-codec.js';
import { ObserverCalls, type SessionObserver } from '../record/observer-calls.js';
import type { CloseEvent, RecordEvent, RecordHeader } from '../record/schema.js';
import { tlsInfoOf } from '../transport/tls-info.js';

/** The proxy's observer interface (record/observer-calls.ts): the web view's store serves both. */
export type ReplayObserver = SessionObserver;

export interface ReplayTapInfo {
  id: string;
  protocol: Protocol;
  /** The listener's URL, as the client reached it. */
  listen: string;
  implicitTls: boolean;
  /** The recordings that may answer this connection, first preferred. */
  recordings: string[];
}

export class ReplayTap {
  private readonly started = performance.now();
  private closed = false;
  /** The observer's calls for this session: its failure is the view's, never the session's. */
  private readonly observer: ObserverCalls;
  private readonly bytes = { c2s: 0, s2c: 0 };

  constructor(
    observer: ReplayObserver,
    info: ReplayTapInfo,
    socket: Socket,
    onObserverFailure: (err: unknown) => void = () => {},
  ) {
    this.observer = new ObserverCalls(observer, info.id, onObserverFailure);
    const header: RecordHeader = {
      format: 'mailtap-recording',
      version: 1,
      protocol: info.protocol,
      session: info.id,
      start: new Date().toISOString(),
      client: { address: socket.remoteAddress ?? '', port: socket.remotePort ?? 0 },
      listen: info.listen,
      // No upstream: the recording answers. A URL still, as readers of headers expect one.
      upstream: `replay:${info.recordings.map((r) => r.replace(/^.*\//, '')).join(',')}`,
      clientTls: info.implicitTls ? 'implicit' : 'starttls',
      upstreamTls: 'none',
      mailtap: MAILTAP_VERSION,
    };
    this.observer.start(header);
  }

  /** Codec events of either side (the live client's, and the recorded replies replay sent). */
  codec(events: readonly CodecEvent[], tls: boolean): void {
    for (const ev of events) {
      if (ev.type === 'unit') this.bytes[ev.side === 'client' ? 'c2s' : 's2c'] += ev.bytes.length;
      this.emit(recordEventFromCodec(ev, this.now(), { tls: ev.type === 'unit' && tls }));
    }
  }

  tls(socket: TLSSocket): void {
    this.emit({ t: this.now(), type: 'tls', dir: 'proxy', ...tlsInfoOf(socket, 'client') } as RecordEvent);
  }

  /** A mismatch or a failure: an error line in the transcript. */
  problem(message: string): void {
    this.emit({ t: this.now(), type: 'error', dir: 'proxy', code: 'E_REPLAY_MISMATCH', message } as RecordEvent);
  }

  close(reason: string): void {
    if (this.closed) return;
    const close: CloseEvent = { t: this.now(), dir: 'proxy', type: 'close', reason, bytes: { ...this.bytes } };
    this.emit(close);
    this.closed = true;
    this.observer.end(close, undefined);
  }

  private emit(ev: RecordEvent): void {
    if (!this.closed) this.observer.event(ev);
  }

  private now(): number {
    return Math.round((performance.now() - this.started) * 10) / 10;
  }
}
