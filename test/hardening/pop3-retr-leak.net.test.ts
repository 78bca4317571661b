// Issue 13, "sessions leak until the idle timeout": a POP3 client pipelines multi-MiB RETRs, stops
// reading, half-closes, then closes. Every buffer between the server and the client is full, so
// the proxy's upstream leg was waiting for a 'drain' that a destroyed client socket never sends;
// the session, its fds and the server's connection stayed until the idle timeout (31 minutes).
// The idle timeout here is an hour, so a session that waits for it fails the test by time. Also
// with a server that stops reading once it has the RETRs, and with the server resetting instead
// of the client leaving. Plain and implicit TLS (pop3s on both legs).

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { performance } from 'node:perf_hooks';
import { makeTestPki, type TestPki } from '../helpers/pki.js';
import { startTestProxy, type TestProxy } from '../helpers/proxy-harness.js';
import { readRecording } from '../../src/record/reader.js';
import { processGuardFirings } from '../../src/session/process-guard.js';
import { fdCount } from './support/mixed-sessions.js';
import { startStreamingPop3Server } from './support/streaming-pop3.js';
import { resetSocket, type RawServer } from './support/raw-server.js';

const MiB = 1024 * 1024;
/** Each RETR answers this much: four of them are far more than every socket buffer holds. */
const MESSAGE = 8 * MiB;
/** Long enough that a session waiting for it fails the test by time. */
const IDLE_MS = 60 * 60_000;
/** "Within a second" (the issue), with room for a loaded 2-core machine. */
const END_WITHIN_MS = 5000;

let pki: TestPki;
beforeAll(async () => {
  pki = await makeTestPki();
});
afterAll(async () => {
  await pki?.cleanup();
});

type Mode = 'plain' | 'tls';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function startRig(mode: Mode, server: RawServer): Promise<TestProxy> {
  const scheme = mode === 'tls' ? 'pop3s' : 'pop3';
  return startTestProxy(pki, [`${scheme}://127.0.0.1:0=${scheme}://127.0.0.1:${server.port}`], { limits: { idleTimeoutMs: IDLE_MS } });
}

function connectClient(mode: Mode, port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s =
      mode === 'tls'
        ? tlsConnect({ host: '127.0.0.1', port, ca: pki.mailtapCaPem, servername: 'localhost' }, () => resolve(s))
        : netConnect({ host: '127.0.0.1', port }, () => resolve(s));
    s.once('error', reject);
  });
}

/** Resolves once the client has read `re` (the rest of what it reads is dropped). */
async function untilRead(socket: Socket, re: RegExp): Promise<void> {
  let text = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`client never read ${re}; got ${JSON.stringify(text.slice(0, 200))}`)), 10_000);
    const onData = (c: Buffer) => {
      text += c.toString('latin1', 0, Math.min(c.length, 256));
      if (!re.test(text)) return;
      clearTimeout(timer);
      socket.removeListener('data', onData);
      resolve();
    };
    socket.on('data', onData);
  });
}

/** Waits until `progress()` has not moved for 300 ms while `blocked()` holds: every buffer is full. */
async function untilStuck(progress: () => number, blocked: () => boolean): Promise<void> {
  const deadline = performance.now() + 15_000;
  let last = -1;
  let still = 0;
  while (performance.now() < deadline) {
    const now = progress();
    still = now === last && blocked() ? still + 1 : 0;
    if (still >= 3) return;
    last = now;
    await sleep(100);
  }
  throw new Error('the transfer never blocked: the buffers did not fill');
}

/** The session has ended, its recording is whole, no error escaped; returns ms since `since`. */
async function sessionEnded(proxy: TestProxy, since: number): Promise<number> {
  await expect.poll(() => proxy.handle.sessionCount, { timeout: END_WITHIN_MS, interval: 20 }).toBe(0);
  const elapsed = performance.now() - since;
  const [log] = await proxy.ended(1);
  const rec = await readRecording(log!.recordingPath!);
  expect(rec.complete, 'the recording ends with its close event').toBe(true);
  expect(rec.events.at(-1)?.type).toBe('close');
  return elapsed;
}

const closedPromise = (socket: Socket) => new Promise<void>((r) => (socket.destroyed ? r() : socket.once('close', () => r())));

async function fdsBackTo(baseline: number): Promise<void> {
  await expect.poll(() => fdCount(), { timeout: END_WITHIN_MS }).toBeLessThanOrEqual(baseline);
}

describe.each(['plain', 'tls'] as const)('POP3 over %s: a session whose peer leaves while the buffers are full', (mode) => {
  it.each([
    ['big RETRs pipelined, the client stops reading, half-closes, then closes', false],
    ['the same with a server that stops reading once it has the RETRs (the half-close never reaches it)', true],
  ] as const)('%s: the session, its fds and the server connection end at once', { timeout: 60_000 }, async (_name, serverStopsReading) => {
    const guardBefore = processGuardFirings();
    const rig = await stalledRetr(mode, serverStopsReading);
    const { fdBaseline } = rig;
    try {
      const upstreamClosed = closedPromise(rig.upstream);
      rig.client.end();
      await sleep(300);
      const left = performance.now();
      rig.client.destroy();
      const ended = await sessionEnded(rig.proxy, left);
      await within(upstreamClosed, 'the server connection is still open');
      await fdsBackTo(fdBaseline);
      console.log(`pop3 ${mode} big RETRs${serverStopsReading ? ', server not reading' : ''}, client left: session ended ${ended.toFixed(0)} ms after the client closed; fds ${fdBaseline} → ${fdCount()}`);
      expect(processGuardFirings() - guardBefore, 'the process guard caught an error that escaped a session').toBe(0);
    } finally {
      await rig.close();
    }
  });

  // The server's reset reaches the proxy while it has stopped reading that socket (its client is
  // not reading): with no read and no write pending on it, nothing polls the socket, so the reset
  // is seen only when the client reads again (or at the idle timeout). Known, kept as `it.fails`
  // so a fix shows up; the case below checks the session still ends as soon as the client reads.
  it.fails('big RETRs to a client that stopped reading, then the server resets: the session ends while the client is still not reading', { timeout: 60_000 }, async () => {
    const rig = await stalledRetr(mode, false);
    try {
      resetSocket(rig.upstream);
      await sessionEnded(rig.proxy, performance.now());
    } finally {
      await rig.close();
    }
  });

  it('big RETRs to a client that stopped reading, then the server resets: once the client reads, the session ends and its leg closes', { timeout: 60_000 }, async () => {
    const guardBefore = processGuardFirings();
    const rig = await stalledRetr(mode, false);
    const { fdBaseline } = rig;
    try {
      resetSocket(rig.upstream);
      await sleep(500);
      const reading = performance.now();
      const clientClosed = closedPromise(rig.client);
      rig.client.resume();
      const ended = await sessionEnded(rig.proxy, reading);
      await within(clientClosed, 'the client connection is still open');
      await fdsBackTo(fdBaseline);
      console.log(`pop3 ${mode} big RETR, server reset: session ended ${ended.toFixed(0)} ms after the client read again; fds ${fdBaseline} → ${fdCount()}`);
      expect(processGuardFirings() - guardBefore, 'the process guard caught an error that escaped a session').toBe(0);
    } finally {
      await rig.close();
    }
  });
});

interface StalledRetr {
  proxy: TestProxy;
  server: RawServer;
  client: Socket;
  /** The server's end of the proxy's upstream connection. */
  upstream: Socket;
  /** Open fds with the proxy and server listening, before the client connected. */
  fdBaseline: number;
  /** Closes client, proxy and server (once). */
  close(): Promise<void>;
}

/**
 * A streaming server, the proxy, and a client that pipelined big RETRs and stopped reading, once
 * every buffer between them is full (the server's backlog no longer shrinks). With
 * `serverStopsReading` the server also stops reading once the RETRs are in.
 */
async function stalledRetr(mode: Mode, serverStopsReading: boolean): Promise<StalledRetr> {
  const server = await startStreamingPop3Server(MESSAGE, mode === 'tls' ? { tls: { key: pki.serverKey, cert: pki.serverCert } } : {});
  const proxy = await startRig(mode, server);
  let closed: Promise<void> | undefined;
  const fdBaseline = fdCount();
  const client = await connectClient(mode, proxy.port());
  const rig: StalledRetr = {
    proxy,
    server,
    client,
    upstream: undefined as unknown as Socket,
    fdBaseline,
    close: () =>
      (closed ??= (async () => {
        client.destroy();
        await proxy.close();
        await server.close();
      })()),
  };
  try {
    client.on('error', () => {});
    await untilRead(client, /^\+OK/);
    client.write(`USER a\r\nPASS b\r\n${'RETR 1\r\n'.repeat(4)}`);
    await untilRead(client, /octets/);
    client.pause();
    await expect.poll(() => server.connections.length).toBe(1);
    const conn = server.connections[0]!;
    rig.upstream = conn.socket;
    if (serverStopsReading) {
      await expect.poll(() => Buffer.concat(conn.received).toString('latin1')).toMatch(/(RETR 1\r\n){4}$/);
      conn.socket.pause();
    }
    await untilStuck(() => conn.socket.bytesWritten - conn.socket.writableLength, () => conn.socket.writableLength > 0);
    return rig;
  } catch (err) {
    await rig.close();
    throw err;
  }
}

/** Rejects with `message` unless `p` settles within END_WITHIN_MS. */
async function within(p: Promise<void>, message: string): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([p, new Promise<void>((_, reject) => (timer = setTimeout(() => reject(new Error(message)), END_WITHIN_MS)))]);
  } finally {
    clearTimeout(timer);
  }
}
