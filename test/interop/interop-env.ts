// Typed access to the real Dovecot + Postfix environment that setup.sh brings up on 127.0.0.1.
// Invariant: env.json (written by setup.sh) is the only source of ports, paths and passwords;
// nothing here hard-codes them. ensureInteropEnv() is idempotent and fast when already up.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export type InteropService = 'smtp' | 'submission' | 'smtps' | 'imap' | 'imaps' | 'pop3' | 'pop3s';

export interface InteropUser {
  login: string;
  email: string;
  password: string;
  maildir: string;
}

export interface InteropEnv {
  version: 1;
  dir: string;
  host: string;
  domain: string;
  /** PEM of the test CA that signed the servers' certificate: mailtap's --upstream-ca. */
  ca: string;
  serverCert: string;
  serverNames: string[];
  versions: { dovecot: string; postfix: string };
  ports: Record<InteropService, number>;
  /** mailtap URLs of the real servers, e.g. urls.submission = "submission://127.0.0.1:10587". */
  urls: Record<InteropService, string>;
  /** The same Dovecot on listeners that offer COMPRESS=DEFLATE (RFC 4978, Dovecot's imap_zlib). */
  compress: { ports: Record<'imap' | 'imaps', number>; urls: Record<'imap' | 'imaps', string> };
  auth: {
    smtp: boolean;
    submission: boolean;
    smtps: boolean;
    mechanisms: string[];
    plaintextAllowed: boolean;
  };
  users: { alice: InteropUser; bob: InteropUser } & Record<string, InteropUser>;
  logs: { dovecot: string; postfix: string };
  config: { dovecot: string; postfix: string };
  pidFiles: { dovecot: string; postfix: string };
}

const HERE = dirname(fileURLToPath(import.meta.url));

export function interopDir(): string {
  return process.env['MAILTAP_INTEROP_DIR'] ?? '/tmp/mailtap-interop';
}

export function loadInteropEnv(dir: string = interopDir()): InteropEnv {
  const path = join(dir, 'env.json');
  if (!existsSync(path)) {
    throw new Error(`${path} not found: run test/interop/setup.sh (as root) first`);
  }
  const env = JSON.parse(readFileSync(path, 'utf8')) as InteropEnv;
  if (env.version !== 1) throw new Error(`${path}: unsupported env.json version ${String(env.version)}`);
  return env;
}

/** True when both daemons of a previous setup.sh are alive (by their pid files). */
export function interopEnvIsUp(dir: string = interopDir()): boolean {
  const alive = (pidFile: string): boolean => {
    try {
      const pid = Number.parseInt(readFileSync(pidFile, 'utf8').trim(), 10);
      if (!Number.isInteger(pid) || pid <= 0) return false;
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  return (
    alive(join(dir, 'run/dovecot/master.pid')) && alive(join(dir, 'postfix/spool/pid/master.pid'))
  );
}

/** Stops exactly what setup.sh started (teardown.sh); keeps certificates and maildirs. */
export function stopInteropEnv(): void {
  execFileSync('bash', [join(HERE, 'teardown.sh')], { stdio: ['ignore', 'ignore', 'inherit'] });
}

/** Runs setup.sh (installs packages on a fresh machine, ~35 s; ~0.5 s when already up). */
export function ensureInteropEnv(): InteropEnv {
  try {
    execFileSync('bash', [join(HERE, 'setup.sh')], { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (err) {
    // Name the failed step (setup.sh prints `FAILED at step: …`) rather than just the exit code.
    const stderr = String((err as { stderr?: Buffer }).stderr ?? '');
    process.stderr.write(stderr);
    const step = /FAILED at step: .*/.exec(stderr)?.[0];
    throw new Error(`test/interop/setup.sh ${step ?? `failed: ${stderr.trim().split('\n').slice(-3).join(' | ') || (err as Error).message}`}`);
  }
  return loadInteropEnv();
}
