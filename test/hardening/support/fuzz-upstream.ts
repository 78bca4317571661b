// An upstream for fuzzing through the proxy: greets like the protocol's server, keeps every byte
// it receives, and answers each received line with the next reply of a (generated) script, so
// the codec sees hostile replies too. It never closes first: only after the client's FIN.

import { startRawServer, type RawConnection, type RawServer } from './raw-server.js';

export interface FuzzUpstream extends RawServer {
  /** The reply script for the next connection. */
  script: string[];
  /** Resolves with what the connection received and sent, once the client's FIN arrived. */
  finished(conn: RawConnection): Promise<{ received: Buffer; sent: Buffer }>;
}

export const GREETINGS = {
  smtp: '220 fuzz.test ESMTP\r\n',
  pop3: '+OK fuzz ready\r\n',
  imap: '* OK fuzz ready\r\n',
} as const;

export async function startFuzzUpstream(protocol: keyof typeof GREETINGS): Promise<FuzzUpstream> {
  const ends = new Map<RawConnection, Promise<void>>();
  const upstream = {} as FuzzUpstream;
  const server = await startRawServer((conn) => {
    const script = upstream.script.length ? upstream.script : ['\r\n'];
    let next = 0;
    conn.send(GREETINGS[protocol]);
    conn.socket.on('data', (c: Buffer) => {
      let lines = 0;
      for (const b of c) if (b === 0x0a) lines++;
      for (let i = 0; i < lines; i++) conn.send(script[next++ % script.length]!);
    });
    ends.set(conn, new Promise<void>((r) => conn.socket.once('end', () => r())));
  });
  return Object.assign(upstream, server, {
    script: [],
    async finished(conn: RawConnection) {
      await ends.get(conn);
      return { received: Buffer.concat(conn.received), sent: Buffer.concat(conn.sent) };
    },
  });
}
