// Directories that hold secrets (the CA's keys in certs/, passwords in recordings/) are owner-only.
// mailtap creates them 0700 and, on first use in a process, tightens an existing one it owns
// (a `mkdir recordings` by hand gives 0755). One it does not own is left alone, with one warning.
// Records of what was done are returned, not logged: callers have the logger.

import { chmod, mkdir, stat } from 'node:fs/promises';
import { resolve } from 'node:path';

export const PRIVATE_DIR_MODE = 0o700;

export interface PrivateDirResult {
  /** The directory was there with group/other access and is now 0700; the old mode. */
  tightenedFrom?: number;
  /** The directory is readable by others and is not ours to change; the mode it has. */
  openMode?: number;
}

/** Directories already warned about: one warning per directory per process. */
const warned = new Set<string>();

/**
 * Creates `dir` (and parents) owner-only, or tightens it to 0700 when it exists, is ours and
 * lets group or others in (a stat per call: callers use it once per file they create). Rejects
 * only when the directory cannot be created or inspected.
 */
export function privateDir(dir: string): Promise<PrivateDirResult> {
  return secure(resolve(dir));
}

async function secure(dir: string): Promise<PrivateDirResult> {
  // mkdir's mode is filtered by the umask; set it again on what we created.
  const created = await mkdir(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  if (created !== undefined) {
    await chmod(dir, PRIVATE_DIR_MODE);
    return {};
  }
  const st = await stat(dir);
  const mode = st.mode & 0o777;
  if ((mode & 0o077) === 0) return {};
  const uid = process.getuid?.();
  if (uid !== undefined && st.uid !== uid) {
    warnOnce(dir, mode);
    return { openMode: mode };
  }
  try {
    await chmod(dir, PRIVATE_DIR_MODE);
    return { tightenedFrom: mode };
  } catch {
    // A read-only file system: the directory keeps working, but say that others can read it.
    warnOnce(dir, mode);
    return { openMode: mode };
  }
}

function warnOnce(dir: string, mode: number): void {
  if (warned.has(dir)) return;
  warned.add(dir);
  const octal = mode.toString(8).padStart(3, '0');
  process.emitWarning(
    `${dir} has mode ${octal} and is not mailtap's to change: other users may read the keys or recordings in it; chmod 700 it. / ` +
      `${dir} tiene modo ${octal} y mailtap no puede cambiarlo: otros usuarios pueden leer las claves o grabaciones que contiene; aplique chmod 700.`,
    { code: 'MAILTAP_OPEN_DIR' },
  );
}
