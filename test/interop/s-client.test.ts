// The lab guide's flows typed into `openssl s_client` (practica6-correo.md), through mailtap to
// the real Postfix and Dovecot: STARTTLS on 25/587-style ports, implicit TLS on 465, POP3S
// retr and IMAPS fetch reading the messages back; then the same recordings replayed to s_client.
import { describe, expect, it } from 'vitest';
import { expectDeliveredIdentical, expectGoodRecording, expectReadBackIdentical, expectReplayMatched, makeMessage, replayOnce, type TestMessage } from './checks.js';
import { interopSuite, type InteropContext } from './harness.js';
import type { SessionLog } from '../helpers/proxy-harness.js';
import { converse, type Conversation, type Step } from './run-cli.js';

const b64 = (s: string): string => Buffer.from(s).toString('base64');
const final = (code: string): RegExp => new RegExp(`^${code} [^\\n]*\\n`, 'm');

/** The message as a person types it after DATA: dot-stuffed lines, then the lone dot. */
function typedBody(msg: TestMessage): Step[] {
  const lines = msg.bytes.toString('latin1').split('\r\n').slice(0, -1);
  return [...lines.map((l) => ({ send: l.startsWith('.') ? `.${l}` : l })), { send: '.', expect: /^250 2\.0\.0 Ok: queued/im }];
}

function sClient(ctx: InteropContext, port: number, starttls?: string): string[] {
  const args = ['s_client', '-quiet', '-crlf', '-CAfile', ctx.mailtapCaFile, '-verify_return_error', '-connect', `127.0.0.1:${port}`];
  return starttls ? [...args, '-starttls', starttls] : args;
}

function smtpSteps(ctx: InteropContext, msg: TestMessage, opts: { greeting: boolean; auth: boolean; lab: boolean; to: string }): Step[] {
  const { alice } = ctx.env.users;
  const lab = opts.lab; // the guide types lower case and `mail from: <…>` with a space
  return [
    ...(opts.greeting ? [{ expect: final('220') }] : []),
    { send: lab ? 'ehlo usuario' : 'EHLO usuario', expect: final('250') },
    ...(opts.auth
      ? [
          { send: lab ? 'auth login' : 'AUTH LOGIN', expect: /^334 VXNlcm5hbWU6/m },
          { send: b64(alice.login), expect: /^334 UGFzc3dvcmQ6/m },
          { send: b64(alice.password), expect: /^235 2\.7\.0/m },
        ]
      : []),
    { send: lab ? `mail from: <${alice.email}>` : `MAIL FROM:<${alice.email}>`, expect: final('250') },
    { send: lab ? `rcpt to:<${opts.to}>` : `RCPT TO:<${opts.to}>`, expect: final('250') },
    { send: lab ? 'data' : 'DATA', expect: final('354') },
    ...typedBody(msg),
    { send: lab ? 'quit' : 'QUIT', expect: final('221') },
  ];
}

/** Status lines only (the parts that do not vary between a live run and its replay). */
function statusLines(c: Conversation): string[] {
  return c.stdout.split(/\r?\n/).filter((l) => /^(\d{3}[ -]|\+OK|-ERR|a (OK|NO|BAD)|\* (OK|BYE))/.test(l)).map((l) => l.slice(0, 3));
}

/** The `size` bytes after the first `{size}\r\n` following `after`. */
function imapLiteral(out: string, after: string): Buffer {
  const at = out.indexOf(after);
  const m = /\{(\d+)\}\r\n/.exec(out.slice(at));
  if (at < 0 || !m) throw new Error(`no literal after ${after} in:\n${out}`);
  const start = at + m.index + m[0].length;
  return Buffer.from(out.slice(start, start + Number(m[1])), 'latin1');
}

interopSuite('openssl s_client through mailtap (the lab guide, verbatim)', (ctx) => {
  const recordings: Record<string, { path: string; scheme: string; steps: Step[]; args: (port: number) => string[]; live: Conversation }> = {};
  let sent587: TestMessage;
  let sent465: TestMessage;

  async function run(name: string, scheme: string, args: (port: number) => string[], steps: Step[], port: number): Promise<{ live: Conversation; log: SessionLog }> {
    const sessions = ctx.begin();
    const live = await converse(`openssl s_client ${name}`, 'openssl', args(port), steps);
    expect(live.code, `openssl s_client ${name}: exit code\n${live.stderr}`).toBe(0);
    const [log] = await sessions(1);
    recordings[name] = { path: log!.recordingPath!, scheme, steps, args, live };
    return { live, log: log! };
  }

  describe('SMTP', () => {
    it('-starttls smtp on a proxy in front of port 25 (10025): EHLO, MAIL, RCPT, DATA, QUIT', async () => {
      const msg = makeMessage('s_client-25', ctx.env.users.alice.email, ctx.env.users.alice.email);
      const steps = smtpSteps(ctx, msg, { greeting: false, auth: false, lab: false, to: ctx.env.users.alice.email });
      const { log } = await run('smtp-25', 'smtp', (p) => sClient(ctx, p, 'smtp'), steps, ctx.port('smtp'));
      await expectGoodRecording(log, { who: 'openssl s_client -starttls smtp (port 25)' });
      await expectDeliveredIdentical(ctx.env.users.alice, msg, 'openssl s_client -starttls smtp (port 25)');
    });

    it('-starttls smtp on a proxy in front of submission (10587): AUTH LOGIN with base64 lines', async () => {
      sent587 = makeMessage('s_client-587', ctx.env.users.alice.email, ctx.env.users.alice.email);
      const steps = smtpSteps(ctx, sent587, { greeting: false, auth: true, lab: false, to: ctx.env.users.alice.email });
      const { log } = await run('submission', 'submission', (p) => sClient(ctx, p, 'smtp'), steps, ctx.port('submission'));
      const { alice } = ctx.env.users;
      await expectGoodRecording(log, { who: 'openssl s_client -starttls smtp (submission)', auth: { username: alice.login, password: alice.password, mechanism: 'LOGIN' } });
      await expectDeliveredIdentical(alice, sent587, 'openssl s_client -starttls smtp (submission)');
    });

    it('-connect on an smtps proxy (10465): the guide typed in lower case, auth login', async () => {
      sent465 = makeMessage('s_client-465', ctx.env.users.alice.email, ctx.env.users.bob.email);
      const steps = smtpSteps(ctx, sent465, { greeting: true, auth: true, lab: true, to: ctx.env.users.bob.email });
      const { log } = await run('smtps', 'smtps', (p) => sClient(ctx, p), steps, ctx.port('smtps'));
      const { alice } = ctx.env.users;
      await expectGoodRecording(log, { who: 'openssl s_client smtps', auth: { username: alice.login, password: alice.password, mechanism: 'LOGIN' } });
      await expectDeliveredIdentical(ctx.env.users.bob, sent465, 'openssl s_client smtps');
    });
  });

  it('POP3S: user, pass, list, retr 1, retr of the new message, quit', async () => {
    const { bob } = ctx.env.users;
    const steps: Step[] = [
      { expect: /^\+OK [^\n]*\n/m },
      { send: `user ${bob.login}`, expect: /^\+OK[^\n]*\n/m },
      { send: `pass ${bob.password}`, expect: /^\+OK Logged in/m },
      { send: 'list', expect: /^\.\r?\n/m },
      { send: 'retr 1', expect: /\r\n\.\r\n/ },
    ];
    // Find the message sent over smtps (the newest one) first, with a plain list.
    const first = await converse('openssl s_client pop3s (list)', 'openssl', sClient(ctx, ctx.port('pop3s')), [...steps.slice(0, 4), { send: 'quit', expect: /^\+OK/m }]);
    const numbers = [...first.replies[3]!.matchAll(/^(\d+) \d+\r?$/gm)].map((m) => Number(m[1]));
    const newest = Math.max(...numbers);
    const all = [...steps, { send: `retr ${newest}`, expect: /\r\n\.\r\n/ }, { send: 'quit', expect: /^\+OK Logging out/m }];
    const { live, log } = await run('pop3s', 'pop3s', (p) => sClient(ctx, p), all, ctx.port('pop3s'));
    await expectGoodRecording(log, { who: 'openssl s_client pop3s', auth: { username: bob.login, password: bob.password } });
    const retr = live.replies[5]!.replace(/^\+OK[^\n]*\n/, '').replace(/\r\n\.\r\n[\s\S]*$/, '\r\n').replace(/^\.\./gm, '.');
    expectReadBackIdentical(Buffer.from(retr, 'latin1'), sent465, 'openssl s_client pop3s retr');
  });

  it('IMAPS: a login, a list "" "*", a select INBOX, a fetch 1 body[], the new message, a logout', async () => {
    const { alice } = ctx.env.users;
    const steps: Step[] = [
      { expect: /^\* OK [^\n]*\n/m },
      { send: `a login ${alice.login} ${alice.password}`, expect: /^a OK [^\n]*\n/m },
      { send: 'a list "" "*"', expect: /^a OK [^\n]*\n/m },
      { send: 'a select INBOX', expect: /^a OK [^\n]*\n/m },
      { send: 'a fetch 1 body[]', expect: /^a OK [^\n]*\n/m },
      { send: `a search subject "${sent587.subject}"`, expect: /^a OK [^\n]*\n/m },
    ];
    const first = await converse('openssl s_client imaps (search)', 'openssl', sClient(ctx, ctx.port('imaps')), [...steps, { send: 'a logout', expect: /^a OK/m }]);
    const n = /^\* SEARCH (\d+)/m.exec(first.replies[5]!)?.[1];
    expect(n, `openssl s_client imaps: search found no ${sent587.subject}\n${first.replies[5]}`).toBeTruthy();
    const all = [...steps, { send: `a fetch ${n} body[]`, expect: /^a OK [^\n]*\n/m }, { send: 'a logout', expect: /^a OK [^\n]*\n/m }];
    const { live, log } = await run('imaps', 'imaps', (p) => sClient(ctx, p), all, ctx.port('imaps'));
    expect(live.replies[2], 'openssl s_client imaps: list shows INBOX').toMatch(/^\* LIST \([^)]*\) "\/" INBOX/m);
    await expectGoodRecording(log, { who: 'openssl s_client imaps', auth: { username: alice.login, password: alice.password } });
    expectReadBackIdentical(imapLiteral(live.replies[6]!, `* ${n} FETCH`), sent587, 'openssl s_client imaps fetch');
  });

  it.each(['smtp-25', 'submission', 'smtps', 'pop3s', 'imaps'])('replay of the %s recording gives s_client the same replies', async (name) => {
    const r = recordings[name];
    expect(r, `openssl s_client ${name}: no live recording to replay (the live test failed)`).toBeDefined();
    const { result, outcome } = await replayOnce(r!.path, r!.scheme, ctx.pki.mailtapCa, (port) =>
      converse(`openssl s_client ${name} (replay)`, 'openssl', r!.args(port), r!.steps),
    );
    expect(result.code, `openssl s_client ${name} (replay): exit code`).toBe(0);
    expect(statusLines(result), `openssl s_client ${name} (replay): status lines`).toEqual(statusLines(r!.live));
    expectReplayMatched(outcome, `openssl s_client ${name} (replay)`);
  });
});
