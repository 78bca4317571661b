// `npx tsx bench/profile.ts [--sessions] [--implicit] [--no-record] [--web] [--mib 64] [--runs 3] [--keep FILE]`: runs mailtap's proxy
// child under `node --cpu-prof`, sends 64 MiB messages through STARTTLS (or, with --sessions,
// 16×50 short STARTTLS sessions), stops it, and ranks the main thread's self time by function
// and by file. The upstream and the client are not profiled: only mailtap's costs are listed.

import { copyFile, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeTestPki } from '../test/helpers/pki.js';
import { renderSummary, summarise } from './cpu-profile.js';
import { machine, startEnv } from './run.js';
import { makeBody, smtpSession } from './smtp-client.js';

function option(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

const sessions = process.argv.includes('--sessions');
const keepAt = process.argv.indexOf('--keep');
const pki = await makeTestPki();
const recordingsDir = await mkdtemp(join(tmpdir(), 'mailtap-bench-rec-'));
const profileDir = await mkdtemp(join(tmpdir(), 'mailtap-bench-prof-'));
const record = !process.argv.includes('--no-record');
const web = process.argv.includes('--web');
const env = await startEnv(pki, recordingsDir, { proxyFlags: ['--cpu-prof', `--cpu-prof-dir=${profileDir}`], record, web });
let what: string;
try {
  const mode = process.argv.includes('--implicit') ? 'implicit' : 'starttls';
  const port = env.mailtap.ready[mode];
  if (sessions) {
    const body = makeBody(2048);
    const clients = option('--clients', 16);
    const perClient = option('--per-client', 50);
    what = `${clients}×${perClient} ${mode} sessions of 2 KiB`;
    await Promise.all(
      Array.from({ length: clients }, async () => {
        for (let i = 0; i < perClient; i++) await smtpSession(port, mode, env.secureContext, body);
      }),
    );
  } else {
    const mib = option('--mib', 64);
    const runs = option('--runs', 3);
    what = `${runs}× a ${mib} MiB message, ${mode}`;
    const body = makeBody(mib * 1024 * 1024);
    for (let i = 0; i < runs; i++) {
      const r = await smtpSession(port, mode, env.secureContext, body);
      process.stderr.write(`profile: run ${i + 1}: ${(body.length / (1 << 20) / (r.dataMs / 1000)).toFixed(0)} MiB/s through mailtap (profiler on)\n`);
      for (const f of await readdir(recordingsDir)) await rm(join(recordingsDir, f), { force: true });
    }
  }
} finally {
  await env.stop();
}
// CPU.<date>.<time>.<pid>.<thread>.<seq>.cpuprofile: thread 0 is the main thread (a loader
// thread, if any, writes a profile of its own).
const files = (await readdir(profileDir)).filter((f) => /^CPU\.\d+\.\d+\.\d+\.0\.\d+\.cpuprofile$/.test(f));
if (files.length !== 1) throw new Error(`expected one main-thread profile in ${profileDir}, found ${files.join(', ') || 'none'}`);
const path = join(profileDir, files[0]!);
process.stdout.write(`mailtap CPU profile: ${what}, recording ${record ? 'on' : 'OFF'}${web ? ', --web (no browser)' : ''}; ${machine()}\n\n`);
process.stdout.write(renderSummary(summarise(JSON.parse(await readFile(path, 'utf8')), option('--top', 30))));
if (keepAt >= 0 && process.argv[keepAt + 1]) await copyFile(path, process.argv[keepAt + 1]!);
await rm(profileDir, { recursive: true, force: true });
await rm(recordingsDir, { recursive: true, force: true });
await pki.cleanup();
