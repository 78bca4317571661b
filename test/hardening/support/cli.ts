// Two ways to run the mailtap CLI from a test: in-process (fast; stdout/stderr captured through
// spies) for short commands like `show`, and as a child process (real signals, real exit codes)
// for `proxy`, started the way a user would with tsx.

import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { vi } from 'vitest';
import { runCli } from '../../../src/cli/program.js';

export const REPO = fileURLToPath(new URL('../../../', import.meta.url));

export async function runCliInProcess(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => ((out += String(chunk)), true));
  const e = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => ((err += String(chunk)), true));
  try {
    const code = await runCli(args);
    return { code, out, err };
  } finally {
    o.mockRestore();
    e.mockRestore();
    process.exitCode = undefined;
  }
}

export interface CliChild {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves with the first stdout match of `pattern` (e.g. the listening line). */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export function spawnCli(args: string[]): CliChild {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
  let out = '';
  let err = '';
  const listeners: (() => void)[] = [];
  child.stdout!.on('data', (c: Buffer) => {
    out += c.toString();
    for (const l of [...listeners]) l();
  });
  child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    exited,
    waitFor(pattern, timeoutMs = 20_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const m = out.match(pattern);
          if (!m) return;
          listeners.splice(listeners.indexOf(check), 1);
          clearTimeout(timer);
          resolve(m);
        };
        const timer = setTimeout(() => reject(new Error(`no ${pattern} on stdout in ${timeoutMs} ms; stdout=${out.slice(-500)} stderr=${err.slice(-500)}`)), timeoutMs);
        listeners.push(check);
        void exited.then(() => setTimeout(() => reject(new Error(`mailtap exited before ${pattern}; stderr=${err.slice(-500)}`)), 0));
        check();
      });
    },
  };
}
