// Partial units: pieces of a line forwarded before it was complete, joined back into the unit
// that completed it. Table cases, then a property: however a session's lines went out in pieces,
// joining gives back the units and both recorded forms concatenate to the same streams.

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { joinPartials, partialRecord, PartialJoiner } from '../../src/record/partials.js';
import { parseRecordLine, isUnitRecord, type RecordEvent, type UnitRecord } from '../../src/record/schema.js';
import { unitBytes } from '../../src/record/unit-bytes.js';
import { encodeUnitBytes } from '../../src/record/from-codec.js';

const unit = (dir: 'c2s' | 's2c', type: UnitRecord['type'], text: string, extra: Partial<UnitRecord> = {}): UnitRecord => ({ t: 1, dir, type, text, note: `note of ${type}`, ...extra });

describe('partial units', () => {
  it('a piece and the unit completing it read as one unit, with the unit\'s note and time', () => {
    const piece = partialRecord('client', Buffer.from('a1 LOGIN al'), 5, true);
    expect(piece).toMatchObject({ dir: 'c2s', type: 'raw', partial: true, text: 'a1 LOGIN al', tls: true });
    expect(piece.note).toMatch(/line end/);
    expect(piece.note_es).toMatch(/fin de línea/);
    const rest = unit('c2s', 'command', 'ice pw\r\n', { t: 9, ahead: 11, verb: 'LOGIN' });
    const joined = joinPartials([piece, unit('s2c', 'reply', '* OK\r\n'), rest]);
    expect(joined).toEqual([unit('s2c', 'reply', '* OK\r\n'), { t: 9, dir: 'c2s', type: 'command', text: 'a1 LOGIN alice pw\r\n', note: 'note of command', verb: 'LOGIN' }]);
  });

  it('a piece that ran past its unit lends the rest to the next unit', () => {
    const events = [partialRecord('server', Buffer.from('250 OK\r\n25'), 1, false), unit('s2c', 'reply', '', { ahead: 8 }), unit('s2c', 'reply', '0 OK\r\n', { ahead: 2 })];
    expect(joinPartials(events).map((e) => (e as UnitRecord).text)).toEqual(['250 OK\r\n', '250 OK\r\n']);
  });

  it('a long body joined is stored as base64, as the recorder stores long bodies', () => {
    const body = 'x'.repeat(2000) + '\r\n.\r\n';
    const [joined] = joinPartials([partialRecord('client', Buffer.from(body.slice(0, 1500)), 1, false), unit('c2s', 'body', body.slice(1500), { ahead: 1500, final: true })]) as UnitRecord[];
    expect(joined!.text).toBeUndefined();
    expect(unitBytes(joined!).toString()).toBe(body);
    expect(joined!.final).toBe(true);
  });

  it('pieces nothing completed (a recording cut short) come out as one partial unit before the close', () => {
    const joiner = new PartialJoiner();
    expect(joiner.push(partialRecord('client', Buffer.from('HEL'), 1, false))).toEqual([]);
    expect(joiner.push(partialRecord('client', Buffer.from('O x'), 2, false))).toEqual([]);
    const close = { t: 3, dir: 'proxy', type: 'close', reason: 'client reset', bytes: { c2s: 6, s2c: 0 } } as RecordEvent;
    const out = joiner.push(close);
    expect(out).toHaveLength(2);
    expect(out[0]).toMatchObject({ type: 'raw', partial: true, text: 'HELO x', t: 1 });
    expect(out[1]).toBe(close);
  });

  it('the schema takes partial and ahead, and refuses them malformed', () => {
    expect(parseRecordLine('{"t":1,"dir":"c2s","type":"raw","partial":true,"text":"EH"}')).toMatchObject({ partial: true });
    expect(parseRecordLine('{"t":1,"dir":"c2s","type":"command","ahead":2,"text":"LO x\\r\\n"}')).toMatchObject({ ahead: 2 });
    expect(() => parseRecordLine('{"t":1,"dir":"c2s","type":"raw","partial":false,"text":"EH"}')).toThrow(/partial/);
    expect(() => parseRecordLine('{"t":1,"dir":"c2s","type":"command","ahead":-1,"text":"x"}')).toThrow(/ahead/);
  });

  it('any pieces: joining gives back the units, and both forms concatenate to the same stream', () => {
    const unitsArb = fc.array(
      fc.record({ dir: fc.constantFrom('c2s' as const, 's2c' as const), bytes: fc.uint8Array({ maxLength: 30 }).map((a) => Buffer.from(a)), ahead: fc.nat(40) }),
      { minLength: 1, maxLength: 12 },
    );
    fc.assert(
      fc.property(unitsArb, (units) => {
        // Simulate the relay: before each unit, some of its bytes (and maybe of the next units') went out ahead.
        const events: RecordEvent[] = [];
        const stream = { c2s: Buffer.concat(units.filter((u) => u.dir === 'c2s').map((u) => u.bytes)), s2c: Buffer.concat(units.filter((u) => u.dir === 's2c').map((u) => u.bytes)) };
        const sentTo = { c2s: 0, s2c: 0 };
        const framedTo = { c2s: 0, s2c: 0 };
        for (const u of units) {
          const d = u.dir;
          const goAheadTo = Math.min(stream[d].length, framedTo[d] + u.ahead);
          if (goAheadTo > sentTo[d]) {
            events.push(partialRecord(d === 'c2s' ? 'client' : 'server', stream[d].subarray(sentTo[d], goAheadTo), 1, false));
            sentTo[d] = goAheadTo;
          }
          const ahead = Math.max(0, Math.min(u.bytes.length, sentTo[d] - framedTo[d]));
          const rec: UnitRecord = { t: 2, dir: d, type: 'command', ...encodeUnitBytes(u.bytes.subarray(ahead)) };
          if (ahead) rec.ahead = ahead;
          events.push(rec);
          framedTo[d] += u.bytes.length;
          sentTo[d] = Math.max(sentTo[d], framedTo[d]);
        }
        const joined = joinPartials(events);
        const joinedUnits = joined.filter(isUnitRecord);
        expect(joinedUnits.some((e) => e.partial || e.ahead)).toBe(false);
        expect(joinedUnits.map((e) => unitBytes(e).toString('hex'))).toEqual(units.map((u) => u.bytes.toString('hex')));
        for (const d of ['c2s', 's2c'] as const) {
          expect(Buffer.concat(events.filter((e) => isUnitRecord(e) && e.dir === d).map((e) => unitBytes(e as UnitRecord))).equals(stream[d])).toBe(true);
        }
      }),
    );
  });
});
