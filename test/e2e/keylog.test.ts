// --keylog: the process's key log gets the TLS secrets of both legs of a proxied session
// (nodemailer → mailtap → smtp-server, STARTTLS on both legs), in NSS format, mode 0600.
// The interop suite proves tshark decrypts a capture with it (test/interop/wireshark.test.ts).

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SMTPServer } from 'smtp-server';
import nodemailer from 'nodemailer';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { makeTempDir, makeTestPki, type TestPki } from '../helpers/pki.js';
import { startTestProxy } from '../helpers/proxy-harness.js';
import { closeKeylog, useKeylog } from '../../src/transport/keylog.js';

let pki: TestPki;
beforeAll(async () => {
  pki = await makeTestPki();
});
afterAll(async () => {
  await closeKeylog();
  await pki?.cleanup();
});

describe('--keylog', () => {
  it('appends NSS key log lines for the client leg and the upstream leg, file mode 0600', async () => {
    const dir = await makeTempDir('mailtap-keylog-');
    const file = join(dir.dir, 'keys.log');
    const sink = await useKeylog(file);
    await expect(useKeylog(join(dir.dir, 'other.log'))).rejects.toThrow(/one per process/);
    const server = new SMTPServer({ key: pki.serverKey, cert: pki.serverCert, authOptional: true, logger: false, onData: (s, _x, cb) => s.on('data', () => {}).on('end', () => cb()) });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const port = (server.server.address() as { port: number }).port;
    const proxy = await startTestProxy(pki, [`smtp://127.0.0.1:0=smtp://127.0.0.1:${port}`]);
    try {
      const t = nodemailer.createTransport({ host: '127.0.0.1', port: proxy.port(), requireTLS: true, tls: { ca: pki.mailtapCaPem } });
      await t.sendMail({ from: 'a@example.com', to: 'b@example.com', subject: 'k', text: 'keys' });
      t.close();
      await proxy.ended(1);
      await sink.close();
      const lines = (await readFile(file, 'utf8')).split('\n').filter(Boolean);
      // TLS 1.3: one CLIENT_TRAFFIC_SECRET_0 per connection, keyed by that connection's client random.
      const randoms = new Set(lines.filter((l) => l.startsWith('CLIENT_TRAFFIC_SECRET_0 ')).map((l) => l.split(' ')[1]));
      expect(randoms.size).toBe(2);
      for (const l of lines) expect(l).toMatch(/^[A-Z_0-9]+ [0-9a-f]{64} [0-9a-f]{64,96}$/);
      expect((await stat(file)).mode & 0o777).toBe(0o600);
    } finally {
      await proxy.close();
      await new Promise<void>((r) => server.close(() => r()));
      await dir.cleanup();
    }
  });
});
