// mbsync (Debian isync 1.4), a real IMAP synchroniser, pulling alice's INBOX into an empty
// maildir through mailtap: IMAPS and STARTTLS against Dovecot as it is, and against the Dovecot
// ports that offer COMPRESS=DEFLATE (mbsync 1.4 turns it on when offered), certificate-checked
// against the mailtap CA only. The message sent for it must arrive byte-identical; each
// recording is then replayed once to mbsync with a fresh maildir, which must get the same files.
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import nodemailer from 'nodemailer';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestProxy, type SessionLog, type TestProxy } from '../helpers/proxy-harness.js';
import type { UnitRecord } from '../../src/record/schema.js';
import { expectDeliveredIdentical, expectGoodRecording, expectReplayMatched, makeMessage, replayOnce, sha256, stripTraceHeaders, type TestMessage } from './checks.js';
import { interopSuite, type InteropContext } from './harness.js';
import { runCli, type CliResult } from './run-cli.js';

const CASES = [
  { name: 'IMAPS', scheme: 'imaps', sslType: 'IMAPS', compress: false },
  { name: 'STARTTLS', scheme: 'imap', sslType: 'STARTTLS', compress: false },
  { name: 'IMAPS, COMPRESS offered', scheme: 'imaps', sslType: 'IMAPS', compress: true },
  { name: 'STARTTLS, COMPRESS offered', scheme: 'imap', sslType: 'STARTTLS', compress: true },
] as const;
type Case = (typeof CASES)[number];

interface Run {
  c: Case;
  recording: string;
  /** sha-256 of every message file mbsync wrote, sorted. */
  files: string[];
}

interopSuite('mbsync (isync) through mailtap', (ctx: InteropContext) => {
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

  const portOf = (c: Case): number => (c.compress ? zproxy.port(c.scheme === 'imaps' ? 0 : 1) : ctx.port(c.scheme));

  /** A fresh maildir and mbsyncrc; LOGIN (not CRAM-MD5) keeps the password decodable. */
  function mbsyncrc(name: string, c: Case, port: number): { rc: string; maildir: string } {
    const home = join(ctx.pki.dir, `mbsync-${name}`);
    const maildir = join(home, 'mail');
    mkdirSync(maildir, { recursive: true });
    const { alice } = ctx.env.users;
    const rc = join(home, 'mbsyncrc');
    writeFileSync(rc, [
      'IMAPAccount alice',
      // mbsync checks DNS names only (as fetchmail does): localhost, which resolves to 127.0.0.1.
      'Host localhost',
      `Port ${port}`,
      `User ${alice.login}`,
      `Pass ${alice.password}`,
      `SSLType ${c.sslType}`,
      'SSLVersions TLSv1.2 TLSv1.3',
      `CertificateFile ${ctx.mailtapCaFile}`,
      'SystemCertificates no',
      'AuthMechs LOGIN',
      '',
      'IMAPStore far',
      'Account alice',
      '',
      'MaildirStore near',
      `Path ${maildir}/`,
      `Inbox ${maildir}/INBOX`,
      '',
      'Channel inbox',
      'Far :far:',
      'Near :near:',
      'Patterns INBOX',
      'Create Near',
      'Sync Pull',
      'SyncState *',
      '',
    ].join('\n'));
    return { rc, maildir };
  }

  const mbsync = (rc: string): Promise<CliResult> => runCli('mbsync', ['-c', rc, '-V', 'inbox'], { timeoutMs: 60_000 });

  /**
   * mbsync stores LF line ends and adds its own `X-TUID:` header (random per run) at the end of
   * the header block; every file is hashed without it and without the trace headers of delivery.
   */
  function maildirHashes(maildir: string): string[] {
    const hashes: string[] = [];
    for (const sub of ['new', 'cur']) {
      const dir = join(maildir, 'INBOX', sub);
      if (!existsSync(dir)) continue;
      for (const f of readdirSync(dir)) {
        const text = stripTraceHeaders(readFileSync(join(dir, f))).toString('latin1');
        hashes.push(sha256(Buffer.from(text.replace(/^X-TUID: [^\n]*\n(?=\n)/m, ''), 'latin1')));
      }
    }
    return hashes.sort();
  }

  const lfHash = (m: TestMessage): string => sha256(Buffer.from(m.bytes.toString('latin1').replace(/\r\n/g, '\n'), 'latin1'));

  it('a message sent through mailtap (nodemailer, submission) for mbsync to pull', async () => {
    const { alice, bob } = ctx.env.users;
    msg = makeMessage('mbsync', bob.email, alice.email);
    const done = ctx.begin();
    const t = nodemailer.createTransport({ host: '127.0.0.1', port: ctx.port('submission'), requireTLS: true, tls: { ca: ctx.pki.mailtapCaPem }, auth: { user: bob.login, pass: bob.password } });
    await t.sendMail({ envelope: { from: bob.email, to: [alice.email] }, raw: msg.bytes });
    t.close();
    await done(1);
    await expectDeliveredIdentical(alice, msg, 'nodemailer submission (for mbsync)');
  });

  it.each(CASES)('mbsync $name pulls INBOX into an empty maildir, the message byte-identical', async (c) => {
    const who = `mbsync ${c.name}`;
    expect(msg, `${who}: no message to pull (the send failed)`).toBeDefined();
    const { alice } = ctx.env.users;
    const { rc, maildir } = mbsyncrc(c.name.replace(/\W+/g, '-'), c, portOf(c));
    const proxy = c.compress ? zproxy : ctx.proxy;
    const before = proxy.sessions.size;
    const live = await mbsync(rc);
    expect(live.code, `${who}: exit code\n${live.stdout}\n${live.stderr}`).toBe(0);
    const files = maildirHashes(maildir);
    expect(files, `${who}: ${files.length} files pulled, none byte-identical to ${msg.token}`).toContain(lfHash(msg));

    const log = await sessionAfter(proxy, before, who);
    await expectGoodRecording(log, { who, auth: { username: alice.login, password: alice.password } });
    const verbs = log.events.filter((e): e is UnitRecord => e.type === 'command').map((e) => e.verb);
    expect(verbs, `${who}: commands`).toEqual(expect.arrayContaining(['LOGIN', 'SELECT', 'UID FETCH', 'LOGOUT']));
    // mbsync 1.4 asks for COMPRESS whenever the server offers it after login.
    expect(verbs.includes('COMPRESS'), `${who}: COMPRESS command sent`).toBe(c.compress);
    expect(log.events.some((e) => e.type === 'compress'), `${who}: compress event`).toBe(c.compress);
    expect(log.events.filter((e) => e.type === 'raw').map((e) => (e as { note?: string }).note), `${who}: raw (unframed) events`).toEqual([]);
    runs.push({ c, recording: log.recordingPath!, files });
  });

  it('mbsync: each recording replayed once gives a fresh maildir the same files', async () => {
    expect(runs.length, 'mbsync: live runs to replay').toBe(CASES.length);
    for (const run of runs) {
      const who = `mbsync ${run.c.name} (replay)`;
      let maildir = '';
      const { result, outcome } = await replayOnce(run.recording, run.c.scheme, ctx.pki.mailtapCa, (port) => {
        const made = mbsyncrc(`${run.c.name.replace(/\W+/g, '-')}-replay`, run.c, port);
        maildir = made.maildir;
        return mbsync(made.rc);
      });
      expect(result.code, `${who}: exit code\n${result.stdout}\n${result.stderr}`).toBe(0);
      expect(maildirHashes(maildir), `${who}: the files pulled`).toEqual(run.files);
      expectReplayMatched(outcome, who);
    }
  });
});

/** The one session that started on `proxy` after `before` sessions, once it has ended. */
async function sessionAfter(proxy: TestProxy, before: number, who: string): Promise<SessionLog> {
  for (let i = 0; i < 500; i++) {
    const log = [...proxy.sessions.values()][before];
    if (log?.close) return log;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`${who}: the mailtap session did not end within 10 s`);
}
