// The CA directory on disk: file names, owner-only creation of keys, and reads that turn every
// failure into a MailtapError naming the file. Key files are created with mode 0600 at open time
// (never chmod'ed afterwards, so there is no window in which they are readable by others).

import { randomBytes } from 'node:crypto';
import { constants as fsConstants } from 'node:fs';
import { open, rename, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { MailtapError } from '../core/errors.js';
import { PRIVATE_DIR_MODE, privateDir } from '../core/private-dir.js';

export const CA_CERT_FILE = 'mailtap-ca.pem';
export const CA_KEY_FILE = 'mailtap-ca.key';
export const CA_DER_FILE = 'mailtap-ca.cer';
/** One key pair for every leaf of a CA directory, as mitmproxy does: issuing stays cheap. */
export const LEAF_KEY_FILE = 'mailtap-leaf.key';

export const KEY_MODE = 0o600;
export const PUBLIC_MODE = 0o644;
export const DIR_MODE = PRIVATE_DIR_MODE;

export interface CaPaths {
  dir: string;
  certPath: string;
  keyPath: string;
  derPath: string;
  leafKeyPath: string;
}

export function caPaths(dir: string): CaPaths {
  const abs = resolve(dir);
  return {
    dir: abs,
    certPath: join(abs, CA_CERT_FILE),
    keyPath: join(abs, CA_KEY_FILE),
    derPath: join(abs, CA_DER_FILE),
    leafKeyPath: join(abs, LEAF_KEY_FILE),
  };
}

/** The CA directory: created 0700, or tightened to 0700 when it is ours and open to others. */
export async function ensureDir(dir: string): Promise<void> {
  await privateDir(dir);
}

/**
 * Writes a new file with `mode` applied at creation. Without `replace` it fails with EEXIST
 * rather than clobber; with it, the data goes to a fresh temporary file that is renamed over the
 * target, so a reader sees the old file or the new one, never half of one.
 */
export async function writeNewFile(path: string, data: string | Buffer, mode: number, replace: boolean): Promise<void> {
  if (!replace) {
    await writeFile(path, data, { mode, flag: 'wx' });
    return;
  }
  const temporary = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  await writeFile(temporary, data, { mode, flag: 'wx' });
  try {
    await rename(temporary, path);
  } catch (err) {
    await rm(temporary, { force: true });
    throw err;
  }
}

export async function exists(path: string): Promise<boolean> {
  try {
    const handle = await open(path, fsConstants.O_RDONLY);
    await handle.close();
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    return true; // present but unreadable: still "exists" for the refusal to overwrite
  }
}

/** Reads a file; ENOENT becomes E_CA_MISSING with `missingHint`, other errors E_CA_CORRUPT. */
export async function readCaFile(path: string, missingHint: string): Promise<string> {
  try {
    return await readText(path);
  } catch (err) {
    throw fileError(err, path, missingHint);
  }
}

/**
 * Reads a private key after checking, on the open descriptor, that neither group nor others can
 * read or write it. POSIX only: Windows has no such mode bits.
 */
export async function readKeyFile(path: string, missingHint: string): Promise<string> {
  let handle;
  try {
    handle = await open(path, fsConstants.O_RDONLY);
  } catch (err) {
    throw fileError(err, path, missingHint);
  }
  try {
    const stat = await handle.stat();
    if (process.platform !== 'win32' && (stat.mode & 0o077) !== 0) {
      const mode = (stat.mode & 0o777).toString(8).padStart(4, '0');
      throw new MailtapError(
        'E_CA_KEY_MODE',
        `private key ${path} has mode ${mode}, open to other users; fix it with: chmod 600 ${path}`,
        { side: 'user' },
      );
    }
    return await handle.readFile('utf8');
  } finally {
    await handle.close();
  }
}

async function readText(path: string): Promise<string> {
  const handle = await open(path, fsConstants.O_RDONLY);
  try {
    return await handle.readFile('utf8');
  } finally {
    await handle.close();
  }
}

function fileError(err: unknown, path: string, missingHint: string): MailtapError {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return new MailtapError('E_CA_MISSING', `${path} not found: ${missingHint}`, { side: 'user', cause: err });
  return new MailtapError('E_CA_CORRUPT', `cannot read ${path}: ${(err as Error).message}`, { side: 'user', cause: err });
}
