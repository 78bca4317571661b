// A scripted mail client over real sockets: sends exact bytes, reads whole replies, upgrades to
// TLS on request, and keeps a hash of every byte it sent (after TLS) for fidelity checks.

import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { createHash, type Hash, type X509Certificate } from 'node:crypto';

export interface LineClientOptions {
  port: number;
  host?: string;
  tls?: boolean;
  ca?: string;
  servername?: string;
}

export class LineClient {
  private buffer = Buffer.alloc(0);
  private waiters: (() => void)[] = [];
  private closed = false;
  private readonly sentHash: Hash = createHash('sha256');
  sentBytes = 0;
  received = '';

  private constructor(
    private socket: Socket,
    private readonly options: LineClientOptions,
  ) {
    this.listen(socket);
  }

  static async connect(options: LineClientOptions): Promise<LineClient> {
    const host = options.host ?? '127.0.0.1';
    const socket = options.tls
      ? await new Promise<Socket>((resolve, reject) => {
          const s = tlsConnect({ host, port: options.port, ca: options.ca, servername: options.servername ?? 'localhost' }, () => resolve(s));
          s.once('error', reject);
        })
      : await new Promise<Socket>((resolve, reject) => {
          const s = netConnect({ host, port: options.port }, () => resolve(s));
          s.once('error', reject);
        });
    return new LineClient(socket, options);
  }

  private listen(socket: Socket): void {
    socket.on('data', (c: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, c]);
      this.received += c.toString('latin1');
      this.wake();
    });
    socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
    socket.on('error', () => {});
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  /** Write exact bytes; resolves when the socket accepted them (respects backpressure). */
  async send(bytes: Buffer | string): Promise<void> {
    const b = typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : bytes;
    this.sentHash.update(b);
    this.sentBytes += b.length;
    if (!this.socket.write(b)) await new Promise<void>((r) => this.socket.once('drain', () => r()));
  }

  /** Reads one whole SMTP reply (through its `ddd ` line). */
  async smtpReply(timeoutMs = 10_000): Promise<string> {
    return this.readUntil((text) => {
      const lines = text.split('\r\n');
      for (let i = 0; i < lines.length - 1; i++) if (/^\d{3}( |$)/.test(lines[i]!)) return lines.slice(0, i + 1).join('\r\n').length + 2;
      return -1;
    }, timeoutMs);
  }

  /** Reads one line. */
  async line(timeoutMs = 10_000): Promise<string> {
    return this.readUntil((text) => {
      const i = text.indexOf('\n');
      return i < 0 ? -1 : i + 1;
    }, timeoutMs);
  }

  /** Reads until `end(text)` gives how many bytes form the answer. */
  async readUntil(end: (text: string) => number, timeoutMs = 10_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const text = this.buffer.toString('latin1');
      const n = end(text);
      if (n >= 0) {
        this.buffer = this.buffer.subarray(n);
        return text.slice(0, n);
      }
      if (this.closed) throw new Error(`connection closed while waiting; got ${JSON.stringify(text.slice(0, 200))}`);
      if (Date.now() > deadline) throw new Error(`timed out waiting; got ${JSON.stringify(text.slice(0, 200))}`);
      await new Promise<void>((r) => {
        const t = setTimeout(r, Math.max(1, deadline - Date.now()));
        this.waiters.push(() => {
          clearTimeout(t);
          r();
        });
      });
    }
  }

  /** Upgrade this connection to TLS (after a STARTTLS/STLS acceptance). */
  async startTls(): Promise<void> {
    const raw = this.socket;
    raw.removeAllListeners('data');
    raw.removeAllListeners('close');
    this.socket = await new Promise<Socket>((resolve, reject) => {
      const s = tlsConnect({ socket: raw, ca: this.options.ca, servername: this.options.servername ?? 'localhost' }, () => resolve(s));
      s.once('error', reject);
    });
    this.listen(this.socket);
  }

  /** The certificate the server presented on this connection's TLS. */
  servedCertificate(): X509Certificate {
    const cert = (this.socket as TLSSocket).getPeerX509Certificate?.();
    if (!cert) throw new Error('no TLS certificate on this connection');
    return cert;
  }

  sentSha256(): string {
    return this.sentHash.copy().digest('hex');
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await new Promise<void>((r) => {
      this.socket.once('close', () => r());
      this.socket.end();
      setTimeout(() => {
        this.socket.destroy();
        r();
      }, 2000).unref();
    });
  }

  destroy(): void {
    this.socket.destroy();
  }

  /** Abort with a TCP RST. */
  reset(): void {
    const raw = this.socket as Socket & { resetAndDestroy?: () => void; _parent?: Socket };
    const tcp = (raw._parent ?? raw) as Socket & { resetAndDestroy: () => void };
    tcp.resetAndDestroy();
  }
}
