// Security rules that need no network: a CA key other users can read is refused with the fix to
// run, and `show` refuses files that are not recordings with one clear line.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chmod, mkdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CertificateAuthority, CA_KEY_FILE } from '../../src/ca/index.js';
import { startProxy } from '../../src/session/proxy.js';
import { parseRoute } from '../../src/core/mail-url.js';
import { makeTempDir } from '../helpers/pki.js';
import { runCliInProcess } from './support/cli.js';
import { RecordingWriter } from '../../src/record/writer.js';

let tmp: { dir: string; cleanup: () => Promise<void> };
beforeAll(async () => {
  tmp = await makeTempDir('mailtap-sec-');
});
afterAll(async () => {
  await tmp?.cleanup();
});

describe('the CA key', () => {
  it.each(['640', '604', '644'])('mode %s: the proxy refuses to start with E_CA_KEY_MODE and the chmod fix', async (octal) => {
    const mode = parseInt(octal, 8);
    const dir = join(tmp.dir, `ca-${octal}`);
    await CertificateAuthority.init(dir);
    const key = join(dir, CA_KEY_FILE);
    await chmod(key, mode);
    const starting = startProxy({ routes: [parseRoute('smtp://127.0.0.1:0=smtp://127.0.0.1:9')], certs: dir, recordings: false });
    await expect(starting).rejects.toMatchObject({ code: 'E_CA_KEY_MODE', message: expect.stringContaining(`chmod 600 ${key}`) });
    await chmod(key, 0o600);
    const proxy = await startProxy({ routes: [parseRoute('smtp://127.0.0.1:0=smtp://127.0.0.1:9')], certs: dir, recordings: false });
    await proxy.close();
  });
});

describe('directories that hold secrets, made by hand with mode 0755', () => {
  it('certs/: tightened to 0700 when the proxy first loads the CA', async () => {
    const dir = join(tmp.dir, 'certs-open');
    await CertificateAuthority.init(dir);
    await chmod(dir, 0o755);
    const proxy = await startProxy({ routes: [parseRoute('smtp://127.0.0.1:0=smtp://127.0.0.1:9')], certs: dir, recordings: false });
    await proxy.close();
    expect((await stat(dir)).mode & 0o777).toBe(0o700);
  });

  it('certs/: an existing empty 0755 directory given to ca init ends up 0700', async () => {
    const dir = join(tmp.dir, 'certs-empty-open');
    await mkdir(dir, { mode: 0o755 });
    await chmod(dir, 0o755);
    const code = (await runCliInProcess(['ca', 'init', '--dir', dir])).code;
    expect(code).toBe(0);
    expect((await stat(dir)).mode & 0o777).toBe(0o700);
  });

  it('recordings/: tightened to 0700 when the first recording is written', async () => {
    const dir = join(tmp.dir, 'recordings-open');
    await mkdir(dir, { mode: 0o755 });
    await chmod(dir, 0o755);
    const header = { format: 'mailtap-recording', version: 1, protocol: 'smtp', session: 'perm-1', start: new Date().toISOString(), client: { address: '127.0.0.1', port: 1 }, listen: 'smtp://127.0.0.1:1', upstream: 'smtp://127.0.0.1:2', clientTls: 'none', upstreamTls: 'none', mailtap: 'test' } as const;
    const writer = await RecordingWriter.open(dir, header);
    await writer.close({ t: 1, dir: 'proxy', type: 'close', reason: 'test', bytes: { c2s: 0, s2c: 0 } });
    expect(writer.failed).toBe(false);
    expect((await stat(dir)).mode & 0o777).toBe(0o700);
  });
});

describe('show refuses what is not a recording', () => {
  it.each([
    ['empty', ''],
    ['plain text', 'hello\nworld\n'],
    ['JSON without the header', '{"t":0,"dir":"proxy","type":"close"}\n'],
    ['another JSONL format', '{"format":"other","version":1}\n'],
  ])('%s → exit 1, one line naming the file', async (name, content) => {
    const file = join(tmp.dir, `${name.replace(/\W+/g, '-')}.jsonl`);
    await writeFile(file, content);
    const { code, out, err } = await runCliInProcess(['show', file]);
    expect(code).toBe(1);
    expect(out).toBe('');
    expect(err.trim().split('\n')).toHaveLength(1);
    expect(err).toContain(file);
    expect(err).toMatch(/not a valid mailtap recording/);
  });

  it('a directory and a missing file are refused too', async () => {
    for (const path of [tmp.dir, join(tmp.dir, 'missing.jsonl')]) {
      const { code, err } = await runCliInProcess(['show', path]);
      expect(code).not.toBe(0);
      expect(err).toContain(path);
    }
  });
});
