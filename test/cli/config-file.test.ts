// `--config FILE` is checked before anything starts: every key is one the command line knows,
// every value passes the same parser as its flag. A bad file is one line naming the key, exit 2.

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { runCli } from '../../src/cli/program.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mailtap-config-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});
afterEach(() => {
  vi.restoreAllMocks();
  process.exitCode = undefined;
});

/** Runs `mailtap proxy --config FILE`; a proxy that starts listening is stopped and reported. */
async function runWithConfig(config: unknown): Promise<{ code: number; err: string; started: boolean }> {
  const file = join(dir, `c${Math.random().toString(36).slice(2)}.json`);
  await writeFile(file, typeof config === 'string' ? config : JSON.stringify(config));
  let out = '';
  let err = '';
  let started = false;
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out += String(chunk);
    if (!started && /listening on|escuchando en/.test(out)) {
      started = true;
      setImmediate(() => process.emit('SIGINT'));
    }
    return true;
  });
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    err += String(chunk);
    return true;
  });
  const code = await runCli(['proxy', '--config', file]);
  vi.restoreAllMocks();
  return { code, err, started };
}

const base = () => ({ route: ['smtp://127.0.0.1:0=smtp://127.0.0.1:9'], certs: join(dir, 'certs'), record: false, quiet: true });

describe('--config is validated at start', () => {
  it.each([
    ['lang', { lang: 'fr' }, /"lang".*en or es/],
    ['idleTimeout', { idleTimeout: 'soon' }, /"idleTimeout".*positive whole number/],
    ['idleTimeout', { idleTimeout: -5 }, /"idleTimeout".*positive whole number/],
    ['unknown key', { recordngs: '/tmp/x' }, /unknown setting "recordngs"/],
    ['boolean', { insecure: 'yes' }, /"insecure".*true or false/],
    ['list', { upstreamCa: 'ca.pem' }, /"upstreamCa".*list/],
    ['upstreams', { upstreams: ['ftp://x'] }, /"upstreams"/],
    ['logLevel', { logLevel: 'loud' }, /"logLevel"/],
  ])('%s: one line naming the key, exit 2, nothing started', async (_name, bad, message) => {
    const { code, err, started } = await runWithConfig({ ...base(), ...bad });
    expect(started).toBe(false);
    expect(code).toBe(2);
    expect(err.trim().split('\n')).toHaveLength(1);
    expect(err).toMatch(message);
  });

  it('a file that is not a JSON object is refused the same way', async () => {
    const { code, err, started } = await runWithConfig('[1,2]');
    expect(started).toBe(false);
    expect(code).toBe(2);
    expect(err).toMatch(/not valid.*JSON object/);
  });

  it('a valid file starts the proxy (numbers may be JSON numbers)', async () => {
    const { code, started, err } = await runWithConfig({ ...base(), idleTimeout: 60000, lang: 'es', upstreamCa: [] });
    expect(err).toBe('');
    expect(started).toBe(true);
    expect(code).toBe(0);
  });
});
