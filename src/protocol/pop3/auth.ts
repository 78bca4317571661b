// Follows the three POP3 ways to log in and turns each verdict into one `auth` event:
// USER then PASS (RFC 1939 §7, password in clear), APOP name digest (RFC 1939 §7, an MD5 proof)
// and AUTH mechanism [initial-response] with `+ ` challenges (RFC 5034 §4, decoded by SaslExchange).
// It only remembers the login in progress; the codec tells it which command each verdict answers.

import { lineText } from '../../core/bytes.js';
import { note, type Note } from '../../core/note.js';
import { quoted } from '../../sasl/base64.js';
import { SaslExchange } from '../../sasl/index.js';
import type { SaslCredentials } from '../../sasl/types.js';
import type { AuthEvent, AuthResult } from '../types.js';
import type { Pop3Command } from './commands.js';

type Pending =
  | { kind: 'USER/PASS'; username?: string; password?: string }
  | { kind: 'APOP'; username?: string; proof?: string }
  | { kind: 'SASL'; exchange: SaslExchange };

export class AuthTracker {
  /** The login in progress (a USER given, a PASS/APOP/AUTH awaiting its verdict). */
  private pending: Pending | null = null;

  /** The user named by USER, for the PASS note. */
  get user(): string | undefined {
    return this.pending?.kind === 'USER/PASS' ? this.pending.username : undefined;
  }

  /** A SASL exchange runs: client lines are `sasl` units, `+ ` server lines are challenges. */
  get saslActive(): boolean {
    return this.pending?.kind === 'SASL';
  }

  /**
   * A client command was framed. Returns a note to add to the command's own (the decoded initial
   * response of AUTH), or null.
   */
  onCommand(cmd: Pop3Command): Note | null {
    switch (cmd.verb) {
      case 'USER':
        this.pending = { kind: 'USER/PASS', username: cmd.rest };
        return null;
      case 'PASS': {
        const username = this.pending?.kind === 'USER/PASS' ? this.pending.username : undefined;
        // RFC 1939 §7: the password is the whole rest of the line, spaces included.
        this.pending = { kind: 'USER/PASS', username, password: cmd.rest };
        return null;
      }
      case 'APOP':
        this.pending = { kind: 'APOP', username: cmd.args[0], proof: cmd.args[1] };
        return null;
      case 'AUTH': {
        if (cmd.args.length === 0) return null;
        const exchange = new SaslExchange(cmd.args[0]!, cmd.args[1]);
        this.pending = { kind: 'SASL', exchange };
        return exchange.initialNote ?? null;
      }
      default:
        return null;
    }
  }

  /** A client line inside the SASL exchange (base64 or `*`). */
  onSaslLine(line: Buffer): Note {
    if (this.pending?.kind !== 'SASL') return note('SASL line outside an exchange', 'Línea SASL fuera de un intercambio');
    return this.pending.exchange.response(lineText(line));
  }

  /** A `+ ` server line during the exchange. */
  onChallenge(line: Buffer): Note {
    if (this.pending?.kind !== 'SASL') return note('Continuation outside an exchange', 'Continuación fuera de un intercambio');
    return this.pending.exchange.challenge(lineText(line).slice(1).trim());
  }

  /** The verdict for a command; returns the auth event when it ends a login. */
  onReply(cmd: Pop3Command, status: '+OK' | '-ERR', line: Buffer): AuthEvent | null {
    const p = this.pending;
    if (!p) return null;
    if (cmd.verb === 'USER') {
      // A refused user name ends nothing yet; many servers answer +OK to any name anyway.
      if (status === '-ERR' && p.kind === 'USER/PASS' && p.password === undefined) this.pending = null;
      return null;
    }
    const ends = (cmd.verb === 'PASS' && p.kind === 'USER/PASS') || (cmd.verb === 'APOP' && p.kind === 'APOP') || (cmd.verb === 'AUTH' && cmd.args.length > 0 && p.kind === 'SASL');
    if (!ends) return null;
    this.pending = null;
    const cancelled = p.kind === 'SASL' && p.exchange.cancelled;
    const result: AuthResult = cancelled ? 'cancelled' : status === '+OK' ? 'success' : 'failure';
    return this.event(p, result, lineText(line));
  }

  /** The stream ended with a login under way. */
  incomplete(): AuthEvent | null {
    const p = this.pending;
    if (!p) return null;
    this.pending = null;
    return this.event(p, 'incomplete');
  }

  /** Forget everything (RFC 2595 §4: after STLS the client starts over). */
  reset(): void {
    this.pending = null;
  }

  private event(p: Pending, result: AuthResult, verdict?: string): AuthEvent {
    const mechanism = p.kind === 'SASL' ? p.exchange.mechanism : p.kind;
    const creds: SaslCredentials =
      p.kind === 'SASL' ? p.exchange.credentials() : p.kind === 'APOP' ? { username: p.username, proof: p.proof } : { username: p.username, password: p.password };
    for (const k of Object.keys(creds) as (keyof SaslCredentials)[]) if (creds[k] === undefined) delete creds[k];
    const ev: AuthEvent = { type: 'auth', mechanism, ...creds, result, note: authNote(mechanism, creds.username, result) };
    if (verdict !== undefined) ev.verdict = verdict;
    return ev;
  }
}

function authNote(mechanism: string, username: string | undefined, result: AuthResult): Note {
  const who = username === undefined ? '' : ` as ${quoted(username)}`;
  const como = username === undefined ? '' : ` como ${quoted(username)}`;
  const [en, es] =
    result === 'success'
      ? ['succeeded', 'correcto']
      : result === 'failure'
        ? ['failed', 'fallido']
        : result === 'cancelled'
          ? ['cancelled by the client', 'cancelado por el cliente']
          : ['unfinished: the connection ended first', 'sin terminar: la conexión terminó antes'];
  return note(`${mechanism} login${who} ${en}`, `Inicio de sesión ${mechanism}${como} ${es}`);
}
