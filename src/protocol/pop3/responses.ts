// POP3 server responses: status indicators (RFC 1939 §3 `+OK`/`-ERR`, RFC 5034 §4 `+ ` SASL
// challenges), extended response codes (RFC 2449 §8, RFC 3206, RFC 6856) and notes that read the
// answer in the light of the command it answers. Pure functions on one line or one listing.

import { formatBytes, lineText } from '../../core/bytes.js';
import { note, type Note } from '../../core/note.js';
import { quoted } from '../../sasl/base64.js';
import type { Pop3Command } from './commands.js';
import { quitReplyNote, type MarksSummary } from './deletions.js';

export type Pop3Status = '+OK' | '-ERR' | '+';

function upperAt(line: Buffer, i: number): number {
  const b = line[i];
  return b === undefined ? -1 : b >= 0x61 && b <= 0x7a ? b - 0x20 : b;
}

/** True when `word` starts the line and is followed by a space, CR, LF or the end. */
function startsWithWord(line: Buffer, word: string): boolean {
  for (let i = 0; i < word.length; i++) if (upperAt(line, i) !== word.charCodeAt(i)) return false;
  const next = line[word.length];
  return next === undefined || next === 0x20 || next === 0x0d || next === 0x0a;
}

/** The status of a response line; `+` (continuation) only counts while a SASL exchange runs. */
export function statusOf(line: Buffer, saslActive: boolean): Pop3Status | null {
  if (startsWithWord(line, '+OK')) return '+OK';
  if (startsWithWord(line, '-ERR')) return '-ERR';
  if (saslActive && startsWithWord(line, '+')) return '+';
  return null;
}

/** Text after the status indicator (and its space). */
export function statusText(line: Buffer, status: Pop3Status): string {
  return lineText(line).slice(status.length).replace(/^ /, '');
}

const CODES: Record<string, Note> = {
  'IN-USE': note('the mailbox is locked by another session (RFC 2449 §8.1.1)', 'el buzón está bloqueado por otra sesión (RFC 2449 §8.1.1)'),
  'LOGIN-DELAY': note('logging in again so soon is not allowed (RFC 2449 §8.1.2)', 'no se permite volver a entrar tan pronto (RFC 2449 §8.1.2)'),
  'SYS/TEMP': note('temporary server problem, try again later (RFC 3206 §4)', 'problema temporal del servidor, reintentar más tarde (RFC 3206 §4)'),
  'SYS/PERM': note('permanent server problem (RFC 3206 §4)', 'problema permanente del servidor (RFC 3206 §4)'),
  AUTH: note('the credentials are wrong (RFC 3206 §5)', 'las credenciales son incorrectas (RFC 3206 §5)'),
  UTF8: note('the request needs UTF-8 mode (RFC 6856 §2)', 'la petición necesita el modo UTF-8 (RFC 6856 §2)'),
};

/** The note for an extended response code such as `[IN-USE]` at the start of the text, if any. */
function codeNote(text: string): Note | null {
  const m = /^\[([^\]\s]+)\]/.exec(text);
  if (!m) return null;
  const code = m[1]!.toUpperCase();
  const known = CODES[code] ?? CODES[code.split('/')[0]!];
  return known ? note(`[${code}]: ${known.en}`, `[${code}]: ${known.es}`) : note(`[${code}]: extended response code`, `[${code}]: código de respuesta extendido`);
}

function join(base: Note, extra: Note | null): Note {
  return extra ? note(`${base.en}; ${extra.en}`, `${base.es}; ${extra.es}`) : base;
}

/** The APOP timestamp (`<…@…>`) of a greeting, RFC 1939 §7. */
export function apopTimestamp(line: Buffer): string | undefined {
  return /<[^<>\s]*@[^<>\s]*>/.exec(lineText(line))?.[0];
}

export function greetingNote(status: Pop3Status, line: Buffer, tls: boolean): Note {
  const text = statusText(line, status);
  if (status !== '+OK') return join(note(`Greeting: the server refuses the session (${quoted(text)})`, `Saludo: el servidor rechaza la sesión (${quoted(text)})`), codeNote(text));
  const ts = apopTimestamp(line);
  const inTls = tls ? ' inside TLS' : '';
  const enTls = tls ? ' dentro de TLS' : '';
  const base = note(`Greeting${inTls}: the POP3 server is ready (AUTHORIZATION phase)`, `Saludo${enTls}: el servidor POP3 está listo (fase de AUTORIZACIÓN)`);
  return ts ? join(base, note(`APOP timestamp ${ts} offered`, `marca de tiempo APOP ${ts} ofrecida`)) : base;
}

function isNumber(s: string | undefined): s is string {
  return s !== undefined && /^\d+$/.test(s);
}

/**
 * Note for a single-line answer (or the status line of a content answer). `marks`, given when the
 * command was sent in TRANSACTION, is what a QUIT's UPDATE phase really deletes.
 */
export function replyNote(cmd: Pop3Command | undefined, status: Pop3Status, line: Buffer, marks?: MarksSummary): Note {
  const text = statusText(line, status);
  if (!cmd) return join(note(`${status} with no pending command: ${quoted(text)}`, `${status} sin comando pendiente: ${quoted(text)}`), codeNote(text));
  if (status === '-ERR') return join(errNote(cmd, text), codeNote(text));
  const words = text.split(' ');
  const n = cmd.args[0] ?? '?';
  switch (cmd.verb) {
    case 'USER':
      return note('User name accepted: now send PASS', 'Usuario aceptado: ahora toca PASS');
    case 'PASS':
    case 'APOP':
    case 'AUTH':
      return join(note('Logged in: mailbox locked, TRANSACTION phase begins', 'Sesión iniciada: buzón bloqueado, empieza la fase de TRANSACCIÓN'), codeNote(text));
    case 'STAT':
      if (isNumber(words[0]) && isNumber(words[1]))
        return note(`${words[0]} messages, ${words[1]} bytes (${formatBytes(Number(words[1]))})`, `${words[0]} mensajes, ${words[1]} bytes (${formatBytes(Number(words[1]), 'es')})`);
      return note('Mailbox status', 'Estado del buzón');
    case 'LIST':
      if (isNumber(words[1])) return note(`Message ${words[0]} is ${words[1]} bytes`, `El mensaje ${words[0]} ocupa ${words[1]} bytes`);
      return note('Message size', 'Tamaño del mensaje');
    case 'UIDL':
      return note(`Message ${words[0]} has unique id ${quoted(words[1] ?? '')}`, `El mensaje ${words[0]} tiene el identificador único ${quoted(words[1] ?? '')}`);
    case 'RETR': {
      const size = isNumber(words[0]) ? ` (${words[0]} bytes)` : '';
      return note(`Message ${n} follows${size}, ending with a line holding only "."`, `Sigue el mensaje ${n}${size}, termina con una línea con solo "."`);
    }
    case 'TOP':
      return note(`Headers and first ${cmd.args[1] ?? '?'} body lines of message ${n} follow`, `Siguen la cabecera y las primeras ${cmd.args[1] ?? '?'} líneas del mensaje ${n}`);
    case 'DELE':
      return note(`Message ${n} marked for deletion`, `Mensaje ${n} marcado para borrar`);
    case 'NOOP':
      return note('Still here', 'Sigo aquí');
    case 'RSET':
      return note('Deletion marks undone', 'Marcas de borrado deshechas');
    case 'QUIT':
      return marks ? quitReplyNote(marks) : note('Goodbye: session over', 'Adiós: fin de la sesión');
    case 'STLS':
      return note('The server agrees: the TLS handshake starts right after this line', 'El servidor acepta: la negociación TLS empieza justo tras esta línea');
    case 'UTF8':
      return note('UTF-8 mode on', 'Modo UTF-8 activado');
    case 'LANG':
      return note(`Language set: ${quoted(text)}`, `Idioma fijado: ${quoted(text)}`);
    default:
      return note(`${cmd.verb || 'Line'} accepted: ${quoted(text)}`, `${cmd.verb || 'Línea'} aceptada: ${quoted(text)}`);
  }
}

function errNote(cmd: Pop3Command, text: string): Note {
  const why = quoted(text);
  switch (cmd.verb) {
    case 'USER':
      return note(`User name refused: ${why}`, `Usuario rechazado: ${why}`);
    case 'PASS':
    case 'APOP':
    case 'AUTH':
      return note(`Login failed: ${why}`, `Inicio de sesión fallido: ${why}`);
    case 'RETR':
    case 'TOP':
      return note(`Message ${cmd.args[0] ?? '?'} cannot be read: ${why} (no content follows)`, `No se puede leer el mensaje ${cmd.args[0] ?? '?'}: ${why} (no sigue contenido)`);
    case 'STLS':
      return note(`TLS refused, the session goes on in plaintext: ${why}`, `TLS rechazado, la sesión sigue en claro: ${why}`);
    default:
      if (!cmd.known) return note(`Unknown command refused: ${why}`, `Comando desconocido rechazado: ${why}`);
      return note(`${cmd.verb} refused: ${why}`, `${cmd.verb} rechazado: ${why}`);
  }
}

/** Lines of a collected listing between the status line and the terminator, dot-unstuffed. */
function listingLines(unit: Buffer): string[] {
  const all = unit.toString('latin1').split('\n').map((l) => l.replace(/\r$/, ''));
  const body = all.slice(1);
  while (body.length > 0 && (body[body.length - 1] === '' || body[body.length - 1] === '.')) body.pop();
  return body.map((l) => (l.startsWith('.') ? l.slice(1) : l));
}

/** Note summarising a whole multi-line listing (status line, items, terminator). */
export function listingNote(cmd: Pop3Command, unit: Buffer): Note {
  const lines = listingLines(unit);
  switch (cmd.verb) {
    case 'LIST': {
      let total = 0;
      for (const l of lines) total += Number(l.split(' ')[1]) || 0;
      return note(`${lines.length} messages listed, ${formatBytes(total)} in all`, `${lines.length} mensajes listados, ${formatBytes(total, 'es')} en total`);
    }
    case 'UIDL':
      return note(`${lines.length} unique ids listed`, `${lines.length} identificadores únicos listados`);
    case 'CAPA': {
      const names = lines.join(', ');
      const stls = lines.some((l) => l.toUpperCase() === 'STLS');
      const extra = stls ? note('STLS offered: the session can switch to TLS', 'STLS ofrecido: la sesión puede pasar a TLS') : null;
      return join(note(`Server capabilities (${lines.length}): ${names}`, `Capacidades del servidor (${lines.length}): ${names}`), extra);
    }
    case 'AUTH':
      return note(`SASL mechanisms offered: ${lines.join(', ')}`, `Mecanismos SASL ofrecidos: ${lines.join(', ')}`);
    case 'LANG':
      return note(`${lines.length} languages available: ${lines.map((l) => l.split(' ')[0]).join(', ')}`, `${lines.length} idiomas disponibles: ${lines.map((l) => l.split(' ')[0]).join(', ')}`);
    default:
      return note(`${lines.length} lines listed`, `${lines.length} líneas listadas`);
  }
}

/** Note for the head of a listing that grew past `maxReplyBytes` (the rest streams as body). */
export function truncatedListingNote(cmd: Pop3Command, limit: number): Note {
  return note(
    `${cmd.verb} listing longer than ${formatBytes(limit)}: its start is kept as this reply, the rest follows as body chunks`,
    `Listado de ${cmd.verb} de más de ${formatBytes(limit, 'es')}: su inicio es esta respuesta, el resto sigue como trozos de cuerpo`,
  );
}
