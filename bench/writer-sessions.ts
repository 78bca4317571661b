// `node bench/writer-sessions.ts`-style via tsx: `npx tsx bench/writer-sessions.ts [--sessions 800]
// [--concurrent 16] [--runs 5] [--gap-ms 1] [--writer dist/record/writer.js]`: the recording's
// per-session CPU alone, no sockets: `concurrent` sessions at a time each open a RecordingWriter,
// write the events of a real SMTP STARTTLS session (recordings/samples/smtp-starttls-auth-login.jsonl,
// one every `gap-ms`, as a live session spreads them), and close it. Prints CPU µs per session
// (process.cpuUsage: every thread, so the fs pool's opens, writes and closes count) per run and the
// median. `--keep-files`: no clean-up between runs. `--writer`: another build's writer module, to compare two builds (run them alternately).

import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { CloseEvent, RecordEvent, RecordHeader } from '../src/record/schema.js';
import { median } from './stats.js';

function option(name: string, fallback: string): string {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1]! : fallback;
}

const sessions = Number(option('--sessions', '800'));
const concurrent = Number(option('--concurrent', '16'));
const runs = Number(option('--runs', '5'));
const gapMs = Number(option('--gap-ms', '1'));
const writerPath = resolve(option('--writer', 'dist/record/writer.js'));
const { RecordingWriter } = (await import(pathToFileURL(writerPath).href)) as typeof import('../src/record/writer.js');
const sample = (await readFile(new URL('../recordings/samples/smtp-starttls-auth-login.jsonl', import.meta.url), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
const header = sample[0] as unknown as RecordHeader;
const events = sample.slice(1, -1) as unknown as RecordEvent[];
const close = sample.at(-1) as unknown as CloseEvent;
const dir = await mkdtemp(join(tmpdir(), 'mailtap-writer-sessions-'));
const wait = (ms: number) => new Promise((r) => (ms > 0 ? setTimeout(r, ms) : setImmediate(r)));
let next = 0;

async function oneSession(run: number, n: number): Promise<void> {
  const w = await RecordingWriter.open(dir, { ...header, session: `r${run}s${n}` });
  for (const e of events) {
    w.write({ ...e });
    await wait(gapMs);
  }
  await w.close({ ...close });
}

const perSession: number[] = [];
try {
  for (let run = 0; run <= runs; run++) {
    next = 0;
    const c0 = process.cpuUsage();
    await Promise.all(Array.from({ length: concurrent }, async () => {
      while (next < sessions) await oneSession(run, next++);
    }));
    const c = process.cpuUsage(c0);
    const us = (c.user + c.system) / sessions;
    // Run 0 warms up (JIT); the files of a run are removed before the next, as the bench does.
    if (run > 0) perSession.push(us);
    // --keep-files: the directory fills up as a real one does (deleting many files makes ext4's
    // next inode allocations scan past the recently deleted ones, a cost of the bench's clean-up).
    if (!process.argv.includes('--keep-files')) for (const f of await readdir(dir)) await rm(join(dir, f));
    process.stderr.write(`run ${run}${run === 0 ? ' (warm-up)' : ''}: ${us.toFixed(0)} µs/session\n`);
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}
process.stdout.write(`writer ${writerPath}: ${events.length + 2} lines per session, ${concurrent} at a time, ${gapMs} ms apart: median ${median(perSession).toFixed(0)} µs CPU per session (${perSession.map((x) => x.toFixed(0)).join(', ')})\n`);
