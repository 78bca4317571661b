// What each IMAP command asks for (RFC 9051 §6, RFC 3501, plus the extensions the lab meets:
// IDLE RFC 2177, MOVE RFC 6851, ID RFC 2971, UNSELECT RFC 3691, NAMESPACE RFC 2342), in English
// and Spanish. Pure table plus a few argument-aware sentences; nothing here keeps state.

import { note, type Note } from '../../core/note.js';
import { tokenText, type Token } from './tokenizer.js';

export interface CommandInfo {
  tag: string;
  /** Upper-case verb, `UID FETCH` for UID commands. */
  verb: string;
  /** Arguments after the verb (after the sub-verb for UID commands). */
  args: Token[];
}

/** Generic description per verb: [en, es]. */
const VERBS: Record<string, readonly [string, string]> = {
  CAPABILITY: ['asks which capabilities the server supports', 'pregunta qué capacidades admite el servidor'],
  NOOP: ['does nothing; gives the server a chance to report new mail or expunges', 'no hace nada; permite al servidor informar de correo nuevo o borrados'],
  LOGOUT: ['ends the session: the server answers * BYE and then the tagged OK', 'cierra la sesión: el servidor responde * BYE y luego el OK etiquetado'],
  STARTTLS: ['asks to switch this connection to TLS (RFC 9051 §6.2.1); nothing may be pipelined after it', 'pide pasar esta conexión a TLS (RFC 9051 §6.2.1); no se debe enviar nada más detrás'],
  AUTHENTICATE: ['starts a SASL authentication (RFC 9051 §6.2.2)', 'inicia una autenticación SASL (RFC 9051 §6.2.2)'],
  LOGIN: ['logs in with a user name and a clear-text password', 'entra al sistema con usuario y contraseña en claro'],
  ENABLE: ['turns on protocol extensions (RFC 5161)', 'activa extensiones del protocolo (RFC 5161)'],
  SELECT: ['opens a mailbox read-write so its messages can be accessed', 'selecciona un buzón en lectura-escritura para acceder a sus mensajes'],
  EXAMINE: ['opens a mailbox read-only (like SELECT, but nothing is changed)', 'abre un buzón en solo lectura (igual que SELECT, pero sin modificar nada)'],
  CREATE: ['creates a mailbox', 'crea un buzón'],
  DELETE: ['deletes a mailbox', 'borra un buzón'],
  RENAME: ['renames a mailbox', 'renombra un buzón'],
  SUBSCRIBE: ['adds a mailbox to the subscribed list', 'añade un buzón a la lista de suscritos'],
  UNSUBSCRIBE: ['removes a mailbox from the subscribed list', 'quita un buzón de la lista de suscritos'],
  LIST: ['lists mailboxes (folders) matching a reference and a pattern', 'muestra el listado de buzones (carpetas) según referencia y patrón'],
  LSUB: ['lists subscribed mailboxes (IMAP4rev1; LIST (SUBSCRIBED) in IMAP4rev2)', 'muestra los buzones suscritos (IMAP4rev1; LIST (SUBSCRIBED) en IMAP4rev2)'],
  NAMESPACE: ['asks for the personal, other users\' and shared mailbox prefixes', 'pide los prefijos de buzones personales, de otros usuarios y compartidos'],
  STATUS: ['asks for counters of a mailbox without selecting it', 'pide contadores de un buzón sin seleccionarlo'],
  APPEND: ['adds a message to a mailbox; the message follows as a literal', 'añade un mensaje a un buzón; el mensaje va como literal'],
  IDLE: ['waits for the server to push updates until the client sends DONE (RFC 2177)', 'espera a que el servidor notifique cambios hasta que el cliente envíe DONE (RFC 2177)'],
  CHECK: ['asks for a checkpoint of the selected mailbox (a NOOP in IMAP4rev2)', 'pide un punto de control del buzón (equivale a NOOP en IMAP4rev2)'],
  CLOSE: ['expunges \\Deleted messages silently and leaves the selected mailbox', 'elimina en silencio los mensajes \\Deleted y cierra el buzón seleccionado'],
  UNSELECT: ['leaves the selected mailbox without expunging anything (RFC 3691)', 'cierra el buzón seleccionado sin eliminar nada (RFC 3691)'],
  EXPUNGE: ['permanently removes the messages flagged \\Deleted; the others are renumbered', 'borra definitivamente los mensajes con \\Deleted; los demás se renumeran'],
  SEARCH: ['finds the messages that match the criteria', 'muestra los mensajes que cumplen el criterio de búsqueda'],
  FETCH: ['gets data items of messages', 'obtiene elementos de los mensajes'],
  STORE: ['changes the flags of messages', 'cambia los indicadores (flags) de los mensajes'],
  COPY: ['copies messages to another mailbox (the originals stay)', 'copia (sin borrar) los mensajes al buzón indicado'],
  MOVE: ['moves messages to another mailbox (RFC 6851)', 'mueve los mensajes al buzón indicado (RFC 6851)'],
  UID: ['runs a command with UIDs instead of sequence numbers', 'ejecuta un comando con UID en lugar de números de secuencia'],
  ID: ['exchanges client and server software identification (RFC 2971)', 'intercambia la identificación del software de cliente y servidor (RFC 2971)'],
  DONE: ['ends IDLE; the server then completes the IDLE command (RFC 2177 §3)', 'termina IDLE; el servidor completa entonces el comando IDLE (RFC 2177 §3)'],
};

/** Verbs a `UID` prefix may carry (RFC 9051 §6.4.9, RFC 6851 §3.3). */
export const UID_SUBVERBS = new Set(['FETCH', 'SEARCH', 'STORE', 'COPY', 'MOVE', 'EXPUNGE']);

export function isKnownVerb(verb: string): boolean {
  return verb in VERBS || (verb.startsWith('UID ') && UID_SUBVERBS.has(verb.slice(4)));
}

const q = (s: string | undefined): string => JSON.stringify(s ?? '');

function describeSet(set: string, uid: boolean): Note {
  const what = set === '1:*' ? (uid ? 'every UID' : 'every message') : set.includes(':') || set.includes(',') ? `${uid ? 'UIDs' : 'messages'} ${set}` : `${uid ? 'UID' : 'message'} ${set}`;
  const que = set === '1:*' ? (uid ? 'todos los UID' : 'todos los mensajes') : set.includes(':') || set.includes(',') ? `${uid ? 'los UID' : 'los mensajes'} ${set}` : `${uid ? 'el UID' : 'el mensaje'} ${set}`;
  return uid
    ? note(`${what} (UIDs are unique and stable, unlike sequence numbers)`, `${que} (los UID son únicos y estables, a diferencia de los números de secuencia)`)
    : note(`${what} (sequence numbers: position in the mailbox, they change after EXPUNGE)`, `${que} (números de secuencia: posición en el buzón, cambian tras EXPUNGE)`);
}

function fetchDetail(items: string): Note | null {
  const up = items.toUpperCase();
  if (/(^|[\s(])BODY\[\](?=$|[\s)<])/.test(up) || /(^|[\s(])RFC822(?=$|[\s)])/.test(up) || /BINARY\[\]/.test(up)) {
    return note('the whole message content (header and body; marks it \\Seen, BODY.PEEK[] would not)', 'el contenido completo del mensaje (cabecera y cuerpo; lo marca \\Seen, BODY.PEEK[] no)');
  }
  if (/BODY\.PEEK\[\]/.test(up)) return note('the whole message content without setting \\Seen', 'el contenido completo del mensaje sin marcarlo \\Seen');
  if (/BODY(\.PEEK)?\[HEADER/.test(up) || /RFC822\.HEADER/.test(up)) return note('message headers', 'las cabeceras del mensaje');
  if (up.startsWith('BODY') && !up.includes('[')) return note('the MIME structure (BODY), not the content: use BODY[] for that', 'la estructura MIME (BODY), no el contenido: para eso, BODY[]');
  return null;
}

function argsText(args: Token[], from: number): string {
  const parts: string[] = [];
  for (let i = from; i < args.length; i++) {
    const t = args[i]!;
    if (t.kind === 'open') parts.push('(');
    else if (t.kind === 'close') parts.push(')');
    else if (t.kind === 'literal') parts.push(`{${t.size}}`);
    else parts.push(t.value.toString('utf8'));
  }
  return parts.join(' ').replace(/\( /g, '(').replace(/ \)/g, ')');
}

/** A concrete sentence for what this command line asks, without the tag explanation. */
function specific(cmd: CommandInfo): Note | null {
  const a = cmd.args;
  const arg0 = tokenText(a[0]);
  const arg1 = tokenText(a[1]);
  const uid = cmd.verb.startsWith('UID ');
  const base = uid ? cmd.verb.slice(4) : cmd.verb;
  switch (base) {
    case 'LOGIN':
      return arg0 === undefined
        ? null
        : note(`logs in as ${q(arg0)} with a clear-text password (see the auth event)`, `entra al sistema como ${q(arg0)} con contraseña en claro (ver el evento de autenticación)`);
    case 'AUTHENTICATE':
      return arg0 === undefined ? null : note(`starts SASL ${arg0.toUpperCase()} authentication${a[1] ? ' with an initial response (SASL-IR, RFC 4959)' : ''}`, `inicia la autenticación SASL ${arg0.toUpperCase()}${a[1] ? ' con respuesta inicial (SASL-IR, RFC 4959)' : ''}`);
    case 'LIST':
    case 'LSUB':
      if (arg0 === '' && arg1 === '*') return note(`${base === 'LIST' ? 'lists every mailbox' : 'lists every subscribed mailbox'} (reference "" and pattern "*": * matches any name at any level, % one level only)`, `${base === 'LIST' ? 'lista todos los buzones' : 'lista todos los buzones suscritos'} (referencia "" y patrón "*": * coincide con cualquier nombre a cualquier nivel, % solo un nivel)`);
      if (arg0 !== undefined && arg1 !== undefined) return note(`lists mailboxes matching ${q(arg1)} under reference ${q(arg0)}`, `lista los buzones que coinciden con ${q(arg1)} bajo la referencia ${q(arg0)}`);
      return null;
    case 'SELECT':
    case 'EXAMINE':
      return arg0 === undefined ? null : base === 'SELECT'
        ? note(`opens mailbox ${q(arg0)} read-write; the server reports EXISTS, FLAGS, UIDVALIDITY, UIDNEXT`, `selecciona el buzón ${q(arg0)} en lectura-escritura; el servidor informa de EXISTS, FLAGS, UIDVALIDITY, UIDNEXT`)
        : note(`opens mailbox ${q(arg0)} read-only`, `abre el buzón ${q(arg0)} en solo lectura`);
    case 'CREATE':
    case 'DELETE':
    case 'SUBSCRIBE':
    case 'UNSUBSCRIBE':
    case 'STATUS': {
      if (arg0 === undefined) return null;
      const [en, es] = VERBS[base]!;
      return note(`${en}: ${q(arg0)}`, `${es}: ${q(arg0)}`);
    }
    case 'RENAME':
      return arg0 !== undefined && arg1 !== undefined ? note(`renames mailbox ${q(arg0)} to ${q(arg1)}`, `renombra el buzón ${q(arg0)} a ${q(arg1)}`) : null;
    case 'APPEND':
      return arg0 === undefined ? null : note(`adds a message to mailbox ${q(arg0)}; the message follows as a literal`, `añade un mensaje al buzón ${q(arg0)}; el mensaje va como literal`);
    case 'FETCH': {
      if (arg0 === undefined) return null;
      const set = describeSet(arg0, uid);
      const detail = fetchDetail(argsText(a, 1));
      const items = argsText(a, 1);
      return detail
        ? note(`fetches ${detail.en} of ${set.en}`, `obtiene ${detail.es} de ${set.es}`)
        : note(`fetches ${items || 'data'} of ${set.en}`, `obtiene ${items || 'datos'} de ${set.es}`);
    }
    case 'STORE': {
      if (arg0 === undefined) return null;
      const set = describeSet(arg0, uid);
      const rest = argsText(a, 1);
      if (/^\+FLAGS(\.SILENT)?\b/i.test(rest) && /\\DELETED/i.test(rest)) {
        return note(`marks ${set.en} for deletion (${rest}); EXPUNGE (or CLOSE) then removes them`, `marca ${set.es} para borrar (${rest}); EXPUNGE (o CLOSE) los elimina después`);
      }
      return note(`changes flags of ${set.en}: ${rest}`, `cambia los indicadores de ${set.es}: ${rest}`);
    }
    case 'COPY':
    case 'MOVE': {
      if (arg0 === undefined || arg1 === undefined) return null;
      const set = describeSet(arg0, uid);
      return base === 'COPY'
        ? note(`copies ${set.en} to mailbox ${q(arg1)} (originals stay)`, `copia ${set.es} al buzón ${q(arg1)} (sin borrar los originales)`)
        : note(`moves ${set.en} to mailbox ${q(arg1)} (RFC 6851)`, `mueve ${set.es} al buzón ${q(arg1)} (RFC 6851)`);
    }
    case 'SEARCH': {
      const crit = argsText(a, 0);
      return uid
        ? note(`finds messages matching ${crit || 'the criteria'}; the answer lists UIDs`, `busca mensajes que cumplen ${crit || 'el criterio'}; la respuesta da UID`)
        : note(`finds messages matching ${crit || 'the criteria'}; the answer lists sequence numbers`, `busca mensajes que cumplen ${crit || 'el criterio'}; la respuesta da números de secuencia`);
    }
    case 'EXPUNGE':
      return uid && arg0 !== undefined
        ? note(`permanently removes the \\Deleted messages among UIDs ${arg0} (RFC 9051 §6.4.9)`, `borra definitivamente los mensajes \\Deleted entre los UID ${arg0} (RFC 9051 §6.4.9)`)
        : null;
    default:
      return null;
  }
}

export interface TagContext {
  /** Explain what a tag is (the session's first command: once is enough). */
  explainTag?: boolean;
  /** The client used this tag before (said once per session, RFC 9051 §2.2.1). */
  reusedTag?: boolean;
}

/** The note for the first line of a client command. */
export function commandNote(cmd: CommandInfo, ctx: TagContext = {}): Note {
  const known = VERBS[cmd.verb] ?? (cmd.verb.startsWith('UID ') ? VERBS[cmd.verb.slice(4)] : undefined);
  const s = specific(cmd);
  const tags = tagNotes(cmd.tag, ctx);
  if (!known) {
    return note(`${cmd.verb}: unknown or extension command${tags.en}`, `${cmd.verb}: comando desconocido o de una extensión${tags.es}`);
  }
  const en = s ? s.en : known[0];
  const es = s ? s.es : known[1];
  const uidEn = cmd.verb.startsWith('UID ') && !s ? '; numbers are UIDs (stable), not sequence numbers' : '';
  const uidEs = cmd.verb.startsWith('UID ') && !s ? '; los números son UID (estables), no números de secuencia' : '';
  return note(`${cmd.verb} ${en}${uidEn}${tags.en}`, `${cmd.verb} ${es}${uidEs}${tags.es}`);
}

function tagNotes(tag: string, ctx: TagContext): Note {
  let en = '';
  let es = '';
  if (ctx.explainTag) {
    en += ` (tag ${tag}: any label the client picks, echoed by the reply that completes the command)`;
    es += ` (etiqueta ${tag}: la elige libremente el cliente y la repite la respuesta que completa el comando)`;
  }
  if (ctx.reusedTag) {
    en += ` (tag ${tag} reused: RFC 9051 §2.2.1 asks for a new tag per command; mailtap pairs each completion with the oldest command still waiting under that tag)`;
    es += ` (etiqueta ${tag} reutilizada: el RFC 9051 §2.2.1 pide una etiqueta nueva por comando; mailtap asocia cada respuesta final al comando más antiguo que espera con esa etiqueta)`;
  }
  return note(en, es);
}

/** The note for a line part after a literal. */
export function continuationNote(verb: string): Note {
  return note(`Rest of the ${verb} command after its literal`, `Resto del comando ${verb} tras su literal`);
}
