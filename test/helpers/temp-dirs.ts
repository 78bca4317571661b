// Temporary folders for tests that are removed when their test file ends (setup: temp-dirs-setup.ts),
// so a run leaves nothing of its own in the system temp folder.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const created = new Set<string>();

/** A new folder under the system temp folder, named `prefix` + random, removed after the file's tests. */
export async function tempDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  created.add(dir);
  return dir;
}

export async function removeTempDirs(): Promise<void> {
  const dirs = [...created];
  created.clear();
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
}
