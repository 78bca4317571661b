// The node flags mailtap ships with: the `mailtap` binary (dist/cli/main.js) starts node through
// its shebang line, `#!/usr/bin/env -S node <flags>`. The bench's proxy child loads the library
// instead of the CLI (it answers usage questions over IPC), so it is started with the same flags:
// the bench then measures the heap settings users get. A checkout from before the flags
// (`#!/usr/bin/env node`) gets none.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The node flags on the shebang of `<distDir>/cli/main.js` ([] without any, or without the file). */
export function shippedNodeFlags(distDir: string): string[] {
  let first: string;
  try {
    first = readFileSync(join(distDir, 'cli', 'main.js'), 'utf8').split('\n', 1)[0]!;
  } catch {
    return [];
  }
  const m = /^#!\s*\S*env\s+(?:-S\s+)?node((?:\s+\S+)*)\s*$/.exec(first);
  return m ? m[1]!.trim().split(/\s+/).filter(Boolean) : [];
}
