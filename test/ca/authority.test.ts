// CertificateAuthority on disk and in memory: files and modes, refusals, load errors that name
// the file, the leaf cache, and the extensions of what it issues (read back with node:crypto).

import { X509Certificate, generateKeyPairSync } from 'node:crypto';
import { chmod, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CertificateAuthority, LEAF_VALIDITY_DAYS, defaultLocalNames } from '../../src/ca/index.js';
import { MailtapError } from '../../src/core/errors.js';
import { tempDirs } from './temp-dir.js';

const DAY_MS = 86_400_000;
const dirs = tempDirs();
const posix = process.platform !== 'win32';
let shared: CertificateAuthority;

beforeAll(async () => {
  shared = await CertificateAuthority.init(join(await dirs.make(), 'certs'));
});
afterAll(() => dirs.cleanup());

async function rejection(promise: Promise<unknown>): Promise<MailtapError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(MailtapError);
  return err as MailtapError;
}

describe('init', () => {
  it.runIf(posix)('creates the directory 0700, keys 0600 and the certificates', async () => {
    const { info } = shared;
    expect((await stat(info.dir)).mode & 0o777).toBe(0o700);
    expect((await stat(info.keyPath)).mode & 0o777).toBe(0o600);
    expect((await stat(join(info.dir, 'mailtap-leaf.key'))).mode & 0o777).toBe(0o600);
    const der = await readFile(info.derPath);
    expect(new X509Certificate(der).fingerprint256).toBe(info.fingerprint256);
    expect(new X509Certificate(await readFile(info.certPath)).raw.equals(der)).toBe(true);
  });

  it('makes a CA certificate with the RFC 5280 extensions and a unique subject', async () => {
    const cert = new X509Certificate(shared.certPem);
    expect(cert.ca).toBe(true);
    expect(cert.subject).toMatch(/^CN=mailtap CA \(.+\\, \d{4}-\d{2}-\d{2}\)\nO=mailtap\nOU=mailtap CA [0-9a-f]{8}$/);
    expect(shared.info.subject).toMatch(/^CN=mailtap CA \(.+, \d{4}-\d{2}-\d{2}\), O=mailtap, OU=mailtap CA [0-9a-f]{8}$/);
    expect(cert.verify(cert.publicKey)).toBe(true);
    expect(shared.info.fingerprint256).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    expect(shared.info.permitted).toEqual([]);
    const years = (shared.info.notAfter.getTime() - Date.now()) / (365 * DAY_MS);
    expect(years).toBeGreaterThan(9.9);
    expect(years).toBeLessThan(10.1);
    expect(Date.now() - shared.info.notBefore.getTime()).toBeGreaterThan(DAY_MS - 60_000);
    // A positive INTEGER with no leading zero octet: 01..7f followed by 15 more octets.
    expect(cert.serialNumber).toMatch(/^(0[1-9A-F]|[1-7][0-9A-F])[0-9A-F]{30}$/);
  });

  it('honours --cn, --days and --permit (read back from the certificate)', async () => {
    const dir = await dirs.make();
    const ca = await CertificateAuthority.init(dir, { cn: 'Lab CA', days: 30, permit: ['Example.COM', '192.168.1.0/24'] });
    expect(ca.info.subject).toMatch(/^CN=Lab CA, /);
    expect(Math.round((ca.info.notAfter.getTime() - ca.info.notBefore.getTime()) / DAY_MS)).toBe(31);
    expect(ca.info.permitted).toEqual(['example.com', '192.168.1.0/24', 'localhost', '127.0.0.0/8', '::1/128']);
    expect((await CertificateAuthority.load(dir)).info.permitted).toEqual(ca.info.permitted);
  });

  it.each([
    [{ days: 0 }, /--days/],
    [{ days: 1.5 }, /--days/],
    [{ cn: '' }, /--cn/],
    [{ cn: 'x'.repeat(65) }, /--cn/],
    [{ permit: ['not a domain'] }, /--permit/],
    [{ permit: ['10.0.0.0/33'] }, /--permit/],
    [{ permit: ['*.example.com'] }, /--permit/],
  ])('rejects bad options %j with E_USAGE', async (options, message) => {
    const err = await rejection(CertificateAuthority.init(await dirs.make(), options));
    expect(err.code).toBe('E_USAGE');
    expect(err.message).toMatch(message);
  });

  it('refuses to overwrite without force, naming the file and --force; force replaces it', async () => {
    const dir = await dirs.make();
    const first = await CertificateAuthority.init(dir);
    const err = await rejection(CertificateAuthority.init(dir));
    expect(err.code).toBe('E_CA_EXISTS');
    expect(err.message).toContain(join(dir, 'mailtap-ca.pem'));
    expect(err.message).toContain('--force');
    expect((await CertificateAuthority.load(dir)).info.fingerprint256).toBe(first.info.fingerprint256);
    const second = await CertificateAuthority.init(dir, { force: true });
    expect(second.info.fingerprint256).not.toBe(first.info.fingerprint256);
    expect((await CertificateAuthority.load(dir)).info.fingerprint256).toBe(second.info.fingerprint256);
    if (posix) expect((await stat(second.info.keyPath)).mode & 0o777).toBe(0o600);
  });
});

describe('load', () => {
  it('loads what init wrote, with the same leaf key', async () => {
    const loaded = await CertificateAuthority.load(shared.info.dir);
    expect(loaded.info).toEqual(shared.info);
    expect((await loaded.issue(['a.test'])).keyPem).toBe((await shared.issue(['a.test'])).keyPem);
  });

  it('reports a missing CA with the hint to run `mailtap ca init`', async () => {
    const err = await rejection(CertificateAuthority.load(await dirs.make()));
    expect(err.code).toBe('E_CA_MISSING');
    expect(err.message).toContain('mailtap ca init');
  });

  it('reports a corrupt certificate, naming the file', async () => {
    const dir = await dirs.make();
    const ca = await CertificateAuthority.init(dir);
    await writeFile(ca.info.certPath, '-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----\n');
    const err = await rejection(CertificateAuthority.load(dir));
    expect(err.code).toBe('E_CA_CORRUPT');
    expect(err.message).toContain(ca.info.certPath);
  });

  it('reports a corrupt key, naming the file', async () => {
    const dir = await dirs.make();
    const ca = await CertificateAuthority.init(dir);
    await writeFile(ca.info.keyPath, 'garbage', { mode: 0o600 });
    const err = await rejection(CertificateAuthority.load(dir));
    expect(err.code).toBe('E_CA_CORRUPT');
    expect(err.message).toContain(ca.info.keyPath);
  });

  it('reports a key that does not match the certificate', async () => {
    const dir = await dirs.make();
    const ca = await CertificateAuthority.init(dir);
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' });
    await writeFile(ca.info.keyPath, other, { mode: 0o600 });
    const err = await rejection(CertificateAuthority.load(dir));
    expect(err.code).toBe('E_CA_MISMATCH');
    expect(err.message).toContain(ca.info.keyPath);
  });

  it.runIf(posix)('refuses a key readable by group or others, giving the chmod fix', async () => {
    const dir = await dirs.make();
    const ca = await CertificateAuthority.init(dir);
    await chmod(ca.info.keyPath, 0o640);
    const err = await rejection(CertificateAuthority.load(dir));
    expect(err.code).toBe('E_CA_KEY_MODE');
    expect(err.message).toContain(`chmod 600 ${ca.info.keyPath}`);
  });

  it('loadOrInit creates the CA on first use and loads it afterwards', async () => {
    const dir = join(await dirs.make(), 'nested', 'certs');
    const first = await CertificateAuthority.loadOrInit(dir);
    expect(first.created).toBe(true);
    const again = await CertificateAuthority.loadOrInit(dir);
    expect(again.created).toBe(false);
    expect(again.ca.info.fingerprint256).toBe(first.ca.info.fingerprint256);
  });

  it('loadOrInit does not paper over a broken CA', async () => {
    const dir = await dirs.make();
    const ca = await CertificateAuthority.init(dir);
    await writeFile(ca.info.certPath, 'junk');
    expect((await rejection(CertificateAuthority.loadOrInit(dir))).code).toBe('E_CA_CORRUPT');
  });
});

describe('issue', () => {
  it('shares one issuance between concurrent calls for the same name set, in any order', async () => {
    const before = shared.issued;
    const calls = [['x.example.com', '127.0.0.1'], ['127.0.0.1', 'X.Example.COM.'], ['x.example.com', '127.0.0.1', 'x.example.com']];
    const leaves = await Promise.all(calls.map((names) => shared.issue(names)));
    expect(leaves[1]).toBe(leaves[0]);
    expect(leaves[2]).toBe(leaves[0]);
    expect(shared.issued).toBe(before + 1);
    expect(shared.cached(['127.0.0.1', 'x.example.com'])).toBe(leaves[0]);
  });

  it('issues a separate leaf for a different name set', async () => {
    const a = await shared.issue(['one.example.com']);
    const b = await shared.issue(['two.example.com']);
    expect(b).not.toBe(a);
    expect(b.fingerprint256).not.toBe(a.fingerprint256);
    expect(shared.cached(['three.example.com'])).toBeUndefined();
  });

  it('rejects a name set with nothing usable in it', async () => {
    expect((await rejection(shared.issue(['', 'not a name!']))).code).toBe('E_USAGE');
  });

  it('issues leaves with SANs, serverAuth, the CA as issuer and a lifetime clients accept', async () => {
    const leaf = await shared.issue(['Mail.Example.com', ...defaultLocalNames(), '[2001:DB8::1]']);
    const cert = new X509Certificate(leaf.certPem);
    const ca = new X509Certificate(shared.certPem);
    expect(cert.verify(ca.publicKey)).toBe(true);
    expect(cert.checkIssued(ca)).toBe(true);
    expect(cert.ca).toBe(false);
    expect(cert.subject).toBe('CN=mail.example.com');
    expect(cert.subjectAltName).toBe('DNS:mail.example.com, DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1, IP Address:2001:DB8:0:0:0:0:0:1');
    expect(cert.keyUsage).toEqual(['1.3.6.1.5.5.7.3.1']); // node reports extKeyUsage here: serverAuth
    expect(cert.checkHost('mail.example.com')).toBe('mail.example.com');
    expect(cert.checkIP('::1')).toBe('::1');
    expect(leaf.names).toEqual(['mail.example.com', 'localhost', '127.0.0.1', '::1', '2001:db8::1']);
    expect(leaf.fingerprint256).toBe(cert.fingerprint256);
    const notBefore = new Date(cert.validFrom).getTime();
    const notAfter = new Date(cert.validTo).getTime();
    expect(leaf.notAfter.getTime()).toBe(notAfter);
    expect(notAfter - notBefore).toBeLessThanOrEqual(398 * DAY_MS);
    expect(notAfter - notBefore).toBe(LEAF_VALIDITY_DAYS * DAY_MS);
    expect(Date.now() - notBefore).toBeGreaterThan(DAY_MS - 60_000);
    expect(cert.serialNumber).toMatch(/^(0[1-9A-F]|[1-7][0-9A-F])[0-9A-F]{30}$/);
  });

  it('gives leaves an ECDSA P-256 key (a cheap handshake signature), signed by the RSA CA', async () => {
    const cert = new X509Certificate((await shared.issue(['ec.example.com'])).certPem);
    expect(cert.publicKey.asymmetricKeyType).toBe('ec');
    expect(cert.publicKey.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    expect(new X509Certificate(shared.certPem).publicKey.asymmetricKeyType).toBe('rsa');
    expect(cert.verify(new X509Certificate(shared.certPem).publicKey)).toBe(true);
  });

  it('moves a directory made before leaves were P-256 (an RSA leaf key) to a P-256 leaf key', async () => {
    const dir = await dirs.make();
    const ca = await CertificateAuthority.init(dir);
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    expect(ca.info.dir).toBeTruthy();
    await writeFile(join(dir, 'mailtap-leaf.key'), rsa, { mode: 0o600 });
    const loaded = await CertificateAuthority.load(dir);
    const leaf = await loaded.issue(['old.example.com']);
    expect(new X509Certificate(leaf.certPem).publicKey.asymmetricKeyType).toBe('ec');
    const onDisk = await readFile(join(dir, 'mailtap-leaf.key'), 'utf8');
    expect(onDisk).toBe(leaf.keyPem);
    expect((await stat(join(dir, 'mailtap-leaf.key'))).mode & 0o777).toBe(0o600);
    expect((await (await CertificateAuthority.load(dir)).issue(['old.example.com'])).keyPem).toBe(onDisk);
  });

  it('gives an IP-only leaf a CN that is not a host name (OpenSSL checks such CNs against name constraints)', async () => {
    const cert = new X509Certificate((await shared.issue(['127.0.0.1'])).certPem);
    expect(cert.subject).toBe('CN=mailtap leaf');
  });
});
