// IMAP COMPRESS=DEFLATE (RFC 4978) with the real Dovecot (its imap_zlib plugin, on the ports of
// env.json "compress") and imapflow, which turns compression on whenever it is offered: through
// mailtap over IMAPS and IMAP STARTTLS, then each recording replayed to imapflow again. Proves
// that nothing stalls, that the wire really carried deflated bytes, and that the recording still
// tells the story after the switch (the decoded login, notes on every command, the body).
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { ImapFlow } from 'imapflow';
import nodemailer from 'nodemailer';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { readRecording, streamBytes } from '../../src/record/reader.js';
import type { NoticeRecord, UnitRecord } from '../../src/record/schema.js';
import { startTestProxy, type TestProxy } from '../helpers/proxy-harness.js';
import { expectDeliveredIdentical, expectGoodRecording, expectReadBackIdentical, expectReplayMatched, makeMessage, replayOnce, type TestMessage } from './checks.js';
import { interopSuite, withTimeout, type InteropContext } from './harness.js';

const MODES = [
  { name: 'imaps', service: 'imaps', secure: true },
  { name: 'imap STARTTLS', service: 'imap', secure: false },
] as const;

interface Run {
  name: string;
  service: 'imap' | 'imaps';
  secure: boolean;
  recording: string;
  uid: number;
  source: string;
}

interface Read {
  uid: number;
  source: string;
  /** imapflow inflates what it reads: COMPRESS was negotiated and answered OK. */
  compressed: boolean;
  folders: string[];
}

interopSuite('IMAP COMPRESS=DEFLATE (Dovecot imap_zlib) through mailtap and replay', (ctx: InteropContext) => {
  let zproxy: TestProxy;
  let msg: TestMessage;
  const runs: Run[] = [];

  beforeAll(async () => {
    const urls = ctx.env.compress.urls;
    zproxy = await startTestProxy(ctx.pki, [`imaps://127.0.0.1:0=${urls.imaps}`, `imap://127.0.0.1:0=${urls.imap}`], { upstreamCa: [ctx.env.ca] });
  });
  afterAll(async () => {
    await zproxy?.close();
  });

  async function read(port: number, secure: boolean, subject: string): Promise<Read> {
    const { alice } = ctx.env.users;
    const client = new ImapFlow({
      host: '127.0.0.1', port, secure, doSTARTTLS: !secure || undefined,
      tls: { ca: ctx.pki.mailtapCaPem }, auth: { user: alice.login, pass: alice.password },
      logger: false, disableAutoIdle: true,
    });
    // A stalled session (compressed bytes waiting for a CRLF) must fail here, not at the timeout.
    return withTimeout((async () => {
      await client.connect();
      try {
        const compressed = !!(client as unknown as { _inflate?: unknown })._inflate;
        const folders = (await client.list()).map((f) => f.path);
        const lock = await client.getMailboxLock('INBOX');
        try {
          const uids = await client.search({ subject }, { uid: true });
          const uid = Array.isArray(uids) ? uids.at(-1) : undefined;
          if (uid === undefined) throw new Error(`imapflow: no message with subject ${subject}`);
          const m = await client.fetchOne(String(uid), { source: true }, { uid: true });
          if (!m || !m.source) throw new Error(`imapflow: UID ${uid} has no source`);
          return { uid, source: m.source.toString('latin1'), compressed, folders };
        } finally {
          lock.release();
        }
      } finally {
        await client.logout();
      }
    })(), 30_000, 'for imapflow (a COMPRESS session that stalls)').finally(() => client.close());
  }

  it('a message for alice with a body that deflates well', async () => {
    const { alice, bob } = ctx.env.users;
    msg = makeMessage('imapflow-compress', bob.email, alice.email, Array.from({ length: 200 }, (_, i) => `${i} deflate me, deflate me, deflate me.`).join('\r\n'));
    const t = nodemailer.createTransport({ host: '127.0.0.1', port: ctx.port('submission'), requireTLS: true, tls: { ca: ctx.pki.mailtapCaPem }, auth: { user: bob.login, pass: bob.password } });
    await t.sendMail({ envelope: { from: bob.email, to: [alice.email] }, raw: msg.bytes });
    t.close();
    await expectDeliveredIdentical(alice, msg, 'nodemailer (for the COMPRESS reads)');
  });

  it.each(MODES)('imapflow $name: COMPRESS on, LIST and FETCH through mailtap, the recording decoded after the switch', async ({ name, service, secure }) => {
    const who = `imapflow ${name} COMPRESS`;
    expect(msg, `${who}: no message to read (the send failed)`).toBeDefined();
    const { alice } = ctx.env.users;
    const before = zproxy.sessions.size;
    const got = await read(zproxy.port(service === 'imaps' ? 0 : 1), secure, msg.subject);
    expect(got.compressed, `${who}: imapflow negotiated COMPRESS=DEFLATE`).toBe(true);
    expect(got.folders, `${who}: LIST`).toEqual(expect.arrayContaining(['INBOX', 'Drafts', 'Sent']));
    expectReadBackIdentical(Buffer.from(got.source, 'latin1'), msg, who);

    const [log] = await zproxy.ended(before + 1).then((all) => all.slice(before));
    await expectGoodRecording(log!, { who, auth: { username: alice.login, password: alice.password } });
    const rec = await readRecording(log!.recordingPath!);
    const at = rec.events.findIndex((e) => e.type === 'compress');
    expect(at, `${who}: a compress event`).toBeGreaterThan(0);
    expect((rec.events[at] as NoticeRecord).algorithm, `${who}: compress algorithm`).toBe('DEFLATE');
    // After the switch: commands framed and explained, the body readable in the inflated units.
    const after = rec.events.slice(at);
    const commands = after.filter((e): e is UnitRecord => e.type === 'command');
    expect(commands.map((c) => c.verb), `${who}: commands after COMPRESS`).toEqual(expect.arrayContaining(['LIST', 'SELECT', 'UID FETCH', 'LOGOUT']));
    const fetch = commands.find((c) => c.verb === 'UID FETCH');
    expect(fetch?.note, `${who}: the FETCH after COMPRESS has a note`).toBeTruthy();
    expect(streamBytes({ ...rec, events: after }, 's2c').toString('latin1'), `${who}: the body after COMPRESS`).toContain(msg.token);
    expect(rec.events.filter((e) => e.type === 'raw').map((e) => (e as { note?: string }).note), `${who}: raw (unframed) events`).toEqual([]);
    // The wire carried deflated bytes: fewer than the inflated dialogue the recording holds.
    const close = log!.close!;
    const inflated = streamBytes(rec, 's2c').length;
    expect(close.bytes.s2c, `${who}: server bytes on the wire (${close.bytes.s2c}) vs inflated (${inflated})`).toBeLessThan(inflated * 0.5);

    const recording = join(ctx.pki.dir, `compress-${service}.jsonl`);
    copyFileSync(log!.recordingPath!, recording);
    runs.push({ name, service, secure, recording, uid: got.uid, source: got.source });
  });

  it('each recording replayed once to imapflow: COMPRESS on again, the same UID and source', async () => {
    expect(runs.length, 'imapflow COMPRESS: live runs to replay').toBe(MODES.length);
    for (const run of runs) {
      const who = `imapflow ${run.name} COMPRESS (replay)`;
      const { result, outcome } = await replayOnce(run.recording, run.service, ctx.pki.mailtapCa, (port) => read(port, run.secure, msg.subject));
      expect(result.compressed, `${who}: COMPRESS negotiated with the replay`).toBe(true);
      expect(result.uid, `${who}: UID`).toBe(run.uid);
      expect(result.source, `${who}: source`).toBe(run.source);
      expectReplayMatched(outcome, who);
    }
  });
});
