// mailtap's proxy alone in a process, for the benchmark: two routes (smtps→smtps, smtp→smtp),
// decoding and recording on. Prints `{"implicit":port,"starttls":port}` when listening, answers
// `usage` (CPU µs, RSS, open sessions) and `reset-peak` over IPC, exits cleanly on SIGTERM so
// `node --cpu-prof` can write its profile.

import { parseRoute } from '../src/core/mail-url.js';
import { CertificateAuthority } from '../src/ca/index.js';
import { startProxy } from '../src/session/proxy.js';
import { memoryKiB, resetPeakRss } from './child-process.js';

export interface ProxyChildConfig {
  caDir: string;
  upstreamCaFile: string;
  /** false: recording off (profile.ts --no-record, to see what recording costs). */
  recordingsDir: string | false;
  upstream: { implicit: number; starttls: number };
}

export interface ProxyUsage {
  cpuUs: number;
  hwmKiB: number;
  rssKiB: number;
  sessions: number;
}

const config = JSON.parse(process.argv[2] ?? '{}') as ProxyChildConfig;
const ca = await CertificateAuthority.load(config.caDir);
const handle = await startProxy({
  routes: [
    parseRoute(`smtps://127.0.0.1:0=smtps://127.0.0.1:${config.upstream.implicit}`),
    parseRoute(`smtp://127.0.0.1:0=smtp://127.0.0.1:${config.upstream.starttls}`),
  ],
  ca,
  upstreamCa: [config.upstreamCaFile],
  recordings: config.recordingsDir,
});

process.on('message', (m: { type: string }) => {
  if (m.type === 'reset-peak') {
    process.send!({ ok: resetPeakRss() });
  } else if (m.type === 'usage') {
    const cpu = process.cpuUsage();
    const mem = memoryKiB();
    process.send!({ cpuUs: cpu.user + cpu.system, hwmKiB: mem.hwm, rssKiB: mem.rss, sessions: handle.sessionCount } satisfies ProxyUsage);
  }
});
process.once('disconnect', () => process.exit(0));
process.once('SIGTERM', () => {
  void handle.close().finally(() => process.exit(0));
});
process.stdout.write(JSON.stringify({ implicit: handle.listeners[0]!.port, starttls: handle.listeners[1]!.port }) + '\n');
