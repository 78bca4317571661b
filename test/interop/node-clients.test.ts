// nodemailer and imapflow through mailtap to Postfix and Dovecot: STARTTLS (submission and the
// port-25 listener) and SMTPS sends, IMAPS and IMAP STARTTLS read-backs, every message compared
// by hash; then each recording replayed once to the same client, which must see the same result.
import { ImapFlow } from 'imapflow';
import nodemailer from 'nodemailer';
import { expect, it } from 'vitest';
import { expectDeliveredIdentical, expectGoodRecording, expectReadBackIdentical, expectReplayMatched, makeMessage, replayOnce, type TestMessage } from './checks.js';
import { interopSuite } from './harness.js';
import type { InteropService, InteropUser } from './interop-env.js';

interface SendCase {
  name: string;
  service: InteropService;
  secure: boolean;
  auth: boolean;
  authMethod?: 'PLAIN' | 'LOGIN';
}

const SENDS: SendCase[] = [
  { name: 'submission STARTTLS, AUTH PLAIN', service: 'submission', secure: false, auth: true, authMethod: 'PLAIN' },
  { name: 'smtps, AUTH LOGIN', service: 'smtps', secure: true, auth: true, authMethod: 'LOGIN' },
  { name: 'port 25 STARTTLS, no AUTH', service: 'smtp', secure: false, auth: false },
];

const READS: { name: string; service: InteropService; secure: boolean }[] = [
  { name: 'imaps', service: 'imaps', secure: true },
  { name: 'imap STARTTLS', service: 'imap', secure: false },
];

interopSuite('nodemailer and imapflow through mailtap', (ctx) => {
  const sent: TestMessage[] = [];
  const sendRuns: { c: SendCase; msg: TestMessage; recording: string; accepted: string[] }[] = [];
  const readRuns: { name: string; service: InteropService; secure: boolean; recording: string; uid: number; source: string }[] = [];

  async function send(c: SendCase, port: number, msg: TestMessage, from: InteropUser, to: InteropUser) {
    const transport = nodemailer.createTransport({
      host: '127.0.0.1', port, secure: c.secure, requireTLS: !c.secure,
      tls: { ca: ctx.pki.mailtapCaPem },
      ...(c.auth ? { auth: { user: from.login, pass: from.password }, authMethod: c.authMethod } : {}),
    });
    try {
      // `raw`: nodemailer sends these exact bytes, so delivery can be compared by hash.
      return await transport.sendMail({ envelope: { from: from.email, to: [to.email] }, raw: msg.bytes });
    } finally {
      transport.close();
    }
  }

  it.each(SENDS)('nodemailer $name delivers byte-identical', async (c) => {
    const who = `nodemailer ${c.name}`;
    const { alice, bob } = ctx.env.users;
    const msg = makeMessage(`nodemailer-${c.service}`, alice.email, bob.email);
    const done = ctx.begin();
    const info = await send(c, ctx.port(c.service), msg, alice, bob);
    expect(info.accepted, `${who}: accepted`).toEqual([bob.email]);
    const [log] = await done(1);
    sent.push(msg);
    sendRuns.push({ c, msg, recording: log!.recordingPath!, accepted: info.accepted as string[] });
    await expectGoodRecording(log!, { who, ...(c.auth ? { auth: { username: alice.login, password: alice.password, mechanism: c.authMethod } } : {}) });
    await expectDeliveredIdentical(bob, msg, who);
  });

  async function readBack(port: number, secure: boolean, subject: string): Promise<{ uid: number; source: string }> {
    const { bob } = ctx.env.users;
    const client = new ImapFlow({
      host: '127.0.0.1', port, secure, doSTARTTLS: !secure || undefined,
      tls: { ca: ctx.pki.mailtapCaPem }, auth: { user: bob.login, pass: bob.password },
      logger: false, disableAutoIdle: true,
    });
    await client.connect();
    try {
      const lock = await client.getMailboxLock('INBOX');
      try {
        const uids = await client.search({ subject }, { uid: true });
        const uid = Array.isArray(uids) ? uids.at(-1) : undefined;
        if (uid === undefined) throw new Error(`imapflow: no message with subject ${subject}`);
        const msg = await client.fetchOne(String(uid), { source: true }, { uid: true });
        if (!msg || !msg.source) throw new Error(`imapflow: UID ${uid} has no source`);
        return { uid, source: msg.source.toString('latin1') };
      } finally {
        lock.release();
      }
    } finally {
      await client.logout();
    }
  }

  it.each(READS)('imapflow $name reads every sent message back byte-identical', async ({ name, service, secure }) => {
    expect(sent.length, `imapflow ${name}: messages to read (the nodemailer tests failed)`).toBe(SENDS.length);
    const { bob } = ctx.env.users;
    for (const msg of sent) {
      const who = `imapflow ${name} (${msg.token})`;
      const done = ctx.begin();
      const { uid, source } = await readBack(ctx.port(service), secure, msg.subject);
      const [log] = await done(1);
      readRuns.push({ name, service, secure, recording: log!.recordingPath!, uid, source });
      await expectGoodRecording(log!, { who, auth: { username: bob.login, password: bob.password } });
      expectReadBackIdentical(Buffer.from(source, 'latin1'), msg, who);
    }
  });

  it('nodemailer: each recording replayed once accepts the same message again', async () => {
    expect(sendRuns.length, 'nodemailer: live runs to replay').toBe(SENDS.length);
    const { alice, bob } = ctx.env.users;
    for (const run of sendRuns) {
      const who = `nodemailer ${run.c.name} (replay)`;
      const { result, outcome } = await replayOnce(run.recording, run.c.service, ctx.pki.mailtapCa, (port) => send(run.c, port, run.msg, alice, bob));
      expect(result.accepted, `${who}: accepted`).toEqual(run.accepted);
      expectReplayMatched(outcome, who);
    }
  });

  it('imapflow: each recording replayed once returns the same UID and source', async () => {
    expect(readRuns.length, 'imapflow: live runs to replay').toBe(READS.length * SENDS.length);
    for (const [i, run] of readRuns.entries()) {
      const who = `imapflow ${run.name} (replay)`;
      const subject = sent[i % sent.length]!.subject;
      const { result, outcome } = await replayOnce(run.recording, run.service, ctx.pki.mailtapCa, (port) => readBack(port, run.secure, subject));
      expect(result.uid, `${who}: UID`).toBe(run.uid);
      expect(result.source, `${who}: source`).toBe(run.source);
      expectReplayMatched(outcome, who);
    }
  });
});
