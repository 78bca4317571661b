// A real proxy with the web view on 127.0.0.1 port 0, in front of real servers (smtp-server, and
// the test helpers' IMAP and POP3 servers), and Debian's chromium driven by playwright-core.
// Nothing downloads a browser: CHROMIUM (default /usr/bin/chromium) must be installed.

import { access, mkdir } from 'node:fs/promises';
import { SMTPServer } from 'smtp-server';
import { chromium, type Browser } from 'playwright-core';
import { parseRoute } from '../../src/core/mail-url.js';
import { startProxy, type ProxyHandle } from '../../src/session/proxy.js';
import { fanOut } from '../../src/session/fan-out.js';
import type { RecordEvent } from '../../src/record/schema.js';
import { SessionStore } from '../../src/web/store.js';
import { startWeb, type WebHandle, CLIENT_DIR } from '../../src/web/server.js';
import { makeTempDir, type TestPki } from '../helpers/pki.js';
import { startMiniImapServer } from '../helpers/mini-imap-server.js';
import { startMiniPop3Server } from '../helpers/mini-pop3-server.js';
import type { MiniServer } from '../helpers/mailbox.js';

export const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
export const ARTIFACTS = new URL('../../test-artifacts/web/', import.meta.url);

export async function launchBrowser(): Promise<Browser> {
  await access(CHROMIUM).catch(() => {
    throw new Error(`${CHROMIUM} is missing: apt-get install chromium (the browser suite never downloads one)`);
  });
  await access(new URL('main.js', CLIENT_DIR)).catch(() => {
    throw new Error('dist/web/client/main.js is missing: run npm run build first');
  });
  await mkdir(ARTIFACTS, { recursive: true });
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

export interface Lab {
  web: WebHandle;
  proxy: ProxyHandle;
  store: SessionStore;
  /** Every event per session, as the proxy emitted it. */
  events: Map<string, RecordEvent[]>;
  ports: { smtp: number; imaps: number; pop3s: number };
  /** Messages smtp-server received, exactly as delivered. */
  received: Buffer[];
  recordingsDir: string;
  close(): Promise<void>;
}

export async function startLab(pki: TestPki, messages: Buffer[], opts: { redact?: boolean } = {}): Promise<Lab> {
  const received: Buffer[] = [];
  const smtp = new SMTPServer({
    key: pki.serverKey,
    cert: pki.serverCert,
    authMethods: ['PLAIN', 'LOGIN'],
    logger: false,
    onAuth(auth, _s, cb) {
      if (auth.username === 'alice' && auth.password === 's3cret') cb(null, { user: 'alice' });
      else cb(new Error('Invalid username or password'));
    },
    onData(stream, _s, cb) {
      const parts: Buffer[] = [];
      stream.on('data', (c: Buffer) => parts.push(c));
      stream.on('end', () => {
        received.push(Buffer.concat(parts));
        cb();
      });
    },
  });
  await new Promise<void>((r) => smtp.listen(0, '127.0.0.1', () => r()));
  const smtpAddr = smtp.server.address();
  const smtpPort = typeof smtpAddr === 'object' && smtpAddr ? smtpAddr.port : 0;
  const users = { alice: 's3cret' };
  const imap: MiniServer = await startMiniImapServer({ tls: 'implicit', key: pki.serverKey, cert: pki.serverCert, users, messages });
  const pop3: MiniServer = await startMiniPop3Server({ tls: 'implicit', key: pki.serverKey, cert: pki.serverCert, users, messages });
  const recordings = await makeTempDir('mailtap-web-rec-');
  const store = new SessionStore();
  const events = new Map<string, RecordEvent[]>();
  const proxy = await startProxy({
    routes: [
      parseRoute(`smtp://127.0.0.1:0=smtp://127.0.0.1:${smtpPort}`),
      parseRoute(`imaps://127.0.0.1:0=imaps://127.0.0.1:${imap.port}`),
      parseRoute(`pop3s://127.0.0.1:0=pop3s://127.0.0.1:${pop3.port}`),
    ],
    ca: pki.mailtapCa,
    upstreamCa: [pki.upstreamCaFile],
    recordings: recordings.dir,
    redact: !!opts.redact,
    observer: fanOut([store, { start: (id) => events.set(id, []), event: (id, ev) => events.get(id)?.push(ev) }]),
  });
  const web = await startWeb({ store, host: '127.0.0.1', port: 0, lang: 'en', mode: 'proxy', redact: !!opts.redact });
  return {
    web,
    proxy,
    store,
    events,
    received,
    recordingsDir: recordings.dir,
    ports: { smtp: proxy.listeners[0]!.port, imaps: proxy.listeners[1]!.port, pop3s: proxy.listeners[2]!.port },
    async close() {
      await web.close();
      await proxy.close();
      await new Promise<void>((r) => smtp.close(() => r()));
      await imap.close();
      await pop3.close();
      await recordings.cleanup();
    },
  };
}
