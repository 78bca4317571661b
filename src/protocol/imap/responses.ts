// Parses the head of one server line (RFC 9051 §7: continuation `+`, untagged `*`, tagged
// completion) and explains it, response codes included (§7.1). Pure: the codec supplies what it
// knows from the client side (which verb a tag answers, whether this is the greeting).

import { note, type Note } from '../../core/note.js';
import { readTag, readWord } from './tokenizer.js';

const STATUS = new Set(['OK', 'NO', 'BAD', 'BYE', 'PREAUTH']);

export type ParsedResponse =
  | { kind: 'continuation'; text: string }
  | { kind: 'untagged'; status: string; number?: number; code?: string; codeArgs?: string; text: string }
  | { kind: 'tagged'; tag: string; status: string; code?: string; codeArgs?: string; text: string };

/** Parses `line[0, end)` (end excludes CRLF). Null when the line is not an IMAP response. */
export function parseResponse(line: Buffer, end: number): ParsedResponse | null {
  if (end === 0) return null;
  const first = line[0]!;
  if (first === 0x2b) {
    if (end > 1 && line[1] !== 0x20) return null;
    return { kind: 'continuation', text: line.toString('latin1', Math.min(2, end), end) };
  }
  if (first === 0x2a) {
    if (end < 3 || line[1] !== 0x20) return null;
    let w = readWord(line, 2, end);
    if (!w) return null;
    let number: number | undefined;
    if (/^[0-9]+$/.test(w.word)) {
      number = Number(w.word);
      if (line[w.next] !== 0x20) return null;
      w = readWord(line, w.next + 1, end);
      if (!w) return null;
    }
    const status = w.word.toUpperCase();
    const r: ParsedResponse = { kind: 'untagged', status, text: '' };
    if (number !== undefined) r.number = number;
    if (STATUS.has(status) && number === undefined) Object.assign(r, readStatusTail(line, w.next, end));
    else r.text = line.toString('latin1', Math.min(w.next + 1, end), end);
    return r;
  }
  const t = readTag(line, end);
  if (!t) return null;
  const w = readWord(line, t.next, end);
  if (!w) return null;
  const status = w.word.toUpperCase();
  if (status !== 'OK' && status !== 'NO' && status !== 'BAD') return null;
  if (w.next < end && line[w.next] !== 0x20) return null;
  return { kind: 'tagged', tag: t.tag, status, ...readStatusTail(line, w.next, end) };
}

/** `[CODE args] text` after a status word (RFC 9051 §7.1). */
function readStatusTail(line: Buffer, from: number, end: number): { code?: string; codeArgs?: string; text: string } {
  let i = from < end && line[from] === 0x20 ? from + 1 : from;
  const out: { code?: string; codeArgs?: string; text: string } = { text: '' };
  if (line[i] === 0x5b) {
    const close = line.indexOf(0x5d, i);
    if (close > i && close < end) {
      const inner = line.toString('latin1', i + 1, close);
      const sp = inner.indexOf(' ');
      out.code = (sp < 0 ? inner : inner.slice(0, sp)).toUpperCase();
      if (sp >= 0) out.codeArgs = inner.slice(sp + 1);
      i = close + 1;
      if (line[i] === 0x20) i++;
    }
  }
  out.text = line.toString('utf8', Math.min(i, end), end);
  return out;
}

const CODES: Record<string, readonly [string, string]> = {
  ALERT: ['[ALERT]: the text must be shown to the user', '[ALERT]: el texto debe mostrarse al usuario'],
  'READ-WRITE': ['[READ-WRITE]: the mailbox is open read-write', '[READ-WRITE]: el buzón está abierto en lectura-escritura'],
  'READ-ONLY': ['[READ-ONLY]: the mailbox is open read-only', '[READ-ONLY]: el buzón está abierto en solo lectura'],
  UIDVALIDITY: ['[UIDVALIDITY]: UIDs stay valid while this number does not change', '[UIDVALIDITY]: los UID siguen valiendo mientras este número no cambie'],
  UIDNEXT: ['[UIDNEXT]: the UID the next new message will get', '[UIDNEXT]: el UID que recibirá el próximo mensaje'],
  UNSEEN: ['[UNSEEN]: sequence number of the first unread message', '[UNSEEN]: número de secuencia del primer mensaje no leído'],
  PERMANENTFLAGS: ['[PERMANENTFLAGS]: flags the client can change permanently (\\* = new keywords allowed)', '[PERMANENTFLAGS]: indicadores que el cliente puede cambiar de forma permanente (\\* = se admiten nuevas palabras clave)'],
  CAPABILITY: ['[CAPABILITY]: the server\'s capabilities, sent without being asked', '[CAPABILITY]: las capacidades del servidor, enviadas sin pedirlas'],
  AUTHENTICATIONFAILED: ['[AUTHENTICATIONFAILED]: wrong user name or password (RFC 5530)', '[AUTHENTICATIONFAILED]: usuario o contraseña incorrectos (RFC 5530)'],
  AUTHORIZATIONFAILED: ['[AUTHORIZATIONFAILED]: authenticated, but not allowed to act as that user', '[AUTHORIZATIONFAILED]: autenticado, pero sin permiso para actuar como ese usuario'],
  PRIVACYREQUIRED: ['[PRIVACYREQUIRED]: the operation needs TLS first', '[PRIVACYREQUIRED]: la operación requiere TLS antes'],
  UNAVAILABLE: ['[UNAVAILABLE]: a subsystem is down, try later', '[UNAVAILABLE]: un subsistema no está disponible, reintentar más tarde'],
  EXPIRED: ['[EXPIRED]: the credentials have expired', '[EXPIRED]: las credenciales han caducado'],
  CONTACTADMIN: ['[CONTACTADMIN]: the user should contact the administrator', '[CONTACTADMIN]: el usuario debe contactar con el administrador'],
  TRYCREATE: ['[TRYCREATE]: the target mailbox does not exist but could be created', '[TRYCREATE]: el buzón destino no existe pero podría crearse'],
  NONEXISTENT: ['[NONEXISTENT]: no such mailbox', '[NONEXISTENT]: ese buzón no existe'],
  ALREADYEXISTS: ['[ALREADYEXISTS]: the mailbox already exists', '[ALREADYEXISTS]: el buzón ya existe'],
  NOPERM: ['[NOPERM]: no permission for that', '[NOPERM]: sin permiso para ello'],
  INUSE: ['[INUSE]: the resource is in use by another session', '[INUSE]: el recurso lo usa otra sesión'],
  OVERQUOTA: ['[OVERQUOTA]: the quota is exceeded', '[OVERQUOTA]: cuota superada'],
  LIMIT: ['[LIMIT]: a server limit was hit', '[LIMIT]: se alcanzó un límite del servidor'],
  CLOSED: ['[CLOSED]: the previously selected mailbox is now closed', '[CLOSED]: el buzón seleccionado antes queda cerrado'],
  APPENDUID: ['[APPENDUID uidvalidity uid]: the UID the appended message got', '[APPENDUID uidvalidity uid]: el UID que recibió el mensaje añadido'],
  COPYUID: ['[COPYUID uidvalidity source-uids dest-uids]: where the copied messages landed', '[COPYUID uidvalidity uids-origen uids-destino]: dónde quedaron los mensajes copiados'],
  HIGHESTMODSEQ: ['[HIGHESTMODSEQ]: highest modification sequence (CONDSTORE)', '[HIGHESTMODSEQ]: mayor secuencia de modificación (CONDSTORE)'],
  PARSE: ['[PARSE]: the server could not parse a message', '[PARSE]: el servidor no pudo analizar un mensaje'],
  BADCHARSET: ['[BADCHARSET]: the search charset is not supported', '[BADCHARSET]: el juego de caracteres de la búsqueda no se admite'],
  EXPUNGEISSUED: ['[EXPUNGEISSUED]: some messages were expunged meanwhile', '[EXPUNGEISSUED]: se eliminaron mensajes mientras tanto'],
  CANNOT: ['[CANNOT]: the operation can never succeed', '[CANNOT]: la operación no puede tener éxito'],
  SERVERBUG: ['[SERVERBUG]: the server hit a bug', '[SERVERBUG]: fallo interno del servidor'],
  CLIENTBUG: ['[CLIENTBUG]: the server thinks the client misbehaves', '[CLIENTBUG]: el servidor cree que el cliente se equivoca'],
};

function codeNote(code: string | undefined, args: string | undefined): Note | null {
  if (!code) return null;
  const known = CODES[code];
  const shown = args === undefined ? code : `${code} ${args.length > 60 ? `${args.slice(0, 60)}…` : args}`;
  if (!known) return note(`response code [${shown}]`, `código de respuesta [${shown}]`);
  const value = args !== undefined && (code === 'UIDVALIDITY' || code === 'UIDNEXT' || code === 'UNSEEN') ? ` = ${args}` : '';
  return note(known[0] + value, known[1] + value);
}

const STATUS_TEXT: Record<string, readonly [string, string]> = {
  OK: ['OK (success)', 'OK (éxito)'],
  NO: ['NO (the command failed)', 'NO (el comando falló)'],
  BAD: ['BAD (the command was not understood or not allowed now)', 'BAD (comando no entendido o no permitido ahora)'],
  BYE: ['BYE: the server is closing the connection', 'BYE: el servidor cierra la conexión'],
  PREAUTH: ['PREAUTH: the connection is already authenticated', 'PREAUTH: la conexión ya está autenticada'],
};

function withCode(base: Note, r: { code?: string; codeArgs?: string; text: string }): Note {
  const c = codeNote(r.code, r.codeArgs);
  return c ? note(`${base.en}; ${c.en}`, `${base.es}; ${c.es}`) : base;
}

/** Untagged data (RFC 9051 §7.2-7.5). */
function dataNote(r: Extract<ParsedResponse, { kind: 'untagged' }>): Note {
  const n = r.number;
  const t = r.text.length > 120 ? `${r.text.slice(0, 120)}…` : r.text;
  switch (r.status) {
    case 'CAPABILITY': {
      const tls = /\bSTARTTLS\b/i.test(t) ? ' STARTTLS is offered.' : '';
      const tlsEs = /\bSTARTTLS\b/i.test(t) ? ' Ofrece STARTTLS.' : '';
      const noLogin = /\bLOGINDISABLED\b/i.test(t) ? ' LOGIN is disabled until TLS.' : '';
      const noLoginEs = /\bLOGINDISABLED\b/i.test(t) ? ' LOGIN está desactivado hasta usar TLS.' : '';
      return note(`Server capabilities: ${t}.${tls}${noLogin}`, `Capacidades del servidor: ${t}.${tlsEs}${noLoginEs}`);
    }
    case 'LIST':
    case 'LSUB': {
      // The lab guide shows `(\Marked) (\HasNoChildren)`: accept several attribute groups.
      const m = /^((?:\([^)]*\)\s*)+)\s*(NIL|"(?:[^"\\]|\\.)*")\s+(.*)$/i.exec(r.text);
      if (m) {
        const attrs = m[1]!.replace(/[()]/g, ' ').trim().replace(/\s+/g, ' ') || 'none';
        const name = m[3]!.startsWith('"') ? m[3]! : `"${m[3]}"`;
        return note(`Mailbox ${name} (attributes: ${attrs}; hierarchy delimiter ${m[2]})`, `Buzón ${name} (atributos: ${attrs}; delimitador de jerarquía ${m[2]})`);
      }
      return note(`Mailbox listing: ${t}`, `Listado de buzones: ${t}`);
    }
    case 'STATUS':
      return note(`Counters of a mailbox: ${t}`, `Contadores de un buzón: ${t}`);
    case 'FLAGS':
      return note(`Flags defined in this mailbox: ${t}`, `Indicadores definidos en este buzón: ${t}`);
    case 'EXISTS':
      return note(`The mailbox holds ${n} message(s)`, `El buzón contiene ${n} mensaje(s)`);
    case 'RECENT':
      return note(`${n} message(s) arrived since the last session (IMAP4rev1)`, `${n} mensaje(s) llegaron desde la última sesión (IMAP4rev1)`);
    case 'EXPUNGE':
      return note(`Message with sequence number ${n} was removed; later messages move down one number`, `Se eliminó el mensaje con número de secuencia ${n}; los siguientes bajan un número`);
    case 'FETCH': {
      const uid = /\bUID\s+([0-9]+)/i.exec(r.text);
      const u = uid ? ` (UID ${uid[1]})` : '';
      return note(`Data of message ${n}${u}: ${n} is its sequence number`, `Datos del mensaje ${n}${u}: ${n} es su número de secuencia`);
    }
    case 'SEARCH':
      return t.trim() ? note(`Messages matching the search: ${t}`, `Mensajes que cumplen la búsqueda: ${t}`) : note('No message matches the search', 'Ningún mensaje cumple la búsqueda');
    case 'ESEARCH':
      return note(`Search result (extended form): ${t}`, `Resultado de la búsqueda (forma extendida): ${t}`);
    case 'ENABLED':
      return note(`Extensions now enabled: ${t}`, `Extensiones activadas: ${t}`);
    case 'NAMESPACE':
      return note(`Mailbox namespaces (personal, other users, shared): ${t}`, `Espacios de nombres (personal, otros usuarios, compartido): ${t}`);
    case 'ID':
      return note(`Server identification: ${t}`, `Identificación del servidor: ${t}`);
    case 'VANISHED':
      return note(`UIDs removed: ${t}`, `UID eliminados: ${t}`);
    default:
      return n === undefined ? note(`Untagged ${r.status} data: ${t}`, `Dato no etiquetado ${r.status}: ${t}`) : note(`Untagged ${r.status} data for ${n}`, `Dato no etiquetado ${r.status} de ${n}`);
  }
}

/** The note of a parsed server response; `verb` is the verb of the command its tag answers. */
export function responseNote(r: ParsedResponse, ctx: { greeting: boolean; verb?: string; readOnly?: 'EXAMINE' | 'SELECT' | null }): Note {
  switch (r.kind) {
    case 'continuation':
      return note(`Continuation: the server waits for more from the client${r.text ? ` ("${r.text}")` : ''}`, `Continuación: el servidor espera más datos del cliente${r.text ? ` ("${r.text}")` : ''}`);
    case 'untagged': {
      const s = STATUS_TEXT[r.status];
      if (!s || r.number !== undefined) return dataNote(r);
      if (ctx.greeting) {
        const g: Record<string, [string, string]> = {
          OK: ['Greeting: the server is ready; not authenticated yet', 'Saludo: el servidor está listo; aún sin autenticar'],
          PREAUTH: ['Greeting: PREAUTH, the connection is already authenticated', 'Saludo: PREAUTH, la conexión ya está autenticada'],
          BYE: ['Greeting: BYE, the server refuses this connection', 'Saludo: BYE, el servidor rechaza esta conexión'],
        };
        const gn = g[r.status];
        if (gn) return withCode(note(`${gn[0]} ("${r.text}")`, `${gn[1]} ("${r.text}")`), r);
      }
      // The server's own text is quoted: it is data, in the server's language.
      return withCode(note(`Untagged ${s[0]}: "${r.text}"`, `Respuesta no etiquetada ${s[1]}: "${r.text}"`), r);
    }
    case 'tagged': {
      const s = STATUS_TEXT[r.status]!;
      const what = ctx.verb ? `${ctx.verb} (tag ${r.tag})` : `tag ${r.tag}`;
      const whatEs = ctx.verb ? `${ctx.verb} (etiqueta ${r.tag})` : `etiqueta ${r.tag}`;
      if (ctx.readOnly && ctx.verb && (ctx.verb === 'STORE' || ctx.verb === 'UID STORE' || ctx.verb === 'EXPUNGE' || ctx.verb === 'UID EXPUNGE') && r.status === 'OK') {
        const by = ctx.readOnly === 'EXAMINE' ? 'EXAMINE opened the mailbox read-only' : 'the mailbox is read-only ([READ-ONLY] at SELECT)';
        const byEs = ctx.readOnly === 'EXAMINE' ? 'EXAMINE abrió el buzón en solo lectura' : 'el buzón es de solo lectura ([READ-ONLY] al seleccionarlo)';
        return withCode(
          note(`Completion of ${what}: OK, but ${by}, so nothing was stored; SELECT the mailbox to change flags (RFC 9051 §6.3.3)`, `Fin de ${whatEs}: OK, pero ${byEs}, así que no se ha guardado nada; para cambiar indicadores, use SELECT (RFC 9051 §6.3.3)`),
          r,
        );
      }
      return withCode(note(`Completion of ${what}: ${s[0]}`, `Fin de ${whatEs}: ${s[1]}`), r);
    }
  }
}
