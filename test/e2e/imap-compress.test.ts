// IMAP COMPRESS=DEFLATE (RFC 4978) through the proxy and the replay: imapflow turns compression
// on when a server offers it. The session must not stall, the compressed bytes must pass
// unchanged, and the recording must still tell the story (inflated units, notes, the login).

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ImapFlow } from 'imapflow';
import { copyFile } from 'node:fs/promises';
import { makeTestPki, type TestPki } from '../helpers/pki.js';
import { startTestProxy, type SessionLog } from '../helpers/proxy-harness.js';
import { startMiniImapServer } from '../helpers/mini-imap-server.js';
import { readRecording, streamBytes } from '../../src/record/reader.js';
import { startReplay } from '../../src/replay/server.js';

let pki: TestPki;
beforeAll(async () => {
  pki = await makeTestPki();
});
afterAll(async () => {
  await pki?.cleanup();
});

const MESSAGE = Buffer.from(`From: a@example.com\r\nTo: alice@example.com\r\nSubject: comprimido\r\n\r\n${'hola, texto que se repite. '.repeat(200)}\r\n`);
const users = { alice: 'al1ce-pass' };

async function runImapflow(port: number): Promise<{ source: string; compressed: boolean }> {
  const client = new ImapFlow({
    host: '127.0.0.1',
    port,
    secure: true,
    servername: 'localhost',
    auth: { user: 'alice', pass: 'al1ce-pass' },
    tls: { ca: pki.mailtapCaPem, servername: 'localhost' },
    logger: false,
    disableAutoIdle: true,
  });
  // A stalled session would otherwise hang the test until its timeout.
  const guard = setTimeout(() => client.close(), 15_000);
  try {
    await client.connect();
    const compressed = !!(client as unknown as { _deflate?: unknown })._deflate;
    const lock = await client.getMailboxLock('INBOX');
    let source = '';
    try {
      const msg = await client.fetchOne('1', { source: true });
      source = msg && msg.source ? msg.source.toString() : '';
    } finally {
      lock.release();
    }
    await client.logout();
    return { source, compressed };
  } finally {
    clearTimeout(guard);
  }
}

function verbs(events: SessionLog['events']): string[] {
  return events.filter((e) => e.type === 'command').map((e) => (e as { verb?: string }).verb ?? '?');
}

describe('IMAP COMPRESS=DEFLATE', () => {
  it('imapflow through the proxy: compression on, nothing stalls, the recording holds the inflated dialogue', async () => {
    const server = await startMiniImapServer({ tls: 'implicit', key: pki.serverKey, cert: pki.serverCert, users, messages: [MESSAGE], compress: true });
    const proxy = await startTestProxy(pki, [`imaps://127.0.0.1:0=imaps://127.0.0.1:${server.port}`]);
    let recording: string;
    try {
      const { source, compressed } = await runImapflow(proxy.port());
      expect(compressed).toBe(true);
      expect(source).toBe(MESSAGE.toString());
      const [log] = await proxy.ended(1);
      recording = `${pki.dir}/compress.jsonl`;
      await copyFile(log!.recordingPath!, recording);
      const rec = await readRecording(recording);
      expect(rec.complete).toBe(true);
      const at = rec.events.findIndex((e) => e.type === 'compress');
      expect(at).toBeGreaterThan(0);
      expect(rec.events[at]).toMatchObject({ algorithm: 'DEFLATE' });
      // After the boundary: decoded commands, the message body inflated, and no stall.
      const after = rec.events.slice(at);
      expect(verbs(after as SessionLog['events'])).toEqual(expect.arrayContaining(['SELECT', 'FETCH', 'LOGOUT']));
      expect(streamBytes({ ...rec, events: after }, 's2c').toString()).toContain('hola, texto que se repite.');
      expect(rec.events.find((e) => e.type === 'raw' && /Incomplete line/.test((e as { note?: string }).note ?? ''))).toBeUndefined();
      // The wire carried fewer bytes than the inflated units hold (the body compresses well).
      const close = rec.events.at(-1) as { type: string; bytes: { s2c: number } };
      expect(close.type).toBe('close');
      expect(close.bytes.s2c).toBeLessThan(streamBytes(rec, 's2c').length);
    } finally {
      await proxy.close();
      await server.close();
    }

    // The same recording replayed: the mock compresses too, and imapflow gets the same message.
    const replay = await startReplay({ recordings: [recording], listen: 'imaps://127.0.0.1:0', ca: pki.mailtapCa, once: true });
    try {
      const { source, compressed } = await runImapflow(replay.listeners[0]!.port);
      expect(compressed).toBe(true);
      expect(source).toBe(MESSAGE.toString());
      const [outcome] = await replay.finished;
      expect(outcome!.mismatches).toEqual([]);
      expect(outcome!.matched).toBe(true);
    } finally {
      await replay.close();
    }
  });
});
