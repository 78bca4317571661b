// Test helper for the SMTP codec: feeds a transcript (steps of side + bytes) whole, byte by
// byte, split at every point, or in given pieces, and normalises the events so that different
// chunkings can be compared (adjacent body chunks and raw units joined, their notes dropped).

import { smtp } from '../../../src/protocol/smtp/index.js';
import type { CodecEvent, CodecOptions, Side } from '../../../src/protocol/types.js';
import { splitAtOffsets } from '../../helpers/chunking.js';

export interface Step {
  side: Side;
  bytes: Buffer;
}

export const c = (text: string | Buffer): Step => ({ side: 'client', bytes: typeof text === 'string' ? Buffer.from(text, 'latin1') : text });
export const s = (text: string | Buffer): Step => ({ side: 'server', bytes: typeof text === 'string' ? Buffer.from(text, 'latin1') : text });

/** Feeds each step cut into pieces by `cut`, then ends both sides. */
export function run(steps: Step[], cut: (b: Buffer) => Buffer[] = (b) => [b], options?: CodecOptions, end = true): CodecEvent[] {
  const codec = smtp.createCodec(options);
  const out: CodecEvent[] = [];
  for (const step of steps) for (const piece of cut(step.bytes)) out.push(...codec.feed(step.side, piece));
  if (end) {
    out.push(...codec.end('client'));
    out.push(...codec.end('server'));
  }
  return out;
}

export const whole = (b: Buffer): Buffer[] => [b];
export const byteByByte = (b: Buffer): Buffer[] => Array.from({ length: b.length }, (_, i) => b.subarray(i, i + 1));
export const splitAt = (at: number) => (b: Buffer): Buffer[] => [b.subarray(0, Math.min(at, b.length)), b.subarray(Math.min(at, b.length))];
export function splitAtPoints(points: number[]) {
  return (b: Buffer): Buffer[] => splitAtOffsets(b, points);
}

export type Plain = Record<string, unknown>;

/** Events as plain objects, adjacent body/raw units of one side joined and their notes dropped. */
export function normalise(events: CodecEvent[]): Plain[] {
  const out: Plain[] = [];
  for (const e of events) {
    if (e.type === 'unit') {
      const prev = out[out.length - 1];
      const bytes = e.bytes.toString('latin1');
      if ((e.kind === 'body' || e.kind === 'raw') && prev && prev.type === 'unit' && prev.kind === e.kind && prev.side === e.side && prev.verb === e.verb && !prev.final) {
        prev.bytes = (prev.bytes as string) + bytes;
        prev.final = e.final;
        continue;
      }
      const p: Plain = { type: 'unit', side: e.side, kind: e.kind, bytes, verb: e.verb, status: e.status, enhanced: e.enhanced };
      if (e.kind === 'body' || e.kind === 'raw') p.final = e.final;
      else p.note = e.note;
      out.push(p);
    } else if (e.type === 'upgrade-tls') {
      out.push({ type: e.type, command: e.command, refusal: e.refusal('x').toString() });
    } else if (e.type === 'injection') {
      out.push({ type: e.type, side: e.side, bytes: e.bytes.toString('latin1') });
    } else {
      out.push({ ...e });
    }
  }
  return out;
}

/** Short form for table assertions: `C command MAIL`, `S reply MAIL 250 2.1.0`, `auth success`. */
export function brief(events: CodecEvent[]): string[] {
  return normalise(events).map((e) => {
    if (e.type === 'unit') return [e.side === 'client' ? 'C' : 'S', e.kind, e.verb, e.status, e.enhanced, e.final ? 'final' : undefined].filter(Boolean).join(' ');
    if (e.type === 'auth') return `auth ${e.mechanism} ${e.result}`;
    if (e.type === 'state') return `state ${e.state}`;
    if (e.type === 'injection') return `injection ${e.side === 'client' ? 'C' : 'S'} ${JSON.stringify(e.bytes)}`;
    if (e.type === 'violation') return `violation ${e.side === 'client' ? 'C' : 'S'} ${e.code}`;
    return String(e.type);
  });
}

/** Per side, the bytes of unit events, of injections, and of both in event order (`-all`). */
export function bytesBySide(events: CodecEvent[]): Record<string, string> {
  const acc: Record<string, string> = { client: '', server: '', 'client-injection': '', 'server-injection': '', 'client-all': '', 'server-all': '' };
  for (const e of events) {
    if (e.type === 'unit') acc[e.side] += e.bytes.toString('latin1');
    if (e.type === 'injection') acc[`${e.side}-injection`] += e.bytes.toString('latin1');
    if (e.type === 'unit' || e.type === 'injection') acc[`${e.side}-all`] += e.bytes.toString('latin1');
  }
  return acc;
}

/** Same events for whole, byte-by-byte and every two-piece split of each step. */
export function expectChunkingInvariant(steps: Step[], options: CodecOptions | undefined, check: (a: Plain[], b: Plain[], how: string) => void): Plain[] {
  const ref = normalise(run(steps, whole, options));
  check(normalise(run(steps, byteByByte, options)), ref, 'byte by byte');
  const longest = Math.max(...steps.map((x) => x.bytes.length));
  for (let at = 1; at < longest; at++) check(normalise(run(steps, splitAt(at), options)), ref, `split at ${at}`);
  return ref;
}
