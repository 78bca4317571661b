// The mixed workload of the load and soak tests: one proxy in front of an SMTP (STARTTLS), an
// IMAPS and a POP3S server, and one short, complete client dialogue per protocol.

import { readdirSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { parseRoute } from '../../../src/core/mail-url.js';
import { startProxy, type ProxyHandle } from '../../../src/session/proxy.js';
import { readRecording } from '../../../src/record/reader.js';
import type { CloseEvent } from '../../../src/record/schema.js';
import type { TestPki } from '../../helpers/pki.js';
import { startScriptedSmtpServer } from '../../helpers/scripted-smtp-server.js';
import { startMiniImapServer } from '../../helpers/mini-imap-server.js';
import { startMiniPop3Server } from '../../helpers/mini-pop3-server.js';
import { LineClient } from '../../helpers/line-client.js';

export interface MixedRig {
  proxy: ProxyHandle;
  /** Close events seen by the observer, in order. */
  closes: CloseEvent[];
  run(kind: 0 | 1 | 2): Promise<void>;
  close(): Promise<void>;
}

const MESSAGE = Buffer.from('From: a@example.com\r\nSubject: load\r\n\r\nhello\r\n');

export async function startMixedRig(pki: TestPki, recordings: string | false): Promise<MixedRig> {
  const smtp = await startScriptedSmtpServer({ tls: 'starttls', key: pki.serverKey, cert: pki.serverCert });
  const users = { alice: 'pw' };
  const imap = await startMiniImapServer({ tls: 'implicit', key: pki.serverKey, cert: pki.serverCert, users, messages: [MESSAGE] });
  const pop3 = await startMiniPop3Server({ tls: 'implicit', key: pki.serverKey, cert: pki.serverCert, users, messages: [MESSAGE] });
  const closes: CloseEvent[] = [];
  const proxy = await startProxy({
    routes: [
      parseRoute(`smtp://127.0.0.1:0=smtp://127.0.0.1:${smtp.port}`),
      parseRoute(`imaps://127.0.0.1:0=imaps://127.0.0.1:${imap.port}`),
      parseRoute(`pop3s://127.0.0.1:0=pop3s://127.0.0.1:${pop3.port}`),
    ],
    ca: pki.mailtapCa,
    upstreamCa: [pki.upstreamCaFile],
    recordings,
    limits: { maxSessions: 2000, maxSessionsPerClient: 2000 },
    observer: { end: (_id, close) => closes.push(close) },
  });
  const port = (i: number) => proxy.listeners[i]!.port;
  const ca = pki.mailtapCaPem;
  const dialogues = [
    async () => {
      const c = await LineClient.connect({ port: port(0), ca });
      await c.smtpReply(30_000);
      await c.send('EHLO load\r\n');
      await c.smtpReply(30_000);
      await c.send('STARTTLS\r\n');
      await c.smtpReply(30_000);
      await c.startTls();
      await c.send('EHLO load\r\nMAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nDATA\r\n');
      for (let i = 0; i < 4; i++) await c.smtpReply(30_000);
      await c.send('Subject: load\r\n\r\nhello\r\n.\r\nQUIT\r\n');
      await c.smtpReply(30_000);
      if (!(await c.smtpReply(30_000)).startsWith('221')) throw new Error('smtp: no 221');
      await c.close();
    },
    async () => {
      const c = await LineClient.connect({ port: port(1), tls: true, ca });
      await c.line(30_000);
      await c.send('a1 LOGIN alice pw\r\na2 SELECT INBOX\r\na3 LOGOUT\r\n');
      await c.readUntil((t) => (/\r\na3 OK[^\r\n]*\r\n$/.test(t) || /^a3 OK/m.test(t) ? t.length : -1), 30_000);
      await c.close();
    },
    async () => {
      const c = await LineClient.connect({ port: port(2), tls: true, ca });
      await c.line(30_000);
      await c.send('USER alice\r\nPASS pw\r\nSTAT\r\nQUIT\r\n');
      await c.readUntil((t) => (t.split('\r\n').length > 4 ? t.length : -1), 30_000);
      await c.close();
    },
  ];
  return {
    proxy,
    closes,
    run: (kind) => dialogues[kind]!(),
    async close() {
      await proxy.close();
      await Promise.all([smtp.close(), imap.close(), pop3.close()]);
    },
  };
}

/** Every recording in `dir` parsed: how many, and which are not whole (no close, or cut). */
export async function checkRecordings(dir: string): Promise<{ count: number; broken: string[] }> {
  const files = await readdir(dir);
  const broken: string[] = [];
  for (const f of files) {
    const r = await readRecording(join(dir, f));
    if (!r.complete || r.truncated) broken.push(f);
  }
  return { count: files.length, broken };
}

/** Open file descriptors of this process (Linux); -1 where /proc is missing. */
export function fdCount(): number {
  try {
    return readdirSync('/proc/self/fd').length;
  } catch {
    return -1;
  }
}
