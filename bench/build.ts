// The bench measures mailtap as users run it, the built dist/ under plain node: this makes sure
// dist/ is not older than src/ (every src/**/*.ts has a dist/**/*.js at least as new), and runs
// `npm run build` when it is. A build with type errors still emits; it is used, with a warning.

import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return sources(p);
    return e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [p] : [];
  });
}

/** The src files whose dist/ output is missing or older than they are. */
export function staleSources(): string[] {
  const src = join(ROOT, 'src');
  return sources(src).filter((file) => {
    const out = join(ROOT, 'dist', relative(src, file).replace(/\.ts$/, '.js'));
    return !existsSync(out) || statSync(out).mtimeMs < statSync(file).mtimeMs;
  });
}

/** Builds dist/ when it is stale; `log` says why. Throws only when no dist/index.js results. */
export function ensureBuilt(log: (text: string) => void): void {
  const stale = staleSources();
  if (stale.length === 0) return;
  log(`dist/ is older than ${stale.length} source file(s) (${relative(ROOT, stale[0]!)}…): npm run build`);
  const r = spawnSync('npm', ['run', '--silent', 'build'], { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.status !== 0) log(`npm run build exited ${r.status}; benchmarking what it emitted`);
  if (!existsSync(join(ROOT, 'dist', 'index.js'))) throw new Error('no dist/index.js after npm run build');
}
