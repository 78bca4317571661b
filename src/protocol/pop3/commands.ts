// The POP3 command table: for each verb (RFC 1939 §§4-7, RFC 2449 CAPA, RFC 2595 STLS, RFC 5034
// AUTH, RFC 6856 UTF8/LANG) the phases it is valid in, the shape of a positive answer (one line,
// a dot-terminated listing, or message content) and a note that explains the concrete line.
// Verbs are case-insensitive (the lab guide types `user pepe`, `retr 1`); arguments are kept as sent.

import { lineText } from '../../core/bytes.js';
import { note, type Note } from '../../core/note.js';
import { quoted } from '../../sasl/base64.js';
import { quitCommandNote, type MarksSummary } from './deletions.js';
import { phaseName, type Pop3Phase } from './phases.js';

/** What a `+OK` to this command looks like (RFC 1939 §3: some answers are multi-line). */
export type ResponseShape = 'single' | 'listing' | 'content';

export interface Pop3Command {
  /** Upper-case verb; '' for an empty line. */
  verb: string;
  /** Arguments split on spaces (PASS keeps its whole argument in `rest`). */
  args: string[];
  /** Everything after the verb and one space, as sent (latin1). */
  rest: string;
  known: boolean;
  shape: ResponseShape;
  note: Note;
}

export interface CommandContext {
  phase: Pop3Phase;
  /** Inside TLS already (implicit TLS or after STLS). */
  tls: boolean;
  /** The user named by the last USER, for the PASS note. */
  user?: string;
  /** DELE marks so far, for the QUIT note (what UPDATE will really delete). */
  marks?: MarksSummary;
}

interface CommandSpec {
  phases: readonly Pop3Phase[];
  shape(args: string[]): ResponseShape;
  describe(args: string[], rest: string, ctx: CommandContext): Note;
}

const AUTH_ONLY: readonly Pop3Phase[] = ['AUTHORIZATION'];
const TRANSACTION_ONLY: readonly Pop3Phase[] = ['TRANSACTION'];
const ANY: readonly Pop3Phase[] = ['AUTHORIZATION', 'TRANSACTION', 'UPDATE'];
const single = (): ResponseShape => 'single';
const listingWithoutArgs = (args: string[]): ResponseShape => (args.length === 0 ? 'listing' : 'single');

const q = (s: string): string => quoted(Buffer.from(s, 'latin1'));

const COMMANDS: Record<string, CommandSpec> = {
  USER: {
    phases: AUTH_ONLY,
    shape: single,
    describe: (_a, rest) => note(`Identify as user ${q(rest)} (RFC 1939 §7)`, `Identificarse como el usuario ${q(rest)} (RFC 1939 §7)`),
  },
  PASS: {
    phases: AUTH_ONLY,
    shape: single,
    describe: (_a, _r, ctx) => {
      const who = ctx.user === undefined ? '' : ` of ${q(ctx.user)}`;
      const quien = ctx.user === undefined ? '' : ` de ${q(ctx.user)}`;
      const clear = ctx.tls ? '' : ', in clear text';
      const claro = ctx.tls ? '' : ', en texto claro';
      return note(`Password${who}${clear}; on +OK the session enters the TRANSACTION phase`, `Contraseña${quien}${claro}; con +OK la sesión pasa a la fase de TRANSACCIÓN`);
    },
  },
  APOP: {
    phases: AUTH_ONLY,
    shape: single,
    describe: (args) =>
      note(
        `Log in as ${q(args[0] ?? '')} with APOP: the digest is MD5(greeting timestamp + password), the password itself is not sent (RFC 1939 §7)`,
        `Entrar como ${q(args[0] ?? '')} con APOP: el resumen es MD5(marca de tiempo del saludo + contraseña), la contraseña no viaja (RFC 1939 §7)`,
      ),
  },
  AUTH: {
    phases: AUTH_ONLY,
    shape: listingWithoutArgs,
    describe: (args) => {
      if (args.length === 0) return note('List the SASL mechanisms the server offers (RFC 5034 §4)', 'Listar los mecanismos SASL que ofrece el servidor (RFC 5034 §4)');
      const mech = args[0]!.toUpperCase();
      const ir = args.length > 1 ? ' with an initial response' : '';
      const ri = args.length > 1 ? ' con respuesta inicial' : '';
      return note(`Start SASL ${mech} authentication${ir} (RFC 5034)`, `Iniciar la autenticación SASL ${mech}${ri} (RFC 5034)`);
    },
  },
  STAT: {
    phases: TRANSACTION_ONLY,
    shape: single,
    describe: () => note('Ask for the number of messages and the total size of the mailbox', 'Pedir el número de mensajes y el tamaño total del buzón'),
  },
  LIST: {
    phases: TRANSACTION_ONLY,
    shape: listingWithoutArgs,
    describe: (args) =>
      args.length === 0
        ? note('List every message with its size in bytes', 'Listar todos los mensajes con su tamaño en bytes')
        : note(`Size of message ${args[0]}`, `Tamaño del mensaje ${args[0]}`),
  },
  UIDL: {
    phases: TRANSACTION_ONLY,
    shape: listingWithoutArgs,
    describe: (args) =>
      args.length === 0
        ? note('List the unique id of every message (stable across sessions)', 'Listar el identificador único de cada mensaje (estable entre sesiones)')
        : note(`Unique id of message ${args[0]}`, `Identificador único del mensaje ${args[0]}`),
  },
  RETR: {
    phases: TRANSACTION_ONLY,
    shape: single,
    describe: (args) => note(`Download message ${args[0] ?? '(no number given)'}`, `Descargar el mensaje ${args[0] ?? '(sin número)'}`),
  },
  DELE: {
    phases: TRANSACTION_ONLY,
    shape: single,
    describe: (args) =>
      note(
        `Mark message ${args[0] ?? '(no number given)'} for deletion (removed at QUIT, in the UPDATE phase; RSET undoes it)`,
        `Marcar el mensaje ${args[0] ?? '(sin número)'} para borrar (se borra al hacer QUIT, en la fase de ACTUALIZACIÓN; RSET lo deshace)`,
      ),
  },
  TOP: {
    phases: TRANSACTION_ONLY,
    shape: single,
    describe: (args) =>
      note(
        `Show the headers and the first ${args[1] ?? '?'} body lines of message ${args[0] ?? '?'}`,
        `Mostrar la cabecera y las primeras ${args[1] ?? '?'} líneas del cuerpo del mensaje ${args[0] ?? '?'}`,
      ),
  },
  NOOP: {
    phases: TRANSACTION_ONLY,
    shape: single,
    describe: () => note('No operation: the server just answers +OK (keeps the session alive)', 'No-operación: el servidor solo responde +OK (mantiene viva la sesión)'),
  },
  RSET: {
    phases: TRANSACTION_ONLY,
    shape: single,
    describe: () => note('Undo this session\'s changes: unmark every message marked with DELE', 'Deshacer los cambios de la sesión: desmarcar los mensajes marcados con DELE'),
  },
  QUIT: {
    phases: ANY,
    shape: single,
    describe: (_a, _r, ctx) =>
      ctx.phase === 'TRANSACTION'
        ? quitCommandNote(ctx.marks ?? { marked: 0, undone: 0 })
        : note('End the session (no login happened, so nothing is deleted)', 'Finalizar la sesión (no hubo inicio de sesión, no se borra nada)'),
  },
  STLS: {
    phases: AUTH_ONLY,
    shape: single,
    describe: (_a, _r, ctx) =>
      ctx.tls
        ? note('Ask to start TLS although the session is already encrypted (RFC 2595 §4: the server should refuse)', 'Pedir TLS aunque la sesión ya está cifrada (RFC 2595 §4: el servidor debería rechazarlo)')
        : note('Ask to upgrade the connection to TLS (RFC 2595 §4); the dialogue goes on encrypted after +OK', 'Pedir pasar la conexión a TLS (RFC 2595 §4); tras +OK el diálogo sigue cifrado'),
  },
  CAPA: {
    phases: ANY,
    shape: () => 'listing',
    describe: () => note('Ask for the server\'s capabilities (RFC 2449 §5)', 'Pedir las capacidades del servidor (RFC 2449 §5)'),
  },
  UTF8: {
    phases: AUTH_ONLY,
    shape: single,
    describe: () => note('Switch the session to UTF-8 (RFC 6856 §2): user names, passwords and messages may then be UTF-8', 'Pasar la sesión a UTF-8 (RFC 6856 §2): usuarios, contraseñas y mensajes pueden ir en UTF-8'),
  },
  LANG: {
    phases: ['AUTHORIZATION', 'TRANSACTION'],
    shape: listingWithoutArgs,
    describe: (args) =>
      args.length === 0
        ? note('List the languages the server can answer in (RFC 6856 §3)', 'Listar los idiomas en que puede responder el servidor (RFC 6856 §3)')
        : note(`Ask for server answers in language ${q(args[0]!)} (RFC 6856 §3)`, `Pedir respuestas del servidor en el idioma ${q(args[0]!)} (RFC 6856 §3)`),
  },
};

/** Content answers: their +OK line is followed by message bytes (RFC 1939 §7 RETR/TOP). */
const CONTENT_VERBS = new Set(['RETR', 'TOP']);

export function parseCommand(line: Buffer, ctx: CommandContext): Pop3Command {
  const text = lineText(line);
  const space = text.indexOf(' ');
  const verb = (space < 0 ? text : text.slice(0, space)).toUpperCase();
  const rest = space < 0 ? '' : text.slice(space + 1);
  const args = rest.split(' ').filter((a) => a.length > 0);
  const spec = Object.hasOwn(COMMANDS, verb) ? COMMANDS[verb] : undefined;
  if (!spec) {
    const n =
      verb === ''
        ? note('Empty line (not a POP3 command)', 'Línea vacía (no es un comando POP3)')
        : note(`Unknown command ${q(verb)} (not in RFC 1939 nor its extensions)`, `Comando desconocido ${q(verb)} (no está en RFC 1939 ni sus extensiones)`);
    return { verb, args, rest, known: false, shape: 'single', note: n };
  }
  let n = spec.describe(args, rest, ctx);
  if (!spec.phases.includes(ctx.phase)) {
    const p = phaseName(ctx.phase);
    n = note(`${n.en} — not valid in the ${p.en}, the server should answer -ERR`, `${n.es} — no es válido en la ${p.es}, el servidor debería responder -ERR`);
  }
  const shape = CONTENT_VERBS.has(verb) ? 'content' : spec.shape(args);
  return { verb, args, rest, known: true, shape, note: n };
}
