// `--web` and `mailtap web`: the HTTP server of the web view. Node's http only (no framework:
// a dozen GET routes). Every request passes the Host check and the token check first; answers
// carry a strict CSP. Static assets are the built front end in dist/web/client.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { readFile } from 'node:fs/promises';
import type { Lang } from '../core/note.js';
import { MailtapError } from '../core/errors.js';
import { MAILTAP_VERSION } from '../core/version.js';
import { readRecording } from '../record/reader.js';
import { renderMarkdown } from '../record/render-md.js';
import type { RecordEvent } from '../record/schema.js';
import { streamList, streamSession } from './live-stream.js';
import { openEvents } from '../export/events.js';
import { writePcapng } from '../export/pcapng.js';
import { messageView } from './message-view.js';
import { NotKeptError, sessionMessage, sessionMessages, wholeEvents } from './session-messages.js';
import { APP_CSP, MESSAGE_HTML_CSP, baseHeaders, checkBind, hostAllowed, newToken, tokenCookie, tokenFrom, tokenMatches } from './security.js';
import type { SessionStore, StoredSession } from './store.js';
import { localizeSummary, matchesFilter, type SummaryFilter } from './summary.js';

/** The built front end: dist/web/client, two levels up from both src/web and dist/web. */
export const CLIENT_DIR = new URL('../../dist/web/client/', import.meta.url);

const ASSET_TYPES: Record<string, string> = { js: 'text/javascript; charset=utf-8', css: 'text/css; charset=utf-8', png: 'image/png', svg: 'image/svg+xml' };

export interface WebOptions {
  store: SessionStore;
  host?: string;
  port?: number;
  /** Access token; undefined: a random one; null: none (loopback only). */
  token?: string | null;
  lang: Lang;
  mode: 'proxy' | 'files' | 'replay';
  redact?: boolean;
}

export interface WebHandle {
  url: string;
  /** The URL with the token, to print. */
  openUrl: string;
  host: string;
  port: number;
  token: string | null;
  close(): Promise<void>;
}

export async function startWeb(options: WebOptions): Promise<WebHandle> {
  const host = options.host ?? '127.0.0.1';
  const token = options.token === undefined ? newToken() : options.token;
  checkBind(host, token);
  const bound = { host, port: options.port ?? 2580 };
  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) fail(res, err instanceof HttpError ? err.status : 500, err instanceof Error ? err.message : String(err));
      else res.destroy();
    });
  });
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    baseHeaders(res);
    if (!hostAllowed(req.headers.host, bound)) return fail(res, 403, 'forbidden: unexpected Host header (DNS rebinding protection)');
    const url = new URL(req.url ?? '/', 'http://mailtap.invalid');
    if (token !== null) {
      const given = tokenFrom(req, url);
      if (!tokenMatches(given.token, token)) return fail(res, 401, 'forbidden: this view needs the access token printed when mailtap started (…/?token=…)');
      if (given.fromQuery) res.setHeader('Set-Cookie', tokenCookie(token));
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') return fail(res, 405, 'only GET');
    await route(res, url, options);
  };
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(new MailtapError('E_USAGE', `cannot serve the web view on ${host}:${bound.port}: ${err.code === 'EADDRINUSE' ? 'the port is already in use' : err.message}`, { side: 'user' })),
    );
    server.listen(bound.port, host, () => resolve());
  });
  const addr = server.address();
  bound.port = typeof addr === 'object' && addr ? addr.port : bound.port;
  const shown = host.includes(':') ? `[${host}]` : host === '0.0.0.0' ? '127.0.0.1' : host;
  const url = `http://${shown}:${bound.port}/`;
  return {
    url,
    openUrl: token === null ? url : `${url}?token=${token}`,
    host,
    port: bound.port,
    token,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function fail(res: ServerResponse, status: number, message: string): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8' });
  res.end(`${message}\n`);
}

function json(res: ServerResponse, value: unknown): void {
  res.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify(value));
}

function download(res: ServerResponse, name: string, type: string, body: Buffer | string): void {
  res.writeHead(200, {
    'Content-Type': type,
    'Content-Disposition': `attachment; filename="${name.replace(/[^A-Za-z0-9._-]/g, '_')}"; filename*=UTF-8''${encodeURIComponent(name)}`,
  });
  res.end(body);
}

function langOf(url: URL, fallback: Lang): Lang {
  const l = url.searchParams.get('lang');
  return l === 'es' || l === 'en' ? l : fallback;
}

async function route(res: ServerResponse, url: URL, o: WebOptions): Promise<void> {
  const { store } = o;
  const path = url.pathname;
  if (path === '/favicon.ico') {
    res.writeHead(204);
    res.end();
    return;
  }
  if (path === '/' || path === '/index.html') return asset(res, 'index.html', 'text/html; charset=utf-8');
  const a = /^\/assets\/([a-z0-9-]+\.(js|css|png|svg))$/.exec(path);
  if (a) return asset(res, a[1]!, ASSET_TYPES[a[2]!]!);
  if (path === '/api/info') return json(res, { version: MAILTAP_VERSION, lang: o.lang, mode: o.mode, redact: !!o.redact });
  if (path === '/api/sessions') {
    const filter: SummaryFilter = {};
    for (const k of ['protocol', 'user', 'status', 'q'] as const) {
      const v = url.searchParams.get(k);
      if (v) filter[k] = v;
    }
    const offset = Math.max(0, Number(url.searchParams.get('offset') ?? 0) || 0);
    const limit = Math.min(500, Math.max(1, Number(url.searchParams.get('limit') ?? 100) || 100));
    const all = store.list().filter((s) => matchesFilter(s, filter));
    const lang = langOf(url, o.lang);
    return json(res, { total: all.length, all: store.size, offset, items: all.slice(offset, offset + limit).map((s) => localizeSummary(s, lang)), version: store.version });
  }
  if (path === '/api/stream') return streamList(res, store);

  const m = /^\/api\/sessions\/([A-Za-z0-9_-]{1,128})(\/.*)?$/.exec(path);
  const stored = m ? store.get(m[1]!) : undefined;
  if (!m || !stored) return fail(res, 404, 'no such page or session');
  const id = m[1]!;
  const rest = m[2] ?? '';
  const events = async (): Promise<readonly RecordEvent[]> => {
    const whole = wholeEvents(stored);
    if (whole) return whole;
    if (!stored.recordingPath) throw new HttpError(404, 'this session was not recorded (--no-record) and its bytes were not kept in memory');
    return (await readRecording(stored.recordingPath)).events;
  };
  if (rest === '') return json(res, { summary: localizeSummary(stored.summary, langOf(url, o.lang)), header: stored.header });
  if (rest === '/stream') {
    return streamSession(res, store, id, langOf(url, o.lang), async () => {
      if (!stored.recordingPath) throw new HttpError(404, 'this session was not recorded and is no longer in memory');
      return (await readRecording(stored.recordingPath)).events;
    });
  }
  if (rest === '/recording.jsonl') {
    if (stored.recordingPath) return download(res, `${id}.jsonl`, 'application/x-ndjson', await readFile(stored.recordingPath));
    const evs = await events();
    return download(res, `${id}.jsonl`, 'application/x-ndjson', [stored.header, ...evs].map((e) => JSON.stringify(e)).join('\n') + '\n');
  }
  if (rest === '/transcript.md') {
    const lang = langOf(url, o.lang);
    const rec = stored.recordingPath
      ? await readRecording(stored.recordingPath)
      : { path: '', header: stored.header, events: [...(await events())], complete: stored.summary.closed, truncated: false };
    return download(res, `${id}-${lang}.md`, 'text/markdown; charset=utf-8', renderMarkdown(rec, { lang, redact: false }));
  }
  if (rest === '/capture.pcapng') {
    const lang = langOf(url, o.lang);
    const whole = wholeEvents(stored);
    if (!whole && !stored.recordingPath) throw new HttpError(404, 'this session was not recorded (--no-record) and its bytes were not kept in memory');
    const source = whole ? { header: stored.header, events: whole } : await openEvents(stored.recordingPath!);
    res.writeHead(200, { 'Content-Type': 'application/x-pcapng', 'Content-Disposition': `attachment; filename="${id}.pcapng"` });
    // Streamed from the recording: a 64 MiB session is never held whole for its capture.
    await writePcapng(res, [source], `from session ${id}`, { lang });
    res.end();
    return;
  }
  try {
    return await messageRoute(res, rest, stored);
  } catch (err) {
    if (err instanceof NotKeptError) throw new HttpError(404, err.message);
    throw err;
  }
}

/** `/messages`, `/messages/N` (1-based, as the .eml export numbers them) and its downloads. */
async function messageRoute(res: ServerResponse, rest: string, stored: StoredSession): Promise<void> {
  if (rest === '/messages') return json(res, await sessionMessages(stored));
  const mm = /^\/messages\/(\d+)(\/raw\.eml|\/html|\/attachments\/(\d+))?$/.exec(rest);
  if (!mm) return fail(res, 404, 'no such page');
  const found = await sessionMessage(stored, Number(mm[1]));
  if (!found) return fail(res, 404, 'no such message in this session');
  const { meta, bytes } = found;
  if (mm[2] === '/raw.eml') return download(res, `${meta.name}.eml`, 'message/rfc822', bytes);
  const { view, parsed } = await messageView(meta, bytes);
  if (mm[3] !== undefined) {
    const i = Number(mm[3]);
    const attachment = parsed.attachments[i];
    if (!attachment) return fail(res, 404, 'no such attachment');
    // Attachments are always downloads, never rendered in our origin.
    res.setHeader('Content-Security-Policy', `${APP_CSP}; sandbox`);
    return download(res, view.attachments[i]!.filename, 'application/octet-stream', await attachment.content());
  }
  if (!mm[2]) return json(res, view);
  if (parsed.html === undefined) return fail(res, 404, 'this message has no HTML part');
  res.setHeader('Content-Security-Policy', MESSAGE_HTML_CSP);
  res.setHeader('X-Frame-Options', 'SAMEORIGIN');
  res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
  res.end(parsed.html);
}

async function asset(res: ServerResponse, name: string, type: string): Promise<void> {
  let body: Buffer;
  try {
    body = await readFile(new URL(name, CLIENT_DIR));
  } catch {
    return fail(res, 404, `${name} is missing: run npm run build (it builds the web view into dist/web/client)`);
  }
  res.writeHead(200, { 'Content-Type': type });
  res.end(body);
}
