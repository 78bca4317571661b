// fetchmail, a real mail-fetching program, through mailtap: a message sent through mailtap is
// fetched over POP3S (fetchall) and over IMAP with STARTTLS, both certificate-checked against the
// mailtap CA only, handed to an MDA and compared by hash; both recordings are then replayed.
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import nodemailer from 'nodemailer';
import { expect, it } from 'vitest';
import { expectDeliveredIdentical, expectGoodRecording, expectReplayMatched, makeMessage, sha256, stripTraceHeaders, replayOnce, type TestMessage } from './checks.js';
import { interopSuite, type InteropContext } from './harness.js';
import { runCli, type CliResult } from './run-cli.js';

interopSuite('fetchmail through mailtap', (ctx: InteropContext) => {
  let msg: TestMessage;
  type Run = { rc: string; recording: string; live: CliResult; home: string };
  let pop3Run: Run | undefined;
  let imapRun: Run | undefined;

  /** A scratch HOME per run (fetchmail keeps ~/.fetchids there) with an rc and an MDA dir. */
  function fetchmailrc(name: string, port: number, protocol: 'pop3' | 'imap', tls: string): { rc: string; home: string; out: string } {
    const home = join(ctx.pki.dir, `fetchmail-${name}`);
    const out = join(home, 'out');
    mkdirSync(out, { recursive: true });
    const { bob } = ctx.env.users;
    const rc = join(home, 'fetchmailrc');
    // One file per message: the MDA writes stdin to a fresh file in `out`.
    writeFileSync(rc, [
      'set no syslog',
      // `auth password`: USER/PASS or IMAP LOGIN, so the recording holds a decodable password.
      `poll 127.0.0.1 service ${port} protocol ${protocol} auth password timeout 20`,
      `  user "${bob.login}" there with password "${bob.password}" is root here`,
      `  ${tls} sslcertck sslcertfile "${ctx.mailtapCaFile}" sslcommonname "localhost"`,
      `  keep ${protocol === 'pop3' ? 'fetchall' : ''}`,
      `  mda "sh -c 'cat > $(mktemp -p ${out} msg.XXXXXX)'"`,
      '',
    ].join('\n'));
    chmodSync(rc, 0o600);
    return { rc, home, out };
  }

  const fetchmail = (rc: string, home: string) =>
    runCli('fetchmail', ['-f', rc, '--nodetach', '--invisible', '--pidfile', join(home, 'pid')], { env: { ...process.env, HOME: home }, timeoutMs: 60_000 });

  /** fetchmail hands the MDA LF line ends; the message must be there minus trace headers. */
  function expectFetched(out: string, who: string): void {
    const want = sha256(Buffer.from(msg.bytes.toString('latin1').replace(/\r\n/g, '\n'), 'latin1'));
    const files = existsSync(out) ? readdirSync(out) : [];
    const hashes = files.map((f) => sha256(stripTraceHeaders(readFileSync(join(out, f)))));
    expect(hashes, `${who}: ${files.length} fetched, none byte-identical to ${msg.token}`).toContain(want);
  }

  it('a message sent through mailtap (nodemailer, submission) for fetchmail to fetch', async () => {
    const { alice, bob } = ctx.env.users;
    msg = makeMessage('fetchmail', alice.email, bob.email);
    const done = ctx.begin();
    const transport = nodemailer.createTransport({ host: '127.0.0.1', port: ctx.port('submission'), requireTLS: true, tls: { ca: ctx.pki.mailtapCaPem }, auth: { user: alice.login, pass: alice.password } });
    await transport.sendMail({ envelope: { from: alice.email, to: [bob.email] }, raw: msg.bytes });
    transport.close();
    await done(1);
    // Delivered (and byte-identical) before the fetches below look for it.
    await expectDeliveredIdentical(bob, msg, 'nodemailer submission (for fetchmail)');
  });

  it('fetchmail IMAP with STARTTLS (sslproto tls1.2+, sslcertck) fetches it byte-identical', async () => {
    const who = 'fetchmail imap STARTTLS';
    const { rc, home, out } = fetchmailrc('imap', ctx.port('imap'), 'imap', 'sslproto tls1.2+');
    const done = ctx.begin();
    const live = await fetchmail(rc, home);
    // 0 = mail fetched. IMAP fetches unseen mail only: this runs before POP3 RETR marks it seen.
    expect(live.code, `${who}: exit code\n${live.stderr}`).toBe(0);
    const [log] = await done(1);
    imapRun = { rc, recording: log!.recordingPath!, live, home };
    const { bob } = ctx.env.users;
    await expectGoodRecording(log!, { who, auth: { username: bob.login, password: bob.password } });
    expectFetched(out, who);
  });

  it('fetchmail POP3S (ssl, sslcertck) fetches it byte-identical', async () => {
    const who = 'fetchmail pop3s';
    const { rc, home, out } = fetchmailrc('pop3s', ctx.port('pop3s'), 'pop3', 'ssl');
    const done = ctx.begin();
    const live = await fetchmail(rc, home);
    expect(live.code, `${who}: exit code (0 = mail fetched)\n${live.stderr}`).toBe(0);
    const [log] = await done(1);
    pop3Run = { rc, recording: log!.recordingPath!, live, home };
    const { bob } = ctx.env.users;
    await expectGoodRecording(log!, { who, auth: { username: bob.login, password: bob.password } });
    expectFetched(out, who);
  });

  /** The recorded run again, against a replay: a fresh HOME (no .fetchids) and MDA dir. */
  async function replayRun(run: Run | undefined, name: string, scheme: string): Promise<void> {
    const who = `fetchmail ${name} (replay)`;
    expect(run, `${who}: no live run to replay`).toBeDefined();
    const protocol = scheme.startsWith('pop3') ? 'pop3' : 'imap';
    const { rc, home, out } = fetchmailrc(`${name.replace(/\W+/g, '-')}-replay`, 0, protocol, '');
    const { result, outcome } = await replayOnce(run!.recording, scheme, ctx.pki.mailtapCa, (port) => {
      writeFileSync(rc, readFileSync(run!.rc, 'utf8').replace(/service \d+/, `service ${port}`).replaceAll(join(run!.home, 'out'), out));
      return fetchmail(rc, home);
    });
    expect(result.code, `${who}: exit code\n${result.stderr}`).toBe(0);
    expectFetched(out, who);
    expect(readdirSync(out).length, `${who}: as many messages as live`).toBe(readdirSync(join(run!.home, 'out')).length);
    expectReplayMatched(outcome, who);
  }

  it('fetchmail POP3S: the recording replayed once fetches the same messages', () => replayRun(pop3Run, 'pop3s', 'pop3s'));

  it('fetchmail IMAP STARTTLS: the recording replayed once fetches the same messages', () => replayRun(imapRun, 'imap STARTTLS', 'imap'));
});
