// curl through mailtap to the real servers: smtp:// --ssl-reqd (STARTTLS on submission),
// smtps://, then imaps:// and pop3s:// reading the message back; every run's recording is then
// replayed to the same curl command, which must print the same thing and exit 0 again.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { expectDeliveredIdentical, expectGoodRecording, expectReadBackIdentical, expectReplayMatched, makeMessage, replayOnce, type TestMessage } from './checks.js';
import { interopSuite, type InteropContext } from './harness.js';
import type { InteropService } from './interop-env.js';
import { runCli, type CliResult } from './run-cli.js';

interface Run {
  name: string;
  service: InteropService;
  args: (port: number) => string[];
  live: CliResult;
  recording: string;
}

interopSuite('curl through mailtap', (ctx: InteropContext) => {
  const runs: Run[] = [];
  let sent: TestMessage;
  let sentSmtps: TestMessage;
  const curl = (args: string[]) => runCli('curl', ['-sS', '--max-time', '20', '--cacert', ctx.mailtapCaFile, ...args]);

  async function live(name: string, service: InteropService, args: (port: number) => string[]): Promise<{ result: CliResult; log: Awaited<ReturnType<ReturnType<InteropContext['begin']>>>[number] }> {
    const done = ctx.begin();
    const result = await curl(args(ctx.port(service)));
    expect(result.code, `curl ${name}: exit code, stderr: ${result.stderr}`).toBe(0);
    const [log] = await done(1);
    runs.push({ name, service, args, live: result, recording: log!.recordingPath! });
    return { result, log: log! };
  }

  function messageFile(msg: TestMessage): string {
    const f = join(ctx.pki.dir, `${msg.token}.eml`);
    writeFileSync(f, msg.bytes);
    return f;
  }

  it('smtp:// --ssl-reqd on a STARTTLS (submission) listener, AUTH as curl chooses (CRAM-MD5)', async () => {
    const { alice, bob } = ctx.env.users;
    sent = makeMessage('curl-starttls', alice.email, bob.email);
    const file = messageFile(sent);
    const { log } = await live('smtp --ssl-reqd', 'submission', (p) => [
      '--ssl-reqd', `smtp://127.0.0.1:${p}`, '--user', `${alice.login}:${alice.password}`,
      '--mail-from', alice.email, '--mail-rcpt', bob.email, '--upload-file', file,
    ]);
    // CRAM-MD5 never sends the password: the user name and the proof are what can be decoded.
    await expectGoodRecording(log, { who: 'curl smtp:// --ssl-reqd', auth: { username: alice.login } });
    await expectDeliveredIdentical(bob, sent, 'curl smtp:// --ssl-reqd');
  });

  it('smtps:// with --login-options AUTH=LOGIN', async () => {
    const { alice, bob } = ctx.env.users;
    sentSmtps = makeMessage('curl-smtps', bob.email, alice.email);
    const file = messageFile(sentSmtps);
    const { log } = await live('smtps', 'smtps', (p) => [
      `smtps://127.0.0.1:${p}`, '--login-options', 'AUTH=LOGIN', '--user', `${bob.login}:${bob.password}`,
      '--mail-from', bob.email, '--mail-rcpt', alice.email, '--upload-file', file,
    ]);
    await expectGoodRecording(log, { who: 'curl smtps://', auth: { username: bob.login, password: bob.password, mechanism: 'LOGIN' } });
    await expectDeliveredIdentical(alice, sentSmtps, 'curl smtps://');
  });

  it('imaps:// UID SEARCH then the message by UID (AUTH=PLAIN), read back byte-identical', async () => {
    const { bob } = ctx.env.users;
    const auth = ['--login-options', 'AUTH=PLAIN', '--user', `${bob.login}:${bob.password}`];
    const { result: search, log: searchLog } = await live('imaps UID SEARCH', 'imaps', (p) => [
      `imaps://127.0.0.1:${p}/INBOX`, ...auth, '-X', `UID SEARCH SUBJECT "${sent.subject}"`,
    ]);
    await expectGoodRecording(searchLog, { who: 'curl imaps:// UID SEARCH', auth: { username: bob.login, password: bob.password, mechanism: 'PLAIN' } });
    const uid = /^\* SEARCH (\d+)/m.exec(search.stdout)?.[1];
    expect(uid, `curl imaps:// UID SEARCH found nothing for ${sent.subject}: ${search.stdout}`).toBeTruthy();
    const { result, log } = await live('imaps fetch by UID', 'imaps', (p) => [`imaps://127.0.0.1:${p}/INBOX;UID=${uid}`, ...auth]);
    await expectGoodRecording(log, { who: 'curl imaps:// fetch', auth: { username: bob.login, password: bob.password } });
    expectReadBackIdentical(Buffer.from(result.stdout, 'latin1'), sent, 'curl imaps:// fetch');
  });

  it('pop3s:// list then RETR of the newest message, read back byte-identical', async () => {
    const { alice } = ctx.env.users;
    const auth = ['--user', `${alice.login}:${alice.password}`];
    const { result: list, log: listLog } = await live('pop3s list', 'pop3s', (p) => [`pop3s://127.0.0.1:${p}/`, ...auth]);
    await expectGoodRecording(listLog, { who: 'curl pop3s:// list', auth: { username: alice.login } });
    const newest = Math.max(...[...list.stdout.matchAll(/^(\d+) \d+/gm)].map((m) => Number(m[1])));
    const { result, log } = await live('pop3s retr', 'pop3s', (p) => [`pop3s://127.0.0.1:${p}/${newest}`, '--login-options', 'AUTH=PLAIN', ...auth]);
    await expectGoodRecording(log, { who: 'curl pop3s:// retr', auth: { username: alice.login, password: alice.password } });
    expectReadBackIdentical(Buffer.from(result.stdout, 'latin1'), sentSmtps, 'curl pop3s:// retr');
  });

  it('imap:// --ssl-reqd (STARTTLS) lists the folders', async () => {
    const { alice } = ctx.env.users;
    const { result, log } = await live('imap --ssl-reqd', 'imap', (p) => ['--ssl-reqd', `imap://127.0.0.1:${p}/`, '--user', `${alice.login}:${alice.password}`]);
    expect(result.stdout, 'curl imap:// --ssl-reqd: LIST output').toMatch(/^\* LIST .*INBOX/m);
    await expectGoodRecording(log, { who: 'curl imap:// --ssl-reqd', auth: { username: alice.login } });
  });

  it('every recording replayed once to the same curl command gives the same output', async () => {
    expect(runs.length, 'curl: live runs to replay').toBeGreaterThanOrEqual(6);
    for (const run of runs) {
      const who = `curl ${run.name} (replay)`;
      const { result, outcome } = await replayOnce(run.recording, ctx.env.urls[run.service].split(':')[0]!, ctx.pki.mailtapCa, (port) => curl(run.args(port)));
      expect(result.code, `${who}: exit code, stderr: ${result.stderr}`).toBe(0);
      expect(result.stdout, `${who}: output`).toBe(run.live.stdout);
      expectReplayMatched(outcome, who);
    }
  });
});
