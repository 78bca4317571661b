// `startReplay`: serves recordings as mock mail servers. Recordings are grouped by protocol and
// client TLS mode, one listener per group (or one `--listen` URL for all). Each connection is
// served from the start, concurrently; with several recordings in a group the first whose
// dialogue keeps matching is served, and connection n prefers recording n (in turn).

import { createServer, type Server, type Socket } from 'node:net';
import type { Logger } from 'pino';
import { MailtapError, describeError } from '../core/errors.js';
import { SCHEMES, formatMailUrl, parseMailUrl, type MailEndpoint, type MailScheme } from '../core/mail-url.js';
import { CertificateAuthority } from '../ca/index.js';
import { protocolModule } from '../protocol/index.js';
import { readRecording, type Recording } from '../record/reader.js';
import { buildScript, type ReplayScript } from './script.js';
import { ReplaySession, type ReplayOutcome } from './replay-session.js';
import { ReplayTap, type ReplayObserver } from './replay-tap.js';

export interface ReplayOptions {
  /** Recording file paths, or recordings already read. */
  recordings: (string | Recording)[];
  /** One listen URL for every recording (they must share a protocol). Port 0 picks a free port. */
  listen?: string;
  certs?: string;
  ca?: CertificateAuthority;
  strict?: boolean;
  /** Serve one connection per listener, then stop listening. */
  once?: boolean;
  logger?: Logger;
  onOutcome?: (outcome: ReplayOutcome) => void;
  /** Close a session silent this long (default `DEFAULT_LIMITS.idleTimeoutMs`, as the proxy). */
  idleTimeoutMs?: number;
  /** Largest IMAP literal a client may announce (default `DEFAULT_LIMITS.maxReplayLiteralBytes`). */
  maxLiteralBytes?: number;
  /** Every session's events (`replay --web`: the web view's store). */
  observer?: ReplayObserver;
}

export interface ReplayListener {
  url: string;
  host: string;
  port: number;
  scheme: MailScheme;
  recordings: string[];
}

export interface ReplayHandle {
  listeners: ReplayListener[];
  ca: CertificateAuthority;
  outcomes: ReplayOutcome[];
  /** With `once`: resolves when every listener has served its one session. */
  finished: Promise<ReplayOutcome[]>;
  close(): Promise<void>;
}

export async function startReplay(options: ReplayOptions): Promise<ReplayHandle> {
  const recordings = await Promise.all(options.recordings.map((r) => (typeof r === 'string' ? readRecording(r) : Promise.resolve(r))));
  if (recordings.length === 0) throw new MailtapError('E_USAGE', 'replay needs at least one recording', { side: 'user' });
  // A truncated recording is refused up front, not mid-session.
  const scripts = recordings.map((rec) => {
    if (!rec.complete) throw new MailtapError('E_RECORDING_INVALID', `${rec.path} ends early (no close event): it cannot be replayed to its end`, { side: 'user' });
    return buildScript(rec);
  });
  const ca = options.ca ?? (await CertificateAuthority.loadOrInit(options.certs ?? 'certs')).ca;

  const groups = new Map<string, { endpoint: MailEndpoint; scripts: ReplayScript[] }>();
  if (options.listen) {
    const endpoint = parseMailUrl(options.listen, { defaultPort: 'local' });
    const wrong = scripts.find((s) => s.protocol !== endpoint.protocol);
    if (wrong) throw new MailtapError('E_USAGE', `--listen ${options.listen} speaks ${endpoint.protocol} but ${wrong.name} is ${wrong.protocol}`, { side: 'user' });
    groups.set('listen', { endpoint, scripts });
  } else {
    for (const s of scripts) {
      const scheme = schemeFor(s);
      const g = groups.get(scheme) ?? { endpoint: { scheme, protocol: s.protocol, tls: SCHEMES[scheme].tls, host: '127.0.0.1', port: SCHEMES[scheme].localPort }, scripts: [] };
      g.scripts.push(s);
      groups.set(scheme, g);
    }
  }

  const servers: Server[] = [];
  const listeners: ReplayListener[] = [];
  const outcomes: ReplayOutcome[] = [];
  const sockets = new Set<Socket>();
  const finishedPerListener: Promise<ReplayOutcome>[] = [];
  // Session ids for the observer: unique per run, safe in a URL.
  const runId = Date.now().toString(36);
  let sessionCount = 0;
  for (const { endpoint, scripts: groupScripts } of groups.values()) {
    const module = protocolModule(endpoint.protocol);
    let connections = 0;
    let served = false;
    let resolveFirst!: (o: ReplayOutcome) => void;
    finishedPerListener.push(new Promise((r) => (resolveFirst = r)));
    const server: Server = createServer({ noDelay: true }, (socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      const n = connections++;
      // --once: the first connection that says something is the session; then stop listening.
      // A probe (connect, close, not a byte) is not a session: keep waiting for the real one.
      if (options.once) socket.once('data', () => server.listening && server.close());
      const rotated = [...groupScripts.slice(n % groupScripts.length), ...groupScripts.slice(0, n % groupScripts.length)];
      const listenUrl = formatMailUrl({ ...endpoint, port: socket.localPort ?? endpoint.port });
      const tap = options.observer
        ? new ReplayTap(options.observer, { id: `replay-${runId}-${++sessionCount}`, protocol: endpoint.protocol, listen: listenUrl, implicitTls: endpoint.tls === 'implicit', recordings: rotated.map((s) => s.name) }, socket, (err) =>
            options.logger?.error({ err: describeError(err) }, 'a session observer failed; it sees no more of this session, the replay goes on'),
          )
        : undefined;
      const session = new ReplaySession(socket, { scripts: rotated, module, ca, strict: !!options.strict, implicitTls: endpoint.tls === 'implicit', logger: options.logger,
        ...(tap ? { tap } : {}),
        ...(options.idleTimeoutMs !== undefined ? { idleTimeoutMs: options.idleTimeoutMs } : {}),
        ...(options.maxLiteralBytes !== undefined ? { maxLiteralBytes: options.maxLiteralBytes } : {}),
      });
      void session.outcome.then((outcome) => {
        if (outcome.probe) {
          options.logger?.info({ recording: outcome.recording }, 'replay: a connection closed without sending a byte (a probe?); not counted as a session');
          return;
        }
        outcomes.push(outcome);
        options.onOutcome?.(outcome);
        if (!served) {
          served = true;
          resolveFirst(outcome);
        }
      });
      void session.start();
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err: NodeJS.ErrnoException) =>
        reject(new MailtapError('E_USAGE', `cannot listen on ${formatMailUrl(endpoint)}: ${err.code === 'EADDRINUSE' ? 'the port is already in use' : err.message}`, { side: 'user' })),
      );
      server.listen(endpoint.port, endpoint.host, () => resolve());
    });
    servers.push(server);
    const addr = server.address();
    const port = typeof addr === 'object' && addr ? addr.port : endpoint.port;
    listeners.push({ url: formatMailUrl({ ...endpoint, port }), host: endpoint.host, port, scheme: endpoint.scheme, recordings: groupScripts.map((s) => s.name) });
  }

  return {
    listeners,
    ca,
    outcomes,
    finished: Promise.all(finishedPerListener),
    async close() {
      for (const s of sockets) s.destroy();
      await Promise.all(servers.map((s) => new Promise<void>((r) => (s.listening ? s.close(() => r()) : r()))));
    },
  };
}

/** The recording's client-leg scheme: what the original client connected to. */
function schemeFor(script: ReplayScript): MailScheme {
  const implicit = script.clientTls === 'implicit';
  switch (script.protocol) {
    case 'smtp':
      return implicit ? 'smtps' : 'smtp';
    case 'pop3':
      return implicit ? 'pop3s' : 'pop3';
    case 'imap':
      return implicit ? 'imaps' : 'imap';
  }
}
