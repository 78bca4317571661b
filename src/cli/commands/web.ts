// `mailtap web [RECORDINGS_DIR...]`: the web view over saved recordings, no proxy running.
// Directories are scanned for *.jsonl (files may be named too); Ctrl-C stops it.

import type { Command } from 'commander';
import { loadRecordings } from '../../web/recordings-dir.js';
import { waitForSignal } from '../signals.js';
import { langFromEnv, parseLang } from '../usage.js';
import { DEFAULT_WEB, parseWebAddress, parseWebToken, startWebView, webBanner, type WebAddress } from '../web-options.js';

interface WebCliOptions {
  listen: WebAddress;
  webToken?: string;
  lang?: 'en' | 'es';
}

export function register(program: Command): void {
  program
    .command('web')
    .description('browse saved recordings in the web view (no proxy needed)')
    .argument('[recordings...]', 'recording directories or files (default: recordings)')
    .option('--listen <host:port>', `where to serve the web view (default ${DEFAULT_WEB}; loopback unless told otherwise)`, parseWebAddress)
    .option('--web-token <token>', 'access token to require (default: a random one, printed in the URL); "none" on loopback only')
    .option('--lang <lang>', 'default annotation language: en or es (default from the locale)', parseLang)
    .action(async (paths: string[], opts: WebCliOptions) => {
      const lang = opts.lang ?? langFromEnv();
      const { web, store } = await startWebView({ address: opts.listen ?? parseWebAddress(DEFAULT_WEB), token: parseWebToken(opts.webToken), lang, mode: 'files' });
      const { loaded, skipped } = await loadRecordings(store, paths.length ? paths : ['recordings']).catch(async (err: unknown) => {
        await web.close();
        throw err;
      });
      const out = (s: string) => process.stdout.write(`${s}\n`);
      out(lang === 'es' ? `=== ${loaded} grabaciones${skipped.length ? ` (${skipped.length} ficheros no son grabaciones)` : ''}` : `=== ${loaded} recordings${skipped.length ? ` (${skipped.length} files are not recordings)` : ''}`);
      out(webBanner(web, lang));
      out(lang === 'es' ? '=== Ctrl-C para terminar.' : '=== Ctrl-C to stop.');
      await waitForSignal();
      await web.close();
    });
}
