// The messages a session carried, cut from its events the way the transcript groups bodies (one
// run of body chunks per direction, ended by `final` or by any other event), so message N here
// is body entry N on the session page. SMTP DATA and POP3 RETR/TOP bodies lose their final dot
// and their dot-stuffing (RFC 5321 §4.5.2, RFC 1939 §3); BDAT chunks and IMAP literals are as sent.

import { unitBytes } from '../record/reader.js';
import type { Protocol } from '../protocol/types.js';
import type { RecordEvent, UnitRecord } from '../record/schema.js';

export interface CarriedBody {
  index: number;
  dir: 'c2s' | 's2c';
  /** DATA, BDAT, RETR, TOP, APPEND, FETCH, ... (the command it belonged to). */
  verb: string;
  t: number;
  bytes: Buffer;
  /** It starts with a header block: a message, not some other literal. */
  isMessage: boolean;
}

interface Run {
  dir: 'c2s' | 's2c';
  verb: string;
  t: number;
  parts: Buffer[];
}

export function carriedBodies(protocol: Protocol, events: readonly RecordEvent[]): CarriedBody[] {
  const out: CarriedBody[] = [];
  const pending = new Map<'c2s' | 's2c', Run>();
  let lastVerb = '';
  const emit = (run: Run) => {
    const raw = Buffer.concat(run.parts);
    const bytes = dotTerminated(protocol, run.verb) ? unstuff(raw) : raw;
    out.push({ index: out.length, dir: run.dir, verb: run.verb, t: run.t, bytes, isMessage: looksLikeMessage(bytes) });
  };
  const flush = () => {
    for (const run of pending.values()) emit(run);
    pending.clear();
  };
  for (const ev of events) {
    if (ev.type !== 'body') {
      flush();
      if (ev.type === 'command' && ev.dir === 'c2s' && ev.verb && !ev.continued) lastVerb = ev.verb;
      continue;
    }
    const unit = ev as UnitRecord;
    const dir = unit.dir;
    let run = pending.get(dir);
    if (!run) {
      run = { dir, verb: (unit.verb ?? lastVerb).toUpperCase(), t: unit.t, parts: [] };
      pending.set(dir, run);
    }
    run.parts.push(unitBytes(unit));
    if (unit.final) {
      pending.delete(dir);
      emit(run);
    }
  }
  flush();
  return out;
}

function dotTerminated(protocol: Protocol, verb: string): boolean {
  if (protocol === 'smtp') return verb !== 'BDAT';
  return protocol === 'pop3';
}

/** Drops the terminating `.CRLF` and one leading dot of every line that starts with one. */
export function unstuff(raw: Buffer): Buffer {
  let end = raw.length;
  if (raw.subarray(-5).equals(Buffer.from('\r\n.\r\n'))) end -= 3;
  else if (raw.subarray(-3).equals(Buffer.from('.\r\n')) && end === 3) end = 0;
  const parts: Buffer[] = [];
  let from = 0;
  while (from < end) {
    let nl = raw.indexOf(0x0a, from);
    nl = nl < 0 || nl >= end ? end : nl + 1;
    const start = raw[from] === 0x2e ? from + 1 : from;
    parts.push(raw.subarray(start, nl));
    from = nl;
  }
  return Buffer.concat(parts);
}

function looksLikeMessage(bytes: Buffer): boolean {
  const head = bytes.subarray(0, 2048).toString('latin1');
  return /^[!-9;-~]+:/.test(head) && /\r?\n\r?\n/.test(head) ? true : /^[!-9;-~]+:[^\r\n]*\r?\n/.test(head);
}
