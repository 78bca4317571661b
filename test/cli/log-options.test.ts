// `--log-format` and `--no-color` on `web` and `audit`, as on the proxy (SPEC second wave): the
// options parse, a bad format is a usage error, and pretty logs are one plain line per record.

import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { runCli } from '../../src/cli/program.js';
import { tempDir } from '../helpers/temp-dirs.js';

afterEach(() => {
  vi.restoreAllMocks();
  process.exitCode = undefined;
});

async function runWeb(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  let ready!: () => void;
  const started = new Promise<void>((r) => (ready = r));
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out += String(chunk);
    if (/=== (web view|vista web): /.test(out)) ready();
    return true;
  });
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    err += String(chunk);
    return true;
  });
  const running = runCli(['web', ...args]);
  await Promise.race([started, running]);
  process.emit('SIGINT');
  const code = await running;
  vi.restoreAllMocks();
  return { code, out, err };
}

describe('--log-format and --no-color on web and audit', () => {
  it('web: pretty without colour names each file that is not a recording, in the language asked for', async () => {
    const dir = await tempDir('mailtap-web-logs-');
    await writeFile(join(dir, 'notes.jsonl'), 'not a recording\n');
    const { code, out, err } = await runWeb([dir, '--listen', '127.0.0.1:0', '--log-format', 'pretty', '--no-color', '--lang', 'es']);
    expect(code).toBe(0);
    expect(out).toContain('=== 0 grabaciones (1 fichero no es una grabación)');
    expect(err).toContain(`*** WARN: no es una grabación de mailtap: se omite (file=${join(dir, 'notes.jsonl')})`);
    expect(err).not.toContain('\x1b[');
    expect(err).not.toContain('{"level"');
  });

  it('web and audit refuse an unknown --log-format as a usage error', async () => {
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    expect(await runCli(['web', '--log-format', 'xml'])).toBe(2);
    expect(await runCli(['audit', '--listen', 'smtp://127.0.0.1:0', '--mock', '--log-format', 'xml'])).toBe(2);
  });
});
