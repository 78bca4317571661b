// --redact: masks passwords, tokens and proofs with `***`, keeping each line's structure. Masking
// happens in three places: auth events (the decoded fields), the unit bytes that carry secrets
// (AUTH/AUTHENTICATE initial responses and SASL lines, POP3 PASS/APOP, IMAP LOGIN), and every
// string that repeats a secret mailtap already knows (notes quote what they decode).

import { displayBytes } from '../sasl/base64.js';
import { encodeUnitBytes } from './from-codec.js';
import { unitBytes } from './reader.js';
import { isUnitRecord, type AuthRecord, type RecordEvent, type RecordHeader, type UnitRecord } from './schema.js';

export const MASK = '***';
/** Fields whose values come from fixed sets (or are scrubbed as bytes): never rewritten. */
const STRUCTURAL_FIELDS = new Set(['type', 'dir', 'result', 'leg', 'from', 'b64', 'dropped']);
/** Shorter secrets would mask innocent words in notes; the line rules still mask them on the wire. */
const MIN_SCRUB_LENGTH = 3;

export function redactHeader(h: RecordHeader): RecordHeader {
  return { ...h, redacted: true };
}

/** Stateless: masks what this one event reveals. */
export function redactEvent(ev: RecordEvent): RecordEvent {
  return new Redactor().event(ev);
}

/** The secrets a recording's auth events reveal, to scrub them everywhere else too. */
export function collectSecrets(events: Iterable<RecordEvent>): string[] {
  const out: string[] = [];
  for (const ev of events) if (ev.type === 'auth') out.push(...authSecrets(ev));
  return out;
}

/**
 * Stateful redaction for a stream of events: remembers an IMAP LOGIN whose password comes as a
 * literal (RFC 9051 §4.3), and scrubs every secret learnt so far (or given up front) from later text.
 */
export class Redactor {
  private readonly secrets = new Set<string>();
  /** Index of the LOGIN argument the next client literal carries (0 user, 1 password), or null. */
  private loginLiteralArg: number | null = null;
  /** Arguments of the current LOGIN already seen when its line continues after a literal. */
  private loginArgsSeen = 0;
  /** The announced size of that literal: its bytes are the secret, whatever the codec calls them. */
  private loginLiteralSize = 0;

  constructor(secrets: Iterable<string> = []) {
    for (const s of secrets) this.learn(s);
  }

  event(ev: RecordEvent): RecordEvent {
    if (ev.type === 'auth') {
      for (const s of authSecrets(ev)) this.learn(s);
      return this.scrubFields(redactAuth(ev));
    }
    if (ev.type === 'injection') {
      const dropped = Buffer.from(ev.dropped, 'base64');
      const masked = this.scrubBytes(Buffer.from(maskLines(dropped.toString('latin1')), 'latin1'));
      return this.scrubFields({ ...ev, dropped: masked.toString('base64') });
    }
    if (!isUnitRecord(ev)) return this.scrubFields(ev);
    return this.scrubFields(this.unit(ev));
  }

  private unit(ev: UnitRecord): UnitRecord {
    if (ev.dir !== 'c2s') return ev;
    const line = unitBytes(ev).toString('latin1');
    if (ev.type === 'sasl') {
      if (/^\*\r?\n?$/.test(line)) return ev;
      // A response typed in clear is quoted by the hint that follows it: scrub it there too.
      this.learn(line.replace(/\r?\n$/, ''));
      return withBytes(ev, MASK + lineEnd(line), "Client's SASL response (masked by --redact)", 'Respuesta SASL del cliente (ocultada por --redact)');
    }
    if (ev.type === 'body') {
      const isPassword = this.loginLiteralArg === 1 || (this.loginLiteralArg === null && ev.verb === 'LOGIN');
      if (this.loginLiteralArg !== null) {
        this.loginArgsSeen = this.loginLiteralArg + 1;
        this.loginLiteralArg = null;
      }
      if (!isPassword) return ev;
      this.learn(Buffer.from(line, 'latin1').toString('utf8'));
      return withBytes(ev, MASK, 'IMAP LOGIN password (masked by --redact)', 'Contraseña de IMAP LOGIN (ocultada por --redact)');
    }
    if (this.loginLiteralArg !== null) {
      // The server refused the literal before its bytes (Dovecot: `a3 BAD` to `LOGIN u ~{19}`),
      // so the codec frames them as a line of their own; they are still the announced secret,
      // and the server may echo them back as the tag of its next reply.
      const arg = this.loginLiteralArg;
      this.loginLiteralArg = null;
      this.loginArgsSeen = 0;
      if (arg === 1) {
        const size = Math.min(this.loginLiteralSize, line.length - lineEnd(line).length);
        this.learn(Buffer.from(line.slice(0, size), 'latin1').toString('utf8'));
        return withBytes(ev, MASK + line.slice(size), 'IMAP LOGIN password (masked by --redact)', 'Contraseña de IMAP LOGIN (ocultada por --redact)');
      }
    }
    if (ev.type !== 'command') return ev;
    if (ev.continued) {
      if (this.loginArgsSeen === 0 && ev.verb !== 'LOGIN') return ev;
      const first = this.loginArgsSeen || 1;
      this.loginArgsSeen = 0;
      return this.maskLogin(ev, line, 0, first);
    }
    this.loginArgsSeen = 0;
    this.loginLiteralArg = null;
    const login = /^\S+ +LOGIN +/i.exec(line);
    if (login) return this.maskLogin(ev, line, login[0].length, 0);
    const auth = /^((?:\S+ +)?(?:AUTH|AUTHENTICATE) +(\S+) +)(\S+)/i.exec(line);
    if (auth && /^(AUTH|\S+ +AUTHENTICATE)\b/i.test(line)) {
      const mech = auth[2]!.toUpperCase();
      return withBytes(ev, auth[1] + MASK + line.slice(auth[0].length), `AUTH ${mech} with an initial response (masked by --redact)`, `AUTH ${mech} con respuesta inicial (ocultada por --redact)`);
    }
    const masked = maskLine(line);
    if (masked.secret !== null) {
      this.learn(Buffer.from(masked.secret, 'latin1').toString('utf8'));
      return { ...withBytes(ev, masked.line), note: ev.note, note_es: ev.note_es };
    }
    return ev;
  }

  /** Masks the password astring of an IMAP LOGIN (argument 1) from `from` in `line`. */
  private maskLogin(ev: UnitRecord, line: string, from: number, firstArg: number): UnitRecord {
    let pos = from;
    let out = line.slice(0, from);
    for (let arg = firstArg; arg <= 1; arg++) {
      const spaces = /^ */.exec(line.slice(pos))![0];
      out += spaces;
      pos += spaces.length;
      const a = readAstring(line, pos);
      if (a === null) break;
      if (a.literal) {
        this.loginLiteralArg = arg;
        this.loginLiteralSize = a.size;
        out += line.slice(pos);
        return withBytes(ev, out);
      }
      const value = line.slice(pos, a.end);
      if (arg === 1) {
        // Notes may quote the wire form (with its escapes) or the unescaped value: learn both.
        this.learn(Buffer.from(a.value, 'latin1').toString('utf8'));
        this.learn(Buffer.from(value.replace(/^"|"$/g, ''), 'latin1').toString('utf8'));
        out += value.startsWith('"') ? `"${MASK}"` : MASK;
      } else out += value;
      pos = a.end;
    }
    return withBytes(ev, out + line.slice(pos));
  }

  private learn(secret: string): void {
    if (secret.length >= MIN_SCRUB_LENGTH && secret !== MASK) this.secrets.add(secret);
  }

  private scrub(s: string): string {
    if (this.secrets.size === 0) return s;
    const forms: string[] = [];
    for (const secret of this.secrets) {
      forms.push(secret, displayBytes(Buffer.from(secret, 'utf8')), Buffer.from(secret, 'utf8').toString('base64').replace(/=+$/, ''));
    }
    forms.sort((a, b) => b.length - a.length);
    for (const f of forms) if (f.length >= MIN_SCRUB_LENGTH && s.includes(f)) s = s.split(f).join(MASK);
    return s;
  }

  private scrubBytes(b: Buffer): Buffer {
    if (this.secrets.size === 0) return b;
    const s = b.toString('utf8');
    const scrubbed = this.scrub(s);
    return scrubbed === s ? b : Buffer.from(scrubbed, 'utf8');
  }

  private scrubFields<T extends RecordEvent>(ev: T): T {
    if (this.secrets.size === 0) return ev;
    const out: Record<string, unknown> = { ...ev };
    // Every free-text field: a server may echo a secret anywhere (an IMAP tag, a hint, a reason).
    for (const [key, v] of Object.entries(out)) {
      if (typeof v === 'string' && !STRUCTURAL_FIELDS.has(key)) out[key] = this.scrub(v);
    }
    if (typeof out.b64 === 'string') out.b64 = this.scrubBytes(Buffer.from(out.b64, 'base64')).toString('base64');
    if (typeof out.dropped === 'string') out.dropped = this.scrubBytes(Buffer.from(out.dropped, 'base64')).toString('base64');
    return out as T;
  }
}

function authSecrets(ev: AuthRecord): string[] {
  return [ev.password, ev.token, ev.proof, ...(ev.undecoded ?? [])].filter((s): s is string => typeof s === 'string' && s !== '' && s !== MASK);
}

function redactAuth(ev: AuthRecord): AuthRecord {
  const out: AuthRecord = { ...ev };
  if (out.password) out.password = MASK;
  if (out.token) out.token = MASK;
  if (out.proof) out.proof = MASK;
  if (out.undecoded) out.undecoded = out.undecoded.map(() => MASK);
  return out;
}

function withBytes(ev: UnitRecord, latin1: string, noteEn?: string, noteEs?: string): UnitRecord {
  const out: UnitRecord = { ...ev };
  delete out.text;
  delete out.b64;
  Object.assign(out, encodeUnitBytes(Buffer.from(latin1, 'latin1')));
  if (noteEn !== undefined) out.note = noteEn;
  if (noteEs !== undefined) out.note_es = noteEs;
  return out;
}

function lineEnd(line: string): string {
  return /\r?\n$/.exec(line)?.[0] ?? '';
}

/** POP3 PASS and APOP (RFC 1939 §7): the secret is the argument. */
function maskLine(line: string): { line: string; secret: string | null } {
  const end = lineEnd(line);
  const body = line.slice(0, line.length - end.length);
  const pass = /^(PASS +)(.+)$/i.exec(body);
  if (pass) return { line: pass[1] + MASK + end, secret: pass[2]! };
  const apop = /^(APOP +\S+ +)(\S+)(.*)$/i.exec(body);
  if (apop) return { line: apop[1] + MASK + apop[3] + end, secret: apop[2]! };
  return { line, secret: null };
}

/** Masks the secrets of any command lines inside a blob (injected plaintext). */
function maskLines(text: string): string {
  return text
    .split(/(?<=\n)/)
    .map((l) => {
      const m = maskLine(l);
      if (m.secret !== null) return m.line;
      const auth = /^((?:AUTH|\S+ +AUTHENTICATE) +\S+ +)\S+/i.exec(l);
      if (auth) return auth[1] + MASK + l.slice(auth[0].length);
      const login = /^(\S+ +LOGIN +(?:"(?:[^"\\]|\\.)*"|\S+) +)("(?:[^"\\]|\\.)*"|[^\s{]\S*)/i.exec(l);
      if (login) return login[1] + MASK + l.slice(login[0].length);
      return l;
    })
    .join('');
}

/** An IMAP astring at `pos` (RFC 9051 §9): quoted, literal `{n}` / `{n+}`, or atom. */
function readAstring(line: string, pos: number): { end: number; value: string; literal: boolean; size: number } | null {
  const c = line[pos];
  if (c === undefined || c === '\r' || c === '\n') return null;
  if (c === '"') {
    let i = pos + 1;
    let value = '';
    while (i < line.length && line[i] !== '"') {
      if (line[i] === '\\' && i + 1 < line.length) i++;
      value += line[i];
      i++;
    }
    return { end: Math.min(i + 1, line.length), value, literal: false, size: 0 };
  }
  // A literal8 (`~{n}`, RFC 3516 §4.2) is no astring, but a client may still send one, and its
  // bytes are then as secret as a literal's.
  const lit = /^~?\{(\d+)\+?\}\r?\n?$/.exec(line.slice(pos));
  if (lit) return { end: line.length, value: '', literal: true, size: Number(lit[1]) };
  const atom = /^[^\s]+/.exec(line.slice(pos));
  if (!atom) return null;
  return { end: pos + atom[0].length, value: atom[0], literal: false, size: 0 };
}
