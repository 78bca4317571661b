// Baseline for the interop suite: Node clients talk to the real Dovecot and Postfix directly
// (no mailtap), so a failure in a proxied test can be told apart from a broken environment.
// Every message carries a fresh token; nothing here depends on what earlier runs left behind.
import { readFileSync } from 'node:fs';
import { connect } from 'node:tls';
import { randomUUID } from 'node:crypto';
import { ImapFlow } from 'imapflow';
import nodemailer from 'nodemailer';
import { expect, it } from 'vitest';
import { withInteropEnv } from './harness.js';
import type { InteropEnv } from './interop-env.js';

let env: InteropEnv;
let ca: string;

/** Opens implicit TLS, verifies the chain against the test CA, returns the first line. */
function tlsGreeting(port: number): Promise<{ authorized: boolean; line: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: env.host, port, ca, servername: 'localhost' });
    let buf = '';
    socket.setEncoding('latin1');
    socket.setTimeout(10_000, () => socket.destroy(new Error(`timeout on port ${port}`)));
    socket.on('error', reject);
    socket.on('data', (chunk: string) => {
      buf += chunk;
      const eol = buf.indexOf('\r\n');
      if (eol >= 0) {
        resolve({ authorized: socket.authorized, line: buf.slice(0, eol) });
        socket.destroy();
      }
    });
  });
}

async function findBySubject(user: 'alice' | 'bob', subject: string): Promise<string> {
  const client = new ImapFlow({
    host: env.host,
    port: env.ports.imaps,
    secure: true,
    tls: { ca, servername: 'localhost' },
    auth: { user: env.users[user].login, pass: env.users[user].password },
    logger: false,
  });
  await client.connect();
  try {
    const lock = await client.getMailboxLock('INBOX');
    try {
      // Postfix hands the message to Dovecot LMTP asynchronously: poll, bounded.
      for (let attempt = 0; attempt < 60; attempt++) {
        const uids = await client.search({ subject }, { uid: true });
        const uid = Array.isArray(uids) ? uids.at(-1) : undefined;
        if (uid !== undefined) {
          const msg = await client.fetchOne(String(uid), { source: true }, { uid: true });
          if (msg && msg.source) return msg.source.toString('utf8');
        }
        await new Promise((r) => setTimeout(r, 250));
      }
      throw new Error(`no message with subject ${subject} in ${user}'s INBOX`);
    } finally {
      lock.release();
    }
  } finally {
    await client.logout();
  }
}

// Skipped with the reason (or failed under MAILTAP_INTEROP_REQUIRED=1) without the servers;
// stops the daemons afterwards only if this file started them.
withInteropEnv('interop environment, direct (no mailtap)', (e) => {
  env = e;
  ca = readFileSync(env.ca, 'utf8');

  it.each([
    ['smtps', /^220 /],
    ['imaps', /^\* OK /],
    ['pop3s', /^\+OK /],
  ] as const)('%s greets over TLS verified by the test CA', async (service, greeting) => {
    const { authorized, line } = await tlsGreeting(env.ports[service]);
    expect(authorized).toBe(true);
    expect(line).toMatch(greeting);
  });

  // The compress ports are the only ones that offer COMPRESS=DEFLATE (after login): every other
  // IMAP test keeps talking plain IMAP even with imapflow, which compresses whenever offered.
  it.each([
    ['compress.imaps', () => env.compress.ports.imaps, true],
    ['imaps', () => env.ports.imaps, false],
  ] as const)('%s: COMPRESS=DEFLATE offered after login: %s', async (_name, port, offered) => {
    const client = new ImapFlow({
      host: env.host, port: port(), secure: true, tls: { ca, servername: 'localhost' },
      auth: { user: env.users.alice.login, pass: env.users.alice.password }, logger: false,
    });
    await client.connect();
    try {
      expect(client.capabilities.has('COMPRESS=DEFLATE')).toBe(offered);
      expect(!!(client as unknown as { _inflate?: unknown })._inflate, 'imapflow compressing').toBe(offered);
    } finally {
      await client.logout();
    }
  });

  it('submission with STARTTLS + AUTH delivers to bob, IMAPS reads it back', async () => {
    const subject = `direct-submission-${randomUUID()}`;
    const transport = nodemailer.createTransport({
      host: env.host,
      port: env.ports.submission,
      secure: false,
      requireTLS: true,
      tls: { ca, servername: 'localhost' },
      auth: { user: env.users.alice.login, pass: env.users.alice.password },
    });
    const info = await transport.sendMail({
      from: env.users.alice.email,
      to: env.users.bob.email,
      subject,
      text: `body ${subject}`,
    });
    expect(info.accepted).toEqual([env.users.bob.email]);
    const source = await findBySubject('bob', subject);
    expect(source).toContain(`Subject: ${subject}`);
    expect(source).toContain(`body ${subject}`);
  });

  it('port 25-style smtp accepts mail for the domain without AUTH and refuses relaying', async () => {
    const transport = nodemailer.createTransport({
      host: env.host,
      port: env.ports.smtp,
      secure: false,
      requireTLS: true,
      tls: { ca, servername: 'localhost' },
    });
    const subject = `direct-smtp-${randomUUID()}`;
    await transport.sendMail({ from: env.users.bob.email, to: env.users.alice.email, subject, text: 'x' });
    expect(await findBySubject('alice', subject)).toContain(subject);
    await expect(
      transport.sendMail({ from: env.users.bob.email, to: 'someone@example.com', subject, text: 'x' }),
    ).rejects.toThrow(/Relay access denied/);
  });
});
