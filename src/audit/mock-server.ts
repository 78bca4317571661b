// `mailtap audit --mock`: the server behind the auditor when there is no real one. One listener
// on 127.0.0.1 (port 0); each connection gets the codec the proxy uses, fed both directions so
// it frames commands, bodies and the STARTTLS boundary, and the permissive answers of
// mock-replies.ts. Its certificates come from the audit's CA, which the auditor trusts.

import { createServer, type Server, type Socket } from 'node:net';
import { defaultLocalNames, type CertificateAuthority } from '../ca/index.js';
import type { MailEndpoint } from '../core/mail-url.js';
import { protocolModule } from '../protocol/index.js';
import type { CodecEvent } from '../protocol/types.js';
import { leafTlsOptions, wrapClient } from '../transport/tls-wrap.js';
import { mockResponder } from './mock-replies.js';

export interface MockServer {
  endpoint: MailEndpoint;
  close(): Promise<void>;
}

const TIMEOUT_MS = 15_000;
const NAMES = defaultLocalNames();

/** A mock mail server speaking `like`'s protocol and TLS mode, on a free loopback port. */
export async function startMockServer(like: Pick<MailEndpoint, 'protocol' | 'tls' | 'scheme'>, ca: CertificateAuthority): Promise<MockServer> {
  const sockets = new Set<Socket>();
  const tlsOptions = () => leafTlsOptions((names) => ca.issue(names), (sni) => (sni ? [sni, ...NAMES] : NAMES), TIMEOUT_MS);
  const server: Server = createServer({ noDelay: true }, (raw) => {
    sockets.add(raw);
    raw.on('close', () => sockets.delete(raw));
    void serve(raw).catch(() => raw.destroy());
  });

  async function serve(raw: Socket): Promise<void> {
    const implicit = like.tls === 'implicit';
    const codec = protocolModule(like.protocol).createCodec({ tls: implicit });
    const responder = mockResponder(like.protocol, implicit);
    let socket: Socket = raw;
    let upgrading = false;
    const send = (text: string): void => {
      const bytes = Buffer.from(text, 'latin1');
      socket.write(bytes);
      handle(codec.feed('server', bytes));
    };
    const listen = (s: Socket): void => {
      s.on('data', (chunk: Buffer) => {
        if (!upgrading) handle(codec.feed('client', chunk));
      });
      s.on('end', () => s.end());
      s.on('error', () => s.destroy());
    };
    const handle = (events: CodecEvent[]): void => {
      for (const ev of events) {
        if (ev.type === 'upgrade-tls') void upgrade();
        if (ev.type !== 'unit' || ev.side !== 'client' || upgrading) continue;
        const answer = responder.answer(ev);
        if (!answer) continue;
        send(answer.reply);
        if (answer.close) socket.end();
      }
    };
    const upgrade = async (): Promise<void> => {
      upgrading = true;
      raw.removeAllListeners('data');
      const { socket: tls, secure } = wrapClient(raw, await tlsOptions());
      socket = tls;
      listen(tls);
      upgrading = false;
      await secure;
      responder.secured();
    };
    if (implicit) {
      const { socket: tls, secure } = wrapClient(raw, await tlsOptions());
      socket = tls;
      listen(tls);
      await secure;
    } else listen(raw);
    send(responder.greeting());
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  return {
    endpoint: { scheme: like.scheme, protocol: like.protocol, tls: like.tls, host: '127.0.0.1', port },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
