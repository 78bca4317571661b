// `mailtap replay RECORDING ...`: serve recordings as a mock mail server (default), or with
// `--client --to URL` re-send the recorded client side to a live server and report differences.
// Exit code: 0 when every session matched (or no reply differed), 1 otherwise.

import type { Command } from 'commander';
import { MailtapError } from '../../core/errors.js';
import { startReplay } from '../../replay/server.js';
import { replayClient } from '../../replay/client-replay.js';
import type { ReplayOutcome } from '../../replay/replay-session.js';
import { loadUpstreamTrust } from '../../transport/upstream-trust.js';
import { waitForSignal } from '../signals.js';
import { parseLogFormat, type LogFormat } from '../log-format.js';
import { createLogger, type LogLevel } from '../logger.js';
import { collect, langFromEnv, parseLang, parseLogLevel, parsePositiveInt } from '../usage.js';
import { DEFAULT_WEB, parseWebOption, parseWebToken, startWebView, webBanner } from '../web-options.js';
import { addKeylogOption, keylogBanner, openKeylog } from '../keylog-option.js';

interface ReplayCliOptions {
  logFormat?: LogFormat;
  color?: boolean;
  listen?: string;
  certs: string;
  strict?: boolean;
  once?: boolean;
  client?: boolean;
  to?: string;
  upstreamCa?: string[];
  insecure?: boolean;
  logLevel: LogLevel;
  keylog?: string;
  idleTimeout?: number;
  lang?: 'en' | 'es';
  web?: string | boolean;
  webToken?: string;
}

export function register(program: Command): void {
  const command = program
    .command('replay')
    .description('serve recordings as a mock mail server, or re-send a recorded client side with --client --to URL')
    .argument('<recording...>', 'recording files (JSONL)')
    .option('--listen <url>', 'where to listen, e.g. smtp://127.0.0.1:2525 (default: the recording\'s own scheme on its default local port)')
    .option('--certs <dir>', 'CA directory for the mock server\'s certificates', 'certs')
    .option('--strict', 'also compare command arguments (default: match by verb); the first difference ends the session (421 / -ERR / * BYE)')
    .option('--once', 'serve one session, then exit 0 only if it matched to the end')
    .option('--client', 'act as the client: re-send the recording to --to and report differences')
    .option('--to <url>', 'with --client: the live server, e.g. submission://mail.example.com:587')
    .option('--upstream-ca <file>', 'with --client: extra CA to trust for the server (repeatable)', collect)
    .option('--insecure', 'with --client: do not verify the server certificate')
    .option('--log-level <level>', 'pino log level for stderr', parseLogLevel, 'warn' as LogLevel)
    .option('--idle-timeout <ms>', 'close a session silent this long (as the proxy does)', parsePositiveInt)
    .option('--log-format <format>', 'logs on stderr: pretty (default on a terminal) or json (default otherwise)', parseLogFormat)
    .option('--no-color', 'no ANSI colours (also when NO_COLOR is set; colour is only ever used on a terminal)')
    .option('--lang <lang>', 'language of what replay prints and of the web view: en or es (default from the locale)', parseLang)
    .option('--web [host:port]', `serve the web view of the mock server's sessions at ${DEFAULT_WEB} or the address given`)
    .option('--web-token <token>', 'web view access token (default: a random one, printed in the URL); "none" on loopback only');
  addKeylogOption(command).action(async (recordings: string[], opts: ReplayCliOptions) => {
      const logger = createLogger(opts.logLevel, { format: opts.logFormat, color: opts.color });
      const lang = opts.lang ?? langFromEnv();
      const es = lang === 'es';
      const keylog = await openKeylog(opts.keylog, logger);
      if (keylog) process.stdout.write(keylogBanner(keylog, lang));
      if (opts.client) {
        if (!opts.to) throw new MailtapError('E_USAGE', '--client needs --to URL (the live server to re-send the recording to)', { side: 'user' });
        if (recordings.length !== 1) throw new MailtapError('E_USAGE', '--client replays exactly one recording', { side: 'user' });
        const trust = await loadUpstreamTrust({ insecure: opts.insecure, upstreamCa: opts.upstreamCa });
        const report = await replayClient({ recording: recordings[0]!, to: opts.to, trust });
        for (const c of report.comparisons) {
          const [recorded, live] = es ? ['grabado:', 'en vivo:'] : ['recorded:', 'live:    '];
          process.stdout.write(`${c.same ? '=' : '≠'} ${c.command.padEnd(12)} ${recorded} ${c.recorded}\n${c.same ? '' : `  ${''.padEnd(12)} ${live} ${c.live}${c.detail ? `  (${c.detail})` : ''}\n`}`);
        }
        if (report.error) process.stdout.write(`*** ${report.error}\n`);
        const verdict = report.differences === 0 ? (es ? 'el servidor respondió como en la grabación' : 'the server answered as recorded') : es ? `${report.differences} diferencia(s) con la grabación` : `${report.differences} difference(s) from the recording`;
        process.stdout.write(`=== ${verdict}\n`);
        process.exitCode = report.differences === 0 ? 0 : 1;
        return;
      }
      if (opts.to) throw new MailtapError('E_USAGE', '--to only goes with --client', { side: 'user' });
      const outcomes: ReplayOutcome[] = [];
      const webAddress = parseWebOption(opts.web);
      const webView = webAddress ? await startWebView({ address: webAddress, token: parseWebToken(opts.webToken), lang, mode: 'replay' }) : undefined;
      const replay = await startReplay({
        ...(webView ? { observer: webView.store } : {}),
        recordings,
        listen: opts.listen,
        certs: opts.certs,
        strict: opts.strict,
        once: opts.once,
        logger,
        ...(opts.idleTimeout ? { idleTimeoutMs: opts.idleTimeout } : {}),
        onOutcome: (o) => {
          outcomes.push(o);
          const notes = o.notes.length ? ` (${o.notes.join('; ')})` : '';
          const verdict = o.matched ? `${es ? 'coincide' : 'matched'}${notes}` : `${es ? 'no coincide' : 'did not match'}: ${o.mismatches.join('; ')}`;
          process.stdout.write(es ? `=== sesión sobre ${o.recording}: ${o.stepsMatched}/${o.stepsExpected} pasos, ${verdict}\n` : `=== session on ${o.recording}: ${o.stepsMatched}/${o.stepsExpected} steps, ${verdict}\n`);
        },
      }).catch(async (err: unknown) => {
        await webView?.web.close();
        throw err;
      });
      for (const l of replay.listeners) process.stdout.write(es ? `=== reproduciendo ${l.recordings.join(', ')} en ${l.url}\n` : `=== replaying ${l.recordings.join(', ')} on ${l.url}\n`);
      process.stdout.write(`=== CA: ${replay.ca.info.certPath}\n`);
      if (webView) process.stdout.write(`${webBanner(webView.web, lang)}\n`);
      if (opts.once) await Promise.race([replay.finished, waitForSignal()]);
      else await waitForSignal();
      await replay.close();
      await webView?.web.close();
      process.exitCode = outcomes.length > 0 && outcomes.every((o) => o.matched) ? 0 : 1;
    });
}
