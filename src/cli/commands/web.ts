// `mailtap web [RECORDINGS_DIR...]`: the web view over saved recordings, no proxy running.
// Directories are scanned for *.jsonl (files may be named too); Ctrl-C stops it.

import type { Command } from 'commander';
import { loadRecordings } from '../../web/recordings-dir.js';
import { addLogFormatOptions, type LogFormat } from '../log-format.js';
import { createLogger } from '../logger.js';
import { waitForSignal } from '../signals.js';
import { langFromEnv, parseLang } from '../usage.js';
import { DEFAULT_WEB, parseWebAddress, parseWebToken, startWebView, webBanner, type WebAddress } from '../web-options.js';

interface WebCliOptions {
  listen: WebAddress;
  webToken?: string;
  lang?: 'en' | 'es';
  logFormat?: LogFormat;
  color?: boolean;
}

export function register(program: Command): void {
  const command = program
    .command('web')
    .description('browse saved recordings in the web view (no proxy needed)')
    .argument('[recordings...]', 'recording directories or files (default: recordings)')
    .option('--listen <host:port>', `where to serve the web view (default ${DEFAULT_WEB}; loopback unless told otherwise)`, parseWebAddress)
    .option('--web-token <token>', 'access token to require (default: a random one, printed in the URL); "none" on loopback only')
    .option('--lang <lang>', 'default annotation language: en or es (default from the locale)', parseLang);
  addLogFormatOptions(command).action(async (paths: string[], opts: WebCliOptions) => {
      const lang = opts.lang ?? langFromEnv();
      const logger = createLogger('warn', { format: opts.logFormat, color: opts.color });
      const { web, store } = await startWebView({ address: opts.listen ?? parseWebAddress(DEFAULT_WEB), token: parseWebToken(opts.webToken), lang, mode: 'files' });
      const { loaded, skipped } = await loadRecordings(store, paths.length ? paths : ['recordings']).catch(async (err: unknown) => {
        await web.close();
        throw err;
      });
      for (const file of skipped) logger.warn({ file }, lang === 'es' ? 'no es una grabación de mailtap: se omite' : 'not a mailtap recording: skipped');
      const out = (s: string) => process.stdout.write(`${s}\n`);
      const n = skipped.length;
      const notRecordings = lang === 'es' ? (n === 1 ? '1 fichero no es una grabación' : `${n} ficheros no son grabaciones`) : n === 1 ? '1 file is not a recording' : `${n} files are not recordings`;
      const count = lang === 'es' ? `${loaded} ${loaded === 1 ? 'grabación' : 'grabaciones'}` : `${loaded} ${loaded === 1 ? 'recording' : 'recordings'}`;
      out(`=== ${count}${n ? ` (${notRecordings})` : ''}`);
      out(webBanner(web, lang));
      out(lang === 'es' ? '=== Ctrl-C para terminar.' : '=== Ctrl-C to stop.');
      await waitForSignal();
      await web.close();
    });
}
