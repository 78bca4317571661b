// `npm run bench [-- --quick]`: mailtap's relay measured against a direct connection, paired and
// alternated, with decoding and recording on; plus certificate issuance and codec throughput.
// The upstream and mailtap each run in their own process (CPU and RSS of mailtap alone); the
// client runs here. Prints one Markdown table. Exit 0 even when a goal is missed (it is a
// report), 1 when a run fails (bytes not delivered) or the bench itself breaks.

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSecureContext } from 'node:tls';
import { pathToFileURL } from 'node:url';
import { makeTestPki, type TestPki } from '../test/helpers/pki.js';
import { benchCertificates } from './ca.js';
import { startChild, type BenchChild } from './child-process.js';
import { benchCodecs } from './codecs.js';
import type { ProxyChildConfig, ProxyUsage } from './proxy-protocol.js';
import { ensureBuilt } from './build.js';
import { bigMessagePeak, sessionRate, throughput, type BenchEnv, type Ports } from './scenarios.js';
import { renderTable, type BenchReport } from './table.js';
import type { UpstreamChildConfig } from './upstream-child.js';

export interface BenchPlan {
  quick: boolean;
  messageMiB: number;
  pairs: number;
  sessionPairs: number;
  clients: number;
  perClient: number;
  bigMiB: number | null;
  codecMiB: number;
}

export function planFor(quick: boolean): BenchPlan {
  return quick
    ? { quick, messageMiB: 8, pairs: 3, sessionPairs: 3, clients: 4, perClient: 10, bigMiB: null, codecMiB: 16 }
    : { quick, messageMiB: 64, pairs: 10, sessionPairs: 5, clients: 16, perClient: 50, bigMiB: 256, codecMiB: 64 };
}

export function machine(): string {
  const list = cpus();
  return `${list[0]?.model.trim() ?? 'unknown CPU'}, ${list.length} cores, Node ${process.version}, ${process.platform}`;
}

/** Starts the upstream and mailtap processes; `proxyFlags` go to mailtap's node (e.g. --cpu-prof). */
export async function startEnv(pki: TestPki, recordingsDir: string, proxyFlags: string[] = [], record = true): Promise<BenchEnv & { stop(): Promise<void> }> {
  const keyFile = join(pki.dir, 'bench-server-key.pem');
  const certFile = join(pki.dir, 'bench-server-cert.pem');
  await writeFile(keyFile, pki.serverKey, { mode: 0o600 });
  await writeFile(certFile, pki.serverCert);
  ensureBuilt((text) => process.stderr.write(`bench: ${text}\n`));
  const started: BenchChild<Ports>[] = [];
  const stop = async () => {
    for (const child of started.reverse()) await child.stop();
  };
  try {
    const upstream = await startChild<Ports>('./upstream-child.ts', { keyFile, certFile } satisfies UpstreamChildConfig);
    started.push(upstream);
    const config: ProxyChildConfig = { caDir: join(pki.dir, 'mailtap'), upstreamCaFile: pki.upstreamCaFile, recordingsDir: record ? recordingsDir : false, upstream: upstream.ready };
    const proxy = await startChild<Ports>('./proxy-child.mjs', config, proxyFlags);
    started.push(proxy);
    const secureContext = createSecureContext({ ca: [pki.mailtapCaPem, pki.upstreamCaPem] });
    return { proxy, upstream, secureContext, recordingsDir, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

async function main(): Promise<number> {
  const plan = planFor(process.argv.includes('--quick'));
  const log = (text: string) => process.stderr.write(`bench: ${text}\n`);
  const pki = await makeTestPki();
  const recordingsDir = await mkdtemp(join(tmpdir(), 'mailtap-bench-rec-'));
  let env: Awaited<ReturnType<typeof startEnv>> | undefined;
  const onSignal = () => void env?.stop().finally(() => process.exit(130));
  process.once('SIGINT', onSignal);
  try {
    env = await startEnv(pki, recordingsDir);
    const idle = await env.proxy.ask<ProxyUsage>({ type: 'usage' });
    const report: BenchReport = {
      quick: plan.quick,
      machine: machine(),
      idleRssMiB: idle.rssKiB / 1024,
      throughput: [],
      sessions: [],
      certificates: { firstIssueMsMedian: NaN, cachedMsMedian: NaN },
      codecs: { smtpDataMiBs: NaN, imapLiteralMiBs: NaN, smtpWithRecordEncodingMiBs: NaN, sizeMiB: plan.codecMiB },
    };
    for (const mode of ['implicit', 'starttls'] as const) {
      log(`throughput, ${plan.messageMiB} MiB, ${mode}, ${plan.pairs} pairs`);
      report.throughput.push(await throughput(env, mode, plan.messageMiB, plan.pairs));
    }
    if (plan.bigMiB) {
      log(`memory flatness, ${plan.bigMiB} MiB, starttls`);
      const big = await bigMessagePeak(env, 'starttls', plan.bigMiB);
      const base = report.throughput.find((t) => t.mode === 'starttls')!;
      report.flat = { sizeMiB: plan.bigMiB, peakRssMiB: big.peakRssMiB, baseSizeMiB: base.sizeMiB, basePeakRssMiB: base.peakRssMiB };
    }
    for (const mode of ['implicit', 'starttls'] as const) {
      log(`session rate, ${plan.clients}×${plan.perClient}, ${mode}, ${plan.sessionPairs} pairs`);
      report.sessions.push(await sessionRate(env, mode, plan.clients, plan.perClient, plan.sessionPairs));
    }
    await env.stop();
    env = undefined;
    log('certificate issuance');
    report.certificates = await benchCertificates(plan.quick ? 20 : 50);
    log(`codecs, ${plan.codecMiB} MiB`);
    report.codecs = benchCodecs(plan.codecMiB);
    process.stdout.write(renderTable(report));
    return 0;
  } catch (err) {
    process.stderr.write(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    return 1;
  } finally {
    process.removeListener('SIGINT', onSignal);
    await env?.stop();
    await rm(recordingsDir, { recursive: true, force: true });
    await pki.cleanup();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) process.exitCode = await main();
