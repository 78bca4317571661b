// `mailtap audit --upstream` in front of the real Postfix and Dovecot, against the real client
// matrix: every client runs once per case, as a user would, and the verdict of every
// client/case pair is written down with the reason. A change in any verdict fails the test.
// The scorecards are written to $MAILTAP_AUDIT_SCORECARDS (default test-artifacts/audit-scorecards.txt).
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import nodemailer from 'nodemailer';
import { ImapFlow } from 'imapflow';
import { beforeAll, afterAll, expect, it } from 'vitest';
import { renderReport, startAudit, type AuditReport } from '../../src/audit/index.js';
import { parseMailUrl } from '../../src/core/mail-url.js';
import { makeTestPki, type TestPki } from '../helpers/pki.js';
import { withInteropEnv } from './harness.js';
import type { InteropEnv, InteropService } from './interop-env.js';
import { converse, runCli } from './run-cli.js';

type V = 'pass' | 'fail' | 'n/a';
/** Expected verdict per case, each with why this client earns it. */
type Expected = Partial<Record<string, [V, string]>>;

interface Row {
  client: string;
  listen: 'smtp' | 'imap' | 'pop3';
  upstream: InteropService;
  run: (port: number) => Promise<unknown>;
  expected: Expected;
}

const SCORECARDS = process.env['MAILTAP_AUDIT_SCORECARDS'] ?? fileURLToPath(new URL('../../test-artifacts/audit-scorecards.txt', import.meta.url));

withInteropEnv('mailtap audit: the real-client matrix', (env: InteropEnv) => {
  let pki: TestPki;
  let caFile: string;
  let msgFile: string;
  const { alice, bob } = env.users;
  beforeAll(async () => {
    pki = await makeTestPki();
    caFile = join(pki.dir, 'mailtap-ca.pem');
    writeFileSync(caFile, pki.mailtapCaPem);
    msgFile = join(pki.dir, 'msg.eml');
    writeFileSync(msgFile, `From: ${alice.email}\r\nTo: ${bob.email}\r\nSubject: mailtap audit\r\n\r\naudit run\r\n`);
    mkdirSync(dirname(SCORECARDS), { recursive: true });
    writeFileSync(SCORECARDS, '');
  });
  afterAll(() => pki?.cleanup());

  const T = 12; // client timeouts, seconds

  const curl = (flag: string) => (port: number) =>
    runCli('curl', ['-sS', flag, '--cacert', caFile, `smtp://127.0.0.1:${port}`, '--mail-from', alice.email, '--mail-rcpt', bob.email, '-u', `${alice.login}:${alice.password}`, '-T', msgFile, '--max-time', String(T)], { timeoutMs: 30_000 });

  const swaks = (flags: string[]) => (port: number) =>
    runCli('swaks', ['--server', `127.0.0.1:${port}`, ...flags, '--auth', 'LOGIN', '--auth-user', alice.login, '--auth-password', alice.password, '--from', alice.email, '--to', bob.email, '--timeout', String(T)], { timeoutMs: 30_000 });

  const python = (verify: boolean) => (port: number) =>
    runCli('python3', ['-c', [
      'import smtplib, ssl, sys',
      `s = smtplib.SMTP("127.0.0.1", ${port}, timeout=${T})`,
      // Without a context smtplib's STARTTLS does not verify the certificate at all.
      verify ? `s.starttls(context=ssl.create_default_context(cafile=${JSON.stringify(caFile)}))` : 's.starttls()',
      `s.login(${JSON.stringify(alice.login)}, ${JSON.stringify(alice.password)})`,
      `s.sendmail(${JSON.stringify(alice.email)}, [${JSON.stringify(bob.email)}], open(${JSON.stringify(msgFile)}, "rb").read())`,
      's.quit()',
    ].join('\n')], { timeoutMs: 30_000 });

  const sClient = (port: number) =>
    converse('openssl s_client', 'openssl', ['s_client', '-starttls', 'smtp', '-connect', `127.0.0.1:${port}`, '-CAfile', caFile, '-crlf', '-quiet'], [
      { send: 'EHLO client.mailtap.test', expect: /^250 /m },
      { send: `AUTH PLAIN ${Buffer.from(`\0${alice.login}\0${alice.password}`).toString('base64')}`, expect: /^\d{3} /m },
      { send: 'QUIT' },
    ], T * 1000);

  const msmtp = (port: number) =>
    runCli('msmtp', ['--host=127.0.0.1', `--port=${port}`, '--tls=on', '--tls-starttls=on', `--tls-trust-file=${caFile}`, '--auth=on', `--user=${alice.login}`, `--passwordeval=echo ${alice.password}`, `--from=${alice.email}`, `--timeout=${T}`, bob.email], { input: `Subject: msmtp audit\r\n\r\nbody\r\n`, timeoutMs: 30_000 });

  const nodemailerSend = (requireTLS: boolean) => (port: number) => {
    const t = nodemailer.createTransport({ host: '127.0.0.1', port, requireTLS, auth: { user: alice.login, pass: alice.password }, tls: { ca: [pki.mailtapCaPem] }, connectionTimeout: T * 1000, socketTimeout: T * 1000 });
    return t.sendMail({ from: alice.email, to: bob.email, subject: 'nodemailer audit', text: 'audit' }).finally(() => t.close());
  };

  const imapflow = (doSTARTTLS: boolean | undefined) => async (port: number) => {
    const c = new ImapFlow({ host: '127.0.0.1', port, secure: false, doSTARTTLS, auth: { user: alice.login, pass: alice.password }, tls: { ca: [pki.mailtapCaPem] }, logger: false, connectionTimeout: T * 1000, greetingTimeout: T * 1000, socketTimeout: T * 1000 });
    c.on('error', () => undefined);
    try {
      await c.connect();
      await c.mailboxOpen('INBOX');
      await c.logout();
    } finally {
      c.close();
    }
  };

  const fetchmail = (tls: string) => (port: number) => {
    const rc = join(pki.dir, `fetchmailrc-${port}-${tls.replace(/\W+/g, '')}`);
    writeFileSync(rc, [
      'set no syslog',
      `poll 127.0.0.1 service ${port} protocol pop3 auth password timeout ${T}`,
      `  user "${bob.login}" there with password "${bob.password}" is root here`,
      `  ${tls} sslcertck sslcertfile "${caFile}" sslcommonname "localhost"`,
      '  keep',
      "  mda \"sh -c 'cat > /dev/null'\"",
      '',
    ].join('\n'), { mode: 0o600 });
    return runCli('fetchmail', ['-f', rc, '--nodetach', '--invisible', '--pidfile', join(pki.dir, `fm-${port}.pid`)], { env: { ...process.env, HOME: pki.dir, FETCHMAILHOME: pki.dir }, timeoutMs: 40_000 });
  };

  const ROWS: Row[] = [
    { client: 'curl --ssl', listen: 'smtp', upstream: 'submission', run: curl('--ssl'), expected: {
      'starttls-stripped': ['fail', '--ssl only tries TLS: without the offer it logs in in clear'],
      'starttls-refused': ['fail', '--ssl goes on in clear after a refused STARTTLS'],
      'untrusted-cert': ['pass', 'curl verifies the chain (--cacert)'],
      'wrong-name': ['pass', 'curl checks the name after the handshake and hangs up before AUTH'],
      'expired-cert': ['pass', 'curl checks the dates'],
      'response-injection': ['pass', 'the forged bytes stay in the socket and break its TLS handshake'],
      'old-tls': ['pass', "Debian's OpenSSL 3 (SECLEVEL 2) will not speak TLS 1.1"],
      'plaintext-auth': ['pass', 'STARTTLS is offered, so it upgrades before AUTH'],
      'imap-preauth': ['n/a', 'SMTP'],
    } },
    { client: 'curl --ssl-reqd', listen: 'smtp', upstream: 'submission', run: curl('--ssl-reqd'), expected: {
      'starttls-stripped': ['pass', '--ssl-reqd: no STARTTLS, no session'],
      'starttls-refused': ['pass', '--ssl-reqd: a refused STARTTLS ends the session'],
      'untrusted-cert': ['pass', 'curl verifies the chain'],
      'wrong-name': ['pass', 'curl checks the name after the handshake and hangs up before AUTH'],
      'expired-cert': ['pass', 'curl checks the dates'],
      'response-injection': ['pass', 'the forged bytes break its TLS handshake'],
      'old-tls': ['pass', 'OpenSSL 3 at SECLEVEL 2 refuses TLS 1.1'],
      'plaintext-auth': ['pass', 'it upgrades before AUTH'],
      'imap-preauth': ['n/a', 'SMTP'],
    } },
    { client: 'swaks --tls-optional', listen: 'smtp', upstream: 'submission', run: swaks(['--tls-optional']), expected: {
      'starttls-stripped': ['fail', '--tls-optional goes on in clear without the offer'],
      'starttls-refused': ['fail', '--tls-optional goes on in clear after a refusal'],
      'untrusted-cert': ['fail', 'swaks verifies nothing without --tls-verify'],
      'wrong-name': ['fail', 'swaks verifies nothing without --tls-verify'],
      'expired-cert': ['fail', 'swaks verifies nothing without --tls-verify'],
      'response-injection': ['fail', 'swaks keeps the forged 250 in its read buffer and takes it as its EHLO reply inside TLS'],
      'old-tls': ['pass', 'OpenSSL 3 at SECLEVEL 2 refuses TLS 1.1'],
      'plaintext-auth': ['pass', 'STARTTLS is offered, so it upgrades before AUTH'],
      'imap-preauth': ['n/a', 'SMTP'],
    } },
    { client: 'swaks --tls', listen: 'smtp', upstream: 'submission', run: swaks(['--tls']), expected: {
      'starttls-stripped': ['pass', '--tls: no STARTTLS, no session'],
      'starttls-refused': ['pass', '--tls: a refused STARTTLS ends the session'],
      'untrusted-cert': ['fail', 'swaks verifies nothing without --tls-verify'],
      'wrong-name': ['fail', 'swaks verifies nothing without --tls-verify'],
      'expired-cert': ['fail', 'swaks verifies nothing without --tls-verify'],
      'response-injection': ['fail', 'swaks takes the buffered forged 250 as its EHLO reply inside TLS'],
      'old-tls': ['pass', 'OpenSSL 3 at SECLEVEL 2 refuses TLS 1.1'],
      'plaintext-auth': ['pass', 'it upgrades before AUTH'],
      'imap-preauth': ['n/a', 'SMTP'],
    } },
    { client: 'swaks --tls --tls-verify', listen: 'smtp', upstream: 'submission', run: swaks(['--tls', '--tls-verify', '--tls-ca-path', '@CA@']), expected: {
      'starttls-stripped': ['pass', '--tls: no STARTTLS, no session'],
      'starttls-refused': ['pass', '--tls: a refused STARTTLS ends the session'],
      'untrusted-cert': ['pass', '--tls-verify checks the chain'],
      'wrong-name': ['fail', 'observed: --tls-verify accepts a leaf naming only wrong-name.mailtap.invalid for --server 127.0.0.1 (it checks the chain, not the name)'],
      'expired-cert': ['pass', '--tls-verify checks the dates'],
      'response-injection': ['fail', 'verification does not change how swaks reads: the buffered forged 250 is taken as its EHLO reply'],
      'old-tls': ['pass', 'OpenSSL 3 at SECLEVEL 2 refuses TLS 1.1'],
      'plaintext-auth': ['pass', 'it upgrades before AUTH'],
      'imap-preauth': ['n/a', 'SMTP'],
    } },
    { client: 'python smtplib starttls()', listen: 'smtp', upstream: 'submission', run: python(false), expected: {
      'starttls-stripped': ['pass', 'starttls() raises SMTPNotSupportedError when STARTTLS is not offered'],
      'starttls-refused': ['pass', 'starttls() raises on the 454'],
      'untrusted-cert': ['fail', 'without a context smtplib verifies nothing (ssl._create_stdlib_context)'],
      'wrong-name': ['fail', 'without a context smtplib verifies nothing'],
      'expired-cert': ['fail', 'without a context smtplib verifies nothing'],
      'response-injection': ['pass', 'starttls() drops its read buffer, forged line included, before wrapping the socket'],
      'old-tls': ['pass', 'OpenSSL 3 refuses TLS 1.1'],
      'plaintext-auth': ['pass', 'the script calls starttls() before login()'],
      'imap-preauth': ['n/a', 'SMTP'],
    } },
    { client: 'python smtplib starttls(context=create_default_context())', listen: 'smtp', upstream: 'submission', run: python(true), expected: {
      'starttls-stripped': ['pass', 'starttls() raises when STARTTLS is not offered'],
      'starttls-refused': ['pass', 'starttls() raises on the 454'],
      'untrusted-cert': ['pass', 'create_default_context() verifies the chain'],
      'wrong-name': ['pass', 'create_default_context() checks the host name'],
      'expired-cert': ['pass', 'create_default_context() checks the dates'],
      'response-injection': ['pass', 'starttls() drops its read buffer before wrapping the socket'],
      'old-tls': ['pass', 'create_default_context() requires TLS 1.2'],
      'plaintext-auth': ['pass', 'starttls() before login()'],
      'imap-preauth': ['n/a', 'SMTP'],
    } },
    { client: 'openssl s_client -starttls smtp', listen: 'smtp', upstream: 'submission', run: sClient, expected: {
      'starttls-stripped': ['pass', 's_client -starttls smtp stops when STARTTLS is not offered'],
      'starttls-refused': ['pass', 's_client stops when STARTTLS is refused'],
      'untrusted-cert': ['fail', 's_client reports the verify error and carries on (no -verify_return_error)'],
      'wrong-name': ['fail', 's_client checks no name without -verify_hostname'],
      'expired-cert': ['fail', 's_client reports the verify error and carries on'],
      'response-injection': ['pass', 'the person (the test) types only after the real reply is shown'],
      'old-tls': ['pass', 'OpenSSL 3 at SECLEVEL 2 refuses TLS 1.1'],
      'plaintext-auth': ['pass', '-starttls upgrades before anything is typed'],
      'imap-preauth': ['n/a', 'SMTP'],
    } },
    { client: 'msmtp --tls=on --tls-starttls=on', listen: 'smtp', upstream: 'submission', run: msmtp, expected: {
      'starttls-stripped': ['pass', 'tls on: msmtp refuses a server without STARTTLS'],
      'starttls-refused': ['pass', 'tls on: a refused STARTTLS is an error'],
      'untrusted-cert': ['pass', 'GnuTLS verifies after the handshake; msmtp hangs up before AUTH'],
      'wrong-name': ['pass', 'msmtp checks the name after the handshake and hangs up before AUTH'],
      'expired-cert': ['pass', 'msmtp hangs up before AUTH'],
      'response-injection': ['pass', 'the forged bytes break its TLS handshake'],
      'old-tls': ['fail', "observed: Debian 12's GnuTLS default priority still negotiates TLS 1.1 (fix: tls_priorities with -VERS-TLS1.1)"],
      'plaintext-auth': ['pass', 'it upgrades before AUTH'],
      'imap-preauth': ['n/a', 'SMTP'],
    } },
    { client: 'nodemailer (opportunistic)', listen: 'smtp', upstream: 'submission', run: nodemailerSend(false), expected: {
      'starttls-stripped': ['fail', 'without requireTLS it authenticates in clear when STARTTLS is not offered'],
      'starttls-refused': ['pass', 'a STARTTLS it chose to use and that is refused is an error (opportunisticTLS off)'],
      'untrusted-cert': ['pass', "Node's tls verifies the chain"],
      'wrong-name': ['pass', "Node's tls checks the name"],
      'expired-cert': ['pass', "Node's tls checks the dates"],
      'response-injection': ['pass', 'it drops what followed the 220 and waits for the real reply'],
      'old-tls': ['pass', 'Node refuses anything below TLS 1.2'],
      'plaintext-auth': ['pass', 'it upgrades before AUTH'],
      'imap-preauth': ['n/a', 'SMTP'],
    } },
    { client: 'nodemailer requireTLS', listen: 'smtp', upstream: 'submission', run: nodemailerSend(true), expected: {
      'starttls-stripped': ['pass', 'requireTLS: no STARTTLS, no session'],
      'starttls-refused': ['pass', 'requireTLS: a refused STARTTLS is an error'],
      'untrusted-cert': ['pass', "Node's tls verifies the chain"],
      'wrong-name': ['pass', "Node's tls checks the name"],
      'expired-cert': ['pass', "Node's tls checks the dates"],
      'response-injection': ['pass', 'it waits for the real reply inside TLS'],
      'old-tls': ['pass', 'Node refuses anything below TLS 1.2'],
      'plaintext-auth': ['pass', 'it upgrades before AUTH'],
      'imap-preauth': ['n/a', 'SMTP'],
    } },
    { client: 'imapflow (default)', listen: 'imap', upstream: 'imap', run: imapflow(undefined), expected: {
      'starttls-stripped': ['fail', 'STARTTLS only when offered: it logs in in clear'],
      'starttls-refused': ['fail', 'a refused STARTTLS is not an error to it: it logs in in clear'],
      'untrusted-cert': ['pass', "Node's tls verifies the chain"],
      'wrong-name': ['pass', "Node's tls checks the name"],
      'expired-cert': ['pass', "Node's tls checks the dates"],
      'response-injection': ['pass', 'it rejects plaintext trailing the STARTTLS response'],
      'old-tls': ['pass', 'Node refuses anything below TLS 1.2'],
      'plaintext-auth': ['pass', 'STARTTLS is offered, so it upgrades before LOGIN'],
      'imap-preauth': ['fail', 'it uses the PREAUTH session without TLS'],
    } },
    { client: 'imapflow doSTARTTLS: true', listen: 'imap', upstream: 'imap', run: imapflow(true), expected: {
      'starttls-stripped': ['pass', 'doSTARTTLS: true makes TLS mandatory'],
      'starttls-refused': ['pass', 'doSTARTTLS: true makes TLS mandatory'],
      'untrusted-cert': ['pass', "Node's tls verifies the chain"],
      'wrong-name': ['pass', "Node's tls checks the name"],
      'expired-cert': ['pass', "Node's tls checks the dates"],
      'response-injection': ['pass', 'it rejects plaintext trailing the STARTTLS response'],
      'old-tls': ['pass', 'Node refuses anything below TLS 1.2'],
      'plaintext-auth': ['pass', 'it upgrades before LOGIN'],
      'imap-preauth': ['pass', 'doSTARTTLS: true: a PREAUTH greeting ends the connection'],
    } },
    { client: 'fetchmail pop3 (sslcertck)', listen: 'pop3', upstream: 'pop3', run: fetchmail(''), expected: {
      'starttls-stripped': ['pass', 'fetchmail 6.4 makes STARTTLS mandatory once sslcertck is set'],
      'starttls-refused': ['pass', 'fetchmail 6.4 makes STARTTLS mandatory once sslcertck is set'],
      'untrusted-cert': ['pass', 'sslcertck verifies the chain'],
      'wrong-name': ['pass', 'sslcertck checks the name'],
      'expired-cert': ['pass', 'sslcertck checks the dates'],
      'response-injection': ['pass', 'the forged bytes break its TLS handshake'],
      'old-tls': ['pass', 'OpenSSL 3 at SECLEVEL 2 refuses TLS 1.1'],
      'plaintext-auth': ['pass', 'it upgrades with STLS before USER/PASS'],
      'imap-preauth': ['n/a', 'POP3'],
    } },
    { client: "fetchmail pop3 sslproto 'TLS1.2+'", listen: 'pop3', upstream: 'pop3', run: fetchmail("sslproto 'TLS1.2+'"), expected: {
      'starttls-stripped': ['pass', "sslproto 'TLS1.2+' requires STLS"],
      'starttls-refused': ['pass', "sslproto 'TLS1.2+' requires STLS"],
      'untrusted-cert': ['pass', 'sslcertck verifies the chain'],
      'wrong-name': ['pass', 'sslcertck checks the name'],
      'expired-cert': ['pass', 'sslcertck checks the dates'],
      'response-injection': ['pass', 'the forged bytes break its TLS handshake'],
      'old-tls': ['pass', "sslproto 'TLS1.2+' refuses TLS 1.1"],
      'plaintext-auth': ['pass', 'it upgrades with STLS before USER/PASS'],
      'imap-preauth': ['n/a', 'POP3'],
    } },
  ];

  async function auditWith(row: Row): Promise<AuditReport> {
    const audit = await startAudit({ listen: parseMailUrl(`${row.listen}://127.0.0.1:0`), upstream: parseMailUrl(env.urls[row.upstream]), upstreamCa: [env.ca], ca: pki.mailtapCa, recordings: false, timeoutMs: 20_000 });
    const port = Number(audit.url.split(':').pop());
    try {
      while (audit.pending > 0) await row.run(port).catch(() => undefined);
      return await Promise.race([audit.done, new Promise<AuditReport>((_, reject) => setTimeout(() => reject(new Error(`${row.client}: the audit did not finish`)), 30_000))]);
    } finally {
      await audit.close();
    }
  }

  it.each(ROWS)('$client', async (row) => {
    row.run = row.client.includes('--tls-verify') ? swaks(['--tls', '--tls-verify', '--tls-ca-path', caFile]) : row.run;
    const report = await auditWith(row);
    appendFileSync(SCORECARDS, `## ${row.client} (${row.listen} → ${env.urls[row.upstream]})\n${renderReport(report, 'text', 'en')}\n`);
    const got = Object.fromEntries(report.cases.map((c) => [c.name, c.verdict]));
    const want = Object.fromEntries(Object.entries(row.expected).map(([k, v]) => [k, v![0]]));
    const reasons = report.cases.map((c) => `${c.name}: ${c.verdict} (${c.reason.en})`).join('\n');
    expect(got, `${row.client}\n${reasons}`).toEqual(want);
  }, 240_000);
});
