// Builders for the events the IMAP codec emits: units, violations, and the notes of literals.
// Pure functions, so the codec class keeps only the cross-side state.

import { formatBytes } from '../../core/bytes.js';
import { note, type Note } from '../../core/note.js';
import type { CodecEvent, Side, UnitEvent, UnitKind } from '../types.js';
import type { ParsedResponse } from './responses.js';

export const passThroughNote = note('Unframed bytes after a framing error (passed through unchanged)', 'Bytes sin encuadre tras un error de formato (pasan sin cambios)');
export const heldAtEndNote = note('Bytes held during STARTTLS, flushed at end of stream', 'Bytes retenidos durante STARTTLS, volcados al final del flujo');
export const partialAtEndNote = note('Incomplete line at end of stream', 'Línea incompleta al final del flujo');
export const tooLongNote = note('Part of an over-long line (passed through unchanged)', 'Parte de una línea demasiado larga (pasa sin cambios)');

export function unit(side: Side, kind: UnitKind, bytes: Buffer, n: Note, tag?: string, verb?: string): UnitEvent {
  const ev: UnitEvent = { type: 'unit', side, kind, bytes, note: n };
  if (tag !== undefined) ev.tag = tag;
  if (verb !== undefined) ev.verb = verb;
  return ev;
}

export function tooLong(side: Side, max: number): CodecEvent {
  return {
    type: 'violation',
    side,
    code: 'E_LINE_TOO_LONG',
    message: `line longer than ${max} bytes`,
    note: note(`A line longer than ${formatBytes(max)}: passed through as raw chunks`, `Una línea de más de ${formatBytes(max, 'es')}: pasa como bloques sin analizar`),
  };
}

export function garbage(side: Side, line: Buffer): CodecEvent[] {
  return [
    {
      type: 'violation',
      side,
      code: 'E_PROTOCOL',
      message: side === 'client' ? 'not an IMAP command line (tag SP verb)' : 'not an IMAP response line (*, + or tag)',
      note: note('This line is not valid IMAP: passed through, decoding resumes at the next line', 'Esta línea no es IMAP válido: pasa sin cambios, el análisis sigue en la línea siguiente'),
    },
    unit(side, 'raw', line, note('Unrecognised line', 'Línea no reconocida')),
  ];
}

export function literalNote(size: number, verb: string | undefined, side: Side, binary = false, r?: ParsedResponse): Note {
  const kind = binary ? 'binary literal (RFC 3516)' : 'literal';
  const kindEs = binary ? 'literal binario (RFC 3516)' : 'literal';
  const s = formatBytes(size);
  const sEs = formatBytes(size, 'es');
  if (side === 'client') {
    if (verb === 'APPEND') return note(`Message being appended: ${kind} of ${s}`, `Mensaje que se añade: ${kindEs} de ${sEs}`);
    if (verb === 'LOGIN') return note(`LOGIN argument sent as a ${kind} (${s})`, `Argumento de LOGIN enviado como ${kindEs} (${sEs})`);
    return note(`${kind} argument of ${verb ?? 'the command'} (${s})`, `Argumento ${kindEs} de ${verb ?? 'el comando'} (${sEs})`);
  }
  if (r && r.kind === 'untagged' && r.status === 'FETCH') return note(`Content of message ${r.number} in FETCH: ${kind} of ${s}`, `Contenido del mensaje ${r.number} en FETCH: ${kindEs} de ${sEs}`);
  return note(`${kind} of ${s} in the ${verb ?? ''} response`.replace('  ', ' '), `${kindEs} de ${s} en la respuesta ${verb ?? ''}`.trim());
}

/** A literal count that cannot be honoured: framing of that direction is lost for good. */
export function literalViolation(side: Side, reason: string): CodecEvent {
  return {
    type: 'violation',
    side,
    code: 'E_PROTOCOL',
    message: reason,
    note: note(`Unusable literal (${reason}): framing is lost, the rest of this direction passes through unparsed`, `Literal inutilizable (${reason}): se pierde el encuadre, el resto de esta dirección pasa sin analizar`),
  };
}
