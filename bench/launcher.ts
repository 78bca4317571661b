// How mailtap ships node: the `mailtap` binary (dist/cli/main.js) starts it through its shebang
// line, `#!/usr/bin/env -S [VAR=value...] node <flags>`. The bench's proxy child loads the library
// instead of the CLI (it answers usage questions over IPC), so it is started the same way: the
// bench then measures the heap and allocator settings users get. The launch is a list of tokens
// as env(1) reads them: `VAR=value` tokens go to the environment, the rest are node flags
// (child-process.ts splits them). A checkout from before the flags (`#!/usr/bin/env node`) gets none.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** A `VAR=value` token of a launch: an environment variable, not a node flag. */
export const ENV_TOKEN = /^[A-Za-z_][A-Za-z0-9_]*=/;

/** The launch tokens on the shebang of `<distDir>/cli/main.js` ([] without any, or without the file). */
export function shippedNodeFlags(distDir: string): string[] {
  let first: string;
  try {
    first = readFileSync(join(distDir, 'cli', 'main.js'), 'utf8').split('\n', 1)[0]!;
  } catch {
    return [];
  }
  const tokens = /^#!\s*\S*env\s+(?:-S\s+)?(.*)$/.exec(first)?.[1]!.trim().split(/\s+/) ?? [];
  const node = tokens.indexOf('node');
  // Only `VAR=value` tokens may come before node, as env(1) reads them.
  if (node < 0 || !tokens.slice(0, node).every((t) => ENV_TOKEN.test(t))) return [];
  return tokens.filter((_, i) => i !== node);
}
