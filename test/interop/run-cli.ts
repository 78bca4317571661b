// Runs real command-line clients (openssl s_client, curl, swaks, fetchmail, python3) with a
// deadline, capturing their output. `converse` drives an interactive client like a person at
// a terminal: it types a line only once the reply to the previous one has appeared.
import { spawn } from 'node:child_process';

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  input?: string | Buffer;
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
  cwd?: string;
}

function describe(cmd: string, args: string[]): string {
  return [cmd, ...args].join(' ');
}

/** Runs to completion; never rejects on a non-zero exit (the caller asserts on `code`). */
export function runCli(cmd: string, args: string[], opts: CliOptions = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env: opts.env ?? process.env, cwd: opts.cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('latin1').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('latin1').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 30_000);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(new Error(`${describe(cmd, args)}: ${err.message}`));
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.on('error', () => {});
    child.stdin.end(opts.input ?? '');
  });
}

export interface Step {
  /** What the person types (without the line end; s_client -crlf adds CRLF). */
  send?: string;
  /** Wait until the output written since this step began matches (no wait when absent). */
  expect?: RegExp;
}

export interface Conversation extends CliResult {
  /** Output seen after each step, for assertions per step. */
  replies: string[];
}

/**
 * Types each step's line after the previous step's expected reply appeared. Fails naming the
 * step whose reply never came. After the last step, waits for the client to exit.
 */
export function converse(label: string, cmd: string, args: string[], steps: Step[], timeoutMs = 20_000): Promise<Conversation> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let mark = 0;
    let index = 0;
    const replies: string[] = [];
    let done = false;
    const fail = (why: string): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      child.kill('SIGKILL');
      const step = steps[index];
      reject(new Error(`${label}: step ${index + 1} (${step?.send ?? '<connect>'}) ${why}\n--- stdout ---\n${stdout}\n--- stderr ---\n${stderr}`));
    };
    const timer = setTimeout(() => fail(`no reply matching ${String(steps[index]?.expect)} within ${timeoutMs} ms`), timeoutMs);
    const advance = (): void => {
      while (index < steps.length) {
        const seen = stdout.slice(mark);
        const want = steps[index]!.expect;
        if (want && !want.test(seen)) return;
        replies.push(seen);
        mark = stdout.length;
        index += 1;
        const next = steps[index];
        if (next?.send !== undefined) child.stdin.write(`${next.send}\n`);
      }
      // -ign_eof clients stay until the server hangs up; others may take EOF as the end.
      if (!child.stdin.writableEnded) child.stdin.end();
    };
    child.stdout.setEncoding('latin1').on('data', (d: string) => {
      stdout += d;
      advance();
    });
    child.stderr.setEncoding('latin1').on('data', (d: string) => (stderr += d));
    child.stdin.on('error', () => {});
    child.on('error', (err) => fail(err.message));
    child.on('close', (code) => {
      if (index < steps.length) return fail(`client exited (code ${String(code)}) before the reply`);
      if (done) return;
      done = true;
      clearTimeout(timer);
      resolve({ code, stdout, stderr, replies });
    });
    // The first step's line (if any) goes out once the client printed nothing yet expected.
    if (steps[0]?.send !== undefined) child.stdin.write(`${steps[0].send}\n`);
    advance();
  });
}
