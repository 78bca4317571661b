// The README's Programmatic API example, run as it stands: the ```ts block is taken from the
// README, `from 'mailtap'` pointed at this checkout's source, the sample's package path at this
// checkout, and run with tsx in a child process. A README example that stops working fails here.

import { describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

function apiExample(): string {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Programmatic API'));
  const block = /```ts\n([\s\S]*?)```/.exec(section);
  if (!block) throw new Error('no ```ts block under "## Programmatic API" in README.md');
  return block[1]!;
}

describe('README examples', () => {
  it('the Programmatic API example runs: mail through the proxy to a replayed server, a redacted Markdown transcript', { timeout: 60_000 }, async () => {
    const source = apiExample()
      .replace("from 'mailtap'", `from '${join(ROOT, 'src/index.ts')}'`)
      .replaceAll('node_modules/mailtap/', `${ROOT}/`);
    expect(source).toContain('startReplay');
    // Inside the checkout, so 'nodemailer' resolves from its node_modules; removed afterwards.
    const file = join(ROOT, 'test', `.readme-example-${process.pid}.mts`);
    writeFileSync(file, source);
    try {
      const { stdout } = await promisify(execFile)(process.execPath, [join(ROOT, 'node_modules/tsx/dist/cli.mjs'), file], { cwd: ROOT, timeout: 50_000 });
      expect(stdout).toMatch(/AUTH LOGIN/);
      expect(stdout).toContain('alice');
      expect(stdout).not.toContain('alice-Secret1');
      expect(stdout).toMatch(/250/);
    } finally {
      const { rmSync } = await import('node:fs');
      rmSync(file, { force: true });
    }
  });
});
