// Limits and framing edges: huge literals stream in chunks, counts beyond Number.MAX_SAFE_INTEGER
// are violations, over-long lines pass as raw, STARTTLS holds are bounded, marker parsing table.

import { describe, expect, it } from 'vitest';
import { imap } from '../../../src/protocol/imap/index.js';
import { findLiteralMarker } from '../../../src/protocol/imap/literal.js';
import type { CodecEvent, UnitEvent } from '../../../src/protocol/types.js';
import { brief, expectChunkInvariant, expectFidelity, normalise, run, type Step } from './harness.js';

const units = (events: CodecEvent[]): UnitEvent[] => events.filter((e): e is UnitEvent => e.type === 'unit');

describe('literal marker', () => {
  it.each([
    ['a APPEND x {5}\r\n', { size: 5, sync: true, binary: false }],
    ['a APPEND x {5+}\r\n', { size: 5, sync: false, binary: false }],
    ['a APPEND x {5-}\r\n', { size: 5, sync: false, binary: false }],
    ['a APPEND x ~{7}\r\n', { size: 7, sync: true, binary: true }],
    ['a APPEND x {007}\n', { size: 7, sync: true, binary: false }],
    ['a APPEND x {0}\r\n', { size: 0, sync: true, binary: false }],
    [`* 1 FETCH (BODY[] {${Number.MAX_SAFE_INTEGER}}\r\n`, { size: Number.MAX_SAFE_INTEGER, sync: true, binary: false }],
  ])('%j is a literal', (line, want) => {
    const r = findLiteralMarker(Buffer.from(line));
    expect(r.kind).toBe('literal');
    if (r.kind === 'literal') expect({ size: r.marker.size, sync: r.marker.sync, binary: r.marker.binary }).toEqual(want);
  });

  it.each(['a NOOP\r\n', 'a SEARCH TEXT foo}\r\n', 'a X {abc}\r\n', '}\r\n', 'a X 5}\r\n', ''])('%j has no literal', (line) => {
    expect(findLiteralMarker(Buffer.from(line)).kind).toBe('none');
  });

  it.each(['a X {}\r\n', 'a X {+}\r\n', 'a X {1+2}\r\n', 'a X {12--}\r\n', `a X {${Number.MAX_SAFE_INTEGER + 1}}\r\n`, 'a X {99999999999999999999}\r\n'])('%j is malformed', (line) => {
    expect(findLiteralMarker(Buffer.from(line)).kind).toBe('malformed');
  });
});

describe('huge literals stream', () => {
  it('a 5 MB FETCH literal fed in 16 KiB chunks arrives as many body chunks with the exact bytes', () => {
    const size = 5 * 1024 * 1024;
    const body = Buffer.alloc(size);
    for (let i = 0; i < size; i++) body[i] = (i * 31 + 7) & 0xff;
    const stream = Buffer.concat([Buffer.from(`* 1 FETCH (BODY[] {${size}}\r\n`), body, Buffer.from(')\r\na OK done\r\n')]);
    const codec = imap.createCodec();
    codec.feed('client', Buffer.from('a FETCH 1 BODY[]\r\n'));
    const events: CodecEvent[] = [];
    for (let i = 0; i < stream.length; i += 16 * 1024) events.push(...codec.feed('server', stream.subarray(i, i + 16 * 1024)));
    const bodies = units(events).filter((u) => u.kind === 'body');
    expect(bodies.length).toBeGreaterThan(1);
    expect(Buffer.concat(bodies.map((b) => b.bytes)).equals(body)).toBe(true);
    expect(bodies.at(-1)!.final).toBe(true);
    expect(bodies.at(-1)!.bodyOffset).toBe(size);
    expect(bodies.slice(0, -1).every((b) => !b.final)).toBe(true);
    expect(Buffer.concat(units(events).map((u) => u.bytes)).equals(stream)).toBe(true);
    const last = units(events).at(-1)!;
    expect([last.tag, last.verb, last.status]).toEqual(['a', 'FETCH', 'OK']);
  });

  it('a {99999999999} literal streams without allocating it', () => {
    const codec = imap.createCodec();
    const head = codec.feed('server', Buffer.from('* 1 FETCH (BODY[] {99999999999}\r\n'));
    expect(units(head).map((u) => u.kind)).toEqual(['reply']);
    const chunk = Buffer.alloc(64 * 1024, 0x61);
    let total = 0;
    for (let i = 0; i < 32; i++) {
      const ev = codec.feed('server', chunk);
      expect(ev).toHaveLength(1);
      const u = ev[0] as UnitEvent;
      expect(u.kind).toBe('body');
      expect(u.bytes.buffer).toBe(chunk.buffer); // a view of what was fed, not a copy
      total += u.bytes.length;
      expect(u.bodyOffset).toBe(total);
      expect(u.final).toBe(false);
    }
  });

  it('a count beyond Number.MAX_SAFE_INTEGER is a violation and the side passes through as raw', () => {
    const steps: Step[] = [
      ['server', '* 1 FETCH (BODY[] {99999999999999999999}\r\nabc\r\n'],
      ['server', 'a OK\r\n'],
      ['client', 'b NOOP\r\n'],
    ];
    expect(brief(expectChunkInvariant(steps))).toEqual([
      'violation server E_PROTOCOL',
      'server raw: "* 1 FETCH (BODY[] {99999999999999999999}\\r\\nabc\\r\\na OK\\r\\n"',
      'client command tag=b verb=NOOP: "b NOOP\\r\\n"',
    ]);
    expectFidelity(steps, run(steps));
  });
});

describe('line limits', () => {
  const limits = { maxLineBytes: 16 };

  it('a line over maxLineBytes passes as raw with one violation, then framing resumes', () => {
    const steps: Step[] = [['client', `a SEARCH ${'x'.repeat(40)}\r\nb NOOP\r\n`]];
    const flat = expectChunkInvariant(steps, { limits });
    expect(brief(flat)).toEqual(['violation client E_LINE_TOO_LONG', `client raw: "a SEARCH ${'x'.repeat(40)}\\r\\n"`, 'client command tag=b verb=NOOP: "b NOOP\\r\\n"']);
    expectFidelity(steps, run(steps, undefined, { limits }));
  });

  it('a line of exactly maxLineBytes (CRLF included) is framed; one byte more is not', () => {
    expect(brief(normalise(run([['client', 'a NOOP 1234567\r\n']], undefined, { limits }))).map((s) => s.split(':')[0])).toEqual(['client command tag=a verb=NOOP']);
    expect(brief(normalise(run([['client', 'a NOOP 12345678\r\n']], undefined, { limits }))).map((s) => s.split(':')[0])).toEqual(['violation client E_LINE_TOO_LONG', 'client raw']);
  });

  it('the over-long part is emitted as it arrives, bounded by maxLineBytes', () => {
    const codec = imap.createCodec({ limits });
    const ev = codec.feed('server', Buffer.from('* OK '.padEnd(40, 'z')));
    expect(ev.map((e) => e.type)).toEqual(['violation', 'unit', 'unit']);
    expect(units(ev).every((u) => u.kind === 'raw' && u.bytes.length === 16)).toBe(true);
  });

  it('client bytes held during STARTTLS beyond maxPendingBytes are a violation and dropped as injection', () => {
    const steps: Step[] = [
      ['client', `s STARTTLS\r\n${'x'.repeat(30)}`],
      ['client', 'y'.repeat(10)],
      ['server', 's OK go\r\n'],
    ];
    const flat = expectChunkInvariant(steps, { limits: { maxPendingBytes: 20 } });
    expect(brief(flat)).toEqual([
      'client command tag=s verb=STARTTLS: "s STARTTLS\\r\\n"',
      'violation client E_LIMIT',
      `injection client: "${'x'.repeat(30)}${'y'.repeat(10)}"`,
      'server reply tag=s verb=STARTTLS status=OK: "s OK go\\r\\n"',
      'upgrade-tls',
      'state not-authenticated',
    ]);
  });
});

describe('protocol-shaped failures', () => {
  it('upstreamFailure and serviceUnavailable are one BYE line, CR/LF in the reason flattened', () => {
    expect(imap.upstreamFailure('connect ECONNREFUSED\r\n* OK fake').toString()).toBe('* BYE [UNAVAILABLE] mailtap: upstream unavailable: connect ECONNREFUSED * OK fake\r\n');
    expect(imap.serviceUnavailable('too many sessions').toString()).toBe('* BYE [UNAVAILABLE] mailtap: too many sessions\r\n');
    expect(imap.protocol).toBe('imap');
  });
});
