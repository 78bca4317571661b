// Every moment of a session's life, with the client and then the server resetting or
// half-closing right then, for SMTP, POP3 and IMAP: connecting upstream (a slow implicit-TLS
// server), greeting held, STARTTLS upgrading the server leg (a slow-TLS server holds the window
// open), STARTTLS upgrading the client leg, draining (a client that stopped reading), closing.
// Each time a well-behaved session runs alongside on the same proxy and must complete; the
// session at fault ends, its recording is whole, and nothing escapes to the process guard.

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Socket } from 'node:net';
import { makeTestPki, type TestPki } from '../helpers/pki.js';
import { startTestProxy, type TestProxy } from '../helpers/proxy-harness.js';
import { readRecording } from '../../src/record/reader.js';
import { processGuardFirings } from '../../src/session/process-guard.js';
import type { Protocol } from '../../src/protocol/types.js';
import { startLifecycleUpstream, type LifecycleConnection, type LifecycleUpstream, type LifecycleUpstreamOptions } from './support/lifecycle-upstream.js';
import { WORDS, completeDialogue, rawConnect, reader, resetSocket } from './support/lifecycle-client.js';

let pki: TestPki;
beforeAll(async () => {
  pki = await makeTestPki();
});
afterAll(async () => {
  await pki?.cleanup();
});
const firingsBefore = { n: 0 };
afterEach(() => {
  expect(processGuardFirings() - firingsBefore.n, 'the process guard caught an error that escaped a session').toBe(0);
});

type Actor = 'client' | 'server';
type Action = 'reset' | 'half-close';

interface Moment {
  /** The upstream's settings that open this moment's window. */
  upstream: Partial<LifecycleUpstreamOptions>;
  /** Brings the session to the moment; returns the upstream connection. */
  reach(ctx: { protocol: Protocol; client: Socket; read: ReturnType<typeof reader>; upstream: LifecycleUpstream }): Promise<LifecycleConnection>;
}

const firstConnection = async (upstream: LifecycleUpstream): Promise<LifecycleConnection> => {
  await expect.poll(() => upstream.connections.length, { timeout: 5000 }).toBeGreaterThan(0);
  return upstream.connections[0]!;
};
const greetingRe: Record<Protocol, RegExp> = { smtp: /^220 .*\r\n/, pop3: /^\+OK.*\r\n/, imap: /^\* OK.*\r\n/ };
const acceptRe: Record<Protocol, RegExp> = { smtp: /\r\n220 2\.0\.0 go ahead\r\n$/, pop3: /\r\n\+OK begin TLS\r\n$/, imap: /\r\na1 OK begin TLS\r\n$/ };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const MOMENTS: Record<string, Moment> = {
  'connecting upstream': {
    upstream: { tls: 'implicit', handshakeDelayMs: 800 },
    async reach({ upstream }) {
      const conn = await firstConnection(upstream);
      await sleep(30);
      return conn;
    },
  },
  'greeting held': {
    upstream: { greetingDelayMs: 800 },
    async reach({ upstream }) {
      const conn = await firstConnection(upstream);
      await sleep(30);
      return conn;
    },
  },
  'STARTTLS upgrading the server leg': {
    upstream: { handshakeDelayMs: 800 },
    async reach({ protocol, client, read, upstream }) {
      await read.until(greetingRe[protocol]);
      for (const cmd of WORDS[protocol].startTls) client.write(cmd);
      const conn = await firstConnection(upstream);
      await conn.reached('tls-accepted');
      await sleep(30);
      return conn;
    },
  },
  'STARTTLS upgrading the client leg': {
    upstream: {},
    async reach({ protocol, client, read, upstream }) {
      await read.until(greetingRe[protocol]);
      for (const cmd of WORDS[protocol].startTls) client.write(cmd);
      await read.until(acceptRe[protocol]);
      return firstConnection(upstream);
    },
  },
  draining: {
    upstream: { retrBytes: 64 * 1024 },
    async reach({ protocol, client, read, upstream }) {
      await read.until(greetingRe[protocol]);
      client.pause();
      // Replies pile up in the proxy's client socket: the proxy stops reading the server.
      // ~64 KiB answers: 64 of them fill every buffer between the server and this client.
      const cmd = { smtp: 'HELP\r\n', pop3: 'RETR 1\r\n', imap: 'a4 LIST "" *\r\n' }[protocol];
      client.write(cmd.repeat(64));
      const conn = await firstConnection(upstream);
      await sleep(300);
      return conn;
    },
  },
  closing: {
    upstream: {},
    async reach({ protocol, client, read, upstream }) {
      await read.until(greetingRe[protocol]);
      client.write(WORDS[protocol].quit);
      return firstConnection(upstream);
    },
  },
};

const serverQuit: Record<Action, LifecycleUpstreamOptions['onQuit']> = { reset: 'reset', 'half-close': 'half-close' };
const SCHEMES: Record<Protocol, [string, string]> = { smtp: ['smtp', 'smtps'], pop3: ['pop3', 'pop3s'], imap: ['imap', 'imaps'] };

interface Rig {
  proxy: TestProxy;
  faulty: LifecycleUpstream;
  healthy: LifecycleUpstream;
}

async function startRig(protocol: Protocol, moment: Moment, extra: Partial<LifecycleUpstreamOptions>): Promise<Rig> {
  const base = { protocol, key: pki.serverKey, cert: pki.serverCert };
  const faulty = await startLifecycleUpstream({ ...base, ...moment.upstream, ...extra });
  const healthy = await startLifecycleUpstream(base);
  const [plain, implicit] = SCHEMES[protocol];
  const faultyScheme = moment.upstream.tls === 'implicit' ? implicit : plain;
  const proxy = await startTestProxy(
    pki,
    [`${plain}://127.0.0.1:0=${faultyScheme}://127.0.0.1:${faulty.port}`, `${plain}://127.0.0.1:0=${plain}://127.0.0.1:${healthy.port}`],
    { limits: { connectTimeoutMs: 4000, idleTimeoutMs: 60_000 } },
  );
  return { proxy, faulty, healthy };
}

const CASES: [Protocol, string, Actor, Action][] = [];
for (const protocol of ['smtp', 'pop3', 'imap'] as const)
  for (const moment of Object.keys(MOMENTS)) for (const actor of ['client', 'server'] as const) for (const action of ['reset', 'half-close'] as const) CASES.push([protocol, moment, actor, action]);

describe('a peer leaving at every moment of a session', () => {
  it.each(CASES)('%s, %s: the %s does a %s; the session ends, the other runs on', { timeout: 20_000 }, async (protocol, momentName, actor, action) => {
    firingsBefore.n = processGuardFirings();
    const moment = MOMENTS[momentName]!;
    const closingByServer = momentName === 'closing' && actor === 'server';
    const rig = await startRig(protocol, moment, closingByServer ? { onQuit: serverQuit[action] } : {});
    const { proxy, faulty } = rig;
    try {
      const client = await rawConnect(proxy.port(0));
      const read = reader(client);
      // A client that gets EOF from the proxy closes too, as mail clients do.
      client.on('end', () => client.end());
      const conn = await moment.reach({ protocol, client, read, upstream: faulty });
      const alongside = completeDialogue(protocol, proxy.port(1), pki.mailtapCaPem);
      if (!closingByServer) {
        const target = actor === 'client' ? client : conn.socket;
        if (action === 'reset') resetSocket(target);
        else target.end();
      }
      // A client that half-closed, or whose server left, reads what is still on its way.
      client.resume();
      await alongside;
      // Both sessions end, the faulty one's upstream connection is closed, and so is its client.
      await expect.poll(() => [...proxy.sessions.values()].filter((s) => s.close).length, { timeout: 10_000 }).toBe(2);
      await expect.poll(() => faulty.open, { timeout: 10_000 }).toBe(0).catch((err: Error) => {
        throw new Error(`${err.message}; upstream stages ${faulty.connections.map((c) => c.stages.join('>')).join(' | ')}; sessions ${[...proxy.sessions.values()].map((s) => s.close?.reason).join(' | ')}`);
      });
      await read.closed;
      for (const s of proxy.sessions.values()) {
        const rec = await readRecording(s.recordingPath!);
        expect(rec.complete, `recording of ${s.header.session} ends with its close event`).toBe(true);
        expect(rec.events.at(-1)?.type).toBe('close');
      }
    } finally {
      await proxy.close();
      await rig.faulty.close();
      await rig.healthy.close();
    }
  });
});
