// A tiny SMTP / POP3 / IMAP server with STARTTLS whose every wait is a knob: how long before it
// greets, how long before it answers the TLS handshake (a slow-TLS server makes the proxy's
// upgrade window as wide as a test needs), and whether it answers commands at all (a sink).
// Each connection reports its stages, so a test can reset or half-close it at an exact moment.

import { createServer, type Server, type Socket } from 'node:net';
import { TLSSocket } from 'node:tls';
import type { Protocol } from '../../../src/protocol/types.js';

export type UpstreamStage = 'accepted' | 'greeted' | 'tls-accepted' | 'secure' | 'closed';

export interface LifecycleConnection {
  raw: Socket;
  /** The socket carrying the dialogue now (the TLS wrapper after STARTTLS). */
  socket: Socket;
  stages: UpstreamStage[];
  /** Bytes of commands received (after TLS). */
  received: number;
  /** Resolves when the connection reaches `stage`. */
  reached(stage: UpstreamStage): Promise<void>;
}

export interface LifecycleUpstreamOptions {
  protocol: Protocol;
  key: string;
  cert: string;
  /** 'implicit': TLS from the first byte; 'starttls' (default): plaintext offering STARTTLS/STLS. */
  tls?: 'implicit' | 'starttls';
  greetingDelayMs?: number;
  /** Delay between accepting STARTTLS (or the TCP connection, implicit) and answering the ClientHello. */
  handshakeDelayMs?: number;
  /** Read every command, never answer any (after the greeting). */
  sink?: boolean;
  /** POP3: bytes of the message RETR returns (default 1 KiB). */
  retrBytes?: number;
  /** What the server does on QUIT / LOGOUT: answer and close (default), reset, or half-close without a word. */
  onQuit?: 'reply' | 'reset' | 'half-close';
}

export interface LifecycleUpstream {
  port: number;
  connections: LifecycleConnection[];
  /** Connections whose socket is still open. */
  readonly open: number;
  close(): Promise<void>;
}

const GREETING: Record<Protocol, string> = { smtp: '220 lifecycle ESMTP\r\n', pop3: '+OK lifecycle\r\n', imap: '* OK lifecycle\r\n' };

export async function startLifecycleUpstream(options: LifecycleUpstreamOptions): Promise<LifecycleUpstream> {
  const sockets = new Set<Socket>();
  const connections: LifecycleConnection[] = [];
  const track = (s: Socket) => {
    sockets.add(s);
    s.on('error', () => {});
    s.on('close', () => sockets.delete(s));
  };
  const server: Server = createServer({ allowHalfOpen: true }, (raw) => {
    track(raw);
    const waiters = new Map<UpstreamStage, (() => void)[]>();
    const conn: LifecycleConnection = {
      raw,
      socket: raw,
      stages: [],
      received: 0,
      reached: (stage) => (conn.stages.includes(stage) ? Promise.resolve() : new Promise((r) => waiters.set(stage, [...(waiters.get(stage) ?? []), r]))),
    };
    const stage = (s: UpstreamStage) => {
      conn.stages.push(s);
      for (const w of waiters.get(s) ?? []) w();
      waiters.delete(s);
    };
    connections.push(conn);
    const closed = () => {
      if (!conn.stages.includes('closed')) stage('closed');
    };
    raw.once('close', closed);
    // Like Postfix and Dovecot: the client's EOF ends the conversation.
    raw.once('end', () => raw.end());
    stage('accepted');
    let pending = '';
    const onData = (c: Buffer) => {
      conn.received += c.length;
      if (options.sink) return;
      pending += c.toString('latin1');
      for (let i = pending.indexOf('\n'); i >= 0; i = pending.indexOf('\n')) {
        const line = pending.slice(0, i).trim();
        pending = pending.slice(i + 1);
        if (answer(options, conn.socket, line, conn.socket !== raw) === 'starttls') {
          raw.removeListener('data', onData);
          pending = '';
          upgrade();
          return;
        }
      }
    };
    const upgrade = () => {
      stage('tls-accepted');
      raw.pause();
      setTimeout(() => {
        if (raw.destroyed) return;
        const tls = new TLSSocket(raw, { isServer: true, key: options.key, cert: options.cert });
        track(tls);
        tls.once('end', () => tls.end());
        // The wrapper owns the connection now: its close is the connection's.
        tls.once('close', () => {
          raw.destroy();
          closed();
        });
        conn.socket = tls;
        tls.once('secure', () => {
          stage('secure');
          if (options.tls === 'implicit') greet();
        });
        tls.on('data', onData);
      }, options.handshakeDelayMs ?? 0);
    };
    const greet = () =>
      setTimeout(() => {
        if (conn.socket.destroyed || !conn.socket.writable) return;
        conn.socket.write(GREETING[options.protocol]);
        stage('greeted');
      }, options.greetingDelayMs ?? 0);
    if (options.tls === 'implicit') upgrade();
    else {
      raw.on('data', onData);
      greet();
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    port: (server.address() as { port: number }).port,
    connections,
    get open() {
      return connections.filter((c) => !c.stages.includes('closed')).length;
    },
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/** Writes the reply to one command line; 'starttls' when the connection must upgrade now. */
function answer(options: LifecycleUpstreamOptions, socket: Socket, line: string, secure: boolean): 'starttls' | undefined {
  const [first = '', second = ''] = line.split(' ');
  const write = (s: string) => socket.writable && socket.write(s);
  const quit = /^(QUIT|\S+ LOGOUT)$/i.test(line);
  if (quit && options.onQuit === 'reset') {
    const tcp = ((socket as Socket & { _parent?: Socket })._parent ?? socket) as Socket & { resetAndDestroy(): void };
    tcp.resetAndDestroy();
    return undefined;
  }
  if (quit && options.onQuit === 'half-close') {
    socket.end();
    return undefined;
  }
  switch (options.protocol) {
    case 'smtp': {
      const verb = first.toUpperCase();
      if (verb === 'HELP') write(`${`214-${'h'.repeat(500)}\r\n`.repeat(128)}214 end\r\n`);
      else if (verb === 'EHLO') write(`250-lifecycle\r\n${secure ? '' : '250-STARTTLS\r\n'}250 PIPELINING\r\n`);
      else if (verb === 'STARTTLS' && !secure) return write('220 2.0.0 go ahead\r\n'), 'starttls';
      else if (verb === 'QUIT') socket.end('221 2.0.0 bye\r\n');
      else write('250 2.0.0 ok\r\n');
      return undefined;
    }
    case 'pop3': {
      const verb = first.toUpperCase();
      if (verb === 'CAPA') write(`+OK\r\n${secure ? '' : 'STLS\r\n'}USER\r\n.\r\n`);
      else if (verb === 'STLS' && !secure) return write('+OK begin TLS\r\n'), 'starttls';
      else if (verb === 'RETR') {
        const n = options.retrBytes ?? 1024;
        const body = `${'x'.repeat(78)}\r\n`.repeat(Math.ceil(n / 80));
        write(`+OK ${body.length} octets\r\n${body}.\r\n`);
      } else if (verb === 'QUIT') socket.end('+OK bye\r\n');
      else write('+OK\r\n');
      return undefined;
    }
    case 'imap': {
      const verb = second.toUpperCase();
      if (verb === 'LIST') write(`${`* LIST () "/" ${'f'.repeat(1000)}\r\n`.repeat(64)}${first} OK done\r\n`);
      else if (verb === 'CAPABILITY') write(`* CAPABILITY IMAP4rev1${secure ? '' : ' STARTTLS'}\r\n${first} OK done\r\n`);
      else if (verb === 'STARTTLS' && !secure) return write(`${first} OK begin TLS\r\n`), 'starttls';
      else if (verb === 'LOGOUT') socket.end(`* BYE\r\n${first} OK bye\r\n`);
      else write(`${first} OK done\r\n`);
      return undefined;
    }
  }
}
