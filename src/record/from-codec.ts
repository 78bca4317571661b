// Turns codec events (src/protocol/types.ts) into recording events. Pure: the session layer
// supplies the time and whether the bytes travelled inside TLS; the recording keeps the unit's
// exact bytes as UTF-8 text when printable, else as base64.

import { isPrintableUtf8 } from '../core/bytes.js';
import type { CodecEvent, HintEvent, UnitEvent } from '../protocol/types.js';
import type { AuthRecord, RecordEvent, UnitRecord } from './schema.js';

/** Milliseconds to the 0.1 ms precision the format allows. */
export function roundTime(t: number): number {
  return Math.max(0, Math.round(t * 10) / 10);
}

/** Body chunks above this size are always stored as base64: native, and JSON needs no escaping. */
export const BODY_TEXT_MAX = 1024;

/** `text` when printable UTF-8, else `b64`: exactly one of them. */
export function encodeUnitBytes(bytes: Buffer): { text: string } | { b64: string } {
  return isPrintableUtf8(bytes) ? { text: bytes.toString('utf8') } : { b64: bytes.toString('base64') };
}

export function recordEventFromCodec(ev: CodecEvent | HintEvent, t: number, opts: { tls: boolean }): RecordEvent {
  const time = roundTime(t);
  switch (ev.type) {
    case 'unit':
      return unitRecord(ev, time, opts.tls);
    case 'auth': {
      const rec: AuthRecord = { t: time, dir: 'proxy', type: 'auth', mechanism: ev.mechanism, result: ev.result };
      if (ev.authzid !== undefined) rec.authzid = ev.authzid;
      if (ev.username !== undefined) rec.username = ev.username;
      if (ev.password !== undefined) rec.password = ev.password;
      if (ev.token !== undefined) rec.token = ev.token;
      if (ev.proof !== undefined) rec.proof = ev.proof;
      if (ev.undecoded !== undefined && ev.undecoded.length > 0) rec.undecoded = [...ev.undecoded];
      if (ev.verdict !== undefined) rec.verdict = ev.verdict;
      rec.note = ev.note.en;
      rec.note_es = ev.note.es;
      return rec;
    }
    case 'upgrade-tls':
      return {
        t: time,
        dir: 'proxy',
        type: 'info',
        command: ev.command,
        message: `${ev.command} accepted: upgrading both legs to TLS`,
        note: `The server accepted ${ev.command}; from here on both legs talk TLS (RFC 3207, RFC 2595)`,
        note_es: `El servidor aceptó ${ev.command}; a partir de aquí ambos tramos hablan TLS (RFC 3207, RFC 2595)`,
      };
    case 'compress':
      return { t: time, dir: 'proxy', type: 'compress', algorithm: ev.algorithm, message: `COMPRESS=${ev.algorithm} active: units from here hold the inflated bytes`, note: ev.note.en, note_es: ev.note.es };
    case 'injection':
      return {
        t: time,
        dir: 'proxy',
        type: 'injection',
        from: ev.side,
        length: ev.bytes.length,
        dropped: ev.bytes.toString('base64'),
        note: ev.note.en,
        note_es: ev.note.es,
      };
    case 'violation':
      return { t: time, dir: 'proxy', type: 'violation', side: ev.side, code: ev.code, message: ev.message, note: ev.note.en, note_es: ev.note.es };
    case 'state':
      return { t: time, dir: 'proxy', type: 'state', state: ev.state, note: ev.note.en, note_es: ev.note.es };
    case 'hint':
      return { t: time, dir: 'proxy', type: 'hint', code: ev.code, side: ev.side, note: ev.note.en, note_es: ev.note.es };
  }
}

function unitRecord(ev: UnitEvent, t: number, tls: boolean): UnitRecord {
  const bytes = ev.kind === 'body' && ev.bytes.length > BODY_TEXT_MAX ? { b64: ev.bytes.toString('base64') } : encodeUnitBytes(ev.bytes);
  const rec: UnitRecord = { t, dir: ev.side === 'client' ? 'c2s' : 's2c', type: ev.kind, ...bytes };
  rec.note = ev.note.en;
  rec.note_es = ev.note.es;
  if (ev.verb !== undefined) rec.verb = ev.verb;
  if (ev.tag !== undefined) rec.tag = ev.tag;
  if (ev.status !== undefined) rec.status = ev.status;
  if (ev.enhanced !== undefined) rec.enhanced = ev.enhanced;
  if (ev.final !== undefined) rec.final = ev.final;
  if (ev.continued) rec.continued = true;
  if (tls) rec.tls = true;
  return rec;
}
