// `mailtap demo`: what `npm start` runs. Mock SMTP/POP3/IMAP servers replaying the bundled
// sample sessions, proxy listeners in front, the exact openssl lines to try, and the live
// annotated view. `--self-test` plays the lab dialogues through every listener and exits 0
// only when every replayed session matched.

import type { Command } from 'commander';
import { startDemo, selfTest } from '../../demo/demo.js';
import { createLiveView } from '../live-view.js';
import { parseLogFormat, useColor, type LogFormat } from '../log-format.js';
import { createLogger, type LogLevel } from '../logger.js';
import { waitForSignal } from '../signals.js';
import { langFromEnv, parseLang, parseLogLevel } from '../usage.js';
import { fanOut } from '../../session/fan-out.js';
import { DEFAULT_WEB, parseWebOption, parseWebToken, startWebView, webBanner } from '../web-options.js';

interface DemoCliOptions {
  logFormat?: LogFormat;
  color?: boolean;
  certs: string;
  recordings: string;
  record?: boolean;
  selfTest?: boolean;
  lang?: 'en' | 'es';
  logLevel: LogLevel;
  web: string | boolean;
  webToken?: string;
}

export function register(program: Command): void {
  program
    .command('demo')
    .description('mock SMTP, POP3 and IMAP servers (replaying bundled samples) behind proxy listeners, with the openssl lines to try')
    .option('--self-test', 'drive a scripted client through every listener, print the transcripts, exit 0 when all matched')
    .option('--certs <dir>', 'CA directory (created on first use)', 'certs')
    .option('--recordings <dir>', 'where the demo sessions are recorded', 'recordings')
    .option('--no-record', 'do not write recordings')
    .option('--lang <lang>', 'annotation language: en or es (default from the locale)', parseLang)
    .option('--log-level <level>', 'pino log level for stderr', parseLogLevel, 'warn' as LogLevel)
    .option('--web [host:port]', `serve the web view at ${DEFAULT_WEB} (the default; --self-test only when given an address)`)
    .option('--no-web', 'no web view')
    .option('--web-token <token>', 'web view access token (default: a random one, printed in the URL)')
    .option('--log-format <format>', 'logs on stderr: pretty (default on a terminal) or json (default otherwise)', parseLogFormat)
    .option('--no-color', 'no ANSI colours (also when NO_COLOR is set; colour is only ever used on a terminal)')
    .action(async (opts: DemoCliOptions) => {
      const logger = createLogger(opts.logLevel, { format: opts.logFormat, color: opts.color });
      const lang = opts.lang ?? langFromEnv();
      const out = (text: string) => process.stdout.write(`${text}\n`);
      const view = createLiveView({ mode: 'human', lang, redact: false, color: useColor(opts.color, process.stdout.isTTY) });
      // The self-test must not need port 2580: it serves the view only when given an address.
      const address = opts.selfTest && opts.web === true ? undefined : parseWebOption(opts.web);
      const webView = address
        ? await startWebView({ address, token: parseWebToken(opts.webToken), lang, mode: 'proxy' }).catch((err: unknown) => {
            // The demo is still worth running without its web view (port 2580 taken, say).
            if (opts.web !== true) throw err;
            out(`*** ${(err as Error).message}${lang === 'es' ? ' (la demo sigue sin vista web)' : ' (the demo goes on without it)'}`);
            return undefined;
          })
        : undefined;
      const demo = await startDemo({
        certs: opts.certs,
        recordings: opts.record === false ? false : opts.recordings,
        ephemeralPorts: !!opts.selfTest,
        observer: fanOut([view, webView?.store]),
        logger,
      }).catch(async (err: unknown) => {
        await webView?.web.close();
        throw err;
      });
      if (opts.selfTest) {
        const results = await selfTest(demo);
        await demo.close();
        await webView?.web.close();
        out('');
        for (const r of results) out(`${r.ok ? '✓' : '✗'} ${r.name}${r.error ? `: ${r.error}` : ''}`);
        const failed = results.filter((r) => !r.ok).length;
        out(failed ? `=== self-test FAILED (${failed})` : `=== self-test passed: ${results.length} sessions through the proxy and the replay`);
        process.exitCode = failed ? 1 : 0;
        return;
      }
      out(lang === 'es' ? '=== mailtap demo: servidores simulados con las sesiones de ejemplo, y el proxy delante' : '=== mailtap demo: mock servers replaying the sample sessions, with the proxy in front');
      out(`=== CA: ${demo.ca.info.certPath}`);
      if (webView) out(webBanner(webView.web, lang));
      for (const l of demo.listeners) {
        out('');
        out(`--- ${l.name}: ${l.url}`);
        out(`    ${l.command}`);
        out(`    ${lang === 'es' ? 'y escriba' : 'then type'}: ${l.typing.join('  |  ')}`);
      }
      out('');
      out(lang === 'es' ? '=== Ctrl-C para terminar. Las transcripciones anotadas aparecen aquí.' : '=== Ctrl-C to stop. Annotated transcripts appear below.');
      await waitForSignal();
      await demo.close();
      await webView?.web.close();
    });
}
