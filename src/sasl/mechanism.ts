// What one SASL mechanism module provides: a reader for server challenges and client responses,
// fed in order with already-decoded bytes. Readers record what they learn into the shared
// credentials and return a note; they never throw (bad input becomes an `undecoded` entry).

import type { Note } from '../core/note.js';
import type { SaslCredentials } from './types.js';

export interface MechanismContext {
  readonly creds: SaslCredentials;
  /** Keep the original base64 of something this mechanism could not interpret. */
  keepUndecoded(b64: string): void;
}

export interface MechanismReader {
  /** `index` counts server challenges of this exchange from 0. */
  challenge(data: Buffer, index: number, ctx: MechanismContext): Note;
  /** `index` counts client responses from 0, the initial response included. `b64` is the wire text. */
  response(data: Buffer, index: number, ctx: MechanismContext, b64: string): Note;
}

/** A fresh reader per exchange: readers may keep state (LOGIN remembers what was asked). */
export type MechanismFactory = (mechanism: string) => MechanismReader;

import { displayBytes } from './base64.js';
import { note } from '../core/note.js';

/** The note for a challenge a mechanism has nothing specific to say about. */
export function plainChallenge(data: Buffer): Note {
  if (data.length === 0) return note('Server is ready for the client\'s response (empty challenge)', 'El servidor espera la respuesta del cliente (desafío vacío)');
  const text = displayBytes(data);
  return note(`Server challenge: "${text}"`, `Desafío del servidor: "${text}"`);
}

/** Split on a byte (NUL for PLAIN, ^A for the OAuth mechanisms). */
export function splitBytes(data: Buffer, sep: number): Buffer[] {
  const parts: Buffer[] = [];
  let from = 0;
  for (let at = data.indexOf(sep, from); at >= 0; at = data.indexOf(sep, from)) {
    parts.push(data.subarray(from, at));
    from = at + 1;
  }
  parts.push(data.subarray(from));
  return parts;
}
