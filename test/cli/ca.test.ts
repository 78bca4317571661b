// `mailtap ca init|show|export` through runCli, with stdout/stderr captured, in temp dirs.

import { X509Certificate } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { runCli } from '../../src/cli/program.js';
import { tempDirs } from '../ca/temp-dir.js';

const dirs = tempDirs('mailtap-cli-ca-');
let stdout: string[];
let stderr: string[];

beforeEach(() => {
  stdout = [];
  stderr = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('latin1'));
    return true;
  });
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stderr.push(String(chunk));
    return true;
  });
});
afterEach(() => {
  vi.restoreAllMocks();
  process.exitCode = undefined;
});
afterAll(() => dirs.cleanup());

const out = () => stdout.join('');
const err = () => stderr.join('');

describe('mailtap ca init', () => {
  it('creates the CA and prints paths, subject and fingerprint', async () => {
    const dir = join(await dirs.make(), 'certs');
    expect(await runCli(['ca', 'init', '--dir', dir, '--cn', 'Lab CA', '--days', '90'])).toBe(0);
    const pem = await readFile(join(dir, 'mailtap-ca.pem'), 'utf8');
    const fingerprint = new X509Certificate(pem).fingerprint256;
    expect(out()).toContain(`certificate  ${join(dir, 'mailtap-ca.pem')}`);
    expect(out()).toContain(`private key  ${join(dir, 'mailtap-ca.key')}`);
    expect(out()).toContain(`SHA-256      ${fingerprint}`);
    expect(out()).toMatch(/subject {6}CN=Lab CA, O=mailtap, OU=mailtap CA [0-9a-f]{8}/);
    expect(err()).toBe('');
    if (process.platform !== 'win32') expect((await stat(join(dir, 'mailtap-ca.key'))).mode & 0o777).toBe(0o600);
  });

  it('refuses to overwrite with one line naming --force (exit 1), and --force replaces', async () => {
    const dir = await dirs.make();
    expect(await runCli(['ca', 'init', '--dir', dir])).toBe(0);
    const before = await readFile(join(dir, 'mailtap-ca.pem'), 'utf8');
    expect(await runCli(['ca', 'init', '--dir', dir])).toBe(1);
    expect(err()).toMatch(/^mailtap: .*mailtap-ca\.pem already exists; use --force .*\n$/);
    expect(await readFile(join(dir, 'mailtap-ca.pem'), 'utf8')).toBe(before);
    expect(await runCli(['ca', 'init', '--dir', dir, '--force'])).toBe(0);
    expect(await readFile(join(dir, 'mailtap-ca.pem'), 'utf8')).not.toBe(before);
  });

  it.each([
    [['--days', 'abc'], /--days/],
    [['--days', '0'], /--days/],
    [['--permit', 'not a domain'], /--permit/],
    [['--cn', 'x'.repeat(65)], /--cn/],
  ])('rejects %j with one line and exit 2', async (args, message) => {
    const dir = await dirs.make();
    expect(await runCli(['ca', 'init', '--dir', dir, ...args])).toBe(2);
    expect(err()).toMatch(message);
    expect(err().trimEnd().split('\n')).toHaveLength(1);
  });
});

describe('mailtap ca show', () => {
  it('prints fingerprint, validity, constraints and the exact trust lines', async () => {
    const dir = await dirs.make();
    expect(await runCli(['ca', 'init', '--dir', dir, '--permit', 'example.com', 'example.org'])).toBe(0);
    stdout.length = 0;
    expect(await runCli(['ca', 'show', '--dir', dir])).toBe(0);
    const pem = join(dir, 'mailtap-ca.pem');
    const fingerprint = new X509Certificate(await readFile(pem)).fingerprint256;
    const text = out();
    expect(text).toContain(`SHA-256      ${fingerprint}`);
    expect(text).toMatch(/valid {8}\d{4}-\d\d-\d\dT.* to \d{4}-.* \(\d+ days left\)/);
    expect(text).toContain('only vouches for example.com, example.org, localhost, 127.0.0.0/8, ::1/128');
    expect(text).toContain(`curl --cacert ${pem} `);
    expect(text).toContain(`openssl s_client -crlf -CAfile ${pem} `);
    expect(text).toContain(`--tls-ca-path ${pem}`);
    expect(text).toContain(`ssl.create_default_context(cafile="${pem}")`);
    expect(text).toContain(`cp ${pem} /usr/local/share/ca-certificates/mailtap.crt && sudo update-ca-certificates`);
    expect(text).toContain('Settings → Privacy & Security → Certificates → Manage Certificates → Authorities');
  });

  it('says to run `mailtap ca init` when there is no CA (one line, exit 1)', async () => {
    const dir = await dirs.make();
    expect(await runCli(['ca', 'show', '--dir', dir])).toBe(1);
    expect(err()).toMatch(/^mailtap: .*mailtap ca init.*\n$/);
    expect(out()).toBe('');
  });
});

describe('mailtap ca export', () => {
  it('writes the PEM to stdout, and DER or a file on request', async () => {
    const dir = await dirs.make();
    expect(await runCli(['ca', 'init', '--dir', dir])).toBe(0);
    const pem = await readFile(join(dir, 'mailtap-ca.pem'), 'utf8');
    stdout.length = 0;
    expect(await runCli(['ca', 'export', '--dir', dir])).toBe(0);
    expect(out()).toBe(pem);
    const target = join(dir, 'exported.cer');
    expect(await runCli(['ca', 'export', '--dir', dir, '--der', '--out', target])).toBe(0);
    expect((await readFile(target)).equals(new X509Certificate(pem).raw)).toBe(true);
    expect(err()).toContain(target);
  });

  it('fails with the init hint when there is no CA', async () => {
    expect(await runCli(['ca', 'export', '--dir', await dirs.make()])).toBe(1);
    expect(err()).toMatch(/mailtap ca init/);
  });
});
