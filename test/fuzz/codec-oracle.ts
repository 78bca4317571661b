// Feeds one fuzz case to a fresh codec and checks what must hold for ANY input: feed/end never
// throw; per side, unit and injection bytes in event order are exactly the bytes fed (after both
// ends); no unit is larger than max(maxLineBytes, maxReplyBytes, the largest chunk its side fed
// plus a bounded carry); bytes held inside the codec never exceed the limits plus the chunk fed.

import fc from 'fast-check';
import type { Limits } from '../../src/core/limits.js';
import { resolveLimits } from '../../src/core/limits.js';
import type { CodecEvent, CodecOptions, ProtocolModule, Side } from '../../src/protocol/types.js';
import { splitAtOffsets } from '../helpers/chunking.js';
import { cutsArb, sideArb, type Step } from './hostile.js';

export interface FuzzCase {
  steps: readonly Step[];
  /** Cut offsets per (coalesced) step. */
  cuts: number[][];
  /** Join adjacent writes of the same side before cutting (pipelining in one segment). */
  coalesce: boolean;
  /** Which side's stream ends first. */
  endFirst: Side;
  options: CodecOptions;
}

/** Limit sets the targets draw from; small so that long lines are cheap to reach. */
export const FUZZ_OPTIONS: readonly CodecOptions[] = [
  { limits: { maxLineBytes: 64, maxReplyBytes: 256, maxPendingBytes: 128, maxBodyPeekBytes: 64 } },
  { limits: { maxLineBytes: 256, maxReplyBytes: 256, maxPendingBytes: 64, maxBodyPeekBytes: 32 } },
  { limits: { maxLineBytes: 64, maxReplyBytes: 64, maxPendingBytes: 16, maxBodyPeekBytes: 8 }, tls: true },
  { limits: { maxLineBytes: 64, maxReplyBytes: 512, maxPendingBytes: 1024, maxBodyPeekBytes: 16 } },
];

function coalesced(steps: readonly Step[]): Step[] {
  const out: [Side, Buffer][] = [];
  for (const [side, bytes] of steps) {
    const last = out[out.length - 1];
    if (last && last[0] === side) last[1] = Buffer.concat([last[1], bytes]);
    else out.push([side, bytes]);
  }
  return out;
}

function describeUnit(e: CodecEvent): string {
  if (e.type !== 'unit') return e.type;
  const head = e.bytes.subarray(0, 40).toString('latin1');
  return `${e.side} ${e.kind} of ${e.bytes.length} B starting ${JSON.stringify(head)}`;
}

class OracleError extends Error {}

/**
 * Bytes a codec may legitimately carry in front of a chunk within one unit: a possible body
 * terminator start (".", ".\r", dot-body.ts) or command bytes held behind a gate (bounded by
 * maxPendingBytes) that go out with the chunk that overflowed the gate.
 */
const carryCap = (l: Limits): number => Math.max(2, l.maxPendingBytes);

/** The largest unit the contract allows, chunk aside: max(maxLineBytes, maxReplyBytes). */
export const contractUnitCap = (l: Limits): number => Math.max(l.maxLineBytes, l.maxReplyBytes);

export interface OracleOptions {
  /** Override the unit cap (to work around a known codec bug while its it.fails stands; none today). */
  unitCap?: (limits: Limits) => number;
}

/** Runs the case; throws an OracleError naming the broken property (fast-check shrinks on it). */
export function checkCodec(module: ProtocolModule, input: FuzzCase, oracle: OracleOptions = {}): CodecEvent[] {
  const limits: Limits = resolveLimits(input.options.limits);
  const codec = module.createCodec(input.options);
  const fed: Record<Side, Buffer[]> = { client: [], server: [] };
  const out: Record<Side, Buffer[]> = { client: [], server: [] };
  const fedBytes: Record<Side, number> = { client: 0, server: 0 };
  const outBytes: Record<Side, number> = { client: 0, server: 0 };
  const largestChunk: Record<Side, number> = { client: 0, server: 0 };
  const unitCap = (oracle.unitCap ?? contractUnitCap)(limits);
  // A side may hold the lines of an unfinished reply or listing, a partial line after them, bytes
  // queued behind a gate, and the chunk being fed.
  const heldCap = limits.maxReplyBytes + limits.maxLineBytes + limits.maxPendingBytes;
  const carry = carryCap(limits);
  const all: CodecEvent[] = [];

  const take = (events: CodecEvent[], during: string, chunkLength: number): void => {
    for (const e of events) {
      all.push(e);
      if (e.type !== 'unit' && e.type !== 'injection') continue;
      out[e.side].push(e.bytes);
      outBytes[e.side] += e.bytes.length;
      if (e.type === 'unit' && e.bytes.length > Math.max(unitCap, largestChunk[e.side] + carry)) {
        throw new OracleError(`unit too large ${during}: ${describeUnit(e)} > max(cap ${unitCap} (maxLineBytes ${limits.maxLineBytes}, maxReplyBytes ${limits.maxReplyBytes}), largest ${e.side} chunk ${largestChunk[e.side]} + carry ${carry})`);
      }
    }
    for (const s of ['client', 'server'] as const) {
      const held = fedBytes[s] - outBytes[s];
      if (held < 0) throw new OracleError(`${s}: codec emitted ${-held} B more than was fed ${during}`);
      if (held > heldCap + chunkLength) throw new OracleError(`${s}: codec holds ${held} B ${during} > maxReplyBytes + maxLineBytes + maxPendingBytes (${heldCap}) + chunk ${chunkLength}`);
    }
  };

  const steps = input.coalesce ? coalesced(input.steps) : input.steps;
  steps.forEach(([side, bytes], i) => {
    for (const chunk of splitAtOffsets(bytes, input.cuts[i] ?? [])) {
      fed[side].push(chunk);
      fedBytes[side] += chunk.length;
      largestChunk[side] = Math.max(largestChunk[side], chunk.length);
      take(codec.feed(side, chunk), `after feeding ${side} step ${i}`, chunk.length);
    }
  });
  const endSecond: Side = input.endFirst === 'client' ? 'server' : 'client';
  take(codec.end(input.endFirst), `at end(${input.endFirst})`, 0);
  take(codec.end(endSecond), `at end(${endSecond})`, 0);

  for (const s of ['client', 'server'] as const) {
    const want = Buffer.concat(fed[s]);
    const got = Buffer.concat(out[s]);
    if (!got.equals(want)) {
      let at = 0;
      while (at < want.length && at < got.length && want[at] === got[at]) at++;
      throw new OracleError(
        `${s}: unit+injection bytes (${got.length} B) differ from the ${want.length} B fed, first at offset ${at}: fed ${JSON.stringify(want.subarray(at, at + 24).toString('latin1'))}, got ${JSON.stringify(got.subarray(at, at + 24).toString('latin1'))}`,
      );
    }
  }
  return all;
}

/** A whole fuzz case: a greeting (or not), shaped exchanges and lone hostile writes interleaved. */
export function fuzzCaseArb(exchange: fc.Arbitrary<Step[]>, greeting: fc.Arbitrary<Step[]>): fc.Arbitrary<FuzzCase> {
  return fc.record({
    steps: fc.tuple(greeting, fc.array(exchange, { maxLength: 14 })).map(([g, xs]) => [...g, ...xs.flat()]),
    cuts: cutsArb,
    coalesce: fc.boolean(),
    endFirst: sideArb,
    options: fc.constantFrom(...FUZZ_OPTIONS),
  });
}

/** Event kinds a case produced (`unit:body`, `violation:E_LIMIT`, `injection`…), to check reach. */
export function eventKinds(events: readonly CodecEvent[]): Set<string> {
  const kinds = new Set<string>();
  for (const e of events) {
    if (e.type === 'unit') kinds.add(`unit:${e.kind}`);
    else if (e.type === 'violation') kinds.add(`violation:${e.code}`);
    else if (e.type === 'auth') kinds.add(`auth:${e.result}`);
    else kinds.add(e.type);
  }
  return kinds;
}

/** What every target's generator must reach with the default seed (else it has gone tame). */
export const HOSTILE_PATHS = [
  'auth:failure', 'auth:incomplete', 'auth:success', 'injection', 'unit:body', 'unit:command', 'unit:raw', 'unit:reply', 'unit:sasl', 'upgrade-tls',
  'violation:E_LIMIT', 'violation:E_LINE_TOO_LONG', 'violation:E_PROTOCOL',
];

/** The kinds seen over `samples` cases drawn with `seed`: the generator must keep reaching them. */
export function reach(module: ProtocolModule, cases: fc.Arbitrary<FuzzCase>, oracle: OracleOptions, seed: number, samples = 300): string[] {
  const seen = new Set<string>();
  for (const input of fc.sample(cases, { seed, numRuns: samples })) for (const k of eventKinds(checkCodec(module, input, oracle))) seen.add(k);
  return [...seen].sort();
}
