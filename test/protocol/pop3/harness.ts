// Test helpers for the POP3 codec: sessions written as transcripts (`client(...)`, `server(...)`),
// fed whole, byte by byte and split at every point, with the events normalised so that chunking
// differences (body and raw chunk boundaries) vanish and everything else must match exactly.

import { expect } from 'vitest';
import { pop3 } from '../../../src/protocol/pop3/index.js';
import type { CodecEvent, CodecOptions, Side } from '../../../src/protocol/types.js';

export type Step = { side: Side; bytes: Buffer } | { end: Side };

const asBuf = (b: string | Buffer): Buffer => (typeof b === 'string' ? Buffer.from(b, 'latin1') : b);
export const client = (b: string | Buffer): Step => ({ side: 'client', bytes: asBuf(b) });
export const server = (b: string | Buffer): Step => ({ side: 'server', bytes: asBuf(b) });
export const end = (side: Side): Step => ({ end: side });

/** Splits one step's bytes into the chunks that will be fed. */
export type Chunker = (bytes: Buffer, stepIndex: number) => Buffer[];

export const whole: Chunker = (b) => [b];
export const byteByByte: Chunker = (b) => [...b].map((x) => Buffer.from([x]));

export function run(steps: Step[], chunker: Chunker = whole, options?: CodecOptions): CodecEvent[] {
  const codec = pop3.createCodec(options);
  const events: CodecEvent[] = [];
  steps.forEach((step, i) => {
    if ('end' in step) events.push(...codec.end(step.end));
    else for (const piece of chunker(step.bytes, i)) events.push(...codec.feed(step.side, piece));
  });
  assertBytesPreserved(steps, events);
  return events;
}

/** Invariant 1 of types.ts: per side, unit bytes plus injected bytes, in event order, are the input. */
export function assertBytesPreserved(steps: Step[], events: CodecEvent[]): void {
  for (const side of ['client', 'server'] as const) {
    const input = Buffer.concat(steps.flatMap((s) => ('side' in s && s.side === side ? [s.bytes] : [])));
    const seen = Buffer.concat(events.flatMap((e) => ((e.type === 'unit' || e.type === 'injection') && e.side === side ? [e.bytes] : [])));
    expect(seen.equals(input), `${side} bytes preserved`).toBe(true);
  }
}

export interface NormalEvent {
  type: string;
  [key: string]: unknown;
}

/**
 * Joins adjacent body chunks (up to the final one), adjacent raw units and adjacent injections of
 * one side. Notes of non-final body chunks and of raw runs depend on chunking and are dropped.
 */
export function normalize(events: CodecEvent[]): NormalEvent[] {
  const out: NormalEvent[] = [];
  let open: { ev: NormalEvent; parts: Buffer[] } | null = null;
  const close = () => {
    if (open) open.ev.bytes = Buffer.concat(open.parts).toString('latin1');
    open = null;
  };
  for (const e of events) {
    const mergeKind = e.type === 'unit' && (e.kind === 'body' || e.kind === 'raw') ? e.kind : e.type === 'injection' ? 'injection' : null;
    if (mergeKind && open && open.ev.side === (e as { side: Side }).side && open.ev.merge === mergeKind && !open.ev.final) {
      open.parts.push((e as { bytes: Buffer }).bytes);
      if (e.type === 'unit' && e.kind === 'body' && e.final) Object.assign(open.ev, { final: true, note: e.note, bodyOffset: e.bodyOffset });
      continue;
    }
    close();
    if (e.type === 'upgrade-tls') {
      out.push({ type: e.type, command: e.command, refusal: e.refusal('why').toString('latin1') });
      continue;
    }
    const ev: NormalEvent = { ...e } as NormalEvent;
    if (mergeKind) {
      ev.merge = mergeKind;
      if (mergeKind !== 'injection' && !(e.type === 'unit' && e.final)) {
        delete ev.note;
        delete ev.bodyOffset;
      }
      open = { ev, parts: [(e as { bytes: Buffer }).bytes] };
      out.push(ev);
      continue;
    }
    if ('bytes' in e) ev.bytes = e.bytes.toString('latin1');
    out.push(ev);
  }
  close();
  for (const ev of out) delete ev.merge;
  return out;
}

/** Every split of one step into two feeds, each step in turn (all other steps fed whole). */
function* everySplit(steps: Step[]): Generator<Chunker> {
  for (let i = 0; i < steps.length; i++) {
    const s = steps[i]!;
    if (!('bytes' in s)) continue;
    for (let p = 1; p < s.bytes.length; p++) yield (b, k) => (k === i ? [b.subarray(0, p), b.subarray(p)] : [b]);
  }
}

/** Feeds the session whole, byte by byte and split at every point; all must agree. */
export function runAllWays(steps: Step[], options?: CodecOptions): CodecEvent[] {
  const events = run(steps, whole, options);
  const expected = normalize(events);
  expect(normalize(run(steps, byteByByte, options)), 'byte by byte').toEqual(expected);
  for (const chunker of everySplit(steps)) {
    const got = normalize(run(steps, chunker, options));
    // toEqual on every split is slow to report; compare cheaply and only then assert.
    if (JSON.stringify(got) !== JSON.stringify(expected)) expect(got, 'split').toEqual(expected);
  }
  return events;
}

/** A one-line summary per normalised event, to write expectations as transcripts. */
export function summary(events: CodecEvent[]): string[] {
  return normalize(events).map((e) => {
    switch (e.type) {
      case 'unit':
        return [e.side, e.kind, e.verb, e.status, e.final ? 'final' : undefined].filter((x) => x !== undefined).join(' ');
      case 'auth':
        return `auth ${e.mechanism} ${e.result}${e.username !== undefined ? ` user=${e.username}` : ''}`;
      case 'state':
        return `state ${e.state}`;
      case 'upgrade-tls':
        return `upgrade-tls ${e.command}`;
      case 'injection':
        return `injection ${e.side} ${JSON.stringify(e.bytes)}`;
      case 'violation':
        return `violation ${e.side} ${e.code}`;
      default:
        return e.type;
    }
  });
}

export function units(events: CodecEvent[]) {
  return events.flatMap((e) => (e.type === 'unit' ? [e] : []));
}
