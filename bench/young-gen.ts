// `npx tsx bench/young-gen.ts [--rounds 5] [--clients 16] [--per-client 50] [--mib 64] [--semi 1,2,4]`:
// what capping V8's young generation (`--max-semi-space-size=N`, MiB per semi-space) does to
// mailtap's peak RSS and CPU. One proxy child per value (and one with V8's default, 16 on 64-bit)
// in the same rounds, each round sending the same work through every child in turn: 16×50
// STARTTLS sessions, then one 64 MiB STARTTLS message. Per child: peak RSS of the session scenario,
// CPU ms per session and per MiB, and the main thread's GC pauses (perf_hooks) per session and per
// MiB, medians over the rounds. GC pause time is what a smaller young generation adds; it is far
// less noisy on a shared box than whole-process CPU.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeTestPki } from '../test/helpers/pki.js';
import type { ProxyUsage } from './proxy-protocol.js';
import { load, machine, startEnv } from './run.js';
import { makeBody, smtpSession } from './smtp-client.js';
import { median } from './stats.js';

function option(name: string, fallback: string): string {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1]! : fallback;
}

const rounds = Number(option('--rounds', '5'));
const clients = Number(option('--clients', '16'));
const perClient = Number(option('--per-client', '50'));
const mib = Number(option('--mib', '64'));
const semis = option('--semi', '1,2,4').split(',').map(Number);
const pki = await makeTestPki();
const recordingsDir = await mkdtemp(join(tmpdir(), 'mailtap-bench-rec-'));
const loadBefore = load();
// The first relay runs with the flags the build ships (see bench/launcher.ts); each variant
// replaces them. `default` is V8's own sizing, whatever the build ships.
const env = await startEnv(pki, recordingsDir, {
  comparisons: 'none',
  variants: [{ name: 'default', flags: [] }, ...semis.map((n) => ({ name: `semi ${n}`, flags: [`--max-semi-space-size=${n}`] }))],
});
type Acc = { ext: number[]; rss: number[]; cpuSession: number[]; gcSession: number[]; scavSession: number[]; cpuMiB: number[]; gcMiB: number[]; heap: number[] };
const acc = new Map(env.relays.map((r) => [r.name, { ext: [], rss: [], cpuSession: [], gcSession: [], scavSession: [], cpuMiB: [], gcMiB: [], heap: [] } as Acc]));
const usage = async (r: (typeof env.relays)[number]) => (await r.settled()) as unknown as ProxyUsage;
const sessionBody = makeBody(2048);
const big = makeBody(mib * 1024 * 1024);
try {
  // Warm-up (JIT, leaf cache), not counted.
  for (const relay of env.relays) {
    await Promise.all(Array.from({ length: clients }, async () => {
      for (let i = 0; i < 2; i++) await smtpSession(relay.ready.starttls, 'starttls', env.secureContext, sessionBody);
    }));
  }
  for (let round = 0; round < rounds; round++) {
    for (const relay of env.relays) {
      const a = acc.get(relay.name)!;
      await relay.resetPeak();
      const u0 = await usage(relay);
      await Promise.all(Array.from({ length: clients }, async () => {
        for (let i = 0; i < perClient; i++) await smtpSession(relay.ready.starttls, 'starttls', env.secureContext, sessionBody);
      }));
      const u1 = await usage(relay);
      await relay.afterRun?.();
      const n = clients * perClient;
      a.rss.push(u1.hwmKiB / 1024);
      a.heap.push(u1.peakHeapTotalKiB / 1024);
      a.ext.push(u1.peakExternalKiB / 1024);
      a.cpuSession.push((u1.cpuUs - u0.cpuUs) / 1000 / n);
      a.gcSession.push((u1.gc.ms - u0.gc.ms) / n);
      a.scavSession.push((u1.gc.scavenges - u0.gc.scavenges) / n);
      if (mib > 0) {
        const u2 = await usage(relay);
        await smtpSession(relay.ready.starttls, 'starttls', env.secureContext, big);
        const u3 = await usage(relay);
        await relay.afterRun?.();
        a.cpuMiB.push((u3.cpuUs - u2.cpuUs) / 1000 / mib);
        a.gcMiB.push((u3.gc.ms - u2.gc.ms) / mib);
      }
    }
    process.stderr.write(`young-gen: round ${round + 1}/${rounds} (load ${load()})\n`);
  }
} finally {
  await env.stop();
  await rm(recordingsDir, { recursive: true, force: true });
  await pki.cleanup();
}
const f = (v: number[], d = 2) => (v.length ? median(v).toFixed(d) : 'n/a');
process.stdout.write(`young generation: ${rounds} rounds of ${clients}×${perClient} STARTTLS sessions + one ${mib} MiB STARTTLS message per child; ${machine()}; load ${loadBefore} before, ${load()} after\n\n`);
process.stdout.write('| child | peak RSS MiB (sessions) | peak heapTotal / external MiB | CPU ms/session | GC ms/session | scavenges/session | CPU ms/MiB | GC ms/MiB |\n| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n');
for (const [name, a] of acc) {
  process.stdout.write(`| ${name} | ${f(a.rss, 0)} (${Math.min(...a.rss).toFixed(0)}–${Math.max(...a.rss).toFixed(0)}) | ${f(a.heap, 0)} / ${f(a.ext, 0)} | ${f(a.cpuSession)} | ${f(a.gcSession, 3)} | ${f(a.scavSession, 3)} | ${f(a.cpuMiB)} | ${f(a.gcMiB, 3)} |\n`);
}
