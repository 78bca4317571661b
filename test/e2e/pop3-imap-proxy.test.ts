// Real POP3 and IMAP clients (our Pop3Client, imapflow) through mailtap to real servers on
// loopback, in each TLS mode: the job completes, and the recording shows TLS on both legs, the
// decoded credentials and every command.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ImapFlow } from 'imapflow';
import { makeTestPki, type TestPki } from '../helpers/pki.js';
import { startTestProxy, type SessionLog } from '../helpers/proxy-harness.js';
import { startMiniPop3Server } from '../helpers/mini-pop3-server.js';
import { startMiniImapServer } from '../helpers/mini-imap-server.js';
import { Pop3Client } from '../helpers/pop3-client.js';

let pki: TestPki;
beforeAll(async () => {
  pki = await makeTestPki();
});
afterAll(async () => {
  await pki?.cleanup();
});

const MESSAGE = Buffer.from('From: a@example.com\r\nTo: alice@example.com\r\nSubject: prueba\r\n\r\nhola\r\n.a line with a dot\r\n');
const users = { alice: 'al1ce-pass' };

function verbs(log: SessionLog): string[] {
  return log.events.filter((e) => e.type === 'command').map((e) => (e as { verb?: string }).verb ?? '?');
}

describe('POP3 through the proxy', () => {
  it.each([
    ['POP3S (implicit TLS)', 'implicit', 'pop3s'],
    ['POP3 with STLS', 'starttls', 'pop3'],
  ] as const)('%s: USER/PASS, STAT, LIST, RETR, DELE, QUIT', async (_name, tls, scheme) => {
    const server = await startMiniPop3Server({ tls, key: pki.serverKey, cert: pki.serverCert, users, messages: [MESSAGE] });
    const proxy = await startTestProxy(pki, [`${scheme}://127.0.0.1:0=${scheme}://127.0.0.1:${server.port}`]);
    try {
      const client = await Pop3Client.connect({ host: '127.0.0.1', port: proxy.port(), tls, ca: pki.mailtapCaPem, servername: 'localhost' });
      await client.login('alice', 'al1ce-pass');
      expect((await client.command('STAT')).status).toBe('+OK');
      expect((await client.command('LIST')).lines).toHaveLength(1);
      expect((await client.retr(1)).toString()).toContain('.a line with a dot');
      expect((await client.command('DELE 1')).status).toBe('+OK');
      await client.quit();
      const [log] = await proxy.ended(1);
      expect(server.mailbox.inbox.messages).toHaveLength(0);
      expect(log!.events.filter((e) => e.type === 'tls')).toHaveLength(2);
      expect(log!.events.find((e) => e.type === 'auth')).toMatchObject({ mechanism: 'USER/PASS', username: 'alice', password: 'al1ce-pass', result: 'success' });
      expect(verbs(log!)).toEqual(expect.arrayContaining(['USER', 'PASS', 'STAT', 'LIST', 'RETR', 'DELE', 'QUIT']));
      if (tls === 'starttls') expect(verbs(log!)).toContain('STLS');
    } finally {
      await proxy.close();
      await server.close();
    }
  });
});

describe('IMAP through the proxy', () => {
  it.each([
    ['IMAPS (implicit TLS)', 'implicit', 'imaps', true],
    ['IMAP with STARTTLS', 'starttls', 'imap', false],
  ] as const)('%s: imapflow logs in, lists, selects, fetches, appends, flags and logs out', async (_name, tls, scheme, secure) => {
    const server = await startMiniImapServer({ tls, key: pki.serverKey, cert: pki.serverCert, users, messages: [MESSAGE] });
    const proxy = await startTestProxy(pki, [`${scheme}://127.0.0.1:0=${scheme}://127.0.0.1:${server.port}`]);
    try {
      const client = new ImapFlow({
        host: '127.0.0.1',
        port: proxy.port(),
        secure,
        doSTARTTLS: secure ? undefined : true,
        servername: 'localhost',
        auth: { user: 'alice', pass: 'al1ce-pass' },
        tls: { ca: pki.mailtapCaPem, servername: 'localhost' },
        logger: false,
      });
      await client.connect();
      const boxes = await client.list();
      expect(boxes.map((b) => b.path)).toContain('INBOX');
      const lock = await client.getMailboxLock('INBOX');
      try {
        const msg = await client.fetchOne('1', { source: true });
        expect(msg && msg.source?.toString()).toContain('Subject: prueba');
        await client.append('INBOX', Buffer.from('Subject: appended\r\n\r\nbody\r\n'));
        await client.messageFlagsAdd('1', ['\\Seen']);
      } finally {
        lock.release();
      }
      await client.logout();
      const [log] = await proxy.ended(1);
      expect(server.mailbox.inbox.messages).toHaveLength(2);
      expect(log!.events.filter((e) => e.type === 'tls')).toHaveLength(2);
      expect(log!.events.find((e) => e.type === 'auth')).toMatchObject({ username: 'alice', password: 'al1ce-pass', result: 'success' });
      expect(verbs(log!)).toEqual(expect.arrayContaining(['LIST', 'SELECT', 'FETCH', 'APPEND', 'STORE', 'LOGOUT']));
      if (!secure) expect(verbs(log!)).toContain('STARTTLS');
    } finally {
      await proxy.close();
      await server.close();
    }
  });
});
