// A small POP3 client for end-to-end tests (RFC 1939, STLS RFC 2595, AUTH RFC 5034). Commands may
// be issued without awaiting (pipelining, RFC 2449 §6.6): replies are matched to commands in order,
// and a reply is read as multi-line only for +OK to CAPA, RETR, TOP and argument-less LIST/UIDL.

import net from 'node:net';
import tls from 'node:tls';
import { lineText } from '../../src/core/bytes.js';
import { ByteQueue } from '../../src/protocol/byte-queue.js';
import { DotBodyScanner } from '../../src/protocol/dot-body.js';

export interface Pop3Reply {
  status: '+OK' | '-ERR';
  text: string;
  /** Lines of a multi-line reply, dot-unstuffed, without line ends. */
  lines?: string[];
  /** The multi-line body as bytes, dot-unstuffed, without the terminating ".CRLF". */
  body?: Buffer;
}

export interface Pop3ConnectOptions {
  host: string;
  port: number;
  tls: 'implicit' | 'starttls' | 'plain';
  /** PEM CA to trust; the system store when absent. */
  ca?: string;
  servername?: string;
}

/** A continuation ("+ ...") during AUTH; resolved with the challenge text. */
interface Waiter {
  multiline: boolean;
  resolve(reply: Pop3Reply | { status: '+'; text: string }): void;
  reject(err: Error): void;
}

const MAX_LINE = 1024 * 1024;

export class Pop3Client {
  /** The greeting text after "+OK " (holds the APOP timestamp). */
  greeting = '';
  private socket: net.Socket;
  private queue = new ByteQueue();
  private readonly waiters: Waiter[] = [];
  private status: { status: '+OK' | '-ERR'; text: string } | undefined; // multi-line head read
  private scanner: DotBodyScanner | undefined;
  private bodyParts: Buffer[] = [];
  private failure: Error | undefined;

  private constructor(socket: net.Socket) {
    this.socket = socket;
    this.attach(socket);
  }

  static async connect(opts: Pop3ConnectOptions): Promise<Pop3Client> {
    const tlsOpts = { ca: opts.ca, servername: opts.servername ?? (net.isIP(opts.host) ? undefined : opts.host) };
    const socket =
      opts.tls === 'implicit'
        ? tls.connect({ host: opts.host, port: opts.port, ...tlsOpts })
        : net.connect({ host: opts.host, port: opts.port });
    await new Promise<void>((resolve, reject) => {
      socket.once(opts.tls === 'implicit' ? 'secureConnect' : 'connect', resolve);
      socket.once('error', reject);
    });
    const client = new Pop3Client(socket);
    const greeting = await client.expect(false);
    if (greeting.status !== '+OK') throw new Error(`POP3 greeting refused: ${greeting.text}`);
    client.greeting = greeting.text;
    if (opts.tls === 'starttls') await client.stls(tlsOpts);
    return client;
  }

  /** Sends one command line (without CRLF) and resolves with its reply. */
  async command(line: string): Promise<Pop3Reply> {
    const reply = await this.send(line, isMultiline(line));
    if (reply.status === '+') throw new Error(`unexpected continuation after ${line.split(' ')[0]}`);
    return reply;
  }

  async login(user: string, pass: string): Promise<void> {
    const [u, p] = await Promise.all([this.command(`USER ${user}`), this.command(`PASS ${pass}`)]);
    if (u.status !== '+OK' || p.status !== '+OK') throw new Error(`login failed: ${u.text} / ${p.text}`);
  }

  /** AUTH PLAIN with an initial response (RFC 5034 §4). */
  async authPlain(user: string, pass: string): Promise<void> {
    const reply = await this.command(`AUTH PLAIN ${Buffer.from(`\0${user}\0${pass}`).toString('base64')}`);
    if (reply.status !== '+OK') throw new Error(`AUTH PLAIN failed: ${reply.text}`);
  }

  /** AUTH LOGIN answering the server's two challenges. */
  async authLogin(user: string, pass: string): Promise<void> {
    for (const answer of ['AUTH LOGIN', b64(user)]) {
      const c = await this.send(answer, false);
      if (c.status !== '+') throw new Error(`AUTH LOGIN refused: ${c.text}`);
    }
    const reply = await this.send(b64(pass), false);
    if (reply.status !== '+OK') throw new Error(`AUTH LOGIN failed: ${reply.text}`);
  }

  /** The message, dot-unstuffed. */
  async retr(n: number): Promise<Buffer> {
    const reply = await this.command(`RETR ${n}`);
    if (reply.status !== '+OK') throw new Error(`RETR ${n} failed: ${reply.text}`);
    return reply.body!;
  }

  async quit(): Promise<void> {
    const closed = new Promise<void>((resolve) => {
      if (this.socket.destroyed) resolve();
      else this.socket.once('close', () => resolve());
    });
    await this.command('QUIT');
    this.socket.end();
    await closed;
  }

  /** Drops the connection without QUIT (no UPDATE state on the server). */
  destroy(): void {
    this.socket.destroy();
  }

  private async stls(tlsOpts: { ca?: string; servername?: string }): Promise<void> {
    const reply = await this.command('STLS');
    if (reply.status !== '+OK') throw new Error(`STLS refused: ${reply.text}`);
    // RFC 2595 §4: nothing the server sent in plaintext after +OK may be trusted.
    if (this.queue.length > 0) throw new Error('server sent data after STLS +OK');
    const raw = this.socket;
    raw.removeAllListeners('data');
    const secure = tls.connect({ socket: raw, ...tlsOpts });
    await new Promise<void>((resolve, reject) => {
      secure.once('secureConnect', resolve);
      secure.once('error', reject);
    });
    this.socket = secure;
    this.attach(secure);
  }

  private send(line: string, multiline: boolean): Promise<Pop3Reply | { status: '+'; text: string }> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.waiters.push({ multiline, resolve, reject });
      this.socket.write(`${line}\r\n`);
    });
  }

  private expect(multiline: boolean): Promise<Pop3Reply> {
    return new Promise((resolve, reject) => {
      this.waiters.push({ multiline, resolve: resolve as Waiter['resolve'], reject });
      this.drain();
    });
  }

  private attach(socket: net.Socket): void {
    socket.on('data', (chunk: Buffer) => {
      this.queue.push(chunk);
      this.drain();
    });
    socket.on('error', (err) => this.fail(err));
    socket.on('close', () => this.fail(new Error('POP3 connection closed')));
  }

  private fail(err: Error): void {
    this.failure ??= err;
    for (const w of this.waiters.splice(0)) w.reject(err);
  }

  private drain(): void {
    while (this.waiters.length > 0) {
      const waiter = this.waiters[0]!;
      if (this.scanner) {
        const { chunk, final } = this.scanner.next(this.queue);
        if (chunk.length > 0) this.bodyParts.push(chunk);
        if (!final) return;
        const body = unstuff(Buffer.concat(this.bodyParts));
        this.scanner = undefined;
        this.bodyParts = [];
        this.waiters.shift();
        const lines = body.length === 0 ? [] : body.toString('utf8').replace(/\r?\n$/, '').split(/\r?\n/);
        waiter.resolve({ ...this.status!, lines, body });
        continue;
      }
      const line = this.queue.takeLine(MAX_LINE);
      if (!line) return;
      const text = lineText(line.bytes);
      const m = /^(\+OK|-ERR|\+)(?: (.*))?$/.exec(text);
      if (!m) return this.fail(new Error(`malformed POP3 reply: ${JSON.stringify(text)}`));
      const status = m[1] as '+OK' | '-ERR' | '+';
      if (status === '+OK' && waiter.multiline) {
        this.status = { status, text: m[2] ?? '' };
        this.scanner = new DotBodyScanner();
        continue;
      }
      this.waiters.shift();
      waiter.resolve({ status, text: m[2] ?? '' } as Pop3Reply);
    }
  }
}

function isMultiline(line: string): boolean {
  const [verb = '', ...args] = line.trim().split(/ +/);
  switch (verb.toUpperCase()) {
    case 'CAPA':
    case 'RETR':
    case 'TOP':
      return true;
    case 'LIST':
    case 'UIDL':
      return args.length === 0;
    default:
      return false;
  }
}

/** Undoes byte-stuffing and drops the terminating ".CRLF" (RFC 1939 §3). */
function unstuff(stuffed: Buffer): Buffer {
  let end = stuffed.length;
  // The scanner's final chunk ends with ".\r\n" (or ".\n") at a line start.
  end -= stuffed[end - 2] === 0x0d ? 3 : 2;
  const parts: Buffer[] = [];
  let start = 0;
  let lineStart = 0;
  while (lineStart < end) {
    if (stuffed[lineStart] === 0x2e) {
      parts.push(stuffed.subarray(start, lineStart));
      start = lineStart + 1;
    }
    const lf = stuffed.indexOf(0x0a, lineStart);
    if (lf < 0 || lf >= end) break;
    lineStart = lf + 1;
  }
  parts.push(stuffed.subarray(start, end));
  return Buffer.concat(parts);
}

function b64(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64');
}
