// The command-line contract of SPEC.md ("Every command has --help; bad arguments give one clear
// line and exit code 2"), issue 8 ("show/replay refuse non-recordings with a clear error") and the
// demo self-test, through runCli() in-process. Every path written is under a fresh temp dir.

import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { runCli } from '../../src/cli/program.js';

const SAMPLE = fileURLToPath(new URL('../../recordings/samples/smtps-465.jsonl', import.meta.url));
let dir: string;
const at = (name: string): string => join(dir, name);

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mailtap-cli-contract-'));
  await writeFile(at('plain.txt'), 'Return-Path: <a@b>\nSubject: not a recording\n\nhello\n');
  await writeFile(at('empty.jsonl'), '');
  // A real recording's events without its header line, and a JSON object that is some other format.
  const sample = await readFile(SAMPLE, 'utf8');
  await writeFile(at('headerless.jsonl'), sample.slice(sample.indexOf('\n') + 1));
  await writeFile(at('other.json'), '{"format":"har","version":1,"protocol":"smtp"}\n');
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

afterEach(() => {
  vi.restoreAllMocks();
  process.exitCode = undefined;
});

/** A command that got past argument checks may start listeners and wait for a signal: fail fast instead. */
const GUARD_MS = 20_000;

async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => ((out += String(chunk)), true));
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => ((err += String(chunk)), true));
  let timer: NodeJS.Timeout | undefined;
  try {
    const code = await Promise.race([
      runCli(args),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`mailtap ${args.join(' ')} did not return within ${GUARD_MS} ms`)), GUARD_MS);
      }),
    ]);
    return { code, out, err };
  } finally {
    clearTimeout(timer);
    vi.restoreAllMocks();
    process.exitCode = undefined;
  }
}

/** stderr is exactly one line, prefixed like every mailtap message. */
function expectOneLine(err: string): string {
  const lines = err.split('\n');
  expect(lines.at(-1), 'stderr ends with a newline').toBe('');
  expect(lines.slice(0, -1), `one line on stderr, got ${JSON.stringify(err)}`).toHaveLength(1);
  expect(err).toMatch(/^mailtap: \S/);
  return lines[0]!;
}

describe('--help on every command', () => {
  const commands: string[][] = [[], ['ca'], ['ca', 'init'], ['ca', 'show'], ['ca', 'export'], ['proxy'], ['replay'], ['show'], ['decode'], ['encode'], ['demo']];
  it.each(commands.map((c) => [c.join(' ') || '(top level)', c] as const))('mailtap %s --help exits 0 with its usage on stdout', async (_name, cmd) => {
    const r = await run([...cmd, '--help']);
    expect(r.code).toBe(0);
    expect(r.err).toBe('');
    expect(r.out).toMatch(new RegExp(`^Usage: mailtap${cmd.map((c) => ` ${c}`).join('')}( |\\n)`));
    expect(r.out).toContain('-h, --help');
  });
});

describe('bad arguments: one line on stderr, exit code 2, nothing on stdout', () => {
  const cases: [string, string[], RegExp][] = [
    ['unknown command', ['frobnicate'], /unknown command 'frobnicate'/],
    ['no command at all', [], /^mailtap: mailtap needs a command: ca, proxy, replay, show, decode, encode, demo, export, web, audit /],
    ['ca without a subcommand', ['ca'], /^mailtap: mailtap ca needs a command: init, show, export /],
    ['unknown ca subcommand', ['ca', 'bogus'], /unknown command 'bogus'/],
    ['unknown option', ['show', 'x.jsonl', '--bogus'], /unknown option '--bogus'/],
    ['unknown top-level option', ['--bogus'], /unknown option '--bogus'/],
    ['proxy with no upstream', ['proxy', '--certs', 'CERTS', '--recordings', 'RECS'], /at least one UPSTREAM/],
    ['proxy with an unknown scheme', ['proxy', 'ftp://x', '--certs', 'CERTS', '--recordings', 'RECS'], /unknown scheme "ftp"/],
    ['proxy --route across protocols', ['proxy', '--route', 'smtp://127.0.0.1:1=imaps://x', '--certs', 'CERTS', '--recordings', 'RECS'], /smtp.*imap/],
    ['proxy --lang fr', ['proxy', '--lang', 'fr', 'smtp://127.0.0.1:1', '--certs', 'CERTS', '--recordings', 'RECS'], /--lang.*expected en or es/],
    ['replay with no recording', ['replay', '--certs', 'CERTS'], /missing required argument 'recording/],
    ['replay --client without --to', ['replay', '--client', 'x.jsonl', '--certs', 'CERTS'], /--client needs --to/],
    ['show --format pdf', ['show', 'x.jsonl', '--format', 'pdf'], /--format.*pdf.*(text|choices)/],
    ['decode of invalid base64', ['decode', '!!!'], /not valid base64/],
    ['web --listen with a bad address', ['web', '--listen', 'a:b:c'], /--listen.*HOST:PORT/],
    ['web of a directory that does not exist', ['web', '/nonexistent-mailtap-recordings', '--listen', '127.0.0.1:0'], /cannot read \/nonexistent-mailtap-recordings: no such file/],
    ['proxy --web beyond loopback without a token', ['proxy', 'smtp://127.0.0.1:1', '--web', '0.0.0.0:0', '--web-token', 'none', '--certs', 'CERTS', '--recordings', 'RECS'], /beyond loopback\) needs an access token/],
    ['ca init --days abc', ['ca', 'init', '--days', 'abc', '--dir', 'CERTS'], /--days.*positive whole number/],
  ];
  it.each(cases)('%s', async (_name, args, message) => {
    const r = await run(args.map((a) => (a === 'CERTS' ? at('certs') : a === 'RECS' ? at('recordings') : a)));
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(expectOneLine(r.err)).toMatch(message);
  });
});

describe('replay and show refuse a file that is not a recording (one line naming it, exit 1)', () => {
  const files: [string, RegExp][] = [
    ['plain.txt', /not JSON/],
    ['empty.jsonl', /empty/],
    ['headerless.jsonl', /not a recording header/],
    ['other.json', /"format" is not "mailtap-recording"/],
  ];
  const commands: [string, (file: string) => string[]][] = [
    ['show', (f) => ['show', f]],
    ['replay', (f) => ['replay', f, '--certs', at('certs'), '--listen', 'smtp://127.0.0.1:0']],
  ];
  for (const [name, argsFor] of commands) {
    it.each(files)(`${name} %s`, async (file, why) => {
      const r = await run(argsFor(at(file)));
      expect(r.code).toBe(1);
      expect(expectOneLine(r.err)).toContain(at(file));
      expect(r.err).toMatch(/is not a valid mailtap recording: /);
      expect(r.err).toMatch(why);
      expect(r.out).not.toMatch(/replaying|listening/);
    });
  }
});

describe('demo --self-test', () => {
  it('drives every listener with the bundled samples and ends with the summary, exit 0', async () => {
    const r = await run(['demo', '--self-test', '--certs', at('demo-certs'), '--no-record', '--lang', 'en']);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const lines = r.out.trimEnd().split('\n');
    expect(lines.at(-1)).toMatch(/^=== self-test passed: \d+ sessions through the proxy and the replay$/);
    const verdicts = lines.filter((l) => /^[✓✗] /.test(l));
    expect(verdicts.length).toBeGreaterThan(0);
    expect(verdicts.filter((l) => l.startsWith('✗'))).toEqual([]);
    expect(Number(/(\d+) sessions/.exec(lines.at(-1)!)![1])).toBe(verdicts.length);
  }, 60_000);
});
