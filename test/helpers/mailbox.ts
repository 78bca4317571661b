// Shared ground of the test-only mini POP3/IMAP servers: the in-memory mail store they both serve,
// and the socket plumbing (127.0.0.1 listener, implicit TLS, server-side STARTTLS wrap, per
// connection transcripts, close() that destroys every socket). Never shipped; no mocks: real sockets.

import net from 'node:net';
import tls from 'node:tls';
import zlib from 'node:zlib';
import { ByteQueue } from '../../src/protocol/byte-queue.js';

export interface MiniServerOptions {
  /** 'implicit' = TLS from the first byte; 'starttls' = plaintext offering STLS/STARTTLS; 'plain' = no TLS. */
  tls: 'implicit' | 'starttls' | 'plain';
  /** PEM key and certificate, required unless tls is 'plain'. */
  key?: string;
  cert?: string;
  /** username -> password */
  users: Record<string, string>;
  /** Initial INBOX content (RFC 5322 messages with CRLF line ends). */
  messages: Buffer[];
  /** IMAP: offer COMPRESS=DEFLATE (RFC 4978) once authenticated. */
  compress?: boolean;
  /** Called on each new connection with live arrays of the (decrypted) bytes received and sent. */
  onSession?: (s: { received: Buffer[]; sent: Buffer[] }) => void;
}

export interface MiniServer {
  port: number;
  host: '127.0.0.1';
  /** Closes the listener and destroys every open connection. */
  close(): Promise<void>;
  /** The live mail store the server serves (POP3 serves its INBOX). */
  mailbox: MailStore;
}

export interface StoredMessage {
  uid: number;
  flags: Set<string>;
  internalDate: Date;
  raw: Buffer;
}

export class MailFolder {
  readonly messages: StoredMessage[] = [];
  uidNext = 1;
  subscribed = true;
  constructor(
    public name: string,
    readonly uidValidity: number,
  ) {}

  append(raw: Buffer, flags: Iterable<string> = [], internalDate = new Date()): StoredMessage {
    const message: StoredMessage = { uid: this.uidNext++, flags: new Set(flags), internalDate, raw };
    this.messages.push(message);
    return message;
  }

  /** Removes the given messages (by identity); returns how many went. */
  remove(gone: Iterable<StoredMessage>): number {
    const set = new Set(gone);
    let removed = 0;
    for (let i = this.messages.length - 1; i >= 0; i--) {
      if (set.has(this.messages[i]!)) {
        this.messages.splice(i, 1);
        removed++;
      }
    }
    return removed;
  }

  byUid(uid: number): StoredMessage | undefined {
    return this.messages.find((m) => m.uid === uid);
  }
}

/** All folders of the single mail account the servers expose (every user sees the same store). */
export class MailStore {
  readonly folders = new Map<string, MailFolder>();
  private nextValidity = Math.floor(Date.now() / 1000) % 1_000_000_000;
  private readonly watchers = new Set<() => void>();

  /** Runs `fn` after every change announced with `changed()` (IMAP IDLE uses it); returns an unwatch. */
  watch(fn: () => void): () => void {
    this.watchers.add(fn);
    return () => this.watchers.delete(fn);
  }

  /** Announces that messages were added or removed, so idling sessions can report it. */
  changed(): void {
    for (const fn of [...this.watchers]) fn();
  }

  constructor(initial: Buffer[] = []) {
    const inbox = this.create('INBOX')!;
    this.create('Sent');
    this.create('Trash');
    for (const raw of initial) inbox.append(raw);
  }

  get inbox(): MailFolder {
    return this.folders.get('INBOX')!;
  }

  /** INBOX is case-insensitive (RFC 9051 §5.1); every other name is exact. */
  get(name: string): MailFolder | undefined {
    return this.folders.get(name.toUpperCase() === 'INBOX' ? 'INBOX' : name);
  }

  /** The new folder, or undefined when the name is taken. */
  create(name: string): MailFolder | undefined {
    const key = name.toUpperCase() === 'INBOX' ? 'INBOX' : name;
    if (this.folders.has(key)) return undefined;
    const folder = new MailFolder(key, this.nextValidity++);
    this.folders.set(key, folder);
    return folder;
  }

  delete(name: string): boolean {
    if (name.toUpperCase() === 'INBOX') return false;
    return this.folders.delete(name);
  }
}

/** One client connection as the protocol handlers see it: a receive queue and a write side. */
export class MiniConnection {
  readonly queue = new ByteQueue();
  secure: boolean;
  /** Called after bytes were queued; the handler consumes what it can. */
  onInput: () => void = () => {};
  private socket: net.Socket;
  private deflate: zlib.DeflateRaw | undefined;
  private readonly onData = (chunk: Buffer): void => {
    this.transcript.received.push(chunk);
    this.queue.push(chunk);
    this.onInput();
  };

  constructor(
    socket: net.Socket,
    secure: boolean,
    private readonly context: tls.SecureContext | undefined,
    private readonly transcript: { received: Buffer[]; sent: Buffer[] },
    private readonly track: (s: net.Socket) => void,
  ) {
    this.socket = socket;
    this.secure = secure;
    socket.on('data', this.onData);
  }

  get canStartTls(): boolean {
    return !this.secure && this.context !== undefined;
  }

  write(data: string | Buffer): void {
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    if (!this.socket.writable) return;
    this.transcript.sent.push(bytes);
    if (this.deflate) {
      this.deflate.write(bytes);
      this.deflate.flush(zlib.constants.Z_SYNC_FLUSH);
    } else this.socket.write(bytes);
  }

  get compressed(): boolean {
    return this.deflate !== undefined;
  }

  /** IMAP COMPRESS=DEFLATE accepted (the OK already written): raw DEFLATE both ways from here. */
  startCompression(): void {
    const socket = this.socket;
    const inflate = zlib.createInflateRaw();
    socket.removeListener('data', this.onData);
    socket.on('data', (c: Buffer) => inflate.write(c));
    inflate.on('data', this.onData);
    inflate.on('error', () => socket.destroy());
    this.deflate = zlib.createDeflateRaw();
    this.deflate.on('data', (c: Buffer) => socket.writable && socket.write(c));
  }

  /**
   * Server side of STARTTLS/STLS, called right after the positive reply was written: stop reading
   * plaintext, drop whatever plaintext followed the command (RFC 2595 §4, RFC 9051 §6.2.1 — it
   * could be injected), and let a server TLSSocket take over the raw socket.
   */
  startTls(): void {
    const raw = this.socket;
    raw.removeListener('data', this.onData);
    this.queue.takeAll();
    const secure = new tls.TLSSocket(raw, { isServer: true, secureContext: this.context });
    this.track(secure);
    this.socket = secure;
    this.secure = true;
    secure.on('data', this.onData);
  }

  end(): void {
    const socket = this.socket;
    // Compressed: the last replies are still in the deflate stream; close after they are out.
    if (this.deflate) {
      this.deflate.on('end', () => socket.end());
      this.deflate.end();
    } else socket.end();
  }
}

/**
 * Listens on 127.0.0.1 port 0 and hands every connection to `serve`. TLS failures and resets
 * only end the connection concerned.
 */
export async function listenMiniServer(
  options: MiniServerOptions,
  serve: (conn: MiniConnection) => void,
): Promise<{ port: number; close(): Promise<void> }> {
  const context =
    options.tls === 'plain' ? undefined : tls.createSecureContext({ key: options.key, cert: options.cert });
  if (options.tls !== 'plain' && (!options.key || !options.cert)) {
    throw new Error(`tls '${options.tls}' needs key and cert`);
  }
  const sockets = new Set<net.Socket>();
  const track = (s: net.Socket): void => {
    sockets.add(s);
    s.on('error', () => s.destroy());
    s.on('close', () => sockets.delete(s));
  };
  const accept = (socket: net.Socket): void => {
    track(socket);
    socket.setNoDelay(true);
    const transcript = { received: [] as Buffer[], sent: [] as Buffer[] };
    options.onSession?.(transcript);
    const conn = new MiniConnection(
      socket,
      options.tls === 'implicit',
      options.tls === 'starttls' ? context : undefined,
      transcript,
      track,
    );
    serve(conn);
  };
  const server =
    options.tls === 'implicit'
      ? tls.createServer({ key: options.key, cert: options.cert }, accept)
      : net.createServer(accept);
  if (server instanceof tls.Server) {
    // A raw socket that fails its handshake never reaches `accept`; destroy it here.
    server.on('tlsClientError', (_err, s) => s.destroy());
    server.on('connection', (s: net.Socket) => track(s));
  }
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
      }),
  };
}
