// One session of the lifecycle fuzz target: a seeded plan (protocol, route, random commands with
// STARTTLS/STLS mixed in, and one fault at a random point) and the client that plays it against
// the proxy while it reaches into the upstream's side of the same session for the server faults.
// The outcome says whether the session ended: the upstream connection closed after the client let
// go, which only happens when the proxy noticed and tore its side down.

import type { Socket } from 'node:net';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import type { Protocol } from '../../../src/protocol/types.js';
import { rawConnect } from './lifecycle-client.js';
import type { LifecycleConnection, LifecycleUpstream } from './lifecycle-upstream.js';

/** A small xorshift32: the whole plan of a lane follows from FUZZ_SEED. Returns [0, 1). */
export function xorshift(seed: number): () => number {
  let x = seed | 0 || 0x9e3779b9;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
}

export type Fault = 'client-reset' | 'client-half-close' | 'client-destroy-mid-handshake' | 'server-reset' | 'server-half-close' | 'server-stall';
export const FAULTS: Fault[] = ['client-reset', 'client-half-close', 'client-destroy-mid-handshake', 'server-reset', 'server-half-close', 'server-stall'];
export type RouteTls = 'starttls' | 'implicit';
type Teardown = 'goodbye' | 'end' | 'reset' | 'destroy';

export interface Plan {
  protocol: Protocol;
  tls: RouteTls;
  commands: string[];
  /** Index of the command before which the fault happens (commands.length: after the last). */
  at: number;
  fault: Fault;
  /** Per STARTTLS/STLS go-ahead: upgrade (true) or carry on in plaintext (an injection). */
  upgrade: boolean[];
  /** Per command: not waited for (a pipelined STARTTLS: the next step comes within milliseconds). */
  pipelined: boolean[];
  /** How long a stalled server stays stalled; also the delay before a mid-handshake destroy. */
  delayMs: number;
  /** How the client lets go at the end if the session is still open. */
  teardown: Teardown;
}

const STARTTLS: Record<Protocol, string> = { smtp: 'STARTTLS', pop3: 'STLS', imap: 'STARTTLS' };
const GOODBYE: Record<Protocol, string> = { smtp: 'QUIT', pop3: 'QUIT', imap: 'LOGOUT' };
const POOL: Record<Protocol, string[]> = {
  smtp: ['EHLO fuzz', 'HELO fuzz', 'MAIL FROM:<a@b.example>', 'RCPT TO:<c@d.example>', 'NOOP', 'RSET', 'HELP', 'VRFY x', 'STARTTLS', 'STARTTLS', 'DATA', 'XJUNK \x1b[2J\x00', '', 'QUIT'],
  pop3: ['USER a', 'PASS b', 'STAT', 'LIST', 'RETR 1', 'NOOP', 'CAPA', 'STLS', 'STLS', 'UIDL', 'RSET', 'JUNK \x1b]0;x\x07', '', 'QUIT'],
  imap: ['CAPABILITY', 'NOOP', 'LOGIN a b', 'SELECT INBOX', 'LIST "" *', 'STARTTLS', 'STARTTLS', 'JUNK', '', 'LOGOUT'],
};
const GO_AHEAD: Record<Protocol, RegExp> = { smtp: /(^|\n)220 2\.0\.0 go ahead\r\n/, pop3: /(^|\n)\+OK begin TLS\r\n/, imap: /(^|\n)\S+ OK begin TLS\r\n/ };

export function makePlan(rnd: () => number): Plan {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const protocol = pick(['smtp', 'pop3', 'imap'] as const);
  const tls = pick(['starttls', 'implicit'] as const);
  const n = 1 + Math.floor(rnd() * 8);
  const commands = Array.from({ length: n }, () => pick(POOL[protocol]));
  const fault = pick(FAULTS);
  let at = Math.floor(rnd() * (n + 1));
  // The window that killed the proxy (issue 13): a fault right after STARTTLS/STLS, while the
  // proxy is still upgrading its server leg. Aim at it in a third of the plans that have one.
  const starttls = commands.indexOf(STARTTLS[protocol]);
  if (starttls >= 0 && rnd() < 0.33) at = starttls + 1;
  // A destroy mid-handshake needs a handshake: on a STARTTLS route, a STARTTLS right at the fault.
  if (fault === 'client-destroy-mid-handshake' && tls === 'starttls') commands.splice(at, 0, STARTTLS[protocol]);
  return {
    protocol,
    tls,
    commands,
    at,
    fault,
    upgrade: commands.map(() => rnd() < 0.8),
    pipelined: commands.map(() => rnd() < 0.25),
    delayMs: Math.floor(rnd() * 400),
    teardown: pick(['goodbye', 'end', 'reset', 'destroy'] as const),
  };
}

export function describePlan(p: Plan): string {
  const cmds = p.commands.map((c, i) => `${i === p.at ? `<${p.fault}> ` : ''}${JSON.stringify(c)}`).join(' ');
  return `${p.protocol}/${p.tls}: ${cmds}${p.at >= p.commands.length ? ` <${p.fault}>` : ''} then ${p.teardown} (delay ${p.delayMs} ms)`;
}

export interface Outcome {
  /** The upstream connection closed within 10 s after the client let go (or never existed). */
  ended: boolean;
  /** The client saw its connection closed (by the proxy, or by its own reset). */
  clientClosed: boolean;
  /** Where the client was when it stopped, for the failure message. */
  trace: string[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A client socket and what it has read; the socket changes when TLS starts. */
class FuzzClient {
  text = '';
  closed = false;
  /** A TLS handshake was started and has not completed: the TLS socket cannot end the connection. */
  handshaking = false;
  private wakers: (() => void)[] = [];
  constructor(
    public socket: Socket,
    readonly raw: Socket,
  ) {
    this.listen(socket);
    raw.on('error', () => {});
    raw.once('close', () => this.wake((this.closed = true)));
  }

  listen(socket: Socket): void {
    socket.on('data', (c: Buffer) => this.wake((this.text += c.toString('latin1').slice(0, 4096))));
    socket.on('error', () => {});
    // A mail client that reads EOF closes its side too.
    socket.once('end', () => socket.end());
    socket.once('close', () => this.wake((this.closed = true)));
  }

  private wake(_: unknown): void {
    const w = this.wakers;
    this.wakers = [];
    for (const f of w) f();
  }

  /** Waits until `done()` holds, or the socket closed, or `ms` passed; true when `done()` held. */
  async waitUntil(done: () => boolean, ms: number): Promise<boolean> {
    const deadline = Date.now() + ms;
    for (;;) {
      if (done()) return true;
      if (this.closed || Date.now() >= deadline) return false;
      await Promise.race([new Promise<void>((r) => this.wakers.push(r)), sleep(Math.max(1, deadline - Date.now()))]);
    }
  }

  /** Waits for `re` in what was read, or for any new bytes without `re`. */
  waitFor(re: RegExp | undefined, ms: number): Promise<boolean> {
    const start = this.text.length;
    return this.waitUntil(() => (re ? re.test(this.text) : this.text.length > start), ms);
  }

  write(s: string): void {
    if (!this.socket.destroyed && this.socket.writable) this.socket.write(s, 'latin1', () => {});
  }

  /**
   * A TCP reset. Only the raw socket is reset: its TLS wrapper closes with it. Destroying the
   * wrapper right after resetAndDestroy() of the socket under it made Node 20.20 segfault in
   * TLSWrap::ClearOut (SSL_read on a freed BIO) about one run in two of this target; destroying
   * the wrapper first instead sends a FIN, not a reset.
   */
  reset(): void {
    const raw = this.raw as Socket & { resetAndDestroy(): void };
    if (!raw.destroyed) raw.resetAndDestroy();
    else if (!this.socket.destroyed) this.socket.destroy();
  }
}

interface Ctx {
  plan: Plan;
  ca: string;
  client: FuzzClient;
  conn: LifecycleConnection | undefined;
  trace: string[];
  tag: number;
}

/** Plays `plan` against the proxy port; `upstream` is this lane's server for the route. */
export async function runPlan(plan: Plan, port: number, ca: string, upstream: LifecycleUpstream): Promise<Outcome> {
  const trace: string[] = [];
  const before = upstream.connections.length;
  const raw = await rawConnect(port);
  let client: FuzzClient;
  if (plan.tls === 'implicit') {
    const tls = tlsConnect({ socket: raw, ca, servername: 'localhost' });
    client = new FuzzClient(tls, raw);
    if (plan.fault === 'client-destroy-mid-handshake') {
      await sleep(plan.delayMs % 20);
      trace.push('destroy mid-handshake');
      client.reset();
      return finish({ plan, ca, client, conn: await connectionOf(upstream, before, 1000), trace, tag: 0 }, true);
    }
    if (!(await handshake(tls, client))) trace.push('handshake failed');
  } else client = new FuzzClient(raw, raw);
  const ctx: Ctx = { plan, ca, client, conn: await connectionOf(upstream, before, 3000), trace, tag: 1 };
  await client.waitFor(/\r\n/, 2000);
  trace.push('greeting');
  let stopped = false;
  for (let i = 0; i <= plan.commands.length && !stopped && !client.closed; i++) {
    if (i === plan.at) stopped = await fault(ctx);
    const cmd = plan.commands[i];
    if (cmd === undefined || stopped) break;
    await send(ctx, i, cmd);
  }
  return finish(ctx, stopped);
}

async function connectionOf(upstream: LifecycleUpstream, index: number, ms: number): Promise<LifecycleConnection | undefined> {
  const deadline = Date.now() + ms;
  while (upstream.connections.length <= index && Date.now() < deadline) await sleep(10);
  return upstream.connections[index];
}

async function send(ctx: Ctx, i: number, cmd: string): Promise<void> {
  const { plan, client } = ctx;
  const line = plan.protocol === 'imap' ? `a${ctx.tag++} ${cmd}\r\n` : `${cmd}\r\n`;
  client.write(line);
  ctx.trace.push(`sent ${JSON.stringify(cmd)}`);
  const secure = client.socket !== client.raw || plan.tls === 'implicit';
  if (cmd !== STARTTLS[plan.protocol] || secure) {
    if (!plan.pipelined[i]) await client.waitFor(undefined, 150);
    return;
  }
  if (plan.pipelined[i] && plan.fault !== 'client-destroy-mid-handshake') return void ctx.trace.push('did not wait for the go-ahead');
  client.text = '';
  if (!(await client.waitFor(GO_AHEAD[plan.protocol], 1500))) return;
  if (!plan.upgrade[i] && plan.fault !== 'client-destroy-mid-handshake') return void ctx.trace.push('go-ahead, stayed in plaintext');
  // The TLS layer reads the raw socket from now on (as LineClient.startTls does).
  client.raw.removeAllListeners('data');
  client.raw.removeAllListeners('end');
  const tls = tlsConnect({ socket: client.raw, ca: ctx.ca, servername: 'localhost' });
  client.socket = tls;
  client.listen(tls);
  if (plan.fault === 'client-destroy-mid-handshake' && i === plan.at) {
    await sleep(plan.delayMs % 20);
    ctx.trace.push('destroy mid-handshake');
    client.reset();
    return;
  }
  ctx.trace.push((await handshake(tls, client)) ? 'upgraded' : 'upgrade failed');
}

function handshake(tls: TLSSocket, client: FuzzClient): Promise<boolean> {
  client.handshaking = true;
  tls.once('secureConnect', () => (client.handshaking = false));
  return new Promise<boolean>((r) => {
    const t = setTimeout(() => r(false), 5000);
    tls.once('secureConnect', () => (clearTimeout(t), r(true)));
    tls.once('close', () => (clearTimeout(t), r(false)));
  });
}

/** Applies the plan's fault; true when the client stops sending after it. */
async function fault(ctx: Ctx): Promise<boolean> {
  const { plan, client, conn } = ctx;
  ctx.trace.push(plan.fault);
  switch (plan.fault) {
    case 'client-reset':
      client.reset();
      return true;
    case 'client-half-close':
      (client.handshaking ? client.raw : client.socket).end();
      return true;
    case 'client-destroy-mid-handshake':
      return false; // happens at the STARTTLS (or at connect, implicit)
    case 'server-reset': {
      const raw = conn?.raw as (Socket & { resetAndDestroy(): void }) | undefined;
      if (raw && !raw.destroyed) raw.resetAndDestroy();
      return false;
    }
    case 'server-half-close':
      if (conn && !conn.socket.destroyed) conn.socket.end();
      return false;
    case 'server-stall': {
      if (!conn) return false;
      // The server stops reading (and so answering); it comes back after a while, like a slow one.
      const socket = conn.socket;
      socket.pause();
      setTimeout(() => {
        if (!socket.destroyed && socket === conn.socket) socket.resume();
      }, plan.delayMs);
      return false;
    }
  }
}

/** Lets go of the session as planned and waits for its upstream connection to close. */
async function finish(ctx: Ctx, stopped = false): Promise<Outcome> {
  const { plan, client, conn, trace } = ctx;
  // A TLS socket whose handshake never finished sends no FIN on end(): end the TCP socket then.
  const endable = () => (client.handshaking ? client.raw : client.socket);
  if (!client.closed && !stopped) {
    trace.push(`teardown ${plan.teardown}`);
    if (plan.teardown === 'goodbye') {
      client.write(plan.protocol === 'imap' ? `z ${GOODBYE.imap}\r\n` : `${GOODBYE[plan.protocol]}\r\n`);
      await client.waitFor(undefined, 500);
      endable().end();
    } else if (plan.teardown === 'end') endable().end();
    else if (plan.teardown === 'reset') client.reset();
    else client.socket.destroy();
  }
  // A half-closed client keeps reading until the proxy closes it; then everything must close.
  const ended = !conn || (await Promise.race([conn.reached('closed').then(() => true), sleep(10_000).then(() => false)]));
  if (!client.closed) await client.waitUntil(() => false, ended ? 5000 : 0);
  const clientClosed = client.closed;
  client.reset();
  return { ended, clientClosed, trace };
}
