// `startProxy`: one listener per route, one ProxySession per accepted connection. Owns the
// session table, the max-sessions cap and graceful shutdown; knows nothing about sockets'
// contents (that is the session's and the codec's job).

import { createServer, type Server, type Socket } from 'node:net';
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { MailtapError } from '../core/errors.js';
import { note } from '../core/note.js';
import { resolveLimits, type Limits } from '../core/limits.js';
import { formatMailUrl, isLoopbackHost, type Route } from '../core/mail-url.js';
import { CertificateAuthority } from '../ca/index.js';
import { protocolModule } from '../protocol/index.js';
import { loadUpstreamTrust } from '../transport/upstream-trust.js';
import { ProxySession, type SessionObserver } from './session.js';
import type { SessionTap } from './tap.js';
import { MAILTAP_VERSION } from '../core/version.js';
import { guardSocket } from '../transport/socket-guard.js';
import { installProcessGuard } from './process-guard.js';

export interface ProxyOptions {
  routes: Route[];
  /** CA directory (created on first use). Or pass a loaded `ca`. */
  certs?: string;
  ca?: CertificateAuthority;
  /** Recordings directory; `false` disables recording. Default `recordings`. */
  recordings?: string | false;
  insecure?: boolean;
  /** Mask passwords and tokens in recordings and observer events. */
  redact?: boolean;
  upstreamCa?: string[];
  limits?: Partial<Limits>;
  observer?: SessionObserver;
  logger?: Logger;
  /** An active part per session (mailtap audit), asked once per accepted connection. */
  tapFor?: (sessionId: string, route: Route) => SessionTap | undefined;
}

export interface ListenerInfo {
  route: Route;
  /** The listen URL with the port actually bound (useful with port 0). */
  url: string;
  host: string;
  port: number;
}

export interface ProxyHandle {
  listeners: ListenerInfo[];
  ca: CertificateAuthority;
  /** Sessions currently open. */
  readonly sessionCount: number;
  /** Stop accepting, let sessions flush and finalise their recordings, then resolve. */
  close(): Promise<void>;
}

export async function startProxy(options: ProxyOptions): Promise<ProxyHandle> {
  const limits = resolveLimits(options.limits);
  const ca = options.ca ?? (await CertificateAuthority.loadOrInit(options.certs ?? 'certs')).ca;
  const trust = await loadUpstreamTrust({ insecure: options.insecure, upstreamCa: options.upstreamCa });
  ca.onNamesOmitted((omitted, permitted) =>
    options.logger?.warn(
      { omitted, permitted, es: `${omitted.join(', ')} quedan fuera del certificado: la CA se creó con --permit ${permitted.join(', ')} y los clientes rechazarían un certificado con nombres ajenos a esos dominios` },
      `${omitted.join(', ')} left out of the leaf certificate: the CA was made with --permit ${permitted.join(', ')}, and clients reject a leaf naming anything outside those domains`,
    ),
  );
  const sessions = new Set<ProxySession>();
  /** Open sessions per client address (limits.maxSessionsPerClient). */
  const perClient = new Map<string, number>();
  const servers: Server[] = [];
  const listeners: ListenerInfo[] = [];
  const prefix = randomBytes(2).toString('hex');
  let counter = 0;
  let closing = false;

  for (const route of options.routes) {
    const module = protocolModule(route.listen.protocol);
    // Certificate names of this route's upstream, learned from its handshakes, for later leaves.
    let knownUpstreamNames: string[] | undefined;
    // allowHalfOpen: a client that shuts its write side after QUIT must still read the reply.
    const server = createServer({ noDelay: true, allowHalfOpen: true }, (socket: Socket) => {
      guardSocket(socket);
      const address = socket.remoteAddress ?? '';
      const fromClient = perClient.get(address) ?? 0;
      const refusal = closing
        ? note('mailtap is shutting down', 'mailtap se está cerrando')
        : sessions.size >= limits.maxSessions
          ? note(`too many sessions (limit ${limits.maxSessions})`, `demasiadas sesiones (límite: ${limits.maxSessions})`)
          : fromClient >= limits.maxSessionsPerClient
            ? note(`too many sessions from ${address} (limit ${limits.maxSessionsPerClient} per client)`, `demasiadas sesiones desde ${address} (límite: ${limits.maxSessionsPerClient} por cliente)`)
            : undefined;
      if (refusal) {
        const why = refusal.en;
        options.logger?.warn({ route: formatMailUrl(route.listen), es: `conexión rechazada: ${refusal.es}` }, `refused a connection: ${why}`);
        // An implicit-TLS client cannot read a plaintext reply: just close.
        if (route.listen.tls === 'implicit') socket.destroy();
        else socket.end(module.serviceUnavailable(why));
        return;
      }
      counter += 1;
      const id = `${prefix}-${counter}`;
      const session = new ProxySession(socket, {
        id,
        tap: options.tapFor?.(id, route),
        route,
        module,
        ca,
        trust,
        limits,
        recordingsDir: options.recordings === false ? undefined : (options.recordings ?? 'recordings'),
        observer: options.observer,
        redact: !!options.redact,
        logger: options.logger,
        knownUpstreamNames,
        onUpstreamNames: (names) => (knownUpstreamNames = names),
        version: MAILTAP_VERSION,
      });
      sessions.add(session);
      perClient.set(address, fromClient + 1);
      void session.run().finally(() => {
        sessions.delete(session);
        const left = (perClient.get(address) ?? 1) - 1;
        if (left > 0) perClient.set(address, left);
        else perClient.delete(address);
      });
    });
    server.on('error', (err) => options.logger?.error({ err: err.message }, 'listener error'));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(route.listen.port, route.listen.host, () => {
        server.removeListener('error', reject);
        resolve();
      });
    }).catch(async (err: NodeJS.ErrnoException) => {
      await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
      throw new MailtapError(
        'E_USAGE',
        `cannot listen on ${formatMailUrl(route.listen)}: ${err.code === 'EADDRINUSE' ? 'the port is already in use' : err.message}`,
        { side: 'user' },
      );
    });
    servers.push(server);
    const addr = server.address();
    const port = typeof addr === 'object' && addr ? addr.port : route.listen.port;
    listeners.push({ route, url: formatMailUrl({ ...route.listen, port }), host: route.listen.host, port });
    if (!isLoopbackHost(route.listen.host)) {
      options.logger?.warn({ listen: formatMailUrl(route.listen) }, 'listening beyond loopback: the credentials of everyone who connects will be recorded');
    }
  }

  const removeGuard = installProcessGuard({
    logger: options.logger,
    reap: (err) => {
      for (const s of sessions) s.reapIfBroken(err);
    },
  });

  return {
    listeners,
    ca,
    get sessionCount() {
      return sessions.size;
    },
    async close() {
      closing = true;
      // Legs paused for backpressure read nothing and keep no handle active, and the sessions'
      // grace timers are unref'd: without this the event loop could run dry (exit 13) before
      // every session has finished its recording.
      const holdOpen = setInterval(() => {}, 1000);
      try {
        const stopped = Promise.all(servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
        for (const s of sessions) s.shutdown();
        await Promise.all([...sessions].map((s) => s.done));
        await stopped;
      } finally {
        clearInterval(holdOpen);
        removeGuard();
      }
    },
  };
}
