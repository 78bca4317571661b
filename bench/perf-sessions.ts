// `npx tsx bench/perf-sessions.ts [--implicit] [--clients 16] [--per-client 20] [--mib N [--runs 3]]`: Linux
// `perf record` (software cpu-clock, so it works in VMs without hardware counters) on mailtap's
// proxy child started with --perf-basic-prof, while short SMTP sessions (or, with --mib, one big
// message) go through it. Unlike `node --cpu-prof` (wall-clock samples of the main thread, which
// on a loaded box charge descheduled time to whatever ran last) this counts CPU actually used, by
// every thread (the fs pool writing recordings, the kernel's TCP and TLS work included). Prints
// `perf report` sorted by self time (`--by-dso`: per binary; `--summary`: a table by kind of work:
// kernel, OpenSSL, V8's interpreter, compilers and GC, JIT code, libc);
// needs /usr/bin/perf.

import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeTestPki } from '../test/helpers/pki.js';
import { machine, startEnv } from './run.js';
import { makeBody, smtpSession } from './smtp-client.js';

/** Which part of the process a `perf report` symbol belongs to (node links OpenSSL and V8 in). */
function category(dso: string, sym: string): string {
  if (dso.startsWith('[kernel')) return 'kernel (syscalls, loopback TCP, page cache, scheduling)';
  if (dso.startsWith('libc')) return /malloc|free|_int_|realloc|calloc/.test(sym) ? 'libc malloc/free' : 'libc other (memcpy, locks, syscall stubs)';
  if (dso.startsWith('[JIT')) return 'JS, optimised (JIT code)';
  if (dso !== 'node') return dso;
  if (sym.startsWith('Builtins_')) return 'V8 builtins (interpreter, inline caches, calls, string/buffer ops)';
  if (/v8::internal::(Scavenger|Heap|MarkCompact|Sweeper|Marking|Concurrent|MemoryAllocator|.*Collector)/.test(sym)) return 'V8 garbage collector';
  if (/v8::internal::(compiler|maglev|baseline|Compiler|interpreter|Parser|Scanner|Bytecode)/.test(sym)) return 'V8 compilers and parser';
  if (sym.includes('v8::')) return 'V8 runtime, other';
  if (sym.startsWith('node::')) return 'Node C++ bindings';
  if (/^uv_|^uv__/.test(sym)) return 'libuv';
  if (/sha\d|x25519|fe_|fe51|ecp_nistz|p256|aes|gcm|ghash|ecdsa|^bn_|BN_|chacha|poly1305/i.test(sym)) return 'OpenSSL crypto (hashes, key exchange, signatures, AES-GCM)';
  return 'OpenSSL other (handshake state, X509, provider look-ups) and unattributed';
}

function summarise(report: string): string {
  const totals = new Map<string, number>();
  for (const line of report.split('\n')) {
    const m = /^\s+([\d.]+)%\s+(\S+(?: tid \d+)?)\s+\[.\]\s+(.*)$/.exec(line);
    if (!m) continue;
    const c = category(m[2]!, m[3]!);
    totals.set(c, (totals.get(c) ?? 0) + Number(m[1]));
  }
  const rows = [...totals].sort((a, b) => b[1] - a[1]).map(([c, pct]) => `| ${pct.toFixed(1)} | ${c} |`);
  return ['', '| % of CPU | where |', '| ---: | --- |', ...rows, ''].join('\n');
}

function option(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

const pki = await makeTestPki();
const recordingsDir = await mkdtemp(join(tmpdir(), 'mailtap-bench-rec-'));
const out = await mkdtemp(join(tmpdir(), 'mailtap-perf-'));
const record = !process.argv.includes('--no-record');
// --js: interpreted and baseline JS frames get their function's name too (V8 gives each its own
// trampoline copy), and the report counts each symbol's callees (`--children`): which of
// mailtap's functions cost most, all that they call included (`--self`: their own time only).
const js = process.argv.includes('--js');
const env = await startEnv(pki, recordingsDir, { proxyFlags: ['--perf-basic-prof', ...(js ? ['--interpreted-frames-native-stack'] : [])], record });
const mode = process.argv.includes('--implicit') ? 'implicit' : 'starttls';
const port = env.mailtap.ready[mode];
const data = join(out, 'perf.data');
const mib = option('--mib', 0);
let what: string;
try {
  // Warm up first (JIT, leaf cache), then sample only the measured part.
  await smtpSession(port, mode, env.secureContext, makeBody(mib > 0 ? Math.min(mib, 16) * 1024 * 1024 : 2048));
  const perf = spawn('perf', ['record', '-F', '1999', '-g', '-o', data, '-p', String(env.mailtapChild.pid)], { stdio: 'ignore' });
  await new Promise((r) => setTimeout(r, 500));
  if (mib > 0) {
    const runs = option('--runs', 3);
    what = `${runs}× a ${mib} MiB message, ${mode}`;
    const body = makeBody(mib * 1024 * 1024);
    for (let i = 0; i < runs; i++) await smtpSession(port, mode, env.secureContext, body);
  } else {
    const clients = option('--clients', 16);
    const perClient = option('--per-client', 20);
    what = `${clients}×${perClient} ${mode} sessions of 2 KiB`;
    const body = makeBody(2048);
    await Promise.all(Array.from({ length: clients }, async () => {
      for (let i = 0; i < perClient; i++) await smtpSession(port, mode, env.secureContext, body);
    }));
  }
  await new Promise((r) => setTimeout(r, 300));
  perf.kill('SIGINT');
  await new Promise((r) => perf.once('exit', r));
} finally {
  await env.stop();
}
process.stdout.write(`mailtap perf profile: ${what}, recording ${record ? 'on' : 'OFF'}; ${machine()}\n`);
const summary = process.argv.includes('--summary');
const report = spawn('perf', ['report', '-i', data, js && !process.argv.includes('--self') ? '--children' : '--no-children', '--sort', process.argv.includes('--by-dso') ? 'dso' : 'dso,sym', '--stdio', '-g', 'none', '--percent-limit', summary || process.argv.includes('--all') ? '0' : '0.4'], { stdio: ['ignore', summary ? 'pipe' : 'inherit', 'inherit'] });
let text = '';
report.stdout?.on('data', (d: Buffer) => (text += d.toString()));
await new Promise((r) => report.once('exit', r));
if (summary) process.stdout.write(summarise(text));
// --keep: leave perf.data (and the JIT maps in /tmp) for `perf script` (bench/perf-by-file.py).
if (process.argv.includes('--keep')) process.stdout.write(`perf data kept: ${data}\n`);
else await rm(out, { recursive: true, force: true });
await rm(recordingsDir, { recursive: true, force: true });
await pki.cleanup();
