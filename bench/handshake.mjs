// `node bench/handshake.mjs [N]`: CPU of one Node TLS 1.3 handshake, server side and client side
// measured apart (the server runs in a forked copy of this script and reports its own
// process.cpuUsage()), for an RSA-2048 and an ECDSA P-256 server certificate, full and resumed
// (the client offers the last session it got). What the leaf key type and upstream session
// resumption are worth per session, below what the relay bench resolves on a shared box.

import { execFileSync, fork } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, createSecureContext, createServer } from 'node:tls';
import { fileURLToPath } from 'node:url';

if (process.argv[2] === '--serve') {
  const [, , , key, cert] = process.argv;
  const server = createServer({ key: readFileSync(key), cert: readFileSync(cert) }, (c) => {
    c.on('error', () => {});
    c.write('x');
  });
  server.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }));
  process.on('message', () => {
    const u = process.cpuUsage();
    process.send({ cpuUs: u.user + u.system });
  });
} else {
  const n = Number(process.argv[2] ?? 800);
  const dir = mkdtempSync(join(tmpdir(), 'mailtap-handshake-'));
  const ask = (child) => new Promise((r) => (child.once('message', r), child.send('usage')));
  try {
    for (const type of ['rsa', 'ec']) {
      const key = join(dir, `${type}-key.pem`);
      const cert = join(dir, `${type}-cert.pem`);
      const alg = type === 'ec' ? ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1'] : ['-newkey', 'rsa:2048'];
      execFileSync('openssl', ['req', '-x509', ...alg, '-nodes', '-keyout', key, '-out', cert, '-days', '2', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost'], { stdio: 'ignore' });
      for (const resume of [false, true]) {
        const child = fork(fileURLToPath(import.meta.url), ['--serve', key, cert]);
        const [{ port }] = await once(child, 'message');
        const secureContext = createSecureContext({ ca: readFileSync(cert) });
        let session;
        const one = async () => {
          const c = connect({ port, host: '127.0.0.1', servername: 'localhost', secureContext, session: resume ? session : undefined });
          c.on('session', (s) => (session = s));
          await once(c, 'data');
          c.destroy();
        };
        for (let i = 0; i < 20; i++) await one(); // warm-up
        const s0 = (await ask(child)).cpuUs;
        const c0 = process.cpuUsage();
        for (let i = 0; i < n; i++) await one();
        const s1 = (await ask(child)).cpuUs;
        const c1 = process.cpuUsage(c0);
        const ms = (us) => (us / 1000 / n).toFixed(2);
        process.stdout.write(`${type === 'ec' ? 'ECDSA P-256' : 'RSA-2048'} server certificate, ${resume ? 'resumed' : 'full'}: server ${ms(s1 - s0)} ms, client ${ms(c1.user + c1.system)} ms CPU per handshake\n`);
        child.kill();
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
