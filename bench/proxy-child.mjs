// mailtap's proxy alone in a process, for the benchmark, run as users run it: plain `node` on the
// built dist/ (no tsx loader thread, no on-the-fly transpiling). Two routes (smtps→smtps,
// smtp→smtp), decoding and recording on. Prints `{"implicit":port,"starttls":port}` when
// listening, answers `usage` (CPU µs, RSS, open sessions) and `reset-peak` over IPC, exits
// cleanly on SIGTERM so `node --cpu-prof` can write its profile. Config: bench/proxy-protocol.ts.

import { readFileSync, writeFileSync } from 'node:fs';
import { PerformanceObserver } from 'node:perf_hooks';
import { getHeapStatistics } from 'node:v8';

/** @type {import('./proxy-protocol.js').ProxyChildConfig} */
const config = JSON.parse(process.argv[2] ?? '{}');
// `dist`: another build of mailtap (bench --baseline DIR), to measure before and after in one run.
const { CertificateAuthority, parseRoute, startProxy } = await import(config.dist ?? '../dist/index.js');
const ca = await CertificateAuthority.load(config.caDir);
// --web (issue 16): the web view's store observes every session and its server listens; a
// browser may or may not be looking (the bench decides).
const store = config.web ? new (await import('../dist/web/store.js')).SessionStore() : undefined;
const web = store ? await (await import('../dist/web/server.js')).startWeb({ store, host: '127.0.0.1', port: 0, lang: 'en', mode: 'proxy' }) : undefined;
const handle = await startProxy({
  routes: [
    parseRoute(`smtps://127.0.0.1:0=smtps://127.0.0.1:${config.upstream.implicit}`),
    parseRoute(`smtp://127.0.0.1:0=smtp://127.0.0.1:${config.upstream.starttls}`),
  ],
  ca,
  upstreamCa: [config.upstreamCaFile],
  recordings: config.recordingsDir,
  observer: store,
});

/** Peak RSS (VmHWM) and current RSS in KiB (same as child-process.ts memoryKiB, which is TS). */
function memoryKiB() {
  const status = readFileSync('/proc/self/status', 'utf8');
  const num = (key) => Number(new RegExp(`${key}:\\s+(\\d+)`).exec(status)?.[1] ?? NaN);
  return { hwm: num('VmHWM'), rss: num('VmRSS') };
}

// Garbage collection so far (bench/young-gen.ts): pauses of the main thread, by count and ms.
const gc = { count: 0, ms: 0, scavenges: 0 };
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) {
    gc.count++;
    gc.ms += e.duration;
    // detail.kind 1: a scavenge (young generation only).
    if (e.detail?.kind === 1) gc.scavenges++;
  }
}).observe({ entryTypes: ['gc'] });

// What the peak RSS was made of (bench/young-gen.ts): the largest heapTotal and external memory
// seen since the last reset-peak, sampled every 50 ms from V8's heap statistics: sampling with
// process.memoryUsage() every 20 ms was 1.7 % of mailtap's CPU in a 16×50 sessions profile (it also
// reads RSS from /proc), a cost the other relays of the table do not pay.
const peaks = { heapTotal: 0, external: 0 };
setInterval(() => {
  const h = getHeapStatistics();
  peaks.heapTotal = Math.max(peaks.heapTotal, h.total_heap_size);
  peaks.external = Math.max(peaks.external, h.external_memory);
}, 50).unref();

process.on('message', (m) => {
  if (m.type === 'reset-peak') {
    peaks.heapTotal = peaks.external = 0;
    let ok = true;
    try {
      // Linux clear_refs "5": VmHWM back to the current RSS, so a peak belongs to one scenario.
      writeFileSync('/proc/self/clear_refs', '5');
    } catch {
      ok = false;
    }
    process.send({ ok });
  } else if (m.type === 'usage') {
    const cpu = process.cpuUsage();
    const mem = memoryKiB();
    process.send({ cpuUs: cpu.user + cpu.system, hwmKiB: mem.hwm, rssKiB: mem.rss, sessions: handle.sessionCount, gc: { ...gc }, heapTotalKiB: Math.round(process.memoryUsage().heapTotal / 1024), peakHeapTotalKiB: Math.round(peaks.heapTotal / 1024), peakExternalKiB: Math.round(peaks.external / 1024) });
  }
});
process.once('disconnect', () => process.exit(0));
process.once('SIGTERM', () => {
  void handle.close().then(() => web?.close()).finally(() => process.exit(0));
});
process.stdout.write(JSON.stringify({ implicit: handle.listeners[0].port, starttls: handle.listeners[1].port, ...(web ? { web: web.openUrl } : {}) }) + '\n');
