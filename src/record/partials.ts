// A line the proxy forwarded before it was complete is recorded in pieces: `raw` units with
// `partial: true` at the moment the bytes went out, then the unit the codec framed once the line
// was whole, whose `ahead` says how many of its first bytes those pieces hold. Concatenating the
// units of a direction still gives the exact stream. Readers that want whole units (transcripts,
// replay, the web view, --redact) join them here; a joined unit keeps the time it was completed.

import { note } from '../core/note.js';
import type { Side } from '../protocol/types.js';
import { encodeUnitBytes, roundTime, BODY_TEXT_MAX } from './from-codec.js';
import { unitBytes } from './unit-bytes.js';
import { isUnitRecord, type RecordEvent, type UnitRecord } from './schema.js';

const PARTIAL_NOTE = note(
  'The start of a line that is not complete yet, forwarded at once (mailtap never holds bytes back waiting for a line end); the rest comes in the next unit',
  'El principio de una línea aún incompleta, reenviado al momento (mailtap nunca retiene bytes a la espera de un fin de línea); el resto llega en la unidad siguiente',
);

/** The record of bytes forwarded ahead of their unit. */
export function partialRecord(side: Side, bytes: Buffer, t: number, tls: boolean): UnitRecord {
  const rec: UnitRecord = { t: roundTime(t), dir: side === 'client' ? 'c2s' : 's2c', type: 'raw', partial: true, ...encodeUnitBytes(bytes) };
  rec.note = PARTIAL_NOTE.en;
  rec.note_es = PARTIAL_NOTE.es;
  if (tls) rec.tls = true;
  return rec;
}

type Dir = 'c2s' | 's2c';

/** Joins partial pieces into the units that complete them, as events stream by. */
export class PartialJoiner {
  private readonly pieces: Record<Dir, Buffer[]> = { c2s: [], s2c: [] };
  /** The first piece still waiting, per dir: its time and TLS flag, if nothing completes it. */
  private readonly first: Record<Dir, UnitRecord | undefined> = { c2s: undefined, s2c: undefined };

  /** The events to pass on now: none while a piece waits for the unit that completes it. */
  push(ev: RecordEvent): RecordEvent[] {
    if (!isUnitRecord(ev)) return ev.type === 'close' ? [...this.flush(), ev] : [ev];
    const dir = ev.dir;
    if (ev.partial) {
      this.pieces[dir].push(unitBytes(ev));
      this.first[dir] ??= ev;
      return [];
    }
    if (!ev.ahead) return [ev];
    return [this.join(ev, dir)];
  }

  /** Pieces no unit completed (a recording cut short): one partial unit per dir. */
  flush(): RecordEvent[] {
    const out: RecordEvent[] = [];
    for (const dir of ['c2s', 's2c'] as const) {
      const first = this.first[dir];
      const bytes = Buffer.concat(this.pieces[dir]);
      if (first && bytes.length) {
        const { text: _text, b64: _b64, ...fields } = first;
        out.push({ ...fields, ...encodeUnitBytes(bytes) });
      }
      this.pieces[dir] = [];
      this.first[dir] = undefined;
    }
    return out;
  }

  private join(ev: UnitRecord, dir: Dir): UnitRecord {
    const held = Buffer.concat(this.pieces[dir]);
    const take = Math.min(ev.ahead!, held.length);
    const bytes = Buffer.concat([held.subarray(0, take), unitBytes(ev)]);
    const rest = held.subarray(take);
    // A piece may run past this unit (it held the start of the next one too): keep the rest.
    this.pieces[dir] = rest.length ? [rest] : [];
    if (!rest.length) this.first[dir] = undefined;
    const { text: _text, b64: _b64, ahead: _ahead, ...fields } = ev;
    const encoded = ev.type === 'body' && bytes.length > BODY_TEXT_MAX ? { b64: bytes.toString('base64') } : encodeUnitBytes(bytes);
    return { ...fields, ...encoded };
  }
}

/** A whole recording's events, pieces joined. */
export function joinPartials(events: readonly RecordEvent[]): RecordEvent[] {
  if (!events.some((ev) => isUnitRecord(ev) && ev.partial)) return [...events];
  const joiner = new PartialJoiner();
  const out: RecordEvent[] = [];
  for (const ev of events) out.push(...joiner.push(ev));
  out.push(...joiner.flush());
  return out;
}
