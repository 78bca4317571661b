// Vitest global setup: the whole run gets a fresh system temp folder (TMPDIR, inherited by every
// worker and child process), and at the end any `mailtap-*` folder or file still in it fails the
// run, named. So a test that forgets its cleanup is caught the day it is written, and parallel
// runs on one machine cannot blame each other's leftovers.

import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export default function setup(): () => void {
  const runDir = mkdtempSync(join(tmpdir(), 'mailtap-test-run-'));
  const previous = process.env.TMPDIR;
  process.env.TMPDIR = runDir;
  return () => {
    const left = readdirSync(runDir).filter((name) => name.startsWith('mailtap-'));
    if (previous === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = previous;
    rmSync(runDir, { recursive: true, force: true });
    if (left.length) {
      // Vitest reports a throwing teardown but still exits 0: set the exit code ourselves.
      process.exitCode = 1;
      console.error(`\nFAIL: the test run left ${left.length} temp folder(s) behind: ${left.join(', ')} (use tempDir() from test/helpers/temp-dirs.ts)`);
    }
  };
}
