// A bare TCP (or implicit-TLS) server on 127.0.0.1 port 0 whose behaviour is one callback: the
// hardening tests script misbehaving upstreams with it (close at once, stall, reset mid-reply).
// It tracks every socket so close() leaves nothing open, and keeps what each connection received.

import { createServer, type Server, type Socket } from 'node:net';
import { TLSSocket } from 'node:tls';

export interface RawConnection {
  socket: Socket;
  /** Every byte received on this connection (after TLS when `tls` was given). */
  received: Buffer[];
  /** Every byte the script wrote with `send`. */
  sent: Buffer[];
  send(bytes: string | Buffer): boolean;
}

export interface RawServer {
  port: number;
  connections: RawConnection[];
  close(): Promise<void>;
}

export interface RawServerOptions {
  /** Implicit TLS with this key/certificate; the script runs once the handshake is done. */
  tls?: { key: string; cert: string };
}

export async function startRawServer(script: (conn: RawConnection) => void, options: RawServerOptions = {}): Promise<RawServer> {
  const sockets = new Set<Socket>();
  const connections: RawConnection[] = [];
  const track = (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => {});
  };
  const server: Server = createServer((raw) => {
    track(raw);
    const run = (socket: Socket) => {
      const conn: RawConnection = {
        socket,
        received: [],
        sent: [],
        send(bytes) {
          const b = typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : bytes;
          conn.sent.push(b);
          return socket.writable ? socket.write(b) : false;
        },
      };
      connections.push(conn);
      socket.on('data', (c: Buffer) => conn.received.push(c));
      script(conn);
    };
    if (!options.tls) return run(raw);
    const tls = new TLSSocket(raw, { isServer: true, key: options.tls.key, cert: options.tls.cert });
    track(tls);
    tls.once('secure', () => run(tls));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    port: (server.address() as { port: number }).port,
    connections,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/** Abort with a TCP RST (the raw socket under any TLS layer). */
export function resetSocket(socket: Socket): void {
  const tcp = ((socket as Socket & { _parent?: Socket })._parent ?? socket) as Socket & { resetAndDestroy(): void };
  tcp.resetAndDestroy();
}

/** A port on 127.0.0.1 where nothing listens. */
export async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}
