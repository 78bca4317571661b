// The protocol-shaped answer to a client step the recording did not expect (SPEC §Replay):
// the client sees an error naming what was expected; the replay logs it and fails the session.

import type { Protocol } from '../protocol/types.js';
import { describeStep, type ClientStep } from './steps.js';

export function mismatchMessage(expected: ClientStep | undefined, got: ClientStep): string {
  return expected ? `expected ${describeStep(expected)}, got ${describeStep(got)}` : `the recording has ended, got ${describeStep(got)}`;
}

export function mismatchReply(protocol: Protocol, message: string, got: ClientStep): Buffer {
  const text = `mailtap replay: ${message}`.replace(/[\r\n]+/g, ' ');
  switch (protocol) {
    case 'smtp':
      // 501 for a bad SASL line (RFC 4954 §4), 500 for an unexpected command (RFC 5321 §4.2.4).
      return Buffer.from(got.kind === 'sasl' ? `501 5.5.2 ${text}\r\n` : `500 5.5.0 ${text}\r\n`);
    case 'pop3':
      return Buffer.from(`-ERR ${text}\r\n`);
    case 'imap':
      return Buffer.from(`${got.tag && got.kind === 'command' ? got.tag : '*'} BAD ${text}\r\n`);
  }
}

/** Default: the verb (or kind) must agree. Strict: the whole line too (tags aside). */
export function stepsMatch(expected: ClientStep, got: ClientStep, strict: boolean): boolean {
  const kindOf = (s: ClientStep) => (s.kind === 'continuation' ? 'command-part' : s.kind);
  if (kindOf(expected) !== kindOf(got)) return false;
  if (expected.kind === 'command' && (expected.verb ?? '') !== (got.verb ?? '')) return false;
  if (!strict || expected.kind === 'body') return true;
  return lineWithoutTag(expected) === lineWithoutTag(got);
}

function lineWithoutTag(step: ClientStep): string {
  let text = step.head.toString('latin1').replace(/\r?\n$/, '');
  if (step.tag && text.startsWith(`${step.tag} `)) text = text.slice(step.tag.length + 1);
  // Verbs are case-insensitive in all three protocols.
  const sp = text.indexOf(' ');
  return sp < 0 ? text.toUpperCase() : text.slice(0, sp).toUpperCase() + text.slice(sp);
}
