// Seeded lifecycle fuzz target (issue 13): one live proxy, SMTP/POP3/IMAP routes with STARTTLS/STLS
// and with implicit TLS, and lanes of sessions running at once, each playing a plan drawn from
// FUZZ_SEED: random commands with STARTTLS/STLS mixed in (upgraded or not), and at a random point a
// client reset, half-close or destroy mid-handshake, or a server reset, half-close or stall. A
// healthy lane runs complete dialogues alongside, and each must succeed. At the end: the process
// guard never fired, every session ended, the proxy still serves a fresh session, fds are back to
// where they were, RSS grew less than a stated bound, and every recording ends with its close.
// FUZZ_LIFECYCLE_MS (default 20 s) sets how long to fuzz; FUZZ_SEED=… replays a run's plans
// (the interleaving of lanes still depends on timing).

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { parseRoute } from '../../src/core/mail-url.js';
import { startProxy, type ProxyHandle } from '../../src/session/proxy.js';
import { readRecording } from '../../src/record/reader.js';
import { processGuardFirings } from '../../src/session/process-guard.js';
import type { Protocol } from '../../src/protocol/types.js';
import { makeTestPki, type TestPki } from '../helpers/pki.js';
import { tempDir } from '../helpers/temp-dirs.js';
import { fuzzSettings } from '../fuzz/fuzz-config.js';
import { fdCount } from './support/mixed-sessions.js';
import { completeDialogue } from './support/lifecycle-client.js';
import { startLifecycleUpstream, type LifecycleUpstream } from './support/lifecycle-upstream.js';
import { describePlan, makePlan, runPlan, xorshift, type Plan, type RouteTls } from './support/lifecycle-fuzz-session.js';

const FUZZ_MS = Number(process.env.FUZZ_LIFECYCLE_MS ?? 20_000);
const { seed: SEED } = fuzzSettings(0);
const LANES = 3;
const PROTOCOLS: Protocol[] = ['smtp', 'pop3', 'imap'];
const SCHEMES: Record<Protocol, Record<RouteTls, string>> = {
  smtp: { starttls: 'smtp', implicit: 'smtps' },
  pop3: { starttls: 'pop3', implicit: 'pop3s' },
  imap: { starttls: 'imap', implicit: 'imaps' },
};
const MiB = 1024 * 1024;
// The proxy, its upstreams and vitest share this process; both figures are taken after a full
// garbage collection. RSS climbs to the load's high-water mark in the first seconds (~85 → ~150
// MiB: glibc keeps what OpenSSL freed) and then stays: measured (load 1–6) −7 to −1 MiB from 40%
// of the run (the warm-up point) to its end, for 1000–1700 sessions in 20 s; the heap +3–7 MiB
// over the whole run. Both bounds count from the warm-up point: a leak of ~40 KiB per session
// outside the heap (a socket's buffers, an SSL object), or ~30 KiB in it, trips one of them.
const RSS_GROWTH_BOUND = 48 * MiB;
const HEAP_GROWTH_BOUND = 32 * MiB;

/** A full garbage collection, also where node runs without --expose-gc (as vitest's workers do). */
function collectGarbage(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}

let pki: TestPki;
beforeAll(async () => {
  pki = await makeTestPki();
});
afterAll(async () => {
  await pki?.cleanup();
});

interface Lane {
  upstreams: Record<Protocol, Record<RouteTls, LifecycleUpstream>>;
  ports: Record<Protocol, Record<RouteTls, number>>;
}

interface Rig {
  proxy: ProxyHandle;
  /** Forgets the upstreams' closed connections, so the test's own bookkeeping does not grow. */
  prune(): void;
  lanes: Lane[];
  /** Healthy STARTTLS routes, per protocol: the session alongside that must complete. */
  healthyPorts: Record<Protocol, number>;
  recordings: string;
  ends: { count: number; reasons: Map<string, number> };
  close(): Promise<void>;
}

async function startRig(): Promise<Rig> {
  const upstreamsToClose: LifecycleUpstream[] = [];
  const start = async (protocol: Protocol, tls: RouteTls, laneIndex: number) => {
    // Each lane's servers are a little different, to move the windows the faults fall into.
    const up = await startLifecycleUpstream({
      protocol,
      tls,
      key: pki.serverKey,
      cert: pki.serverCert,
      greetingDelayMs: laneIndex * 10,
      handshakeDelayMs: laneIndex * 25,
      retrBytes: 64 * 1024,
    });
    upstreamsToClose.push(up);
    return up;
  };
  const routes: string[] = [];
  const laneUps: Lane['upstreams'][] = [];
  for (let l = 0; l < LANES; l++) {
    const ups = {} as Lane['upstreams'];
    for (const p of PROTOCOLS) {
      ups[p] = { starttls: await start(p, 'starttls', l), implicit: await start(p, 'implicit', l) };
      for (const t of ['starttls', 'implicit'] as const) routes.push(`${SCHEMES[p][t]}://127.0.0.1:0=${SCHEMES[p][t]}://127.0.0.1:${ups[p][t].port}`);
    }
    laneUps.push(ups);
  }
  for (const p of PROTOCOLS) {
    const up = await startLifecycleUpstream({ protocol: p, key: pki.serverKey, cert: pki.serverCert });
    upstreamsToClose.push(up);
    routes.push(`${p}://127.0.0.1:0=${p}://127.0.0.1:${up.port}`);
  }
  const recordings = await tempDir('mailtap-lifecycle-fuzz-');
  const ends = { count: 0, reasons: new Map<string, number>() };
  const proxy = await startProxy({
    routes: routes.map(parseRoute),
    ca: pki.mailtapCa,
    upstreamCa: [pki.upstreamCaFile],
    recordings,
    limits: { connectTimeoutMs: 5000, idleTimeoutMs: 120_000 },
    observer: {
      end: (_id, close) => {
        ends.count++;
        const reason = close.reason.replace(/\d+/g, 'N').slice(0, 60);
        ends.reasons.set(reason, (ends.reasons.get(reason) ?? 0) + 1);
      },
    },
  });
  let i = 0;
  const lanes = laneUps.map((upstreams) => {
    const ports = {} as Lane['ports'];
    for (const p of PROTOCOLS) ports[p] = { starttls: proxy.listeners[i++]!.port, implicit: proxy.listeners[i++]!.port };
    return { upstreams, ports };
  });
  const healthyPorts = {} as Record<Protocol, number>;
  for (const p of PROTOCOLS) healthyPorts[p] = proxy.listeners[i++]!.port;
  return {
    proxy,
    prune() {
      for (const u of upstreamsToClose) {
        const open = u.connections.filter((c) => !c.stages.includes('closed'));
        u.connections.splice(0, u.connections.length, ...open);
      }
    },
    lanes,
    healthyPorts,
    recordings,
    ends,
    async close() {
      await proxy.close();
      await Promise.all(upstreamsToClose.map((u) => u.close()));
    },
  };
}

describe('lifecycle fuzz', () => {
  it(`seed ${SEED}: ${FUZZ_MS / 1000} s of sessions with random STARTTLS, resets, half-closes and stalls; the proxy lives, frees everything, records everything`, { timeout: FUZZ_MS + 90_000 }, async () => {
    const guardBefore = processGuardFirings();
    const rig = await startRig();
    const replay = `reproduce with FUZZ_SEED=${SEED} FUZZ_LIFECYCLE_MS=${FUZZ_MS} npx vitest run test/hardening/lifecycle-fuzz.net.test.ts`;
    try {
      // Warm up (TLS contexts, leaf certificates, JIT) before the baseline figures.
      for (const p of PROTOCOLS) await completeDialogue(p, rig.healthyPorts[p], pki.mailtapCaPem);
      collectGarbage();
      const fdBefore = fdCount();
      const { rss: rssBefore, heapUsed: heapBefore } = process.memoryUsage();
      let rssPeak = rssBefore;
      const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, process.memoryUsage().rss)), 200);
      // RSS once the allocators have reached this load's high-water mark (glibc keeps what
      // OpenSSL freed): growth after this point is what a leak would show.
      let rssWarm = 0;
      let heapWarm = 0;
      const warmUp = setTimeout(() => {
        collectGarbage();
        ({ rss: rssWarm, heapUsed: heapWarm } = process.memoryUsage());
      }, FUZZ_MS * 0.4);
      const deadline = performance.now() + FUZZ_MS;
      const stuck: string[] = [];
      const notClosed: string[] = [];
      const errors: string[] = [];
      let fuzzed = 0;
      const lane = async (l: number) => {
        const rnd = xorshift(SEED * 31 + l + 1);
        const { upstreams, ports } = rig.lanes[l]!;
        while (performance.now() < deadline) {
          const plan: Plan = makePlan(rnd);
          try {
            const out = await runPlan(plan, ports[plan.protocol][plan.tls], pki.mailtapCaPem, upstreams[plan.protocol][plan.tls]);
            if (!out.ended) stuck.push(`lane ${l}: ${describePlan(plan)}; ${out.trace.join(' > ')}`);
            else if (!out.clientClosed) notClosed.push(`lane ${l}: ${describePlan(plan)}; ${out.trace.join(' > ')}`);
          } catch (err) {
            errors.push(`lane ${l}: ${describePlan(plan)}: ${String(err)}`);
          }
          fuzzed++;
          // Sessions of a lane run one after another, so this lane's closed connections can go.
          const up = upstreams[plan.protocol][plan.tls];
          up.connections.splice(0, up.connections.length, ...up.connections.filter((c) => !c.stages.includes('closed')));
        }
      };
      let healthy = 0;
      const healthyFailures: string[] = [];
      const healthyLane = async () => {
        for (let i = 0; performance.now() < deadline; i++) {
          const p = PROTOCOLS[i % 3]!;
          try {
            await completeDialogue(p, rig.healthyPorts[p], pki.mailtapCaPem);
            healthy++;
            if (i % 50 === 49) rig.prune();
          } catch (err) {
            healthyFailures.push(`${p}: ${String(err)}`);
          }
        }
      };
      await Promise.all([...Array.from({ length: LANES }, (_, l) => lane(l)), healthyLane()]);
      clearInterval(sampler);
      clearTimeout(warmUp);
      const context = `${replay}\n`;
      expect(errors, context).toEqual([]);
      expect(stuck, `${context}sessions whose upstream connection stayed open after the client let go`).toEqual([]);
      expect(notClosed, `${context}sessions whose client connection stayed open after the upstream closed`).toEqual([]);
      expect(healthyFailures, `${context}healthy sessions alongside`).toEqual([]);
      expect(healthy).toBeGreaterThan(0);
      await expect.poll(() => rig.proxy.sessionCount, { timeout: 5000, message: `${context}every session ended` }).toBe(0);
      // The process is alive (we are running in it) and the proxy still serves fresh sessions.
      for (const p of PROTOCOLS) await completeDialogue(p, rig.healthyPorts[p], pki.mailtapCaPem);
      await expect.poll(() => rig.proxy.sessionCount, { timeout: 5000 }).toBe(0);
      await expect.poll(() => fdCount(), { timeout: 5000, message: `${context}fds back to baseline` }).toBeLessThanOrEqual(fdBefore);
      rig.prune();
      collectGarbage();
      const { rss: rssAfter, heapUsed: heapAfter } = process.memoryUsage();
      const files = await readdir(rig.recordings);
      const broken: string[] = [];
      for (const f of files) {
        const rec = await readRecording(join(rig.recordings, f));
        if (!rec.complete || rec.truncated || rec.events.at(-1)?.type !== 'close') broken.push(f);
      }
      const reasons = [...rig.ends.reasons].sort((a, b) => b[1] - a[1]).map(([r, n]) => `${n}× ${r}`);
      console.log(
        [
          `lifecycle fuzz: seed ${SEED}, ${FUZZ_MS / 1000} s, ${fuzzed} fuzzed + ${healthy} healthy sessions (${rig.ends.count} ended in the proxy), ${files.length} recordings`,
          `  RSS ${(rssBefore / MiB).toFixed(0)} MiB before, ${(rssWarm / MiB).toFixed(0)} after warm-up, peak ${(rssPeak / MiB).toFixed(0)}, after ${(rssAfter / MiB).toFixed(0)} (bound: warm-up +${RSS_GROWTH_BOUND / MiB}); heap used ${(heapBefore / MiB).toFixed(0)} before, ${(heapWarm / MiB).toFixed(0)} after warm-up, ${(heapAfter / MiB).toFixed(0)} after (bound: warm-up +${HEAP_GROWTH_BOUND / MiB}); fds ${fdBefore} before, ${fdCount()} after; guard firings ${processGuardFirings() - guardBefore}`,
          `  close reasons: ${reasons.slice(0, 12).join('; ')}`,
        ].join('\n'),
      );
      expect(processGuardFirings() - guardBefore, `${context}the process guard caught an error that escaped a session`).toBe(0);
      expect(broken, `${context}recordings that do not end with their close event`).toEqual([]);
      expect(files.length).toBe(rig.ends.count);
      expect(rssWarm, 'RSS measured after warm-up').toBeGreaterThan(0);
      expect(rssAfter - rssWarm, `${context}RSS growth after warm-up`).toBeLessThan(RSS_GROWTH_BOUND);
      expect(heapAfter - heapWarm, `${context}heap growth after warm-up`).toBeLessThan(HEAP_GROWTH_BOUND);
    } catch (err) {
      process.stderr.write(`${replay}\n`);
      throw err;
    } finally {
      await rig.close();
    }
  });
});
