// A POP3 server whose one message is generated on the fly (never held whole) and written only as
// fast as the socket drains: the 200 MiB slow-reader test measures the proxy's memory, so the
// server must not be the thing that buffers. Accepts any USER/PASS; implicit TLS with `options.tls`.

import type { Socket } from 'node:net';
import { startRawServer, type RawServer, type RawServerOptions } from './raw-server.js';

/** One 1000-byte line of the message body (998 octets + CRLF, RFC 5322 §2.1.1's limit). */
const LINE = Buffer.from(`${'x'.repeat(998)}\r\n`);

export async function startStreamingPop3Server(messageBytes: number, options: RawServerOptions = {}): Promise<RawServer> {
  const lines = Math.ceil(messageBytes / LINE.length);
  const size = lines * LINE.length;
  const block = Buffer.concat(Array.from({ length: 64 }, () => LINE)); // 64 000 bytes
  return startRawServer((conn) => {
    const socket = conn.socket;
    socket.write('+OK streaming pop3\r\n');
    let pending = '';
    socket.on('data', (c: Buffer) => {
      pending += c.toString('latin1');
      for (let i = pending.indexOf('\n'); i >= 0; i = pending.indexOf('\n')) {
        const cmd = pending.slice(0, i).trim().toUpperCase();
        pending = pending.slice(i + 1);
        if (cmd.startsWith('RETR')) {
          socket.write(`+OK ${size} octets\r\n`);
          stream(socket, block, lines, () => socket.write('.\r\n'));
        } else if (cmd === 'QUIT') socket.end('+OK bye\r\n');
        else socket.write('+OK\r\n');
      }
    });
  }, options);
}

function stream(socket: Socket, block: Buffer, lines: number, done: () => void): void {
  const perBlock = block.length / LINE.length;
  let left = lines;
  const pump = () => {
    while (left > 0) {
      const n = Math.min(perBlock, left);
      left -= n;
      const ok = socket.write(n === perBlock ? block : block.subarray(0, n * LINE.length));
      if (!ok) return void socket.once('drain', pump);
    }
    done();
  };
  pump();
}
