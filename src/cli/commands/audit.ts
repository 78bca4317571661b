// `mailtap audit --listen URL [--upstream URL | --mock] [--case NAME] [--format F] [--out FILE]`:
// tests a mail client's TLS hygiene, one case per client connection; prints the live view and
// the scorecard, writes the report, exits 0 when no case failed (1 otherwise).

import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { MailtapError } from '../../core/errors.js';
import { parseMailUrl } from '../../core/mail-url.js';
import { AUDIT_CASES, auditExitCode, isAuditCase, renderReport, startAudit, type AuditCaseName, type AuditReport, type ReportFormat } from '../../audit/index.js';
import { createLogger, type LogLevel } from '../logger.js';
import { addKeylogOption, keylogBanner, openKeylog } from '../keylog-option.js';
import { addLogFormatOptions, type LogFormat } from '../log-format.js';
import { collect, langFromEnv, parseLang, parseLogLevel } from '../usage.js';

interface AuditCliOptions {
  listen: string;
  upstream?: string;
  mock?: boolean;
  case?: string;
  format: string;
  out?: string;
  certs: string;
  recordings: string;
  record: boolean;
  redact: boolean;
  insecure?: boolean;
  upstreamCa?: string[];
  lang?: 'en' | 'es';
  logLevel?: LogLevel;
  logFormat?: LogFormat;
  color?: boolean;
  keylog?: string;
}

export function register(program: Command): void {
  const command = program
    .command('audit')
    .description("test a mail client's TLS hygiene case by case (STARTTLS stripped/refused, bad certificates, response injection, old TLS, plaintext AUTH, IMAP PREAUTH)")
    .requiredOption('--listen <url>', 'where the client connects, e.g. smtp://127.0.0.1:2525 (also submission, smtps, pop3, pop3s, imap, imaps)')
    .option('--upstream <url>', 'the real server, proxied to when the case lets the session through')
    .option('--mock', 'answer from the built-in mock server (no real server needed)')
    .option('--case <name>', `serve only this case to one session, then exit 0 (pass) or 1 (fail): ${AUDIT_CASES.join(', ')}`)
    .option('--format <format>', 'report format: text, md or json', 'text')
    .option('--out <file>', 'write the report here (default: stdout after the live view)')
    .option('--certs <dir>', 'CA directory (created on first use)', 'certs')
    .option('--recordings <dir>', 'where session recordings are written', 'recordings')
    .option('--no-record', 'do not write recordings')
    .option('--no-redact', 'keep the passwords caught in clear in recordings and evidence')
    .option('--insecure', 'do not verify the upstream certificate')
    .option('--upstream-ca <file>', 'extra CA certificate (PEM) to trust for the upstream (repeatable)', collect)
    .option('--lang <lang>', 'language of the live view and report: en or es', parseLang)
    .option('--log-level <level>', 'pino log level for stderr', parseLogLevel, 'warn' as LogLevel);
  addLogFormatOptions(command);
  addKeylogOption(command).action(async (opts: AuditCliOptions) => {
      const usage = (message: string) => new MailtapError('E_USAGE', message, { side: 'user' });
      if (!!opts.upstream === !!opts.mock) throw usage('audit needs exactly one of --upstream URL or --mock');
      if (opts.case !== undefined && !isAuditCase(opts.case)) throw usage(`--case: unknown case "${opts.case}"; one of ${AUDIT_CASES.join(', ')}`);
      if (!['text', 'md', 'json'].includes(opts.format)) throw usage(`--format: expected text, md or json, got "${opts.format}"`);
      const listen = parseMailUrl(opts.listen, { defaultPort: 'local' });
      const upstream = opts.upstream ? parseMailUrl(opts.upstream) : undefined;
      if (upstream && upstream.protocol !== listen.protocol) throw usage(`--listen speaks ${listen.protocol} but --upstream speaks ${upstream.protocol}`);
      const lang = opts.lang ?? langFromEnv();
      const format = opts.format as ReportFormat;
      const logger = createLogger(opts.logLevel ?? 'warn', { format: opts.logFormat, color: opts.color });
      const keylog = await openKeylog(opts.keylog, logger);
      if (keylog) process.stdout.write(keylogBanner(keylog, lang));
      const audit = await startAudit({
        listen,
        upstream,
        only: opts.case as AuditCaseName | undefined,
        certs: opts.certs,
        recordings: opts.record ? opts.recordings : false,
        redact: opts.redact,
        insecure: opts.insecure,
        upstreamCa: opts.upstreamCa,
        lang,
        out: (line) => void process.stdout.write(`${line}\n`),
        logger,
      });
      let stop!: () => void;
      const stopped = new Promise<'signal'>((resolve) => {
        stop = () => resolve('signal');
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
      const first = await Promise.race([audit.done, stopped]);
      process.removeListener('SIGINT', stop);
      process.removeListener('SIGTERM', stop);
      const report: AuditReport = first === 'signal' ? await audit.close() : (await audit.close(), first);
      const rendered = renderReport(report, format, lang);
      if (opts.out) await writeFile(opts.out, rendered, { mode: 0o600 });
      else if (format !== 'text') process.stdout.write(rendered);
      process.stdout.write(renderReport(report, 'text', lang));
      process.exitCode = auditExitCode(report);
    });
}
