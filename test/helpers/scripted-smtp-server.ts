// An SMTP-shaped server for byte-fidelity tests and the benchmark: real sockets, real TLS
// (implicit or STARTTLS), PIPELINING, DATA and BDAT, and it keeps every byte it received (after
// TLS) so a test can compare it with what the client sent. Deliberately small: it answers 250 to
// every envelope command and never checks credentials.

import { createServer, type Server, type Socket } from 'node:net';
import { TLSSocket } from 'node:tls';
import { createHash } from 'node:crypto';

export interface ScriptedSmtpOptions {
  tls: 'implicit' | 'starttls';
  key: string;
  cert: string;
  /** Keep received bytes (off for benchmarks: only hash and count). */
  keepBytes?: boolean;
}

export interface ReceivedStream {
  bytes: number;
  sha256: string;
  chunks: Buffer[];
  messages: number;
}

export interface ScriptedSmtpServer {
  port: number;
  sessions: ReceivedStream[];
  close(): Promise<void>;
}

export async function startScriptedSmtpServer(options: ScriptedSmtpOptions): Promise<ScriptedSmtpServer> {
  const sessions: ReceivedStream[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((raw) => {
    sockets.add(raw);
    raw.on('close', () => sockets.delete(raw));
    raw.on('error', () => {});
    const received: ReceivedStream = { bytes: 0, sha256: '', chunks: [], messages: 0 };
    sessions.push(received);
    const hash = createHash('sha256');
    let socket: Socket = raw;
    let pending: Buffer = Buffer.alloc(0);
    let mode: 'line' | 'data' | 'bdat' = 'line';
    let bdatLeft = 0;
    let tail: Buffer = Buffer.alloc(0); // last bytes of the DATA body seen, to find CRLF.CRLF across chunks

    const send = (text: string) => socket.write(text);
    const onData = (chunk: Buffer) => {
      received.bytes += chunk.length;
      hash.update(chunk);
      if (options.keepBytes) received.chunks.push(Buffer.from(chunk));
      pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
      let replies = '';
      while (pending.length) {
        if (mode === 'data') {
          const joined = Buffer.concat([tail, pending]);
          const end = joined.indexOf('\r\n.\r\n');
          if (end < 0) {
            tail = joined.subarray(Math.max(0, joined.length - 4));
            pending = Buffer.alloc(0);
            break;
          }
          pending = joined.subarray(end + 5);
          tail = Buffer.alloc(0);
          mode = 'line';
          received.messages += 1;
          replies += '250 2.0.0 OK queued\r\n';
          continue;
        }
        if (mode === 'bdat') {
          const n = Math.min(bdatLeft, pending.length);
          bdatLeft -= n;
          pending = pending.subarray(n);
          if (bdatLeft === 0) {
            mode = 'line';
            replies += '250 2.0.0 chunk OK\r\n';
          }
          continue;
        }
        const lf = pending.indexOf(0x0a);
        if (lf < 0) break;
        const line = pending.subarray(0, lf + 1).toString('latin1').trimEnd();
        pending = pending.subarray(lf + 1);
        const verb = line.split(' ')[0]!.toUpperCase();
        if (verb === 'EHLO') replies += `250-scripted.test\r\n250-PIPELINING\r\n250-8BITMIME\r\n250-CHUNKING\r\n${socket instanceof TLSSocket ? '' : '250-STARTTLS\r\n'}250 SIZE 1073741824\r\n`;
        else if (verb === 'HELO') replies += '250 scripted.test\r\n';
        else if (verb === 'STARTTLS' && !(socket instanceof TLSSocket)) {
          send(replies + '220 2.0.0 go ahead\r\n');
          replies = '';
          raw.removeListener('data', onData);
          const tls = new TLSSocket(raw, { isServer: true, key: options.key, cert: options.cert });
          tls.on('error', () => {});
          tls.on('data', onData);
          socket = tls;
          pending = Buffer.alloc(0);
          return;
        } else if (verb === 'DATA') {
          replies += '354 go on\r\n';
          mode = 'data';
          tail = Buffer.from('\r\n');
        } else if (verb === 'BDAT') {
          const [, size, last] = line.split(' ');
          bdatLeft = Number(size);
          if (last?.toUpperCase() === 'LAST') received.messages += 1;
          if (bdatLeft === 0) replies += '250 2.0.0 chunk OK\r\n';
          else mode = 'bdat';
        } else if (verb === 'QUIT') {
          send(`${replies}221 2.0.0 bye\r\n`);
          replies = '';
          socket.end();
          return;
        } else if (['MAIL', 'RCPT', 'RSET', 'NOOP'].includes(verb)) replies += '250 2.1.0 OK\r\n';
        else replies += '500 5.5.2 unknown command\r\n';
      }
      if (replies) send(replies);
    };
    const finish = () => (received.sha256 = hash.digest('hex'));
    if (options.tls === 'implicit') {
      const tls = new TLSSocket(raw, { isServer: true, key: options.key, cert: options.cert });
      tls.on('error', () => {});
      socket = tls;
      tls.on('data', onData);
      tls.on('close', finish);
      tls.on('secure', () => send('220 scripted.test ESMTP\r\n'));
    } else {
      raw.on('data', onData);
      raw.on('close', finish);
      send('220 scripted.test ESMTP\r\n');
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const addr = server.address();
  return {
    port: typeof addr === 'object' && addr ? addr.port : 0,
    sessions,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
