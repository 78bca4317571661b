// A throwaway self-signed certificate for the helper self-tests, made with the openssl CLI into a
// temp dir (CN=localhost, SAN DNS:localhost + IP:127.0.0.1, two days). Null when openssl is absent,
// so the TLS cases can be skipped with a printed reason instead of failing.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestCert {
  key: string;
  cert: string;
  /** Paths of the PEM files (for clients that want files, like Python's ssl). */
  certPath: string;
  dir: string;
  dispose(): void;
}

export function hasCommand(cmd: string, args: string[] = ['--version']): boolean {
  try {
    execFileSync(cmd, args, { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export function makeTestCert(): TestCert | null {
  if (!hasCommand('openssl', ['version'])) return null;
  const dir = mkdtempSync(join(tmpdir(), 'mailtap-helpers-'));
  const keyPath = join(dir, 'key.pem');
  const certPath = join(dir, 'cert.pem');
  execFileSync(
    'openssl',
    ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', keyPath, '-out', certPath,
      '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1', '-days', '2'],
    { stdio: 'ignore' },
  );
  return {
    key: readFileSync(keyPath, 'utf8'),
    cert: readFileSync(certPath, 'utf8'),
    certPath,
    dir,
    dispose: () => rmSync(dir, { recursive: true, force: true }),
  };
}
