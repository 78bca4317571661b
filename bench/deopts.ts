// `npx tsx bench/deopts.ts [--sessions] [--mib 64] [--runs 3]`: which functions V8 deoptimises
// (and so compiles again) while mailtap relays: the proxy child runs with --log-deopt, the log's
// code-deopt lines are counted by function and reason. A function that keeps coming back is a
// compile loop: CPU spent in V8's compilers on every run, not once.

import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeTestPki } from '../test/helpers/pki.js';
import { startEnv } from './run.js';
import { makeBody, smtpSession } from './smtp-client.js';

function option(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

const pki = await makeTestPki();
const recordingsDir = await mkdtemp(join(tmpdir(), 'mailtap-bench-rec-'));
const dir = await mkdtemp(join(tmpdir(), 'mailtap-deopt-'));
const log = join(dir, 'v8.log');
const env = await startEnv(pki, recordingsDir, { proxyFlags: ['--log-deopt', `--logfile=${log}`, '--no-logfile-per-isolate'] });
const mode = process.argv.includes('--implicit') ? 'implicit' : 'starttls';
const port = env.mailtap.ready[mode];
try {
  if (process.argv.includes('--sessions')) {
    const body = makeBody(2048);
    await Promise.all(Array.from({ length: 16 }, async () => {
      for (let i = 0; i < option('--per-client', 20); i++) await smtpSession(port, mode, env.secureContext, body);
    }));
  } else {
    const body = makeBody(option('--mib', 64) * 1024 * 1024);
    for (let i = 0; i < option('--runs', 3); i++) await smtpSession(port, mode, env.secureContext, body);
  }
} finally {
  await env.stop();
}
// code-deopt,timestamp,size,code,inliningId,scriptOffset,bailoutType,"<script:line:col>","reason"
const counts = new Map<string, number>();
for (const line of (await readFile(log, 'utf8')).split('\n')) {
  if (!line.startsWith('code-deopt,')) continue;
  const fields = line.split(',');
  const where = fields.slice(7).join(',').replace(/file:\/\/\S*?\/(dist|node_modules)\//, '$1/');
  counts.set(where, (counts.get(where) ?? 0) + 1);
}
for (const [where, n] of [...counts].sort((a, b) => b[1] - a[1]).slice(0, 25)) process.stdout.write(`${String(n).padStart(5)}  ${where}\n`);
await rm(dir, { recursive: true, force: true });
await rm(recordingsDir, { recursive: true, force: true });
await pki.cleanup();
