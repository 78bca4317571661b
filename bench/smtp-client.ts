// The benchmark's SMTP client: one lean session (EHLO, [STARTTLS, EHLO], MAIL, RCPT, DATA, QUIT)
// over implicit TLS or STARTTLS, timing the whole session and the DATA body alone. It trusts one
// prebuilt SecureContext (both CAs), so no PEM is parsed per connection on the client side.

import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect, type SecureContext } from 'node:tls';

export type TlsMode = 'implicit' | 'starttls';

export interface SessionResult {
  /** Connect through the 221 reply to QUIT. */
  sessionMs: number;
  /** First body byte written through the 250 reply to the final dot. */
  dataMs: number;
  bytesSent: number;
  /** The DATA body as sent, with its final `.` line: what the upstream counts. */
  dataBytes: number;
}

/** A message body of about `size` bytes: headers, then 76-column base64-shaped lines (no leading dots). */
export function makeBody(size: number): Buffer {
  const head = Buffer.from('From: <a@bench.test>\r\nTo: <b@bench.test>\r\nSubject: mailtap bench\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n');
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  const lines = Math.max(1, Math.ceil((size - head.length) / 78));
  const body = Buffer.alloc(head.length + lines * 78);
  head.copy(body);
  let off = head.length;
  for (let i = 0; i < lines; i++) {
    for (let j = 0; j < 76; j++) body[off + j] = alphabet.charCodeAt((i * 7 + j * 13) & 63);
    body[off + 76] = 0x0d;
    body[off + 77] = 0x0a;
    off += 78;
  }
  return body;
}

/**
 * A run that moves no byte for this long has stalled: it fails with that message instead of
 * hanging the bench (and CI) forever.
 */
const STALL_MS = 60_000;

function failWhenStalled(socket: Socket): void {
  socket.setTimeout(STALL_MS, () => socket.destroy(new Error(`stalled: no byte moved for ${STALL_MS / 1000} s`)));
}

class Replies {
  private text = '';
  private wake: (() => void) | null = null;
  private closed = false;
  private failure: Error | undefined;

  constructor(socket: Socket) {
    this.listen(socket);
  }

  listen(socket: Socket): void {
    socket.on('data', (c: Buffer) => {
      this.text += c.toString('latin1');
      this.wake?.();
    });
    socket.on('close', () => {
      this.closed = true;
      this.wake?.();
    });
    socket.on('error', (err) => (this.failure ??= err));
  }

  /** The next complete reply (through its `ddd ` line); throws if it is not `expect`. */
  async next(expect: string): Promise<string> {
    for (;;) {
      const m = /^(?:\d{3}-[^\n]*\n)*(\d{3})(?: [^\n]*)?\n/.exec(this.text);
      if (m) {
        this.text = this.text.slice(m[0].length);
        if (m[1] !== expect) throw new Error(`expected ${expect}, got ${JSON.stringify(m[0].trim())}`);
        return m[0];
      }
      if (this.closed) throw new Error(`connection closed while waiting for ${expect} (${this.failure?.message ?? 'by the peer'}); got ${JSON.stringify(this.text.slice(0, 120))}`);
      await new Promise<void>((r) => (this.wake = r));
      this.wake = null;
    }
  }
}

function write(socket: Socket, bytes: Buffer | string): Promise<void> | undefined {
  if (socket.write(bytes)) return undefined;
  // A socket destroyed while full (a stall, a reset) never drains: fail instead of waiting.
  return new Promise((resolve, reject) => {
    const closed = () => reject(new Error('connection closed while sending'));
    socket.once('close', closed);
    socket.once('drain', () => {
      socket.removeListener('close', closed);
      resolve();
    });
  });
}

export async function smtpSession(port: number, mode: TlsMode, secureContext: SecureContext, body: Buffer): Promise<SessionResult> {
  const started = performance.now();
  let bytesSent = 0;
  const send = (text: string) => {
    bytesSent += text.length;
    return write(socket, text);
  };
  let socket: Socket =
    mode === 'implicit'
      ? await new Promise<Socket>((resolve, reject) => {
          const s = tlsConnect({ host: '127.0.0.1', port, servername: 'localhost', secureContext }, () => resolve(s));
          // Without it Nagle holds the final dot behind the body's last segment for a delayed ACK.
          s.setNoDelay(true);
          s.once('error', reject);
        })
      : await new Promise<Socket>((resolve, reject) => {
          const s = netConnect({ host: '127.0.0.1', port, noDelay: true }, () => resolve(s));
          s.once('error', reject);
        });
  failWhenStalled(socket);
  let replies = new Replies(socket);
  try {
    await replies.next('220');
    await send('EHLO client.bench.test\r\n');
    await replies.next('250');
    if (mode === 'starttls') {
      await send('STARTTLS\r\n');
      await replies.next('220');
      const raw = socket;
      raw.removeAllListeners('data');
      raw.removeAllListeners('close');
      socket = await new Promise<Socket>((resolve, reject) => {
        const s = tlsConnect({ socket: raw, servername: 'localhost', secureContext }, () => resolve(s));
        s.once('error', reject);
      });
      failWhenStalled(socket);
      replies = new Replies(socket);
      await send('EHLO client.bench.test\r\n');
      await replies.next('250');
    }
    // PIPELINING (RFC 2920): the envelope and DATA in one write, as real clients send it.
    await send('MAIL FROM:<a@bench.test>\r\nRCPT TO:<b@bench.test>\r\nDATA\r\n');
    await replies.next('250');
    await replies.next('250');
    await replies.next('354');
    const dataStarted = performance.now();
    const slice = 1024 * 1024;
    for (let off = 0; off < body.length; off += slice) {
      const part = body.subarray(off, off + slice);
      bytesSent += part.length;
      await write(socket, part);
    }
    await send('.\r\n');
    await replies.next('250');
    const dataMs = performance.now() - dataStarted;
    await send('QUIT\r\n');
    await replies.next('221');
    return { sessionMs: performance.now() - started, dataMs, bytesSent, dataBytes: body.length + 3 };
  } finally {
    socket.destroy();
  }
}
