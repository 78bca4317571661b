// `mailtap proxy [UPSTREAM ...] [--route LISTEN=UPSTREAM ...]`: the main job. Parses routes and
// options (or --config FILE with the same settings as JSON), starts the proxy, prints the live
// view, and on SIGINT/SIGTERM closes listeners and finalises every recording before exiting 0.

import type { Command } from 'commander';
import { MailtapError } from '../../core/errors.js';
import { routeForUpstream, parseRoute, type Route } from '../../core/mail-url.js';
import { startProxy } from '../../session/proxy.js';
import { waitForSignal } from '../signals.js';
import { parseLogFormat, useColor, type LogFormat } from '../log-format.js';
import { createLogger, type LogLevel } from '../logger.js';
import { collect, langFromEnv, parseLang, parseLogLevel, parsePositiveInt, parseSize } from '../usage.js';
import { createLiveView, VIEW_WORDS } from '../live-view.js';
import { fanOut } from '../../session/fan-out.js';
import { DEFAULT_WEB, parseWebOption, parseWebToken, startWebView, webBanner } from '../web-options.js';
import { readConfigFile } from '../config-file.js';
import { addKeylogOption, keylogBanner, openKeylog } from '../keylog-option.js';

interface ProxyCliOptions {
  logFormat?: LogFormat;
  color?: boolean;
  route?: string[];
  certs?: string;
  recordings?: string;
  record?: boolean;
  redact?: boolean;
  insecure?: boolean;
  upstreamCa?: string[];
  lang?: 'en' | 'es';
  json?: boolean;
  quiet?: boolean;
  logLevel?: LogLevel;
  config?: string;
  maxSessions?: number;
  maxSessionsPerClient?: number;
  idleTimeout?: number;
  connectTimeout?: number;
  maxRecordingSize?: number;
  keylog?: string;
  web?: string | boolean;
  webToken?: string;
}

export function register(program: Command): void {
  const command = program
    .command('proxy')
    .description('intercept, decode and record mail sessions between a client and a server')
    .argument('[upstream...]', 'upstream URLs (smtp://, submission://, smtps://, pop3://, pop3s://, imap://, imaps://); each listens on 127.0.0.1 at its default local port')
    .option('--route <listen=upstream>', 'listen URL = upstream URL, e.g. smtp://127.0.0.1:3025=submission://mail.example.com:587 (repeatable)', collect)
    .option('--certs <dir>', 'CA directory (created on first use)', 'certs')
    .option('--recordings <dir>', 'where session recordings are written', 'recordings')
    .option('--no-record', 'do not write recordings')
    .option('--redact', 'mask passwords and tokens on screen and in recordings')
    .option('--insecure', 'do not verify the upstream certificate')
    .option('--upstream-ca <file>', 'extra CA certificate (PEM) to trust for upstream servers (repeatable)', collect)
    .option('--lang <lang>', 'annotation language: en or es (default from the locale)', parseLang)
    .option('--json', 'one JSON event per line on stdout instead of the human view')
    .option('--quiet', 'print only session start and end')
    .option('--log-level <level>', 'pino log level for stderr', parseLogLevel, 'warn' as LogLevel)
    .option('--log-format <format>', 'logs on stderr: pretty (default on a terminal) or json (default otherwise)', parseLogFormat)
    .option('--no-color', 'no ANSI colours (also when NO_COLOR is set; colour is only ever used on a terminal)')
    .option('--config <file>', 'read these settings from a JSON file (command-line flags win)')
    .option('--max-sessions <n>', 'concurrent sessions before new ones are refused', parsePositiveInt)
    .option('--max-sessions-per-client <n>', 'concurrent sessions from one client address (default 100)', parsePositiveInt)
    .option('--idle-timeout <ms>', 'close a session silent this long', parsePositiveInt)
    .option('--connect-timeout <ms>', 'upstream connect and TLS handshake timeout', parsePositiveInt)
    .option('--max-recording-size <size>', 'per session: past this size (e.g. 64M, 1G; default 256M) units are counted, not stored', parseSize)
    .option('--web [host:port]', `serve the web view (live sessions, transcripts, messages) at ${DEFAULT_WEB} or the address given`)
    .option('--web-token <token>', 'web view access token (default: a random one, printed in the URL); "none" on loopback only');
  addKeylogOption(command).action(async (upstreams: string[], cliOptions: ProxyCliOptions, command: Command) => {
      const fileOptions = cliOptions.config ? await readConfigFile(cliOptions.config, command, { upstreams: parseUpstreams }) : {};
      // Flags given on the command line win over the file; defaults lose to it.
      const opts: ProxyCliOptions & { upstreams?: string[] } = { ...cliOptions };
      for (const [key, value] of Object.entries(fileOptions)) {
        const source = command.getOptionValueSource(key);
        if (source !== 'cli' && key !== 'upstreams') (opts as Record<string, unknown>)[key] = value;
      }
      const routes: Route[] = [...upstreams, ...((fileOptions.upstreams as string[] | undefined) ?? [])].map(routeForUpstream);
      for (const r of opts.route ?? []) routes.push(parseRoute(r));
      if (routes.length === 0) throw new MailtapError('E_USAGE', 'proxy needs at least one UPSTREAM URL or --route LISTEN=UPSTREAM (see mailtap proxy --help)', { side: 'user' });
      if (opts.json && opts.quiet) throw new MailtapError('E_USAGE', '--json and --quiet cannot be combined', { side: 'user' });

      const logger = createLogger(opts.logLevel ?? 'warn', { format: opts.logFormat, color: opts.color });
      // --redact does not touch the key log: the user asked for the keys (README, "Wireshark").
      const keylog = await openKeylog(opts.keylog, logger);
      const lang = opts.lang ?? langFromEnv();
      const view = createLiveView({ mode: opts.json ? 'json' : opts.quiet ? 'quiet' : 'human', lang, redact: !!opts.redact, color: useColor(opts.color, process.stdout.isTTY) });
      const webAddress = parseWebOption(opts.web);
      const webView = webAddress ? await startWebView({ address: webAddress, token: parseWebToken(opts.webToken), lang, redact: !!opts.redact, mode: 'proxy' }) : undefined;
      const proxy = await startProxy({
        routes,
        certs: opts.certs,
        recordings: opts.record === false ? false : opts.recordings,
        insecure: opts.insecure,
        upstreamCa: opts.upstreamCa,
        redact: !!opts.redact,
        limits: {
          ...(opts.maxSessions ? { maxSessions: opts.maxSessions } : {}),
          ...(opts.maxSessionsPerClient ? { maxSessionsPerClient: opts.maxSessionsPerClient } : {}),
          ...(opts.idleTimeout ? { idleTimeoutMs: opts.idleTimeout } : {}),
          ...(opts.connectTimeout ? { connectTimeoutMs: opts.connectTimeout } : {}),
          ...(opts.maxRecordingSize ? { maxRecordingBytes: opts.maxRecordingSize } : {}),
        },
        observer: fanOut([view, webView?.store], (err) => logger.error({ err: String(err) }, 'a session observer failed')),
        logger,
      }).catch(async (err: unknown) => {
        await webView?.web.close();
        throw err;
      });
      if (opts.json) {
        // Machine readers need the bound ports too (port 0 in a route picks a free one).
        for (const l of proxy.listeners) process.stdout.write(`${JSON.stringify({ type: 'listening', url: l.url, upstream: routeLabel(l.route), ca: proxy.ca.info.certPath })}\n`);
        if (webView) process.stdout.write(`${JSON.stringify({ type: 'web', url: webView.web.openUrl })}\n`);
      } else {
        const w = VIEW_WORDS[lang];
        for (const l of proxy.listeners) process.stdout.write(`=== ${w.listening} ${l.url} → ${routeLabel(l.route)}\n`);
        process.stdout.write(`=== ${w.ca}: ${proxy.ca.info.certPath} (${w.trust})\n`);
        if (keylog) process.stdout.write(keylogBanner(keylog, lang));
        if (webView) process.stdout.write(`${webBanner(webView.web, lang)}\n`);
      }
      await waitForSignal();
      if (!opts.json) process.stdout.write(`=== ${VIEW_WORDS[lang].shuttingDown}\n`);
      await proxy.close();
      await webView?.web.close();
    });
}

function routeLabel(route: Route): string {
  return `${route.upstream.scheme}://${route.upstream.host}:${route.upstream.port}`;
}

/** The file's `upstreams`: the positional UPSTREAM URLs, as a list. */
function parseUpstreams(value: unknown): string[] {
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) throw new Error('must be a list of upstream URLs, e.g. ["smtps://mail.example.com"]');
  for (const url of value) routeForUpstream(url);
  return value;
}
