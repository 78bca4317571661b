// Record → replay round trips with real clients: a session recorded through the proxy against a
// real server is served back by `startReplay`, and the same client gets the same outcome.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SMTPServer } from 'smtp-server';
import nodemailer from 'nodemailer';
import { ImapFlow } from 'imapflow';
import { makeTestPki, type TestPki } from '../helpers/pki.js';
import { startTestProxy } from '../helpers/proxy-harness.js';
import { startMiniPop3Server } from '../helpers/mini-pop3-server.js';
import { startMiniImapServer } from '../helpers/mini-imap-server.js';
import { Pop3Client } from '../helpers/pop3-client.js';
import { startReplay } from '../../src/replay/server.js';
import { readRecording } from '../../src/record/reader.js';

let pki: TestPki;
beforeAll(async () => {
  pki = await makeTestPki();
});
afterAll(async () => {
  await pki?.cleanup();
});

async function recordSmtp(secure: boolean, pipelining = true): Promise<string> {
  const server = new SMTPServer({
    secure,
    key: pki.serverKey,
    cert: pki.serverCert,
    authMethods: ['PLAIN', 'LOGIN'],
    hidePIPELINING: !pipelining,
    logger: false,
    onAuth: (auth, _s, cb) => (auth.password === 's3cret' ? cb(null, { user: auth.username }) : cb(new Error('bad'))),
    onData: (stream, _s, cb) => {
      stream.resume();
      stream.on('end', () => cb());
    },
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.server.address() as { port: number }).port;
  const scheme = secure ? 'smtps' : 'smtp';
  const proxy = await startTestProxy(pki, [`${scheme}://127.0.0.1:0=${scheme}://127.0.0.1:${port}`], { recordings: undefined });
  try {
    await sendWithNodemailer(proxy.port(), secure, 's3cret');
    const [log] = await proxy.ended(1);
    const copy = `${pki.dir}/${scheme}-${Date.now()}.jsonl`;
    await import('node:fs/promises').then((fs) => fs.copyFile(log!.recordingPath!, copy));
    return copy;
  } finally {
    await proxy.close();
    await new Promise<void>((r) => server.close(() => r()));
  }
}

async function sendWithNodemailer(port: number, secure: boolean, pass: string) {
  const transport = nodemailer.createTransport({
    host: '127.0.0.1',
    port,
    secure,
    requireTLS: !secure,
    auth: { user: 'alice', pass },
    authMethod: 'LOGIN',
    tls: { ca: pki.mailtapCaPem, servername: 'localhost' },
  });
  try {
    return await transport.sendMail({ from: 'alice@example.com', to: 'bob@example.com', subject: 'replay', text: 'hola\n' });
  } finally {
    transport.close();
  }
}

describe('replay of SMTP recordings', () => {
  it.each([
    ['STARTTLS', false],
    ['implicit TLS', true],
  ])('%s: nodemailer gets the same outcome from the replay as from the real server', async (_name, secure) => {
    const recording = await recordSmtp(secure);
    const replay = await startReplay({ recordings: [recording], listen: `${secure ? 'smtps' : 'smtp'}://127.0.0.1:0`, ca: pki.mailtapCa, once: true });
    try {
      // Other credentials and another body: lenient matching accepts them.
      const info = await sendWithNodemailer(replay.listeners[0]!.port, secure, 'another-password');
      expect(info.accepted).toEqual(['bob@example.com']);
      const [outcome] = await replay.finished;
      expect(outcome).toMatchObject({ matched: true, mismatches: [] });
      expect(outcome!.stepsMatched).toBeGreaterThan(5);
    } finally {
      await replay.close();
    }
  });

  it('a command the recording does not expect gets 500 naming what was expected, and the session fails', async () => {
    const recording = await recordSmtp(false);
    const replay = await startReplay({ recordings: [recording], listen: 'smtp://127.0.0.1:0', ca: pki.mailtapCa, once: true });
    try {
      const { LineClient } = await import('../helpers/line-client.js');
      const c = await LineClient.connect({ port: replay.listeners[0]!.port });
      expect(await c.smtpReply()).toMatch(/^220/);
      await c.send('VRFY bob\r\n');
      expect(await c.smtpReply()).toMatch(/^500 5\.5\.0 mailtap replay: expected "EHLO", got "VRFY"/);
      await c.close();
      const [outcome] = await replay.finished;
      expect(outcome!.matched).toBe(false);
      expect(outcome!.mismatches[0]).toMatch(/expected "EHLO"/);
    } finally {
      await replay.close();
    }
  });

  it('--strict compares arguments too', async () => {
    const recording = await recordSmtp(false);
    const rec = await readRecording(recording);
    const strict = await startReplay({ recordings: [rec], listen: 'smtp://127.0.0.1:0', ca: pki.mailtapCa, once: true, strict: true });
    try {
      const { LineClient } = await import('../helpers/line-client.js');
      const c = await LineClient.connect({ port: strict.listeners[0]!.port });
      await c.smtpReply();
      await c.send('EHLO someone-else.example\r\n');
      expect(await c.smtpReply()).toMatch(/^421 .*expected "EHLO [^"]+", got "EHLO someone-else\.example"/);
      await c.close();
    } finally {
      await strict.close();
    }
  });

  it('refuses a truncated recording at start, not mid-session', async () => {
    const recording = await recordSmtp(false);
    const fs = await import('node:fs/promises');
    const text = await fs.readFile(recording, 'utf8');
    const cut = `${recording}.cut.jsonl`;
    await fs.writeFile(cut, text.split('\n').slice(0, 6).join('\n') + '\n');
    await expect(startReplay({ recordings: [cut], listen: 'smtp://127.0.0.1:0', ca: pki.mailtapCa })).rejects.toThrow(/ends early/);
  });
});

describe('replay of POP3 and IMAP recordings', () => {
  const users = { alice: 'al1ce' };
  const messages = [Buffer.from('Subject: uno\r\n\r\nprimero\r\n'), Buffer.from('Subject: dos\r\n\r\nsegundo\r\n')];

  it('POP3S: the same client script gets the same answers', async () => {
    const server = await startMiniPop3Server({ tls: 'implicit', key: pki.serverKey, cert: pki.serverCert, users, messages });
    const proxy = await startTestProxy(pki, [`pop3s://127.0.0.1:0=pop3s://127.0.0.1:${server.port}`]);
    const script = async (port: number) => {
      const c = await Pop3Client.connect({ host: '127.0.0.1', port, tls: 'implicit', ca: pki.mailtapCaPem, servername: 'localhost' });
      await c.login('alice', 'al1ce');
      const stat = await c.command('STAT');
      const list = await c.command('LIST');
      const body = (await c.retr(2)).toString();
      await c.command('DELE 1');
      await c.quit();
      return { stat: stat.text, list: list.lines, body };
    };
    let original;
    let recording: string;
    try {
      original = await script(proxy.port());
      recording = (await proxy.ended(1))[0]!.recordingPath!;
      const copy = `${pki.dir}/pop3s.jsonl`;
      await import('node:fs/promises').then((fs) => fs.copyFile(recording, copy));
      recording = copy;
    } finally {
      await proxy.close();
      await server.close();
    }
    const replay = await startReplay({ recordings: [recording], listen: 'pop3s://127.0.0.1:0', ca: pki.mailtapCa, once: true });
    try {
      expect(await script(replay.listeners[0]!.port)).toEqual(original);
      expect((await replay.finished)[0]).toMatchObject({ matched: true });
    } finally {
      await replay.close();
    }
  });

  it.each([
    ['IMAPS', 'implicit', true],
    ['IMAP STARTTLS', 'starttls', false],
  ] as const)('%s: imapflow gets the same mailbox and message, tags rewritten', async (_n, tls, secure) => {
    const server = await startMiniImapServer({ tls, key: pki.serverKey, cert: pki.serverCert, users, messages });
    const scheme = secure ? 'imaps' : 'imap';
    const proxy = await startTestProxy(pki, [`${scheme}://127.0.0.1:0=${scheme}://127.0.0.1:${server.port}`]);
    const script = async (port: number) => {
      const client = new ImapFlow({ host: '127.0.0.1', port, secure, doSTARTTLS: secure ? undefined : true, auth: { user: 'alice', pass: 'al1ce' }, tls: { ca: pki.mailtapCaPem, servername: 'localhost' }, logger: false });
      await client.connect();
      const list = (await client.list()).map((b) => b.path).sort();
      const lock = await client.getMailboxLock('INBOX');
      let source: string | undefined;
      try {
        const msg = await client.fetchOne('2', { source: true });
        source = msg ? msg.source?.toString() : undefined;
      } finally {
        lock.release();
      }
      await client.logout();
      return { list, source };
    };
    let original;
    let recording: string;
    try {
      original = await script(proxy.port());
      recording = (await proxy.ended(1))[0]!.recordingPath!;
      const copy = `${pki.dir}/${scheme}.jsonl`;
      await import('node:fs/promises').then((fs) => fs.copyFile(recording, copy));
      recording = copy;
    } finally {
      await proxy.close();
      await server.close();
    }
    expect(original.source).toContain('segundo');
    const replay = await startReplay({ recordings: [recording], listen: `${scheme}://127.0.0.1:0`, ca: pki.mailtapCa, once: true });
    try {
      expect(await script(replay.listeners[0]!.port)).toEqual(original);
      expect((await replay.finished)[0]).toMatchObject({ matched: true });
    } finally {
      await replay.close();
    }
  });
});
