// `mailtap audit --mock` against real Node mail clients over real sockets: nodemailer sending
// opportunistically and with requireTLS, imapflow with and without doSTARTTLS. Each client runs
// once per case, as a user would; the expected verdict of every client/case pair is written
// down with its reason, and any change fails the test.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import nodemailer from 'nodemailer';
import { ImapFlow } from 'imapflow';
import { startAudit, type AuditReport } from '../../src/audit/index.js';
import { parseMailUrl } from '../../src/core/mail-url.js';
import { makeTestPki, type TestPki } from '../helpers/pki.js';

let pki: TestPki;
beforeAll(async () => {
  pki = await makeTestPki();
});
afterAll(() => pki.cleanup());

type Expected = Record<string, 'pass' | 'fail' | 'n/a'>;

/** Runs `client` once per served case against an audit of `listen`, returns the report. */
async function audit(listen: string, client: (port: number) => Promise<unknown>): Promise<AuditReport> {
  const a = await startAudit({ listen: parseMailUrl(listen), ca: pki.mailtapCa, recordings: false, timeoutMs: 10_000 });
  const port = Number(new URL(a.url.replace(/^\w+:/, 'http:')).port);
  try {
    while (a.pending > 0) await client(port).catch(() => undefined);
    return await Promise.race([a.done, new Promise<AuditReport>((_, reject) => setTimeout(() => reject(new Error('audit did not finish')), 20_000))]);
  } finally {
    await a.close();
  }
}

function verdicts(report: AuditReport): Expected {
  return Object.fromEntries(report.cases.map((c) => [c.name, c.verdict]));
}

function send(port: number, requireTLS: boolean): Promise<unknown> {
  const transport = nodemailer.createTransport({
    host: '127.0.0.1',
    port,
    secure: false,
    requireTLS,
    auth: { user: 'alice', pass: 'alice-Secret1' },
    tls: { ca: [pki.mailtapCaPem], servername: 'localhost' },
    connectionTimeout: 5000,
    greetingTimeout: 5000,
    socketTimeout: 5000,
  });
  return transport.sendMail({ from: 'alice@mailtap.test', to: 'bob@mailtap.test', subject: 'audit', text: 'hello' }).finally(() => transport.close());
}

async function imap(port: number, doSTARTTLS: boolean | undefined): Promise<void> {
  const client = new ImapFlow({
    host: '127.0.0.1',
    port,
    secure: false,
    doSTARTTLS,
    auth: { user: 'alice', pass: 'alice-Secret1' },
    tls: { ca: [pki.mailtapCaPem], servername: 'localhost' },
    logger: false,
    connectionTimeout: 5000,
    greetingTimeout: 5000,
    socketTimeout: 5000,
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.mailboxOpen('INBOX');
    await client.logout();
  } finally {
    client.close();
  }
}

describe('nodemailer', () => {
  it('opportunistic (no requireTLS): verdict per case', async () => {
    const report = await audit('smtp://127.0.0.1:0', (port) => send(port, false));
    expect(verdicts(report)).toEqual({
      // STARTTLS not offered and AUTH offered in clear: it authenticates in clear.
      'starttls-stripped': 'fail',
      // nodemailer treats a refused STARTTLS it chose to use as an error (opportunisticTLS off).
      'starttls-refused': 'pass',
      // It verifies the chain, the name and the dates (Node's tls defaults).
      'untrusted-cert': 'pass',
      'wrong-name': 'pass',
      'expired-cert': 'pass',
      // It drops what followed the 220 and waits for the real EHLO reply inside TLS.
      'response-injection': 'pass',
      // Node refuses anything below TLS 1.2 by default.
      'old-tls': 'pass',
      // STARTTLS is offered: it upgrades before AUTH even though AUTH was offered in clear.
      'plaintext-auth': 'pass',
      'imap-preauth': 'n/a',
    });
    const stripped = report.cases.find((c) => c.name === 'starttls-stripped')!;
    expect(stripped.evidence.transcript.join('\n')).toMatch(/-> AUTH PLAIN/);
    // Redacted by default: the password caught in clear is not in the evidence.
    expect(stripped.evidence.transcript.join('\n')).not.toContain('alice-Secret1');
  });

  it('requireTLS: passes every case', async () => {
    const report = await audit('smtp://127.0.0.1:0', (port) => send(port, true));
    expect(verdicts(report)).toEqual({
      // requireTLS: no STARTTLS offer means no session.
      'starttls-stripped': 'pass',
      'starttls-refused': 'pass',
      'untrusted-cert': 'pass',
      'wrong-name': 'pass',
      'expired-cert': 'pass',
      'response-injection': 'pass',
      'old-tls': 'pass',
      'plaintext-auth': 'pass',
      'imap-preauth': 'n/a',
    });
  });
});

describe('imapflow', () => {
  it('default (STARTTLS when offered): verdict per case', async () => {
    const report = await audit('imap://127.0.0.1:0', (port) => imap(port, undefined));
    expect(verdicts(report)).toEqual({
      // STARTTLS only when offered: with the offer stripped it logs in in clear.
      'starttls-stripped': 'fail',
      // A refused STARTTLS is not an error to it: it goes on and logs in in clear.
      'starttls-refused': 'fail',
      // Node's tls verification: chain, name and dates.
      'untrusted-cert': 'pass',
      'wrong-name': 'pass',
      'expired-cert': 'pass',
      // It drops plaintext that trails the STARTTLS response.
      'response-injection': 'pass',
      'old-tls': 'pass',
      // STARTTLS is offered, so it upgrades before LOGIN.
      'plaintext-auth': 'pass',
      // PREAUTH: it uses the session without TLS.
      'imap-preauth': 'fail',
    });
  });

  it('doSTARTTLS: true', async () => {
    const report = await audit('imap://127.0.0.1:0', (port) => imap(port, true));
    // doSTARTTLS: true makes TLS mandatory: no offer, a refusal or PREAUTH end the connection.
    expect(verdicts(report)).toEqual({
      'starttls-stripped': 'pass',
      'starttls-refused': 'pass',
      'untrusted-cert': 'pass',
      'wrong-name': 'pass',
      'expired-cert': 'pass',
      'response-injection': 'pass',
      'old-tls': 'pass',
      'plaintext-auth': 'pass',
      'imap-preauth': 'pass',
    });
  });
});
