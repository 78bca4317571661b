// The protocol-shaped answer to a client step the recording did not expect (SPEC §Replay):
// the client sees an error naming what was expected; the replay logs it and fails the session.
// Matching is by verb, where an AUTH/AUTHENTICATE mechanism is part of the verb (a CRAM-MD5
// login does not stand in for a recorded AUTH LOGIN); --strict compares the whole line.

import type { Protocol } from '../protocol/types.js';
import { describeStep, type ClientStep } from './steps.js';

export function mismatchMessage(expected: ClientStep | undefined, got: ClientStep): string {
  if (!expected) return `the recording has ended, got ${describeStep(got)}`;
  // Same verb, different line: the difference is in the arguments, so show both lines.
  if (expected.kind === 'command' && got.kind === 'command' && verbKey(expected) === verbKey(got)) {
    return `expected "${lineWithoutTag(expected, true)}", got "${lineWithoutTag(got, true)}"`;
  }
  return `expected ${describeStep(expected, verbKey(expected))}, got ${describeStep(got, verbKey(got))}`;
}

export function mismatchReply(protocol: Protocol, message: string, got: ClientStep): Buffer {
  const text = oneLine(message);
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

/**
 * --strict ends the session at the first mismatch, the way each protocol says "I am closing":
 * SMTP 421 (RFC 5321 §3.8), POP3 -ERR then close (RFC 1939 §3), IMAP untagged BYE (RFC 9051 §7.1.5).
 */
export function endingReply(protocol: Protocol, message: string): Buffer {
  const text = oneLine(message);
  switch (protocol) {
    case 'smtp':
      return Buffer.from(`421 4.7.0 ${text}\r\n`);
    case 'pop3':
      return Buffer.from(`-ERR ${text}\r\n`);
    case 'imap':
      return Buffer.from(`* BYE ${text}\r\n`);
  }
}

/** Default: the verb (or kind) must agree. Strict: the whole line too (tags aside). */
export function stepsMatch(expected: ClientStep, got: ClientStep, strict: boolean): boolean {
  const kindOf = (s: ClientStep) => (s.kind === 'continuation' ? 'command-part' : s.kind);
  if (kindOf(expected) !== kindOf(got)) return false;
  if (expected.kind === 'command' && verbKey(expected) !== verbKey(got)) return false;
  if (!strict || expected.kind === 'body') return true;
  return lineWithoutTag(expected) === lineWithoutTag(got);
}

const AUTH_VERBS = new Set(['AUTH', 'AUTHENTICATE']);

/** `EHLO`, or `AUTH LOGIN` / `AUTHENTICATE PLAIN`: the mechanism decides the whole exchange. */
export function verbKey(step: ClientStep): string {
  const verb = (step.verb ?? '').toUpperCase();
  if (!AUTH_VERBS.has(verb)) return verb;
  const words = lineWithoutTag(step).split(' ');
  return words[1] ? `${verb} ${words[1].toUpperCase()}` : verb;
}

/** True when this step is the protocol's goodbye (QUIT, LOGOUT). */
export function isGoodbye(step: ClientStep | undefined): boolean {
  const verb = step?.kind === 'command' ? (step.verb ?? '').toUpperCase() : '';
  return verb === 'QUIT' || verb === 'LOGOUT';
}

function lineWithoutTag(step: ClientStep, printable = false): string {
  let text = step.head.toString('latin1').replace(/\r?\n$/, '');
  if (step.tag && text.startsWith(`${step.tag} `)) text = text.slice(step.tag.length + 1);
  if (printable) return text.replace(/[^\x20-\x7e]/g, '.').slice(0, 120);
  // Verbs are case-insensitive in all three protocols.
  const sp = text.indexOf(' ');
  return sp < 0 ? text.toUpperCase() : text.slice(0, sp).toUpperCase() + text.slice(sp);
}

function oneLine(message: string): string {
  return `mailtap replay: ${message}`.replace(/[\r\n]+/g, ' ');
}
