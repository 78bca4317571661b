// Credentials seen in IMAP authentication: LOGIN's two astring arguments (atom, quoted string or
// literal, RFC 9051 §6.2.3) and AUTHENTICATE's SASL exchange (§6.2.2, SASL-IR RFC 4959). Builds
// the `auth` events; passwords go only into the event, never into notes (so --redact can mask them).

import { note, type Note } from '../../core/note.js';
import type { SaslCredentials } from '../../sasl/types.js';
import type { AuthEvent, AuthResult } from '../types.js';
import type { Token } from './tokenizer.js';

export const LOGIN_MECHANISM = 'IMAP LOGIN';

/** Literal arguments of LOGIN kept for the auth event; longer ones are not credentials worth holding. */
export const MAX_CAPTURED_LITERAL = 1024;

function astring(t: Token | undefined): string | undefined {
  if (!t) return undefined;
  if (t.kind === 'atom' || t.kind === 'quoted') return t.value.toString('utf8');
  if (t.kind === 'literal' && t.value) return t.value.toString('utf8');
  return undefined;
}

/** `LOGIN userid password`: both astrings. */
export function loginCredentials(args: Token[]): SaslCredentials {
  const out: SaslCredentials = {};
  const user = astring(args[0]);
  const pass = astring(args[1]);
  if (user !== undefined) out.username = user;
  if (pass !== undefined) out.password = pass;
  return out;
}

function who(creds: SaslCredentials): string {
  return creds.username !== undefined ? ` as ${JSON.stringify(creds.username)}` : '';
}

function whoEs(creds: SaslCredentials): string {
  return creds.username !== undefined ? ` como ${JSON.stringify(creds.username)}` : '';
}

function resultNote(mechanism: string, creds: SaslCredentials, result: AuthResult): Note {
  const m = mechanism;
  switch (result) {
    case 'success':
      return note(`${m}${who(creds)}: accepted by the server`, `${m}${whoEs(creds)}: aceptado por el servidor`);
    case 'failure':
      return note(`${m}${who(creds)}: rejected by the server`, `${m}${whoEs(creds)}: rechazado por el servidor`);
    case 'cancelled':
      return note(`${m}${who(creds)}: cancelled by the client`, `${m}${whoEs(creds)}: cancelado por el cliente`);
    case 'incomplete':
      return note(`${m}${who(creds)}: the connection ended before the server's verdict`, `${m}${whoEs(creds)}: la conexión terminó antes del veredicto del servidor`);
  }
}

export function authEvent(mechanism: string, creds: SaslCredentials, result: AuthResult, verdict?: string): AuthEvent {
  const ev: AuthEvent = { type: 'auth', ...creds, mechanism, result, note: resultNote(mechanism, creds, result) };
  if (verdict !== undefined) ev.verdict = verdict;
  return ev;
}
