// Upstream TLS session resumption: a second connection to the same upstream (host and port)
// resumes the first one's session (no certificate chain sent, no signature, no chain building),
// still reports the verified certificate, and a different upstream never gets another's session.
// Real TLS servers on 127.0.0.1 port 0.

import { once } from 'node:events';
import { createServer, type Server, type TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestPki, type TestPki } from '../helpers/pki.js';
import { connectTcp } from '../../src/transport/connect.js';
import { tlsInfoOf } from '../../src/transport/tls-info.js';
import { wrapUpstream } from '../../src/transport/tls-wrap.js';
import { loadUpstreamTrust, type UpstreamTrust } from '../../src/transport/upstream-trust.js';

let pki: TestPki;
let trust: UpstreamTrust;
const servers: Server[] = [];

async function server(): Promise<number> {
  const s = createServer({ key: pki.serverKey, cert: pki.serverCert }, (socket) => {
    socket.on('error', () => {});
    // Like a mail server's greeting: the client reads it, and the session tickets come first.
    socket.write('220 hello\r\n');
  });
  servers.push(s);
  s.listen(0, '127.0.0.1');
  await once(s, 'listening');
  return (s.address() as { port: number }).port;
}

/** One connection: whether it resumed a session, and what the recording would say about its TLS. */
async function connect(port: number): Promise<{ reused: boolean; info: ReturnType<typeof tlsInfoOf> }> {
  const raw = await connectTcp('127.0.0.1', port, 5000);
  const socket: TLSSocket = await wrapUpstream(raw, { host: 'localhost', trust, timeoutMs: 5000 });
  await once(socket, 'data');
  const result = { reused: socket.isSessionReused(), info: tlsInfoOf(socket, 'upstream', 'localhost') };
  socket.destroy();
  return result;
}

beforeAll(async () => {
  pki = await makeTestPki();
  trust = await loadUpstreamTrust({ upstreamCa: [pki.upstreamCaFile] });
});

afterAll(async () => {
  for (const s of servers) s.close();
  await pki.cleanup();
});

describe('upstream TLS session resumption', () => {
  it('resumes the session of an earlier connection to the same upstream, still verified', async () => {
    const port = await server();
    const first = await connect(port);
    expect(first.reused).toBe(false);
    const second = await connect(port);
    expect(second.reused).toBe(true);
    expect(second.info.verified).toBe(true);
    expect(second.info.peerSubject).toContain('CN=localhost');
    expect(second.info.fingerprint256).toBe(first.info.fingerprint256);
  });

  it('does not offer one upstream the session of another', async () => {
    const a = await server();
    const b = await server();
    await connect(a);
    expect((await connect(b)).reused).toBe(false);
    expect((await connect(b)).reused).toBe(true);
  });
});
