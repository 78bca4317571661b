// `npm run bench [-- --quick] [-- --peers]`: mailtap's relay measured against a direct connection
// to a lean upstream, in rounds with the bare Node relay, mailtap --no-record and (with --peers,
// where installed) stunnel4 and sslsplit in the same run; decoding and recording on for mailtap;
// plus certificate issuance and codec throughput. The upstream and every relay run in their own
// process (CPU and RSS of each alone); the client runs here. Prints Markdown tables. Exit 0 even
// when a goal is missed (it is a report), 1 when a run fails (bytes not delivered) or the bench
// itself breaks.

import { execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { cp, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSecureContext } from 'node:tls';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { caPaths } from '../src/ca/key-files.js';
import { makeTestPki, type TestPki } from '../test/helpers/pki.js';
import { benchCertificates } from './ca.js';
import { startChild, type BenchChild } from './child-process.js';
import { startWebRelays, type WebRelays } from './web.js';
import { benchCodecs } from './codecs.js';
import type { ProxyChildConfig, ProxyUsage } from './proxy-protocol.js';
import { ensureBuilt } from './build.js';
import { shippedNodeFlags } from './launcher.js';
import { resetTreePeak, startSslsplit, startStunnel, treeUsage, type Peer, type PeerFiles } from './peers.js';
import { bigMessagePeak, sessionRate, throughput, type BenchEnv, type Ports, type Relay } from './scenarios.js';
import { BARE_ROW, MAILTAP_ROW, renderTable, type BenchReport } from './table.js';
import type { UpstreamChildConfig } from './upstream-child.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
/** Recordings at least this big are deleted after each run (so big messages do not fill the disk). */
const BIG_RECORDING = 1024 * 1024;

export interface BenchPlan {
  quick: boolean;
  peers: boolean;
  messageMiB: number;
  rounds: number;
  sessionRounds: number;
  clients: number;
  perClient: number;
  bigMiB: number | null;
  codecMiB: number;
}

export function planFor(quick: boolean, peers = false): BenchPlan {
  return quick
    ? { quick, peers, messageMiB: 8, rounds: 3, sessionRounds: 3, clients: 4, perClient: 10, bigMiB: null, codecMiB: 16 }
    : { quick, peers, messageMiB: 64, rounds: 5, sessionRounds: 3, clients: 16, perClient: 50, bigMiB: 256, codecMiB: 64 };
}

export function machine(): string {
  const list = cpus();
  return `${list[0]?.model.trim() ?? 'unknown CPU'}, ${list.length} cores, Node ${process.version}, ${process.platform}`;
}

export const load = () => loadavg().map((n) => n.toFixed(2)).join(' ');

export const MAILTAP = MAILTAP_ROW;
export const MAILTAP_NO_RECORD = 'mailtap --no-record';
export const BARE = BARE_ROW;

/**
 * The upstream's own certificate: ECDSA P-256, self-signed (what a lean, modern server shows),
 * made with openssl so it does not change when mailtap's CA changes its leaves.
 */
function upstreamCertificate(dir: string): { keyFile: string; certFile: string } {
  const keyFile = join(dir, 'bench-upstream-key.pem');
  const certFile = join(dir, 'bench-upstream-cert.pem');
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', keyFile, '-out', certFile,
    '-days', '2', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1',
  ], { stdio: 'ignore' });
  return { keyFile, certFile };
}

/** A relay in a Node child of ours (mailtap, the bare relay): usage over IPC, settled = no open session. */
function nodeRelay(name: string, child: BenchChild<Ports>, afterRun?: () => Promise<void>): Relay {
  return {
    name,
    ready: child.ready,
    async settled() {
      const deadline = Date.now() + 30_000;
      for (;;) {
        const usage = await child.ask<ProxyUsage>({ type: 'usage' });
        if (usage.sessions === 0) return usage;
        if (Date.now() > deadline) throw new Error(`${name} still has ${usage.sessions} sessions open 30 s after the run`);
        await new Promise((r) => setTimeout(r, 5));
      }
    },
    async resetPeak() {
      await child.ask({ type: 'reset-peak' });
    },
    afterRun,
  };
}

/** A peer read from /proc: settled once its CPU stops moving (it has no session count to ask). */
function peerRelay(peer: Peer): Relay {
  return {
    name: peer.name,
    ready: peer.ready,
    optional: true,
    async settled() {
      let last = treeUsage(peer.pids);
      for (;;) {
        await new Promise((r) => setTimeout(r, 60));
        const now = treeUsage(peer.pids);
        if (now.cpuUs === last.cpuUs) return now;
        last = now;
      }
    },
    async resetPeak() {
      resetTreePeak(peer.pids);
    },
  };
}

export interface StartedEnv extends BenchEnv {
  /** Starts the --web relays (bench/web.ts) against this env's upstream. */
  webRelays(): Promise<WebRelays>;
  /** mailtap with recording (always the first relay). */
  mailtap: Relay;
  mailtapChild: BenchChild<Ports>;
  recordingsDir: string;
  skipped: string[];
  stop(): Promise<void>;
}

export interface EnvOptions {
  /** Extra node flags for mailtap's child (e.g. --cpu-prof). */
  proxyFlags?: string[];
  record?: boolean;
  /** mailtap's child serves the web view (--web, no browser): bench/profile.ts --web. */
  web?: boolean;
  /** Also the bare relay ('bare'), and mailtap --no-record ('all'). */
  comparisons?: 'none' | 'bare' | 'all';
  peers?: boolean;
  /** A checkout whose built dist/ runs as an extra relay, "mailtap (baseline)", in the same rounds. */
  baseline?: string;
  baselineRsaLeaf?: boolean;
  /** Extra mailtap relays (recording on), "mailtap (NAME)", started with these node flags instead of the shipped ones. */
  variants?: { name: string; flags: string[] }[];
}

/** Starts the upstream, mailtap and, on request, the other relays. */
export async function startEnv(pki: TestPki, recordingsDir: string, options: EnvOptions = {}): Promise<StartedEnv> {
  const { keyFile, certFile } = upstreamCertificate(pki.dir);
  // What the relays show clients: a mailtap-CA leaf for the names the bench connects to.
  const leaf = await pki.mailtapCa.issue(['localhost', '127.0.0.1']);
  const files: PeerFiles = {
    dir: pki.dir,
    leafKeyFile: join(pki.dir, 'bench-leaf-key.pem'),
    leafCertFile: join(pki.dir, 'bench-leaf-cert.pem'),
    caKeyFile: caPaths(join(pki.dir, 'mailtap')).keyPath,
    caCertFile: caPaths(join(pki.dir, 'mailtap')).certPath,
    upstreamCaFile: certFile,
  };
  await writeFile(files.leafKeyFile, leaf.keyPem, { mode: 0o600 });
  await writeFile(files.leafCertFile, leaf.certPem);
  ensureBuilt((text) => process.stderr.write(`bench: ${text}\n`));
  const started: { stop(): Promise<void> }[] = [];
  const stop = async () => {
    for (const child of started.reverse()) await child.stop();
  };
  try {
    const upstream = await startChild<Ports>('./upstream-child.ts', { keyFile, certFile } satisfies UpstreamChildConfig);
    started.push(upstream);
    const proxyConfig = (dir: string | false): ProxyChildConfig => ({ caDir: join(pki.dir, 'mailtap'), upstreamCaFile: certFile, recordingsDir: dir, upstream: upstream.ready });
    const record = options.record ?? true;
    // Started as the `mailtap` binary starts node (its shebang's flags), so the bench measures what ships.
    const shipped = shippedNodeFlags(join(ROOT, 'dist'));
    const mailtapChild = await startChild<Ports>('./proxy-child.mjs', { ...proxyConfig(record ? recordingsDir : false), ...(options.web ? { web: true } : {}) }, [...shipped, ...(options.proxyFlags ?? [])]);
    started.push(mailtapChild);
    // Recordings of big messages are big: keep the disk from filling over the run.
    // Only the big ones: deleting the 800 small files of a session run made ext4's next inode
    // allocations (the next run's recordings) scan past the recently deleted inodes, ≈ 0.3 ms of
    // kernel CPU per session charged to the relay (bench/writer-sessions.ts --keep-files), a cost
    // of this clean-up, not of a recordings directory that fills up as a proxy's does.
    const clear = async () => {
      for (const f of await readdir(recordingsDir)) {
        const path = join(recordingsDir, f);
        if (((await stat(path).catch(() => undefined))?.size ?? 0) >= BIG_RECORDING) await rm(path, { force: true });
      }
    };
    const mailtap = nodeRelay(record ? MAILTAP : MAILTAP_NO_RECORD, mailtapChild, clear);
    const relays: Relay[] = [mailtap];
    const skipped: string[] = [];
    if (options.comparisons && options.comparisons !== 'none') {
      if (record && options.comparisons === 'all') {
        const noRecord = await startChild<Ports>('./proxy-child.mjs', proxyConfig(false), shipped);
        started.push(noRecord);
        relays.push(nodeRelay(MAILTAP_NO_RECORD, noRecord));
      }
      const bare = await startChild<Ports>('./bare-relay.mjs', { keyFile: files.leafKeyFile, certFile: files.leafCertFile, upstreamCaFile: certFile, upstream: upstream.ready });
      started.push(bare);
      relays.push(nodeRelay(BARE, bare));
    }
    if (options.baseline) {
      const dist = pathToFileURL(join(options.baseline, 'dist', 'index.js')).href;
      // Its own copy of the CA. `--baseline-rsa-leaf`: with an RSA leaf key, for checkouts from
      // before P-256 leaves, which cannot read an EC one.
      const caDir = join(pki.dir, 'mailtap-baseline');
      await cp(join(pki.dir, 'mailtap'), caDir, { recursive: true });
      if (options.baselineRsaLeaf) {
        const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' });
        await writeFile(caPaths(caDir).leafKeyPath, rsa, { mode: 0o600 });
      }
      const base = await startChild<Ports>('./proxy-child.mjs', { ...proxyConfig(record ? recordingsDir : false), caDir, dist }, shippedNodeFlags(join(options.baseline, 'dist')));
      started.push(base);
      relays.push(nodeRelay(`${mailtap.name} (baseline)`, base, clear));
    }
    for (const variant of options.variants ?? []) {
      const child = await startChild<Ports>('./proxy-child.mjs', proxyConfig(record ? recordingsDir : false), variant.flags);
      started.push(child);
      relays.push(nodeRelay(`${mailtap.name} (${variant.name})`, child, clear));
    }
    if (options.peers) {
      for (const start of [startStunnel, startSslsplit]) {
        try {
          const peer = await start(files, upstream.ready);
          if (typeof peer === 'string') skipped.push(peer);
          else {
            started.push(peer);
            relays.push(peerRelay(peer));
          }
        } catch (err) {
          skipped.push((err as Error).message);
        }
      }
    }
    const secureContext = createSecureContext({ ca: [pki.mailtapCaPem, leaf.certPem, await readText(certFile)] });
    const webRelays = () => startWebRelays(proxyConfig(record ? recordingsDir : false), nodeRelay, clear, shipped);
    return { upstream, relays, mailtap, mailtapChild, secureContext, recordingsDir, skipped, stop, webRelays };
  } catch (err) {
    await stop();
    throw err;
  }
}

async function readText(path: string): Promise<string> {
  const { readFile } = await import('node:fs/promises');
  return readFile(path, 'utf8');
}

function text(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

/** Every value of a repeatable flag. */
function texts(name: string): string[] {
  return process.argv.flatMap((a, i) => (a === name && i + 1 < process.argv.length ? [process.argv[i + 1]!] : []));
}

/**
 * `--variant NAME=FLAGS` (repeatable): "mailtap (NAME)" with node FLAGS (space-separated; empty:
 * none); `VAR=value` tokens among them set the child's environment, e.g. `arena2=MALLOC_ARENA_MAX=2 --max-semi-space-size=2`.
 */
function variants(): { name: string; flags: string[] }[] {
  return texts('--variant').map((v) => {
    const eq = v.indexOf('=');
    if (eq <= 0) throw new Error(`--variant ${v}: expected NAME=FLAGS, e.g. semi2=--max-semi-space-size=2`);
    return { name: v.slice(0, eq), flags: v.slice(eq + 1).split(/\s+/).filter(Boolean) };
  });
}

function option(name: string): number | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : undefined;
}

async function main(): Promise<number> {
  const argv = process.argv;
  const plan = planFor(argv.includes('--quick'), argv.includes('--peers'));
  // Overrides for focused before/after measurements (not used by CI).
  plan.rounds = option('--rounds') ?? plan.rounds;
  plan.sessionRounds = option('--session-rounds') ?? plan.sessionRounds;
  plan.messageMiB = option('--mib') ?? plan.messageMiB;
  plan.clients = option('--clients') ?? plan.clients;
  plan.perClient = option('--per-client') ?? plan.perClient;
  if (argv.includes('--no-big')) plan.bigMiB = null;
  const log = (text: string) => process.stderr.write(`bench: ${text} (load ${load()})\n`);
  const pki = await makeTestPki();
  const recordingsDir = await mkdtemp(join(tmpdir(), 'mailtap-bench-rec-'));
  let env: StartedEnv | undefined;
  // Interrupted: stop the children and remove what the bench made before leaving.
  const onSignal = () =>
    void (env?.stop() ?? Promise.resolve())
      .then(() => Promise.all([rm(recordingsDir, { recursive: true, force: true }), pki.cleanup()]))
      .finally(() => process.exit(130));
  process.once('SIGINT', onSignal);
  try {
    env = await startEnv(pki, recordingsDir, { comparisons: argv.includes('--mailtap-only') ? 'none' : plan.quick ? 'bare' : 'all', peers: plan.peers, baseline: text('--baseline'), baselineRsaLeaf: argv.includes('--baseline-rsa-leaf'), variants: variants() });
    const idle = await env.mailtapChild.ask<ProxyUsage>({ type: 'usage' });
    const report: BenchReport = {
      quick: plan.quick,
      machine: machine(),
      loadBefore: load(),
      loadAfter: '',
      idleRssMiB: idle.rssKiB / 1024,
      skipped: env.skipped,
      throughput: [],
      sessions: [],
    };
    if (!argv.includes('--no-throughput')) {
      for (const mode of ['implicit', 'starttls'] as const) {
        log(`throughput, ${plan.messageMiB} MiB, ${mode}, ${plan.rounds} rounds of ${env.relays.length + 1} runs`);
        report.throughput.push(await throughput(env, mode, plan.messageMiB, plan.rounds));
      }
    }
    if (plan.bigMiB && report.throughput.length) {
      log(`memory flatness, ${plan.bigMiB} MiB, starttls`);
      const big = await bigMessagePeak(env, env.mailtap, 'starttls', plan.bigMiB);
      const base = report.throughput.find((t) => t.mode === 'starttls')!.rows.find((r) => r.relay === env!.mailtap.name)!;
      report.flat = { sizeMiB: plan.bigMiB, peakRssMiB: big.peakRssMiB, baseSizeMiB: plan.messageMiB, basePeakRssMiB: base.peakRssMiB };
    }
    if (!argv.includes('--no-web')) {
      const web = await env.webRelays();
      try {
        const webEnv: BenchEnv = { upstream: env.upstream, relays: [env.mailtap, ...web.relays], secureContext: env.secureContext };
        log(`--web, ${plan.messageMiB} MiB, starttls, ${plan.rounds} rounds of ${webEnv.relays.length + 1} runs`);
        report.web = { ...(await throughput(webEnv, 'starttls', plan.messageMiB, plan.rounds)), followed: web.followed() };
        report.skipped.push(...web.skipped);
      } finally {
        await web.stop();
      }
    }
    if (!argv.includes('--no-sessions')) {
      for (const mode of ['implicit', 'starttls'] as const) {
        log(`session rate, ${plan.clients}×${plan.perClient}, ${mode}, ${plan.sessionRounds} rounds of ${env.relays.length + 1} runs`);
        report.sessions.push(await sessionRate(env, mode, plan.clients, plan.perClient, plan.sessionRounds));
      }
    }
    await env.stop();
    env = undefined;
    report.loadAfter = load();
    if (!argv.includes('--no-extras')) {
      log('certificate issuance');
      report.certificates = await benchCertificates(plan.quick ? 20 : 50);
      log(`codecs, ${plan.codecMiB} MiB`);
      report.codecs = benchCodecs(plan.codecMiB);
    }
    process.stdout.write(renderTable(report));
    // Every scenario's row (the table keeps only the largest peak RSS of a relay).
    const jsonAt = text('--json');
    if (jsonAt) await writeFile(jsonAt, JSON.stringify(report, null, 1));
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
