// Leaf issuance cost: the first certificate for a fresh name set (build, native RSA signature,
// secure context) and a cache hit. Run directly with `npx tsx bench/ca.ts`; goals 5 ms and 0.05 ms.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { CertificateAuthority, defaultLocalNames } from '../src/ca/index.js';

export async function benchCertificates(iterations = 50): Promise<{ firstIssueMsMedian: number; cachedMsMedian: number }> {
  const dir = await mkdtemp(join(tmpdir(), 'mailtap-bench-ca-'));
  try {
    const ca = await CertificateAuthority.init(dir);
    // Warm-up: JIT and OpenSSL's lazy initialisation are not what a session pays.
    for (let i = 0; i < 5; i++) await ca.issue([`warmup${i}.example.com`, ...defaultLocalNames()]);

    const first: number[] = [];
    for (let i = 0; i < iterations; i++) {
      const names = [`host${i}.example.com`, ...defaultLocalNames()];
      const started = performance.now();
      await ca.issue(names);
      first.push(performance.now() - started);
    }

    const repeated = ['host0.example.com', ...defaultLocalNames()];
    const cached: number[] = [];
    for (let i = 0; i < iterations; i++) {
      const started = performance.now();
      if (!ca.cached(repeated)) throw new Error('cache miss on a repeated name set');
      cached.push(performance.now() - started);
    }
    return { firstIssueMsMedian: median(first), cachedMsMedian: median(cached) };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const result = await benchCertificates();
  process.stdout.write(
    `first leaf issuance: ${result.firstIssueMsMedian.toFixed(3)} ms median (goal 5 ms)\n` +
      `cached leaf lookup:  ${result.cachedMsMedian.toFixed(4)} ms median (goal 0.05 ms)\n`,
  );
}
