// Starts a bench helper (proxy-child.mjs on the built dist/, upstream-child.ts under tsx) as its
// own Node process, so its CPU and RSS are its alone: waits for the JSON line it prints when ready, asks it questions over
// IPC, and stops it by the PID we started (SIGTERM, then SIGKILL if it lingers).

import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { readFileSync, writeFileSync } from 'node:fs';
import { ENV_TOKEN } from './launcher.js';

export interface BenchChild<Ready> {
  pid: number;
  ready: Ready;
  /** One request, one reply over IPC (requests are answered in order). */
  ask<T>(message: Record<string, unknown>): Promise<T>;
  stop(): Promise<void>;
}

export async function startChild<Ready>(script: string, config: unknown, nodeFlags: string[] = []): Promise<BenchChild<Ready>> {
  const path = fileURLToPath(new URL(script, import.meta.url));
  // `node --import tsx`, not `npx tsx`: the PID we hold is then the process doing the work. A
  // .mjs helper is plain JS and runs without the loader.
  const loader = script.endsWith('.ts') ? ['--import', 'tsx'] : [];
  // `VAR=value` tokens (launcher.ts) are the environment, as env(1) reads them on a shebang.
  const env = { ...process.env };
  for (const t of nodeFlags.filter((f) => ENV_TOKEN.test(f))) env[t.slice(0, t.indexOf('='))] = t.slice(t.indexOf('=') + 1);
  const flags = nodeFlags.filter((f) => !ENV_TOKEN.test(f));
  const child: ChildProcess = spawn(process.execPath, [...flags, ...loader, path, JSON.stringify(config)], {
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
    env,
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const ready = await new Promise<Ready>((resolve, reject) => {
    // A child that never became ready is not left running behind a failed bench.
    const fail = (err: Error) => {
      child.kill();
      reject(err);
    };
    const lines = createInterface({ input: child.stdout! });
    const onLine = (line: string) => {
      // V8 tracing flags (bench/deopts.ts) print to stdout too: the ready line is the JSON one.
      if (nodeFlags.length > 0 && !line.startsWith('{')) return;
      lines.removeListener('line', onLine);
      try {
        resolve(JSON.parse(line) as Ready);
      } catch {
        fail(new Error(`${script} printed ${JSON.stringify(line)} instead of its ready line`));
      }
    };
    lines.on('line', onLine);
    child.once('exit', (code) => reject(new Error(`${script} exited (${code}) before it was ready`)));
    child.once('error', fail);
  });
  const waiting: ((value: unknown) => void)[] = [];
  child.on('message', (m) => waiting.shift()?.(m));
  return {
    pid: child.pid!,
    ready,
    ask<T>(message: Record<string, unknown>): Promise<T> {
      return new Promise<T>((resolve) => {
        waiting.push(resolve as (value: unknown) => void);
        child.send(message);
      });
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      process.kill(child.pid!, 'SIGTERM');
      const timer = setTimeout(() => child.exitCode === null && process.kill(child.pid!, 'SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Peak RSS (VmHWM) and current RSS of the calling process, in KiB, read from /proc. */
export function memoryKiB(): { hwm: number; rss: number } {
  const status = readFileSync('/proc/self/status', 'utf8');
  const num = (key: string) => Number(new RegExp(`${key}:\\s+(\\d+)`).exec(status)?.[1] ?? NaN);
  return { hwm: num('VmHWM'), rss: num('VmRSS') };
}

/** Resets VmHWM to the current RSS (Linux clear_refs "5"), so a peak belongs to one scenario. */
export function resetPeakRss(): boolean {
  try {
    writeFileSync('/proc/self/clear_refs', '5');
    return true;
  } catch {
    return false;
  }
}
