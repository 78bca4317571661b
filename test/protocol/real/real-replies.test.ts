// Notes on real server replies (fixtures.ts): each transcript is fed to its codec whole and byte
// by byte, and the note of the line it pins must say what the server really meant.

import { describe, expect, it } from 'vitest';
import { protocolModule } from '../../../src/protocol/index.js';
import type { CodecEvent } from '../../../src/protocol/types.js';
import { REAL, type RealTranscript } from './fixtures.js';

function feed(t: RealTranscript, byteByByte: boolean): CodecEvent[] {
  const codec = protocolModule(t.protocol).createCodec();
  const out: CodecEvent[] = [];
  for (const [side, text] of t.lines) {
    const bytes = Buffer.from(text, 'utf8');
    if (byteByByte) for (const b of bytes) out.push(...codec.feed(side, Buffer.from([b])));
    else out.push(...codec.feed(side, bytes));
  }
  out.push(...codec.end('client'), ...codec.end('server'));
  return out;
}

/** Units as lines: a multi-line reply unit is split so each wire line can be looked up. */
function unitNotes(events: CodecEvent[], line: string): { en: string; es: string }[] {
  const found: { en: string; es: string }[] = [];
  for (const ev of events) {
    if (ev.type !== 'unit') continue;
    const text = ev.bytes.toString('utf8');
    if (text === line || text.split(/(?<=\n)/).includes(line)) found.push(ev.note);
  }
  return found;
}

describe.each(REAL)('$name', (t) => {
  it.each([
    ['whole', false],
    ['byte by byte', true],
  ])('fed %s', (_how, byteByByte) => {
    const events = feed(t, byteByByte);
    for (const e of t.expectations) {
      if (e.event) {
        const match = events.find((ev) => Object.entries(e.event!).every(([k, v]) => (ev as unknown as Record<string, unknown>)[k] === v));
        expect(match, `event ${JSON.stringify(e.event)}`).toBeDefined();
        continue;
      }
      const notes = unitNotes(events, e.unit!);
      const n = notes[e.nth ?? 0];
      expect(n, `unit ${JSON.stringify(e.unit)}`).toBeDefined();
      for (const s of e.has ?? []) expect(n!.en, `note of ${JSON.stringify(e.unit)}`).toContain(s);
      for (const s of e.hasNot ?? []) expect(n!.en, `note of ${JSON.stringify(e.unit)}`).not.toContain(s);
      for (const s of e.hasEs ?? []) expect(n!.es, `nota de ${JSON.stringify(e.unit)}`).toContain(s);
    }
  });
});
