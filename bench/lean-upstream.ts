// The bench's SMTP-shaped upstream, as lean as an SMTP sink can be so that a direct connection
// runs near the machine's TLS limit (the test helper scripted-smtp-server.ts copies and hashes
// every chunk in JS and built a SecureContext per connection: the upstream, not TLS, was then the
// bottleneck on both sides of every pair). One SecureContext for all connections; DATA bodies are
// scanned for CRLF.CRLF in place (only the last 4 bytes of a chunk are carried to the next), never
// copied or kept; bytes and messages are counted so the bench can prove delivery.

import { createServer, type Server, type Socket } from 'node:net';
import { createSecureContext, TLSSocket } from 'node:tls';

export interface LeanUpstream {
  port: number;
  /** `bytes`: DATA body bytes through the final CRLF.CRLF (relays may rewrite the commands around them). */
  stats: { bytes: number; messages: number; sessions: number };
  close(): Promise<void>;
}

const END = Buffer.from('\r\n.\r\n');

/** Index just past CRLF.CRLF in `tail ++ chunk` (tail ≤ 4 bytes), as an offset into `chunk`; -1 if absent. */
function bodyEnd(tail: Buffer, chunk: Buffer): number {
  if (tail.length) {
    // The terminator may straddle the boundary: look in the few joined bytes only.
    const edge = Buffer.concat([tail, chunk.subarray(0, 4)]);
    const at = edge.indexOf(END);
    if (at >= 0) return at + END.length - tail.length;
  }
  const at = chunk.indexOf(END);
  return at < 0 ? -1 : at + END.length;
}

export async function startLeanUpstream(tls: 'implicit' | 'starttls', key: string, cert: string): Promise<LeanUpstream> {
  const secureContext = createSecureContext({ key, cert });
  const stats = { bytes: 0, messages: 0, sessions: 0 };
  const sockets = new Set<Socket>();
  const server: Server = createServer({ noDelay: true }, (raw) => {
    sockets.add(raw);
    raw.on('close', () => sockets.delete(raw));
    raw.on('error', () => {});
    stats.sessions += 1;
    let socket: Socket = raw;
    let line = '';
    let inData = false;
    let tail: Buffer = Buffer.alloc(0);

    const onData = (chunk: Buffer): void => {
      let off = 0;
      let replies = '';
      while (off < chunk.length) {
        if (inData) {
          const rest = off ? chunk.subarray(off) : chunk;
          const end = bodyEnd(tail, rest);
          if (end < 0) {
            stats.bytes += rest.length;
            tail = rest.length >= 4 ? rest.subarray(rest.length - 4) : Buffer.concat([tail, rest]).subarray(-4);
            break;
          }
          stats.bytes += end;
          off += end;
          inData = false;
          stats.messages += 1;
          replies += '250 2.0.0 OK queued\r\n';
          continue;
        }
        const lf = chunk.indexOf(0x0a, off);
        if (lf < 0) {
          line += chunk.toString('latin1', off);
          break;
        }
        const command = (line + chunk.toString('latin1', off, lf)).trimEnd();
        line = '';
        off = lf + 1;
        const verb = command.slice(0, 4).toUpperCase();
        if (verb === 'EHLO') replies += `250-lean.test\r\n250-PIPELINING\r\n250-8BITMIME\r\n${socket instanceof TLSSocket ? '' : '250-STARTTLS\r\n'}250 SIZE 1073741824\r\n`;
        else if (verb === 'STAR' && !(socket instanceof TLSSocket)) {
          socket.write(replies + '220 2.0.0 go ahead\r\n');
          raw.removeListener('data', onData);
          secure(new TLSSocket(raw, { isServer: true, secureContext }));
          return;
        } else if (verb === 'DATA') {
          replies += '354 go on\r\n';
          inData = true;
          tail = Buffer.from('\r\n');
        } else if (verb === 'QUIT') {
          socket.end(`${replies}221 2.0.0 bye\r\n`);
          return;
        } else replies += '250 2.1.0 OK\r\n';
      }
      if (replies) socket.write(replies);
    };
    const secure = (t: TLSSocket): void => {
      t.setNoDelay(true);
      t.on('error', () => {});
      t.on('data', onData);
      socket = t;
    };
    if (tls === 'implicit') {
      const t = new TLSSocket(raw, { isServer: true, secureContext });
      secure(t);
      t.once('secure', () => t.write('220 lean.test ESMTP\r\n'));
    } else {
      raw.on('data', onData);
      raw.write('220 lean.test ESMTP\r\n');
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const addr = server.address();
  return {
    port: typeof addr === 'object' && addr ? addr.port : 0,
    stats,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
