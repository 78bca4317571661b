// Seed and run count of the fuzz targets, from the environment: FUZZ_SEED (default fixed, so CI
// is reproducible) and FUZZ_RUNS (default short enough for CI). A failure names both, with the
// fast-check path, so `FUZZ_SEED=… npx vitest run test/fuzz` replays it exactly.

import fc from 'fast-check';

export const DEFAULT_FUZZ_SEED = 20_250_807;

function intFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  if (raw === 'random') return (Math.random() * 2 ** 31) | 0;
  const n = Number(raw);
  if (!Number.isInteger(n)) throw new Error(`${name} must be an integer or "random", got "${raw}"`);
  return n;
}

export interface FuzzSettings {
  seed: number;
  runs: number;
}

/** Settings for one target; `defaultRuns` is what that target runs in CI. */
export function fuzzSettings(defaultRuns: number): FuzzSettings {
  return { seed: intFromEnv('FUZZ_SEED', DEFAULT_FUZZ_SEED), runs: intFromEnv('FUZZ_RUNS', defaultRuns) };
}

/** Vitest timeout for a target: long runs (FUZZ_RUNS=200000) must not hit the 30 s default. */
export function fuzzTimeout(settings: FuzzSettings): number {
  return Math.max(30_000, settings.runs * 5);
}

/** fc.assert with the seed/runs, rethrowing with the line that reproduces the failure. */
export function assertFuzz<T>(name: string, settings: FuzzSettings, property: fc.IProperty<T>): void {
  try {
    fc.assert(property, { seed: settings.seed, numRuns: settings.runs, endOnFailure: false });
  } catch (err) {
    const line = `fuzz target "${name}" failed: reproduce with FUZZ_SEED=${settings.seed} FUZZ_RUNS=${settings.runs} npx vitest run test/fuzz`;
    process.stderr.write(`${line}\n`);
    if (err instanceof Error) err.message = `${line}\n${err.message}`;
    throw err;
  }
}
