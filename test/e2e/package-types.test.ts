// The published declarations need no dev dependency: nothing reachable from the package's entry
// point (dist/index.d.ts) imports node-forge, whose types live in @types/node-forge, a dev
// dependency. A consumer compiling with skipLibCheck off would otherwise fail to find them.
// The declarations are emitted afresh into a temp folder, so the test checks the current source.

import { describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tempDir } from '../helpers/temp-dirs.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** Every .d.ts reachable from `entry` through relative imports and re-exports. */
function reachable(entry: string): Map<string, string> {
  const seen = new Map<string, string>();
  const queue = [entry];
  while (queue.length) {
    const file = queue.pop()!;
    if (seen.has(file) || !existsSync(file)) continue;
    const text = readFileSync(file, 'utf8');
    seen.set(file, text);
    for (const m of text.matchAll(/(?:from|import)\s*\(?\s*'(\.[^']+)'/g)) queue.push(resolve(dirname(file), m[1]!.replace(/\.js$/, '.d.ts')));
  }
  return seen;
}

describe('published type declarations', () => {
  it('no declaration reachable from the entry point imports node-forge', { timeout: 120_000 }, async () => {
    const out = await tempDir('mailtap-dts-');
    await promisify(execFile)(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', join(ROOT, 'tsconfig.build.json'), '--emitDeclarationOnly', '--declaration', '--outDir', out], { cwd: ROOT });
    const files = reachable(join(out, 'index.d.ts'));
    // The walk really covers the API (the CA's info type, the proxy's options).
    expect([...files.keys()].some((f) => f.endsWith('ca-info.d.ts'))).toBe(true);
    expect(files.size).toBeGreaterThan(10);
    const withForge = [...files].filter(([, text]) => /from 'node-forge'/.test(text)).map(([f]) => f.slice(out.length + 1));
    expect(withForge).toEqual([]);
  });
});
