// The CLI side of the web view: parses `--web [HOST:PORT]` and `--web-token`, starts the server
// on a store, and says where it is (the URL with its token, like Jupyter), in both languages.

import { InvalidArgumentError } from 'commander';
import { SessionStore } from '../web/store.js';
import { startWeb, type WebHandle } from '../web/server.js';

export const DEFAULT_WEB = '127.0.0.1:2580';

export interface WebAddress {
  host: string;
  port: number;
}

/** `HOST:PORT`, `[::1]:PORT`, `:PORT`, `PORT` or `HOST` (port 2580). */
export function parseWebAddress(value: string): WebAddress {
  const v = value.trim();
  let m = /^\[([^\]]+)\](?::(\d+))?$/.exec(v);
  let host: string;
  let port: string | undefined;
  if (m) [host, port] = [m[1]!, m[2]];
  else if ((m = /^(\d+)$/.exec(v))) [host, port] = ['127.0.0.1', m[1]];
  else if ((m = /^([^:]*):(\d+)$/.exec(v))) [host, port] = [m[1] || '127.0.0.1', m[2]];
  else if (/^[A-Za-z0-9.-]+$/.test(v)) [host, port] = [v, '2580'];
  else throw new InvalidArgumentError(`expected HOST:PORT (like ${DEFAULT_WEB}), got "${value}"`);
  const n = Number(port ?? 2580);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError(`port out of range in "${value}"`);
  return { host, port: n };
}

/** commander: `--web` alone is the default address. */
export function parseWebOption(value: string | boolean | undefined): WebAddress | undefined {
  if (value === undefined || value === false) return undefined;
  return parseWebAddress(value === true ? DEFAULT_WEB : value);
}

/** `--web-token none` turns the token off (loopback only); anything else is the token. */
export function parseWebToken(value: string | undefined): string | null | undefined {
  if (value === undefined) return undefined;
  return value === 'none' ? null : value;
}

export interface WebViewOptions {
  address: WebAddress;
  token?: string | null;
  lang: 'en' | 'es';
  redact?: boolean;
  mode: 'proxy' | 'files' | 'replay';
  store?: SessionStore;
}

export async function startWebView(options: WebViewOptions): Promise<{ web: WebHandle; store: SessionStore }> {
  const store = options.store ?? new SessionStore();
  const web = await startWeb({
    store,
    host: options.address.host,
    port: options.address.port,
    ...(options.token !== undefined ? { token: options.token } : {}),
    lang: options.lang,
    mode: options.mode,
    redact: !!options.redact,
  });
  return { web, store };
}

export function webBanner(web: WebHandle, lang: 'en' | 'es'): string {
  return lang === 'es' ? `=== vista web: ${web.openUrl}` : `=== web view: ${web.openUrl}`;
}
