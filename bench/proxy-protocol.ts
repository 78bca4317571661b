// What the bench and its mailtap child (proxy-child.mjs, plain JS so it runs the built dist/
// without a TypeScript loader) say to each other: the child's config on argv, and its answer to
// `usage` over IPC.

export interface ProxyChildConfig {
  caDir: string;
  upstreamCaFile: string;
  /** false: recording off (profile.ts --no-record, to see what recording costs). */
  recordingsDir: string | false;
  upstream: { implicit: number; starttls: number };
  /** file: URL of another build's dist/index.js (bench --baseline); default ../dist/index.js. */
  dist?: string;
  /** Serve the web view too (its store observes every session); its URL comes back as `web`. */
  web?: boolean;
}

export interface ProxyUsage {
  cpuUs: number;
  hwmKiB: number;
  rssKiB: number;
  sessions: number;
  /** Main-thread GC pauses so far (perf_hooks 'gc' entries). */
  gc: { count: number; ms: number; scavenges: number };
  heapTotalKiB: number;
  /** Largest heapTotal / external memory since the last reset-peak (sampled every 20 ms). */
  peakHeapTotalKiB: number;
  peakExternalKiB: number;
}
