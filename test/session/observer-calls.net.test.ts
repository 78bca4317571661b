// The observer of startProxy is a library API: a class instance (the web view's SessionStore is
// one) must be called as an object's methods, and an observer that throws must cost its own view,
// never the mail. Both were seen: `proxy` with a SessionStore passed directly left every client
// hanging after "Cannot read properties of undefined (reading 'sessions')", because the observer's
// event method was called unbound.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import { SMTPServer } from 'smtp-server';
import nodemailer from 'nodemailer';
import { makeTestPki, makeTempDir, type TestPki } from '../helpers/pki.js';
import { parseRoute } from '../../src/core/mail-url.js';
import { startProxy } from '../../src/session/proxy.js';
import type { SessionObserver } from '../../src/session/session-record.js';
import type { CloseEvent, RecordEvent, RecordHeader } from '../../src/record/schema.js';
import { SessionStore } from '../../src/web/store.js';

let pki: TestPki;
beforeAll(async () => {
  pki = await makeTestPki();
});
afterAll(async () => {
  await pki?.cleanup();
});

/** A real SMTP server that keeps each message it accepts. */
async function startSmtpServer() {
  const messages: string[] = [];
  const server = new SMTPServer({
    key: pki.serverKey,
    cert: pki.serverCert,
    authOptional: true,
    logger: false,
    onData: (stream, _s, cb) => {
      const parts: Buffer[] = [];
      stream.on('data', (c: Buffer) => parts.push(c));
      stream.on('end', () => {
        messages.push(Buffer.concat(parts).toString());
        cb();
      });
    },
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { messages, port: (server.server.address() as { port: number }).port, close: () => new Promise<void>((r) => server.close(() => r())) };
}

/** nodemailer through the proxy with STARTTLS; rejects after 10 s instead of hanging the suite. */
async function sendThrough(port: number, subject: string) {
  const transport = nodemailer.createTransport({
    host: '127.0.0.1',
    port,
    requireTLS: true,
    tls: { ca: pki.mailtapCaPem, servername: 'localhost' },
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 10_000,
  });
  try {
    return await transport.sendMail({ from: 'alice@example.com', to: 'bob@example.com', subject, text: 'hola\n' });
  } finally {
    transport.close();
  }
}

/** An observer written as a class, whose methods use `this`. */
class CountingObserver implements SessionObserver {
  private readonly seen = new Map<string, string[]>();
  readonly ended: { id: string; close: CloseEvent }[] = [];
  start(id: string, _header: RecordHeader): void {
    this.seen.set(id, []);
  }
  event(id: string, ev: RecordEvent): void {
    this.seen.get(id)!.push('text' in ev ? `${ev.dir} ${ev.text}` : ev.type);
  }
  end(id: string, close: CloseEvent): void {
    this.ended.push({ id, close });
  }
  of(id: string): string[] {
    return this.seen.get(id) ?? [];
  }
}

async function withProxy(upstreamPort: number, observer: SessionObserver, run: (port: number, recordings: string) => Promise<void>) {
  const recordings = await makeTempDir('mailtap-rec-');
  const handle = await startProxy({
    routes: [parseRoute(`smtp://127.0.0.1:0=smtp://127.0.0.1:${upstreamPort}`)],
    ca: pki.mailtapCa,
    upstreamCa: [pki.upstreamCaFile],
    recordings: recordings.dir,
    observer,
  });
  try {
    await run(handle.listeners[0]!.port, recordings.dir);
  } finally {
    await handle.close();
    await recordings.cleanup();
  }
}

describe('the observer of startProxy', () => {
  it('is called as an object: a class instance sees the whole session', async () => {
    const server = await startSmtpServer();
    const observer = new CountingObserver();
    try {
      await withProxy(server.port, observer, async (port) => {
        const info = await sendThrough(port, 'class observer');
        expect(info.accepted).toEqual(['bob@example.com']);
        await expect.poll(() => observer.ended.length).toBe(1);
      });
      const { id, close } = observer.ended[0]!;
      expect(close.type).toBe('close');
      const seen = observer.of(id);
      expect(seen).toContain('c2s STARTTLS\r\n');
      expect(seen.some((s) => s.startsWith('c2s MAIL FROM:<alice@example.com>'))).toBe(true);
      expect(seen.filter((s) => s === 'error')).toEqual([]);
      expect(server.messages).toHaveLength(1);
    } finally {
      await server.close();
    }
  });

  it('the web view store passed as it is lists the session, closed', async () => {
    const server = await startSmtpServer();
    const store = new SessionStore();
    try {
      await withProxy(server.port, store, async (port) => {
        await sendThrough(port, 'store observer');
        await expect.poll(() => store.list().filter((s) => s.closed).length).toBe(1);
      });
      expect(server.messages[0]).toContain('Subject: store observer');
    } finally {
      await server.close();
    }
  });

  it('an observer that throws costs its own view, not the mail: the message arrives and the recording is whole', async () => {
    const server = await startSmtpServer();
    const broken: SessionObserver = {
      start: () => {
        throw new Error('start is broken');
      },
      event: () => {
        throw new Error('event is broken');
      },
      end: () => {
        throw new Error('end is broken');
      },
    };
    try {
      await withProxy(server.port, broken, async (port, recordings) => {
        const info = await sendThrough(port, 'broken observer');
        expect(info.accepted).toEqual(['bob@example.com']);
        const { readdir } = await import('node:fs/promises');
        await expect.poll(async () => (await readdir(recordings)).length).toBe(1);
        const [file] = await readdir(recordings);
        await expect.poll(async () => (await readFile(`${recordings}/${file}`, 'utf8')).includes('"type":"close"')).toBe(true);
        const text = await readFile(`${recordings}/${file}`, 'utf8');
        expect(text).toContain('MAIL FROM:<alice@example.com>');
        expect(text).not.toContain('"type":"error"');
      });
      expect(server.messages[0]).toContain('Subject: broken observer');
    } finally {
      await server.close();
    }
  });
});
