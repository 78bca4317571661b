// `mailtap web DIR...`: fills the store from recording files, one summary per file, scanning
// each file line by line without keeping its events (a 64 MiB body costs a pass, not memory).
// Files that are not recordings are skipped and counted, not fatal.

import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { MailtapError } from '../core/errors.js';
import { isRecordHeader, parseRecordLine, type RecordEvent, type RecordHeader } from '../record/schema.js';
import type { SessionStore } from './store.js';
import { applyEvent, summaryFromHeader, type SessionSummary } from './summary.js';

/** Lines longer than this are body chunks: counted from their head, not parsed whole. */
const LONG_LINE = 16 * 1024;
const MAX_FILES = 50_000;

export async function loadRecordings(store: SessionStore, paths: string[]): Promise<{ loaded: number; skipped: string[] }> {
  const files: string[] = [];
  for (const p of paths) await collect(p, files, 0);
  const skipped: string[] = [];
  let loaded = 0;
  for (const file of files.slice(0, MAX_FILES)) {
    const got = await summariseFile(file).catch(() => null);
    if (!got) {
      skipped.push(file);
      continue;
    }
    store.addRecorded(got.summary, got.header, file);
    loaded++;
  }
  return { loaded, skipped };
}

async function collect(path: string, out: string[], depth: number): Promise<void> {
  const st = await stat(path).catch((err: NodeJS.ErrnoException) => {
    if (depth > 0) return null;
    throw new MailtapError('E_USAGE', `cannot read ${path}: ${err.code === 'ENOENT' ? 'no such file or directory' : err.message}`, { side: 'user' });
  });
  if (!st) return;
  if (st.isFile()) {
    out.push(path);
    return;
  }
  if (!st.isDirectory() || depth > 4) return;
  for (const entry of await readdir(path, { withFileTypes: true })) {
    const p = join(path, entry.name);
    if (entry.isDirectory()) await collect(p, out, depth + 1);
    else if (entry.isFile() && entry.name.endsWith('.jsonl')) out.push(p);
  }
}

export async function summariseFile(path: string): Promise<{ summary: SessionSummary; header: RecordHeader } | null> {
  let header: RecordHeader | null = null;
  let summary: SessionSummary | null = null;
  let rest = Buffer.alloc(0);
  let n = 0;
  const take = (buf: Buffer, from: number, to: number): boolean => {
    n++;
    if (to - from > LONG_LINE) {
      if (!summary) return false;
      const head = buf.toString('utf8', from, from + 200);
      const tail = buf.toString('utf8', Math.max(from, to - 200), to);
      const t = Number(/"t":([\d.]+)/.exec(head)?.[1] ?? 0);
      const dir = /"dir":"(c2s|s2c)"/.exec(head)?.[1] as 'c2s' | 's2c' | undefined;
      if (dir && /"type":"body"/.test(head)) applyEvent(summary, { t, dir, type: 'body', b64: '', final: /"final":true/.test(tail) } as RecordEvent);
      return true;
    }
    const text = buf.toString('utf8', from, to);
    if (text.trim() === '') return true;
    const parsed = parseRecordLine(text, n);
    if (!header) {
      if (!isRecordHeader(parsed)) return false;
      header = parsed;
      summary = summaryFromHeader(parsed);
    } else if (!isRecordHeader(parsed)) applyEvent(summary!, parsed);
    return true;
  };
  for await (const chunk of createReadStream(path)) {
    const buf = rest.length ? Buffer.concat([rest, chunk as Buffer]) : (chunk as Buffer);
    let from = 0;
    for (let nl = buf.indexOf(0x0a); nl >= 0; nl = buf.indexOf(0x0a, from)) {
      if (!take(buf, from, nl)) return null;
      from = nl + 1;
    }
    rest = Buffer.from(buf.subarray(from));
  }
  // A cut-off last line (a crash) is left out, as the reader does.
  if (rest.length > 0 && header) {
    try {
      take(rest, 0, rest.length);
    } catch {
      /* the prefix a crash leaves */
    }
  }
  if (!header || !summary) return null;
  // A recording without its close event ended early: not "open" here, nothing is coming.
  const s = summary as SessionSummary;
  if (!s.closed) s.status = s.injections > 0 ? 'injection' : 'error';
  return { summary: s, header };
}
