// swaks through mailtap to the real Postfix: --tls (STARTTLS) with --auth LOGIN, --auth PLAIN
// with --pipeline, and --tls-on-connect to SMTPS; exact message bytes via --data, delivery
// compared by hash, recordings checked and replayed to the same swaks command.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { expectDeliveredIdentical, expectGoodRecording, expectReplayMatched, makeMessage, replayOnce } from './checks.js';
import { interopSuite } from './harness.js';
import type { InteropService } from './interop-env.js';
import { runCli, type CliResult } from './run-cli.js';

const CASES: { name: string; service: InteropService; flags: string[]; mechanism: string }[] = [
  { name: '--tls --auth LOGIN (submission)', service: 'submission', flags: ['--tls'], mechanism: 'LOGIN' },
  { name: '--tls --auth PLAIN --pipeline (submission)', service: 'submission', flags: ['--tls', '--pipeline'], mechanism: 'PLAIN' },
  { name: '--tls-on-connect --auth PLAIN (smtps)', service: 'smtps', flags: ['--tls-on-connect'], mechanism: 'PLAIN' },
];

interopSuite('swaks through mailtap', (ctx) => {
  const runs: { name: string; service: InteropService; args: (port: number) => string[]; live: CliResult; recording: string }[] = [];

  it.each(CASES)('swaks $name delivers byte-identical', async ({ name, service, flags, mechanism }) => {
    const { alice, bob } = ctx.env.users;
    const who = `swaks ${name}`;
    const msg = makeMessage(`swaks-${mechanism}`, alice.email, bob.email);
    const file = join(ctx.pki.dir, `${msg.token}.eml`);
    // swaks ends the data with CRLF "." CRLF itself: the file leaves out the last line end.
    writeFileSync(file, msg.bytes.subarray(0, -2));
    const args = (port: number): string[] => [
      '--server', `127.0.0.1:${port}`, ...flags, '--tls-verify', '--tls-ca-path', ctx.mailtapCaFile,
      '--auth', mechanism, '--auth-user', alice.login, '--auth-password', alice.password,
      '--from', alice.email, '--to', bob.email, '--data', `@${file}`, '--timeout', '20',
    ];
    const done = ctx.begin();
    const live = await runCli('swaks', args(ctx.port(service)));
    expect(live.code, `${who}: exit code\n${live.stdout}\n${live.stderr}`).toBe(0);
    expect(live.stdout, `${who}: queued`).toMatch(/<~ +250 2\.0\.0 Ok: queued/);
    if (flags.includes('--pipeline')) expect(live.stdout, `${who}: pipelined`).toMatch(/~> MAIL FROM:.*\n ~> RCPT TO:/);
    const [log] = await done(1);
    runs.push({ name, service, args, live, recording: log!.recordingPath! });
    await expectGoodRecording(log!, { who, auth: { username: alice.login, password: alice.password, mechanism } });
    await expectDeliveredIdentical(bob, msg, who);
  });

  it('each recording replayed once to the same swaks command is accepted again', async () => {
    expect(runs.length, 'swaks: live runs to replay').toBe(CASES.length);
    for (const run of runs) {
      const who = `swaks ${run.name} (replay)`;
      const { result, outcome } = await replayOnce(run.recording, run.service, ctx.pki.mailtapCa, (port) => runCli('swaks', run.args(port)));
      expect(result.code, `${who}: exit code\n${result.stdout}`).toBe(0);
      expect(result.stdout, `${who}: queued`).toMatch(/<~ +250 2\.0\.0 Ok: queued/);
      expectReplayMatched(outcome, who);
    }
  });
});
