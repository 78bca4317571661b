// Fixed notes for what the POP3 codec itself reports: fallbacks after peer misbehaviour, STLS
// injection, and the chunks of a listing too big to keep as one reply.

import { formatBytes } from '../../core/bytes.js';
import { note, type Note } from '../../core/note.js';

export const NOTES = {
  tooManyOwed: note('Too many commands sent ahead of their replies: passed on without following them', 'Demasiados comandos enviados antes de sus respuestas: se reenvían sin seguirlos'),
  partialAtEnd: note('Incomplete data when the stream ended', 'Datos incompletos al terminar la conexión'),
  longLine: note('Line too long: passed on unchanged as raw chunks', 'Línea demasiado larga: se reenvía sin cambios en trozos'),
  longLineChunk: note('Part of an over-long line', 'Parte de una línea demasiado larga'),
  longLineTail: note('End of an over-long line', 'Fin de una línea demasiado larga'),
  badStatus: note('The server sent a line that is neither +OK nor -ERR (RFC 1939 §3); passed on unchanged', 'El servidor envió una línea que no es +OK ni -ERR (RFC 1939 §3); se reenvía sin cambios'),
  badStatusUnit: note('Not a POP3 response line', 'No es una línea de respuesta POP3'),
  holdOverflow: note('Too much data sent after STLS before the server answered: dropped', 'Demasiados datos enviados tras STLS antes de la respuesta del servidor: descartados'),
  heldDropped: note('Plaintext sent after STLS while waiting for the answer: dropped (STARTTLS injection)', 'Texto en claro enviado tras STLS esperando la respuesta: descartado (inyección STARTTLS)'),
  injectedClient: note(
    'Plaintext the client pipelined after STLS: never carried into the TLS session (RFC 2595 §4, STARTTLS injection)',
    'Texto en claro que el cliente envió tras STLS: no pasa a la sesión TLS (RFC 2595 §4, inyección STARTTLS)',
  ),
  injectedServer: note(
    'Plaintext the server sent after accepting STLS: never carried into the TLS session (RFC 8314 §4)',
    'Texto en claro que el servidor envió tras aceptar STLS: no pasa a la sesión TLS (RFC 8314 §4)',
  ),
} satisfies Record<string, Note>;

/** Chunks of a listing that outgrew `maxReplyBytes`. */
export function listingStreamNote(verb: string, final: boolean, total: number): Note {
  return final
    ? note(`End of the ${verb} listing (${formatBytes(total)} after its first part)`, `Fin del listado de ${verb} (${formatBytes(total, 'es')} tras su primera parte)`)
    : note(`${verb} listing continues`, `Sigue el listado de ${verb}`);
}
