// The fixed notes the SMTP codec attaches to bodies, raw bytes, violations and state changes,
// kept apart from the framing logic so the wording can be read (and translated) in one place.

import { formatBytes } from '../../core/bytes.js';
import { note, type Note } from '../../core/note.js';
import type { Side } from '../types.js';

export const notes = {
  passthrough: note('Passed through undecoded (the codec gave up framing this session)', 'Reenviado sin decodificar (el códec dejó de analizar esta sesión)'),
  partialAtEnd: note('Incomplete data at end of stream', 'Datos incompletos al final del flujo'),
  partialReply: note('Incomplete multi-line reply', 'Respuesta multilínea incompleta'),
  bodyCut: note('Message data cut short by the end of the stream', 'Datos del mensaje cortados por el fin del flujo'),
  longLine: note('Part of an over-long line, passed on as is', 'Parte de una línea demasiado larga, reenviada tal cual'),
  longLineEnd: note('End of an over-long line', 'Fin de una línea demasiado larga'),
  longLineViolation: note('Line longer than the limit: passed on in raw pieces (RFC 5321 §4.5.3.1.4 allows 1000 bytes)', 'Línea más larga que el límite: se reenvía en trozos (RFC 5321 §4.5.3.1.4 permite 1000 bytes)'),
  badReply: note('Not an SMTP reply line (must start with a 3-digit code and " " or "-")', 'No es una línea de respuesta SMTP (debe empezar por un código de 3 dígitos y " " o "-")'),
  replyTooLong: note('Multi-line reply larger than the limit: passed on in parts', 'Respuesta multilínea mayor que el límite: se reenvía por partes'),
  replyPart: note('Part of a very long multi-line reply', 'Parte de una respuesta multilínea muy larga'),
  heldOverflow: note('Too much data sent while STARTTLS was pending: dropped', 'Demasiados datos enviados con STARTTLS pendiente: descartados'),
  pendingOverflow: note('Too much data sent before the reply that says how to read it: passing the rest through undecoded', 'Demasiados datos antes de la respuesta que indica cómo leerlos: el resto se reenvía sin decodificar'),
  injectionDropped: note('Plaintext sent while STARTTLS was pending, dropped', 'Texto en claro enviado con STARTTLS pendiente, descartado'),
  injectionClient: note(
    'Plaintext pipelined after STARTTLS: dropped, never carried into TLS (STARTTLS command injection, RFC 3207 §4.2)',
    'Texto en claro encadenado tras STARTTLS: descartado, nunca entra en TLS (inyección de comandos STARTTLS, RFC 3207 §4.2)',
  ),
  injectionServer: note(
    'Server plaintext after its 220 to STARTTLS: dropped, never shown as part of the TLS session (RFC 3207 §4.2)',
    'Texto en claro del servidor tras su 220 a STARTTLS: descartado, no forma parte de la sesión TLS (RFC 3207 §4.2)',
  ),
  tlsStarted: note('TLS starts now; the session restarts: the client must send EHLO again (RFC 3207 §4.2)', 'Empieza TLS; la sesión se reinicia: el cliente debe enviar EHLO de nuevo (RFC 3207 §4.2)'),
  authenticated: note('Client authenticated', 'Cliente autenticado'),
  saslWithoutAuth: note('Authentication response outside an AUTH exchange', 'Respuesta de autenticación fuera de un intercambio AUTH'),
  reversed: (verb: string, cmdSide: Side): Note =>
    cmdSide === 'server'
      ? note(`${verb} accepted: roles reversed, the server side now sends commands and the client side replies (RFC 2645)`, `${verb} aceptado: roles invertidos, ahora el lado servidor envía comandos y el lado cliente responde (RFC 2645)`)
      : note(`${verb} accepted: roles reversed back, the client side sends commands again`, `${verb} aceptado: se restauran los roles, el lado cliente vuelve a enviar comandos`),
};

export function bodyChunkNote(verb: string, total: number, final: boolean): Note {
  if (verb === 'BDAT') {
    return final
      ? note(`End of BDAT chunk (${formatBytes(total)})`, `Fin del fragmento BDAT (${formatBytes(total, 'es')})`)
      : note(`BDAT chunk data, ${formatBytes(total)} so far`, `Datos del fragmento BDAT, ${formatBytes(total, 'es')} hasta ahora`);
  }
  return final
    ? note(`End of message data (${formatBytes(total)} in all, ending with <CRLF>.<CRLF>)`, `Fin de los datos del mensaje (${formatBytes(total, 'es')} en total, termina con <CRLF>.<CRLF>)`)
    : note(`Message data continues, ${formatBytes(total)} so far`, `Siguen los datos del mensaje, ${formatBytes(total, 'es')} hasta ahora`);
}
