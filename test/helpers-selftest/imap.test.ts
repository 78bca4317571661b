// Self-tests of the mini IMAP server with imapflow as a real client over 127.0.0.1, in the three
// TLS modes: connect, login, list, open, fetch, search, append, flag, copy/move, expunge, idle,
// logout; and checks of the mailbox state the server exposes afterwards.

import { ImapFlow } from 'imapflow';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { MiniServer } from '../helpers/mailbox.js';
import { startMiniImapServer } from '../helpers/mini-imap-server.js';
import { makeTestCert, type TestCert } from './test-cert.js';

export const FIRST = Buffer.from(
  'From: "Alice Example" <alice@example.org>\r\nTo: bob@example.org\r\nSubject: hello\r\n' +
    'Message-ID: <1@example.org>\r\nDate: Mon, 02 Jun 2025 10:00:00 +0000\r\n\r\nfirst body\r\n.dot line\r\n',
);
export const SECOND = Buffer.from(
  'From: carol@example.net\r\nTo: bob@example.org\r\nSubject: =?UTF-8?Q?caf=C3=A9?=\r\n' +
    'MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="b1"\r\n\r\n' +
    '--b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\npart one\r\n' +
    '--b1\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename="a.bin"\r\n' +
    'Content-Transfer-Encoding: base64\r\n\r\nAAEC\r\n--b1--\r\n',
);
const APPENDED = Buffer.from('From: dave@example.com\r\nSubject: appended\r\n\r\nnew\r\n');

let cert: TestCert | null = null;
let server: MiniServer | undefined;
const clients: ImapFlow[] = [];
beforeAll(() => {
  cert = makeTestCert();
  if (!cert) console.warn('openssl not found: skipping IMAP TLS self-tests');
});
afterAll(() => cert?.dispose());
afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await server?.close();
  server = undefined;
});

type Mode = 'implicit' | 'starttls' | 'plain';

async function start(mode: Mode) {
  server = await startMiniImapServer({
    tls: mode,
    key: cert?.key,
    cert: cert?.cert,
    users: { bob: 'p@ss w"rd' },
    messages: [FIRST, SECOND],
  });
  return server;
}

function client(s: MiniServer, mode: Mode, extra: Record<string, unknown> = {}): ImapFlow {
  const c = new ImapFlow({
    host: s.host,
    port: s.port,
    secure: mode === 'implicit',
    doSTARTTLS: mode === 'starttls' ? true : mode === 'plain' ? false : undefined,
    tls: { ca: cert ? [cert.cert] : undefined },
    auth: { user: 'bob', pass: 'p@ss w"rd' },
    logger: false,
    disableAutoIdle: true,
    ...extra,
  } as ConstructorParameters<typeof ImapFlow>[0]);
  clients.push(c);
  return c;
}

describe.each(['implicit', 'starttls', 'plain'] as const)('imapflow against the mini IMAP server over %s', (mode) => {
  it('connects, lists, opens, fetches, appends, flags, expunges and logs out', async (ctx) => {
    if (mode !== 'plain' && !cert) return ctx.skip();
    const s = await start(mode);
    const c = client(s, mode);
    await c.connect();
    expect(c.secureConnection || mode !== 'implicit').toBe(true);
    expect(c.capabilities.has('STARTTLS')).toBe(false); // gone after login / TLS
    const boxes = await c.list();
    expect(boxes.map((b) => b.path).sort()).toEqual(['INBOX', 'Sent', 'Trash']);
    expect(boxes.find((b) => b.path === 'Sent')!.specialUse).toBe('\\Sent');

    const inbox = await c.mailboxOpen('INBOX');
    expect(inbox.exists).toBe(2);
    expect(Number(inbox.uidValidity)).toBe(s.mailbox.inbox.uidValidity);

    const one = await c.fetchOne('1', { source: true, envelope: true, flags: true, uid: true, size: true, internalDate: true });
    expect(one && one.source).toEqual(FIRST);
    expect(one && one.envelope!.from).toEqual([{ name: 'Alice Example', address: 'alice@example.org' }]);
    expect(one && one.envelope!.subject).toBe('hello');
    expect(one && one.size).toBe(FIRST.length);
    expect(one && [...one.flags!]).toEqual([]); // BODY.PEEK does not set \Seen

    const two = await c.fetchOne('2', { bodyStructure: true, envelope: true, headers: ['subject'] });
    expect(two && two.envelope!.subject).toBe('café');
    expect(two && two.bodyStructure!.childNodes!.map((n) => n.type)).toEqual(['text/plain', 'application/octet-stream']);
    expect(two && two.bodyStructure!.childNodes![1]!.dispositionParameters).toEqual({ filename: 'a.bin' });
    expect(two && two.headers!.toString()).toBe('Subject: =?UTF-8?Q?caf=C3=A9?=\r\n\r\n');
    const part = await c.download('2', '2');
    const chunks: Buffer[] = [];
    for await (const chunk of part.content!) chunks.push(chunk as Buffer);
    expect(Buffer.concat(chunks)).toEqual(Buffer.from([0, 1, 2]));

    const appended = await c.append('INBOX', APPENDED, ['\\Seen']);
    expect(appended && appended.uid).toBe(3);
    expect(c.mailbox && c.mailbox.exists).toBe(3);
    expect(await c.search({ seen: false })).toEqual([1, 2]);
    expect(await c.search({ subject: 'APPEND' }, { uid: true })).toEqual([3]);
    expect(await c.search({ from: 'carol' })).toEqual([2]);
    expect(await c.search({ or: [{ from: 'dave' }, { uid: '1' }] })).toEqual([1, 3]);

    expect(await c.messageFlagsAdd('1', ['\\Flagged'])).toBe(true);
    expect(await c.messageCopy('1', 'Sent')).toMatchObject({ destination: 'Sent', uidMap: new Map([[1, 1]]) });
    expect(await c.messageMove('2', 'Trash', { uid: true })).toMatchObject({ uidMap: new Map([[2, 1]]) });
    expect(c.mailbox && c.mailbox.exists).toBe(2);
    expect(await c.messageDelete('1')).toBe(true);
    expect(c.mailbox && c.mailbox.exists).toBe(1);

    const all = await c.fetchAll('1:*', { uid: true, flags: true });
    expect(all.map((m) => [m.uid, [...m.flags!]])).toEqual([[3, ['\\Seen']]]);
    expect(await c.status('Sent', { messages: true, uidNext: true, unseen: true })).toMatchObject({ messages: 1, uidNext: 2, unseen: 1 });

    await c.mailboxCreate('Archive');
    expect((await c.list()).map((b) => b.path)).toContain('Archive');
    await c.mailboxDelete('Archive');
    await c.mailboxClose();
    await c.logout();

    expect(s.mailbox.inbox.messages.map((m) => m.raw)).toEqual([APPENDED]);
    expect(s.mailbox.get('Sent')!.messages[0]!.flags).toEqual(new Set(['\\Flagged']));
    expect(s.mailbox.get('Trash')!.messages.map((m) => m.raw)).toEqual([SECOND]);
  });
});

describe('imapflow login methods and notifications (plaintext)', () => {
  it.each([['LOGIN'], ['AUTH=LOGIN'], ['AUTH=PLAIN']])('logs in with %s and rejects a wrong password', async (method) => {
    const s = await start('plain');
    const c = client(s, 'plain', { auth: { user: 'bob', pass: 'p@ss w"rd', loginMethod: method } });
    await c.connect();
    expect(c.authenticated).toBeTruthy();
    await c.logout();
    const wrong = client(s, 'plain', { auth: { user: 'bob', pass: 'nope', loginMethod: method } });
    await expect(wrong.connect()).rejects.toMatchObject({ authenticationFailed: true });
  });

  it('reports a message appended by another session while idling', async () => {
    const s = await start('plain');
    const watcher = client(s, 'plain');
    await watcher.connect();
    await watcher.mailboxOpen('INBOX');
    const seen = new Promise<number>((resolve) => watcher.on('exists', (e: { count: number }) => resolve(e.count)));
    const idle = watcher.idle();
    const writer = client(s, 'plain');
    await writer.connect();
    await writer.append('INBOX', APPENDED);
    expect(await seen).toBe(3);
    await writer.logout();
    await watcher.noop(); // breaks IDLE with DONE
    await idle;
    await watcher.logout();
  });
});
