// One side of a proxied session: the socket currently carrying it (raw TCP, later maybe the
// TLSSocket wrapped around it), its listeners, and flow control. Reading stops while any reason
// to pause holds (the peer's buffer is full, the recorder is behind, a STARTTLS is in flight).
// Invariant: from construction to the end, every socket of the leg (the raw one and each TLS
// wrapper) reports 'error' and 'close' to the session; only 'data' and 'end' move when a STARTTLS
// swaps sockets, so a reset in the middle of an upgrade still ends the session, never the process.

import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { guardSocket } from '../transport/socket-guard.js';

export interface LegHandlers {
  data(chunk: Buffer): void;
  end(): void;
  close(): void;
  error(err: Error): void;
}

/** Bytes queued in a leg's socket before the other side stops reading. */
export const WRITE_BACKLOG = 256 * 1024;

export class Leg {
  socket: Socket;
  /** The raw TCP socket under any TLS layer. */
  readonly raw: Socket;
  tls: TLSSocket | undefined;
  ended = false;
  closed = false;
  bytesIn = 0;
  bytesOut = 0;
  private readonly pauses = new Set<string>();
  /** The socket corked by write() until the end of this tick, if any. */
  private corked: Socket | undefined;
  private readonly uncork = () => this.flush();
  private readonly onData = (chunk: Buffer) => {
    this.bytesIn += chunk.length;
    this.handlers.data(chunk);
  };
  private readonly onEnd = () => {
    this.ended = true;
    this.handlers.end();
  };
  /** The raw socket and its TLS wrappers: each closes once, the leg once. */
  private readonly onClose = () => {
    if (this.closed) return;
    this.closed = true;
    this.handlers.close();
  };
  private readonly onError = (err: Error) => this.handlers.error(err);
  private readonly watched = new Set<Socket>();

  constructor(raw: Socket, private readonly handlers: LegHandlers) {
    this.raw = raw;
    this.socket = raw;
    this.watch(raw);
  }

  /** 'error' and 'close' of `socket` reach the session for as long as the socket lives. */
  private watch(socket: Socket): void {
    if (this.watched.has(socket)) return;
    this.watched.add(socket);
    guardSocket(socket);
    socket.on('error', this.onError);
    socket.on('close', this.onClose);
  }

  /** Start reading `socket` (the raw one, or a TLS wrapper of it). */
  attach(socket: Socket, tls?: TLSSocket): void {
    this.detach();
    this.watch(socket);
    this.socket = socket;
    this.tls = tls;
    socket.on('data', this.onData);
    socket.on('end', this.onEnd);
    if (this.pauses.size) socket.pause();
    else socket.resume();
  }

  /**
   * Stop reading (before wrapping the socket in TLS); the socket stays open, and its errors and
   * close still reach the session.
   */
  detach(): void {
    this.flush();
    const s = this.socket;
    s.removeListener('data', this.onData);
    s.removeListener('end', this.onEnd);
    s.pause();
  }

  /** Takes what the detached socket has read but not delivered (counted as read). */
  takeBuffered(): Buffer {
    const chunks: Buffer[] = [];
    for (let c: Buffer | null; (c = this.socket.read() as Buffer | null) !== null; ) chunks.push(c);
    const bytes = Buffer.concat(chunks);
    this.bytesIn += bytes.length;
    return bytes;
  }

  /**
   * Queues `bytes`; everything written in one tick goes out together at its end. A TLS socket
   * emits a 64 KiB read as four 16 KiB 'data' events in a row: corked, their four records leave
   * in one TLS write and one syscall instead of four.
   */
  write(bytes: Buffer): boolean {
    this.bytesOut += bytes.length;
    const socket = this.socket;
    if (this.corked === undefined) {
      this.corked = socket;
      socket.cork();
      process.nextTick(this.uncork);
    }
    return socket.write(bytes);
  }

  /** Sends what write() queued in this tick now (before the socket is wrapped, ended or closed). */
  flush(): void {
    const socket = this.corked;
    if (socket === undefined) return;
    this.corked = undefined;
    socket.uncork();
  }

  /**
   * The peer is behind: more than WRITE_BACKLOG bytes wait in our socket. Not
   * `writableNeedDrain`: a TLS write completes a tick later, so with the 16 KiB default mark
   * every 16 KiB record would pause and resume the other side (a readStop/readStart per chunk).
   * 'drain' still comes (the backlog is above the mark), once the socket has written it all.
   */
  get needsDrain(): boolean {
    return this.socket.writableLength > WRITE_BACKLOG;
  }

  pause(reason: string): void {
    this.pauses.add(reason);
    this.socket.pause();
  }

  resume(reason: string): void {
    this.pauses.delete(reason);
    if (this.pauses.size === 0 && !this.socket.destroyed) this.socket.resume();
  }

  /** Half-close: no more bytes from us, after what is queued has been sent. */
  end(): void {
    this.flush();
    if (!this.socket.destroyed && !this.socket.writableEnded) this.socket.end();
  }

  /** Abort with a TCP reset when possible, so a peer's reset reaches the other peer as a reset. */
  reset(): void {
    this.flush();
    const raw = this.raw as Socket & { resetAndDestroy?: () => void };
    if (!raw.destroyed && typeof raw.resetAndDestroy === 'function') {
      try {
        raw.resetAndDestroy();
      } catch {
        raw.destroy();
      }
    } else raw.destroy();
    if (this.socket !== raw) this.socket.destroy();
  }

  destroy(): void {
    this.flush();
    this.socket.destroy();
    if (this.socket !== this.raw) this.raw.destroy();
  }
}
