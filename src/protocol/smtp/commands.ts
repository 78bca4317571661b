// Every SMTP command the lab guide and RFC 5321 §4.1 name, with extensions (ESMTP, STARTTLS,
// AUTH, BDAT, ETRN, ATRN), parsed from one line and explained in English and Spanish. Verbs are
// case-insensitive (§2.4); `MAIL FROM: <x>` with the space the lab guide types is tolerated.

import { note, type Note } from '../../core/note.js';
import { describeParams } from './params.js';

type Pair = [string, string];

export interface ParsedCommand {
  /** Upper-case verb (`MAIL`, `RCPT`, `AUTH`…), or the first token when unknown. */
  verb: string;
  /** Everything after the verb, trimmed. */
  args: string;
  known: boolean;
  note: Note;
}

/** Splits `<a@b> SIZE=1` or `a@b SIZE=1` (lab guide form) into the path and its parameters. */
function pathAndParams(rest: string): { path: string; params: string[] } {
  const t = rest.trim();
  if (t.startsWith('<')) {
    const close = t.indexOf('>');
    const path = close < 0 ? t : t.slice(0, close + 1);
    return { path, params: close < 0 ? [] : t.slice(close + 1).trim().split(/\s+/).filter(Boolean) };
  }
  const [path = '', ...params] = t.split(/\s+/);
  return { path, params };
}

function bare(path: string): string {
  return path.replace(/^<|>$/g, '');
}

function mail(args: string): Pair {
  const m = /^FROM\s*:\s*(.*)$/is.exec(args);
  if (!m) return ['MAIL without "FROM:": the server will answer with a syntax error', 'MAIL sin "FROM:": el servidor responderá con error de sintaxis'];
  const { path, params } = pathAndParams(m[1]!);
  const [pe, ps] = describeParams(params);
  if (bare(path) === '') return [`Envelope sender: <> (null sender, used for bounces and notifications)${pe}`, `Remitente del sobre: <> (remitente nulo, usado en rebotes y notificaciones)${ps}`];
  return [`Envelope sender: ${bare(path)}${pe}`, `Remitente del sobre: ${bare(path)}${ps}`];
}

function rcpt(args: string): Pair {
  const m = /^TO\s*:\s*(.*)$/is.exec(args);
  if (!m) return ['RCPT without "TO:": the server will answer with a syntax error', 'RCPT sin "TO:": el servidor responderá con error de sintaxis'];
  const { path, params } = pathAndParams(m[1]!);
  const [pe, ps] = describeParams(params);
  return [`Envelope recipient: ${bare(path)}${pe}`, `Destinatario del sobre: ${bare(path)}${ps}`];
}

function bdat(args: string): Pair {
  const m = /^(\d+)(?:\s+(LAST))?\s*$/i.exec(args);
  if (!m) return [`BDAT with a bad size "${args}": the server will reject it`, `BDAT con un tamaño incorrecto "${args}": el servidor lo rechazará`];
  const last = m[2] ? ' (LAST: the final chunk of the message)' : '';
  const lastEs = m[2] ? ' (LAST: último fragmento del mensaje)' : '';
  return [`Message chunk of ${m[1]} bytes follows immediately, no 354 wait (RFC 3030)${last}`, `Sigue inmediatamente un fragmento del mensaje de ${m[1]} bytes, sin esperar 354 (RFC 3030)${lastEs}`];
}

const TABLE: Record<string, (args: string) => Pair> = {
  HELO: (a) => [`Client identifies itself as ${a || '(nothing)'} (plain SMTP, no extensions)`, `El cliente se identifica como ${a || '(nada)'} (SMTP básico, sin extensiones)`],
  EHLO: (a) => [`Client identifies itself as ${a || '(nothing)'} and asks for the ESMTP extensions`, `El cliente se identifica como ${a || '(nada)'} y pide las extensiones ESMTP`],
  MAIL: mail,
  RCPT: rcpt,
  DATA: () => ['Client wants to send the message content; after 354 it sends it, ending with a line holding only "."', 'El cliente quiere enviar el contenido del mensaje; tras el 354 lo envía y termina con una línea con solo "."'],
  BDAT: bdat,
  RSET: () => ['Abort the current transaction: forget sender, recipients and data', 'Anula la transacción en curso: olvida remitente, destinatarios y datos'],
  VRFY: (a) => [`Verify that mailbox "${a}" exists`, `Verifica que el buzón "${a}" existe`],
  EXPN: (a) => [`Expand mailing list "${a}" into its members`, `Expande la lista de correo "${a}" en sus miembros`],
  HELP: (a) => (a ? [`Ask for help about ${a}`, `Pide ayuda sobre ${a}`] : ['Ask for the list of supported commands', 'Pide la lista de comandos admitidos']),
  NOOP: () => ['No operation: checks that the connection is alive', 'Sin operación: comprueba que la conexión sigue viva'],
  QUIT: () => ['End the session: the server answers 221 and closes', 'Finaliza la sesión: el servidor responde 221 y cierra'],
  STARTTLS: () => ['Upgrade this connection to TLS (RFC 3207); after 220 everything is encrypted', 'Pasa esta conexión a TLS (RFC 3207); tras el 220 todo va cifrado'],
  TURN: () => ['Reverse roles: the server becomes the client and sends its mail for us (RFC 821, unsafe, obsolete)', 'Invierte los roles: el servidor pasa a cliente y nos envía su correo (RFC 821, inseguro, obsoleto)'],
  ATRN: (a) =>
    a
      ? [`Authenticated TURN for ${a}: reverse roles and receive the mail queued for those domains (RFC 2645)`, `TURN autenticado para ${a}: invierte los roles y recibe el correo en cola de esos dominios (RFC 2645)`]
      : ['Authenticated TURN: reverse roles and receive the mail queued for our domains (RFC 2645)', 'TURN autenticado: invierte los roles y recibe el correo en cola de nuestros dominios (RFC 2645)'],
  ETRN: (a) => [`Ask the server to start delivering the mail it queues for ${a || '(nothing)'} (RFC 1985)`, `Pide al servidor que empiece a entregar el correo en cola para ${a || '(nada)'} (RFC 1985)`],
  AUTH: (a) => [`Authenticate with SASL mechanism ${(a.split(/\s+/)[0] ?? '').toUpperCase() || '(none)'}`, `Autenticación con el mecanismo SASL ${(a.split(/\s+/)[0] ?? '').toUpperCase() || '(ninguno)'}`],
  SEND: (a) => [`SEND ${a}: deliver to the terminal (RFC 821, obsolete)`, `SEND ${a}: entregar al terminal (RFC 821, obsoleto)`],
  SOML: (a) => [`SOML ${a}: send to terminal or mailbox (RFC 821, obsolete)`, `SOML ${a}: enviar al terminal o al buzón (RFC 821, obsoleto)`],
  SAML: (a) => [`SAML ${a}: send to terminal and mailbox (RFC 821, obsolete)`, `SAML ${a}: enviar al terminal y al buzón (RFC 821, obsoleto)`],
};

/** Parse one command line (already without CRLF, latin1-decoded). */
export function parseCommand(text: string): ParsedCommand {
  const trimmed = text.replace(/^\s+/, '');
  const space = trimmed.search(/\s/);
  const verb = (space < 0 ? trimmed : trimmed.slice(0, space)).toUpperCase();
  const args = space < 0 ? '' : trimmed.slice(space).trim();
  const describe = TABLE[verb];
  if (describe) {
    const [en, es] = describe(args);
    return { verb, args, known: true, note: note(en, es) };
  }
  const shown = verb.length > 40 ? `${verb.slice(0, 40)}…` : verb;
  if (verb === '') return { verb, args, known: false, note: note('Empty command line: the server will answer with an error', 'Línea de comando vacía: el servidor responderá con un error') };
  return { verb, args, known: false, note: note(`Unknown command "${shown}"`, `Comando desconocido "${shown}"`) };
}

/** `BDAT 86 LAST` → size and last flag, or null when the size is not a number. */
export function parseBdat(args: string): { size: number; last: boolean } | null {
  const m = /^(\d{1,15})(?:\s+(LAST))?\s*$/i.exec(args);
  if (!m) return null;
  return { size: Number(m[1]), last: Boolean(m[2]) };
}
