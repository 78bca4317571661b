// Test harness for the IMAP codec: a session is a list of steps (side, bytes); it is fed whole,
// byte by byte, or split at chosen points, and the events are normalised so that chunkings can be
// compared (adjacent body, raw and injection chunks of one side are merged, as the contract allows).

import { expect } from 'vitest';
import { imap } from '../../../src/protocol/imap/index.js';
import type { CodecEvent, CodecOptions, Side } from '../../../src/protocol/types.js';
import { splitAtOffsets } from '../../helpers/chunking.js';

export type Step = readonly [Side, string | Buffer];

export const bytesOf = (b: string | Buffer): Buffer => (typeof b === 'string' ? Buffer.from(b, 'utf8') : b);

/** Splits each step's bytes into chunks. */
export type Chunker = (bytes: Buffer, stepIndex: number) => Buffer[];

export const whole: Chunker = (b) => [b];
export const byteByByte: Chunker = (b) => [...b].map((x) => Buffer.from([x]));
export function cutAt(step: number, at: number): Chunker {
  return (b, i) => (i === step ? [b.subarray(0, at), b.subarray(at)] : [b]);
}
export function cutsAt(points: number[][]): Chunker {
  return (b, i) => splitAtOffsets(b, points[i] ?? []);
}

/** Feeds the steps, then ends both sides. */
export function run(steps: readonly Step[], chunker: Chunker = whole, options?: CodecOptions): CodecEvent[] {
  const codec = imap.createCodec(options);
  const events: CodecEvent[] = [];
  steps.forEach(([side, data], i) => {
    for (const c of chunker(bytesOf(data), i)) events.push(...codec.feed(side, c));
  });
  events.push(...codec.end('client'), ...codec.end('server'));
  return events;
}

export interface Flat {
  type: string;
  side?: Side;
  kind?: string;
  text?: string;
  tag?: string;
  verb?: string;
  status?: string;
  final?: boolean;
  continued?: boolean;
  bodyOffset?: number;
  state?: string;
  code?: string;
  result?: string;
  mechanism?: string;
  username?: string;
  password?: string;
  verdict?: string;
  refusal?: string;
  note?: string;
}

/** Comparable form; adjacent body/raw/injection chunks of one side merged (texts joined). */
export function normalise(events: CodecEvent[]): Flat[] {
  const out: Flat[] = [];
  for (const e of events) {
    let f: Flat;
    switch (e.type) {
      case 'unit':
        f = { type: 'unit', side: e.side, kind: e.kind, text: e.bytes.toString('latin1'), note: e.note.en };
        if (e.tag !== undefined) f.tag = e.tag;
        if (e.verb !== undefined) f.verb = e.verb;
        if (e.status !== undefined) f.status = e.status;
        if (e.final !== undefined) f.final = e.final;
        if (e.continued !== undefined) f.continued = e.continued;
        if (e.bodyOffset !== undefined) f.bodyOffset = e.bodyOffset;
        break;
      case 'injection':
        f = { type: 'injection', side: e.side, text: e.bytes.toString('latin1') };
        break;
      case 'violation':
        f = { type: 'violation', side: e.side, code: e.code };
        break;
      case 'state':
        f = { type: 'state', state: e.state };
        break;
      case 'upgrade-tls':
        f = { type: 'upgrade-tls', refusal: e.refusal('handshake failed').toString('latin1') };
        break;
      case 'compress':
        f = { type: 'compress', note: e.note.en };
        break;
      case 'auth':
        f = { type: 'auth', mechanism: e.mechanism, result: e.result };
        if (e.username !== undefined) f.username = e.username;
        if (e.password !== undefined) f.password = e.password;
        if (e.verdict !== undefined) f.verdict = e.verdict;
        break;
    }
    const prev = out[out.length - 1];
    const mergeable = (f.type === 'unit' && (f.kind === 'body' || f.kind === 'raw')) || f.type === 'injection';
    if (prev && mergeable && prev.type === f.type && prev.side === f.side && prev.kind === f.kind) {
      prev.text += f.text!;
      if (f.final !== undefined) prev.final = f.final;
      if (f.bodyOffset !== undefined) prev.bodyOffset = f.bodyOffset;
      continue;
    }
    out.push(f);
  }
  return out;
}

/** Invariant 1: per side, unit bytes + injection bytes, in order, give back exactly what was fed. */
export function expectFidelity(steps: readonly Step[], events: CodecEvent[]): void {
  for (const side of ['client', 'server'] as const) {
    const fed = Buffer.concat(steps.filter((s) => s[0] === side).map((s) => bytesOf(s[1])));
    const units = Buffer.concat(events.filter((e) => e.type === 'unit' && e.side === side).map((e) => (e as { bytes: Buffer }).bytes));
    const injected = events.filter((e) => e.type === 'injection' && e.side === side).reduce((n, e) => n + (e as { bytes: Buffer }).bytes.length, 0);
    expect(units.length + injected).toBe(fed.length);
    if (injected === 0) expect(units.equals(fed)).toBe(true);
  }
}

/** Whole, byte by byte, and one cut at every point of every step: identical normalised events. */
export function expectChunkInvariant(steps: readonly Step[], options?: CodecOptions): Flat[] {
  const ref = normalise(run(steps, whole, options));
  expect(normalise(run(steps, byteByByte, options))).toEqual(ref);
  steps.forEach(([, data], i) => {
    const n = bytesOf(data).length;
    for (let at = 1; at < n; at++) expect(normalise(run(steps, cutAt(i, at), options))).toEqual(ref);
  });
  return ref;
}

/** The event list as a compact transcript line each: handy in `toEqual` tables. */
export function brief(flat: Flat[]): string[] {
  return flat.map((f) => {
    switch (f.type) {
      case 'unit':
        return `${f.side} ${f.kind}${f.tag !== undefined ? ` tag=${f.tag}` : ''}${f.verb ? ` verb=${f.verb}` : ''}${f.status ? ` status=${f.status}` : ''}${f.continued ? ' continued' : ''}${f.final ? ' final' : ''}: ${JSON.stringify(f.text)}`;
      case 'injection':
        return `injection ${f.side}: ${JSON.stringify(f.text)}`;
      case 'violation':
        return `violation ${f.side} ${f.code}`;
      case 'state':
        return `state ${f.state}`;
      case 'upgrade-tls':
        return `upgrade-tls`;
      case 'auth':
        return `auth ${f.mechanism} ${f.result}${f.username !== undefined ? ` user=${f.username}` : ''}${f.password !== undefined ? ` pass=${f.password}` : ''}`;
      default:
        return f.type;
    }
  });
}
