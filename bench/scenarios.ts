// The relay scenarios: the same client work sent straight to the upstream ("direct") and through
// mailtap ("relay"), alternated and paired so that machine noise hits both sides of a ratio.
// mailtap's CPU is read from its own process before and after each relay run, once its sessions
// (and their recordings) are finished; its peak RSS is reset per scenario.

import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { SecureContext } from 'node:tls';
import type { BenchChild } from './child-process.js';
import type { ProxyUsage } from './proxy-protocol.js';
import type { UpstreamStats } from './upstream-child.js';
import { makeBody, smtpSession, type SessionResult, type TlsMode } from './smtp-client.js';
import { median, percentile } from './stats.js';

export type Ports = { implicit: number; starttls: number };

export interface BenchEnv {
  proxy: BenchChild<Ports>;
  upstream: BenchChild<Ports>;
  secureContext: SecureContext;
  recordingsDir: string;
}

export class DeliveryError extends Error {}

export interface ThroughputResult {
  mode: TlsMode;
  sizeMiB: number;
  pairs: number;
  directMiBs: number;
  relayMiBs: number;
  ratio: number;
  cpuMsPerMiB: number;
  peakRssMiB: number;
}

export interface SessionRateResult {
  mode: TlsMode;
  clients: number;
  perClient: number;
  pairs: number;
  directPerS: number;
  relayPerS: number;
  ratio: number;
  directP50: number;
  directP99: number;
  relayP50: number;
  relayP99: number;
  p99Ratio: number;
  cpuMsPerSession: number;
  peakRssMiB: number;
}

interface Measured<T> {
  value: T;
  cpuMs: number;
}

/** Runs `work` with `target` as the port, checks the upstream got every byte, and for a relay run reads mailtap's CPU. */
async function measured<T>(env: BenchEnv, relay: boolean, work: () => Promise<{ value: T; bytes: number; messages: number }>): Promise<Measured<T>> {
  const before = relay ? await env.proxy.ask<ProxyUsage>({ type: 'usage' }) : undefined;
  const stats0 = await env.upstream.ask<UpstreamStats>({ type: 'stats' });
  const { value, bytes, messages } = await work();
  let cpuMs = 0;
  if (before) {
    const after = await settled(env);
    cpuMs = (after.cpuUs - before.cpuUs) / 1000;
    // Recordings of big messages are big: keep the disk from filling over the run.
    for (const f of await readdir(env.recordingsDir)) await rm(join(env.recordingsDir, f), { force: true });
  }
  const stats1 = await env.upstream.ask<UpstreamStats>({ type: 'stats' });
  if (stats1.bytes - stats0.bytes !== bytes || stats1.messages - stats0.messages !== messages) {
    throw new DeliveryError(
      `${relay ? 'relay' : 'direct'} run: the upstream received ${stats1.bytes - stats0.bytes} bytes in ${stats1.messages - stats0.messages} messages, ` +
        `the client sent ${bytes} bytes in ${messages}`,
    );
  }
  return { value, cpuMs };
}

/** mailtap's usage once every session has ended and written its recording. */
async function settled(env: BenchEnv): Promise<ProxyUsage> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const usage = await env.proxy.ask<ProxyUsage>({ type: 'usage' });
    if (usage.sessions === 0) return usage;
    if (Date.now() > deadline) throw new DeliveryError(`mailtap still has ${usage.sessions} sessions open 30 s after the run`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

export async function resetPeak(env: BenchEnv): Promise<void> {
  await env.proxy.ask({ type: 'reset-peak' });
}

export async function peakRssMiB(env: BenchEnv): Promise<number> {
  return (await env.proxy.ask<ProxyUsage>({ type: 'usage' })).hwmKiB / 1024;
}

function portFor(env: BenchEnv, relay: boolean, mode: TlsMode): number {
  return (relay ? env.proxy : env.upstream).ready[mode];
}

async function oneMessage(env: BenchEnv, relay: boolean, mode: TlsMode, body: Buffer): Promise<Measured<SessionResult>> {
  return measured(env, relay, async () => {
    const r = await smtpSession(portFor(env, relay, mode), mode, env.secureContext, body);
    return { value: r, bytes: r.bytesSent, messages: 1 };
  });
}

export async function throughput(env: BenchEnv, mode: TlsMode, sizeMiB: number, pairs: number): Promise<ThroughputResult> {
  const body = makeBody(sizeMiB * 1024 * 1024);
  const mib = body.length / (1024 * 1024);
  // Warm-up pair, not counted: JIT, the leaf certificate cache, page cache of the recording dir.
  const warm = makeBody(Math.min(sizeMiB, 4) * 1024 * 1024);
  await oneMessage(env, false, mode, warm);
  await oneMessage(env, true, mode, warm);
  await resetPeak(env);
  const direct: number[] = [];
  const relay: number[] = [];
  const ratios: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < pairs; i++) {
    const d = await oneMessage(env, false, mode, body);
    const r = await oneMessage(env, true, mode, body);
    direct.push(mib / (d.value.dataMs / 1000));
    relay.push(mib / (r.value.dataMs / 1000));
    ratios.push(d.value.dataMs / r.value.dataMs);
    cpu.push(r.cpuMs / mib);
  }
  return {
    mode,
    sizeMiB: mib,
    pairs,
    directMiBs: median(direct),
    relayMiBs: median(relay),
    ratio: median(ratios),
    cpuMsPerMiB: median(cpu),
    peakRssMiB: await peakRssMiB(env),
  };
}

/** One relay run of a big message: mailtap's peak RSS while it passes (the flatness check). */
export async function bigMessagePeak(env: BenchEnv, mode: TlsMode, sizeMiB: number): Promise<{ peakRssMiB: number; relayMiBs: number }> {
  const body = makeBody(sizeMiB * 1024 * 1024);
  await resetPeak(env);
  const r = await oneMessage(env, true, mode, body);
  return { peakRssMiB: await peakRssMiB(env), relayMiBs: body.length / (1024 * 1024) / (r.value.dataMs / 1000) };
}

interface RateRun {
  perS: number;
  latencies: number[];
}

async function sessionRun(env: BenchEnv, relay: boolean, mode: TlsMode, clients: number, perClient: number, body: Buffer): Promise<Measured<RateRun>> {
  return measured(env, relay, async () => {
    const latencies: number[] = [];
    let bytes = 0;
    const port = portFor(env, relay, mode);
    const started = performance.now();
    await Promise.all(
      Array.from({ length: clients }, async () => {
        for (let i = 0; i < perClient; i++) {
          const r = await smtpSession(port, mode, env.secureContext, body);
          latencies.push(r.sessionMs);
          bytes += r.bytesSent;
        }
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    return { value: { perS: (clients * perClient) / seconds, latencies }, bytes, messages: clients * perClient };
  });
}

export async function sessionRate(env: BenchEnv, mode: TlsMode, clients: number, perClient: number, pairs: number): Promise<SessionRateResult> {
  const body = makeBody(2 * 1024);
  await sessionRun(env, false, mode, clients, 2, body);
  await sessionRun(env, true, mode, clients, 2, body);
  await resetPeak(env);
  const runs = { direct: [] as RateRun[], relay: [] as RateRun[] };
  const ratios: number[] = [];
  const p99Ratios: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < pairs; i++) {
    const d = await sessionRun(env, false, mode, clients, perClient, body);
    const r = await sessionRun(env, true, mode, clients, perClient, body);
    runs.direct.push(d.value);
    runs.relay.push(r.value);
    ratios.push(r.value.perS / d.value.perS);
    p99Ratios.push(percentile(r.value.latencies, 99) / percentile(d.value.latencies, 99));
    cpu.push(r.cpuMs / (clients * perClient));
  }
  const med = (list: RateRun[], f: (r: RateRun) => number) => median(list.map(f));
  return {
    mode,
    clients,
    perClient,
    pairs,
    directPerS: med(runs.direct, (r) => r.perS),
    relayPerS: med(runs.relay, (r) => r.perS),
    ratio: median(ratios),
    directP50: med(runs.direct, (r) => percentile(r.latencies, 50)),
    directP99: med(runs.direct, (r) => percentile(r.latencies, 99)),
    relayP50: med(runs.relay, (r) => percentile(r.latencies, 50)),
    relayP99: med(runs.relay, (r) => percentile(r.latencies, 99)),
    p99Ratio: median(p99Ratios),
    cpuMsPerSession: median(cpu),
    peakRssMiB: await peakRssMiB(env),
  };
}
