// The relay scenarios: the same client work sent straight to the upstream ("direct") and through
// each relay (mailtap, mailtap --no-record, the bare Node relay, the peers), in rounds: one direct
// run, then one run per relay, so that each relay's ratio is paired with the direct run of its
// own round and machine noise hits both sides of it. A relay's CPU is read from its own process
// before and after each run, once its sessions (and recordings) are finished; its peak RSS is
// reset per scenario.

import type { SecureContext } from 'node:tls';
import type { BenchChild } from './child-process.js';
import type { UpstreamStats } from './upstream-child.js';
import { makeBody, smtpSession, type SessionResult, type TlsMode } from './smtp-client.js';
import { median, percentile } from './stats.js';

export type Ports = { implicit: number; starttls: number; web?: string };

/** Something the client can be pointed at instead of the upstream, with its own process. */
export interface Relay {
  name: string;
  ready: Ports;
  /** CPU (µs, all threads) and peak RSS once every session it carried has ended. */
  settled(): Promise<{ cpuUs: number; hwmKiB: number }>;
  resetPeak(): Promise<void>;
  /** Before each run: returns what to do once the run is over (e.g. a browser watching it). */
  beforeRun?(): Promise<() => Promise<void>>;
  /** After each run (e.g. delete recordings so big messages do not fill the disk). */
  afterRun?(): Promise<void>;
  /** A peer that fails is reported, not fatal; mailtap and the bare relay failing fails the bench. */
  optional?: boolean;
}

export interface BenchEnv {
  upstream: BenchChild<Ports>;
  relays: Relay[];
  secureContext: SecureContext;
}

export class DeliveryError extends Error {}

export interface ThroughputRow {
  relay: string;
  relayMiBs: number;
  ratio: number;
  cpuMsPerMiB: number;
  peakRssMiB: number;
  error?: string;
}

export interface ThroughputResult {
  mode: TlsMode;
  sizeMiB: number;
  rounds: number;
  directMiBs: number;
  rows: ThroughputRow[];
}

export interface SessionRow {
  relay: string;
  perS: number;
  ratio: number;
  p50: number;
  p99: number;
  p99Ratio: number;
  cpuMsPerSession: number;
  peakRssMiB: number;
  error?: string;
}

export interface SessionRateResult {
  mode: TlsMode;
  clients: number;
  perClient: number;
  rounds: number;
  directPerS: number;
  directP50: number;
  directP99: number;
  rows: SessionRow[];
}

type Work<T> = () => Promise<{ value: T; bytes: number; messages: number }>;

/** Runs `work`, checks the upstream got every byte, and for a relay run reads its CPU. */
async function measured<T>(env: BenchEnv, relay: Relay | null, work: Work<T>): Promise<{ value: T; cpuMs: number }> {
  const before = relay ? await relay.settled() : undefined;
  const stats0 = await env.upstream.ask<UpstreamStats>({ type: 'stats' });
  const watched = await relay?.beforeRun?.();
  const { value, bytes, messages } = await work();
  await watched?.();
  let cpuMs = 0;
  if (relay && before) {
    cpuMs = ((await relay.settled()).cpuUs - before.cpuUs) / 1000;
    await relay.afterRun?.();
  }
  const stats1 = await env.upstream.ask<UpstreamStats>({ type: 'stats' });
  if (stats1.bytes - stats0.bytes !== bytes || stats1.messages - stats0.messages !== messages) {
    throw new DeliveryError(
      `${relay?.name ?? 'direct'} run: the upstream received ${stats1.bytes - stats0.bytes} bytes in ${stats1.messages - stats0.messages} messages, ` +
        `the client sent ${bytes} bytes in ${messages}`,
    );
  }
  return { value, cpuMs };
}

const portFor = (env: BenchEnv, relay: Relay | null, mode: TlsMode) => (relay ? relay.ready : env.upstream.ready)[mode];

function oneMessage(env: BenchEnv, relay: Relay | null, mode: TlsMode, body: Buffer) {
  return measured<SessionResult>(env, relay, async () => {
    const r = await smtpSession(portFor(env, relay, mode), mode, env.secureContext, body);
    return { value: r, bytes: r.dataBytes, messages: 1 };
  });
}

/** Runs `fn` for a relay; an optional relay's failure is kept as its error and it sits out the rest. */
async function guarded<T>(relay: Relay, failed: Map<string, string>, fn: () => Promise<T>): Promise<T | undefined> {
  if (failed.has(relay.name)) return undefined;
  try {
    return await fn();
  } catch (err) {
    if (!relay.optional) throw err;
    failed.set(relay.name, err instanceof Error ? err.message : String(err));
    return undefined;
  }
}

/** Uncounted messages through each relay before a throughput scenario's rounds. */
export const WARM_MESSAGES = 3;

export async function throughput(env: BenchEnv, mode: TlsMode, sizeMiB: number, rounds: number): Promise<ThroughputResult> {
  const body = makeBody(sizeMiB * 1024 * 1024);
  const mib = body.length / (1024 * 1024);
  const failed = new Map<string, string>();
  // Warm-up, not counted: JIT, leaf certificate caches, page cache of the recording dir. Three
  // messages per relay: after one, a process started for this scenario (the --web rows) was still
  // compiling on V8's background threads, and its first counted runs paid for it (CPU ×2).
  const warm = makeBody(Math.min(sizeMiB, 16) * 1024 * 1024);
  await oneMessage(env, null, mode, warm);
  for (const relay of env.relays) {
    for (let i = 0; i < WARM_MESSAGES; i++) await guarded(relay, failed, () => oneMessage(env, relay, mode, warm));
    await relay.resetPeak();
  }
  const direct: number[] = [];
  const per = new Map(env.relays.map((r) => [r.name, { mibs: [] as number[], ratios: [] as number[], cpu: [] as number[] }]));
  for (let i = 0; i < rounds; i++) {
    const d = await oneMessage(env, null, mode, body);
    direct.push(mib / (d.value.dataMs / 1000));
    for (const relay of env.relays) {
      const r = await guarded(relay, failed, () => oneMessage(env, relay, mode, body));
      if (!r) continue;
      const acc = per.get(relay.name)!;
      acc.mibs.push(mib / (r.value.dataMs / 1000));
      acc.ratios.push(d.value.dataMs / r.value.dataMs);
      acc.cpu.push(r.cpuMs / mib);
    }
  }
  const rows: ThroughputRow[] = [];
  for (const relay of env.relays) {
    const acc = per.get(relay.name)!;
    rows.push({
      relay: relay.name,
      relayMiBs: median(acc.mibs),
      ratio: median(acc.ratios),
      cpuMsPerMiB: median(acc.cpu),
      peakRssMiB: (await relay.settled()).hwmKiB / 1024,
      error: failed.get(relay.name),
    });
  }
  return { mode, sizeMiB: mib, rounds, directMiBs: median(direct), rows };
}

/** One run of a big message through `relay`: its peak RSS while it passes (the flatness check). */
export async function bigMessagePeak(env: BenchEnv, relay: Relay, mode: TlsMode, sizeMiB: number): Promise<{ peakRssMiB: number; relayMiBs: number }> {
  const body = makeBody(sizeMiB * 1024 * 1024);
  await relay.resetPeak();
  const r = await oneMessage(env, relay, mode, body);
  return { peakRssMiB: (await relay.settled()).hwmKiB / 1024, relayMiBs: body.length / (1024 * 1024) / (r.value.dataMs / 1000) };
}

interface RateRun {
  perS: number;
  latencies: number[];
}

function sessionRun(env: BenchEnv, relay: Relay | null, mode: TlsMode, clients: number, perClient: number, body: Buffer) {
  return measured<RateRun>(env, relay, async () => {
    const latencies: number[] = [];
    let bytes = 0;
    const port = portFor(env, relay, mode);
    const started = performance.now();
    await Promise.all(
      Array.from({ length: clients }, async () => {
        for (let i = 0; i < perClient; i++) {
          const r = await smtpSession(port, mode, env.secureContext, body);
          latencies.push(r.sessionMs);
          bytes += r.dataBytes;
        }
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    return { value: { perS: (clients * perClient) / seconds, latencies }, bytes, messages: clients * perClient };
  });
}

export async function sessionRate(env: BenchEnv, mode: TlsMode, clients: number, perClient: number, rounds: number): Promise<SessionRateResult> {
  const body = makeBody(2 * 1024);
  const failed = new Map<string, string>();
  await sessionRun(env, null, mode, clients, 2, body);
  for (const relay of env.relays) {
    await guarded(relay, failed, () => sessionRun(env, relay, mode, clients, 2, body));
    await relay.resetPeak();
  }
  const direct: RateRun[] = [];
  const per = new Map(env.relays.map((r) => [r.name, { runs: [] as RateRun[], ratios: [] as number[], p99Ratios: [] as number[], cpu: [] as number[] }]));
  for (let i = 0; i < rounds; i++) {
    const d = await sessionRun(env, null, mode, clients, perClient, body);
    direct.push(d.value);
    for (const relay of env.relays) {
      const r = await guarded(relay, failed, () => sessionRun(env, relay, mode, clients, perClient, body));
      if (!r) continue;
      const acc = per.get(relay.name)!;
      acc.runs.push(r.value);
      acc.ratios.push(r.value.perS / d.value.perS);
      acc.p99Ratios.push(percentile(r.value.latencies, 99) / percentile(d.value.latencies, 99));
      acc.cpu.push(r.cpuMs / (clients * perClient));
    }
  }
  const med = (list: RateRun[], f: (r: RateRun) => number) => median(list.map(f));
  const rows: SessionRow[] = [];
  for (const relay of env.relays) {
    const acc = per.get(relay.name)!;
    rows.push({
      relay: relay.name,
      perS: med(acc.runs, (r) => r.perS),
      ratio: median(acc.ratios),
      p50: med(acc.runs, (r) => percentile(r.latencies, 50)),
      p99: med(acc.runs, (r) => percentile(r.latencies, 99)),
      p99Ratio: median(acc.p99Ratios),
      cpuMsPerSession: median(acc.cpu),
      peakRssMiB: (await relay.settled()).hwmKiB / 1024,
      error: failed.get(relay.name),
    });
  }
  return {
    mode,
    clients,
    perClient,
    rounds,
    directPerS: med(direct, (r) => r.perS),
    directP50: med(direct, (r) => percentile(r.latencies, 50)),
    directP99: med(direct, (r) => percentile(r.latencies, 99)),
    rows,
  };
}
