// The floor for any Node design: a bare TLS relay in plain Node, no decoding, no recording, no
// logging. Implicit TLS: terminate, connect to the upstream with TLS (verified), pipe() both ways.
// STARTTLS: pass plaintext through until the client's `STARTTLS` line and the server's 220, then
// wrap both sockets and pipe again. Same IPC as proxy-child.mjs (`usage`, `reset-peak`), so the
// bench measures it exactly as it measures mailtap. Config: { keyFile, certFile, upstreamCaFile, upstream }.

import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, connect as netConnect } from 'node:net';
import { connect as tlsConnect, createSecureContext, TLSSocket } from 'node:tls';

const config = JSON.parse(process.argv[2] ?? '{}');
const serverContext = createSecureContext({ key: readFileSync(config.keyFile), cert: readFileSync(config.certFile) });
const trust = createSecureContext({ ca: readFileSync(config.upstreamCaFile) });
let open = 0;

function upstreamTls(socket, port) {
  return tlsConnect({ socket, port, host: '127.0.0.1', servername: 'localhost', secureContext: trust });
}

function join(a, b) {
  for (const s of [a, b]) s.on('error', () => (a.destroy(), b.destroy()));
  a.pipe(b);
  b.pipe(a);
}

function track(socket) {
  open++;
  socket.once('close', () => open--);
}

const implicit = createServer({ noDelay: true }, (raw) => {
  track(raw);
  const client = new TLSSocket(raw, { isServer: true, secureContext: serverContext });
  const server = upstreamTls(netConnect({ host: '127.0.0.1', port: config.upstream.implicit, noDelay: true }));
  join(client, server);
});

const starttls = createServer({ noDelay: true }, (client) => {
  track(client);
  const server = netConnect({ host: '127.0.0.1', port: config.upstream.starttls, noDelay: true });
  let asked = false;
  client.on('error', () => server.destroy());
  server.on('error', () => client.destroy());
  const fromClient = (chunk) => {
    server.write(chunk);
    if (/^STARTTLS\r?\n/i.test(chunk.toString('latin1'))) asked = true;
  };
  const fromServer = (chunk) => {
    client.write(chunk);
    if (!asked || !chunk.toString('latin1').startsWith('220')) return;
    client.removeListener('data', fromClient);
    server.removeListener('data', fromServer);
    join(new TLSSocket(client, { isServer: true, secureContext: serverContext }), upstreamTls(server));
  };
  client.on('data', fromClient);
  server.on('data', fromServer);
});

await Promise.all([implicit, starttls].map((s) => new Promise((r) => s.listen(0, '127.0.0.1', r))));

function memoryKiB() {
  const status = readFileSync('/proc/self/status', 'utf8');
  const num = (key) => Number(new RegExp(`${key}:\\s+(\\d+)`).exec(status)?.[1] ?? NaN);
  return { hwm: num('VmHWM'), rss: num('VmRSS') };
}

process.on('message', (m) => {
  if (m.type === 'reset-peak') {
    let ok = true;
    try {
      writeFileSync('/proc/self/clear_refs', '5');
    } catch {
      ok = false;
    }
    process.send({ ok });
  } else if (m.type === 'usage') {
    const cpu = process.cpuUsage();
    const mem = memoryKiB();
    process.send({ cpuUs: cpu.user + cpu.system, hwmKiB: mem.hwm, rssKiB: mem.rss, sessions: open });
  }
});
process.once('disconnect', () => process.exit(0));
process.once('SIGTERM', () => process.exit(0));
process.stdout.write(JSON.stringify({ implicit: implicit.address().port, starttls: starttls.address().port }) + '\n');
