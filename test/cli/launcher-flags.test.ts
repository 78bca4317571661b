// The `mailtap` binary caps V8's young generation through its shebang (src/cli/main.ts): V8 fixes
// the semi-space size when the process starts, so the flag must be on node's command line. The
// shebang is run here as the kernel runs it (an executable file with that first line), and the
// cap is checked by what it does: the new space stays small under allocation that grows it past
// that size without the flag. `npm start` must pass the same flags.

import { execFileSync } from 'node:child_process';
import { chmod, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/temp-dirs.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

async function shebang(): Promise<string> {
  return (await readFile(join(ROOT, 'src/cli/main.ts'), 'utf8')).split('\n', 1)[0]!;
}

// Short-lived objects with some survivors (what sessions make): the new space grows to its cap.
const PROBE = `
import v8 from 'node:v8';
let keep = [];
let most = 0;
for (let i = 0; i < 600000; i++) {
  keep.push({ i, s: 'x' + i, a: [i] });
  if (keep.length > 20000) keep = [];
  if (i % 5000 === 0) most = Math.max(most, v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size);
}
console.log(JSON.stringify({ execArgv: process.execArgv, newSpaceMiB: most / 2 ** 20 }));
`;

async function probe(firstLine: string): Promise<{ execArgv: string[]; newSpaceMiB: number }> {
  const dir = await tempDir('mailtap-launcher-');
  const file = join(dir, 'probe.mjs');
  await writeFile(file, `${firstLine}\n${PROBE}`);
  await chmod(file, 0o755);
  return JSON.parse(execFileSync(file, { encoding: 'utf8', timeout: 30_000 })) as { execArgv: string[]; newSpaceMiB: number };
}

describe('the mailtap binary starts node with a capped young generation', () => {
  it('has a shebang that passes --max-semi-space-size to node', async () => {
    expect(await shebang()).toMatch(/^#!\/usr\/bin\/env -S node( --[a-z-]+=\S+)*? --max-semi-space-size=\d+( --[a-z-]+=\S+)*$/);
  });

  it('keeps the new space under the cap when run through that shebang, where plain node lets it grow', async () => {
    const line = await shebang();
    const semiMiB = Number(/--max-semi-space-size=(\d+)/.exec(line)?.[1]);
    const capped = await probe(line);
    expect(capped.execArgv).toContain(`--max-semi-space-size=${semiMiB}`);
    // Two semi-spaces of semiMiB each at most.
    expect(capped.newSpaceMiB).toBeLessThanOrEqual(2 * semiMiB);
    const plain = await probe('#!/usr/bin/env node');
    expect(plain.newSpaceMiB).toBeGreaterThan(2 * semiMiB);
  }, 60_000);

  it('npm start passes the same node flags', async () => {
    const flags = (await shebang()).replace(/^#!\/usr\/bin\/env -S node/, '').trim();
    const pkg = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(pkg.scripts.start).toContain(`node ${flags} dist/cli/main.js`);
  });
});
