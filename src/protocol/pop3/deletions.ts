// What a QUIT will really delete: the messages DELE marked and the server accepted, minus what
// RSET undid (RFC 1939 §5-6). The codec reports each verdict here; the notes of QUIT and of its
// answer read the summary, so they say what this session's UPDATE phase does, not the textbook.

import { note, type Note } from '../../core/note.js';

export interface MarksSummary {
  /** Messages marked for deletion now. */
  marked: number;
  /** Marks an accepted RSET has undone since the login. */
  undone: number;
}

export class DeletionMarks {
  private readonly marked = new Set<string>();
  private undone = 0;

  /** A `+OK` to `DELE n`. */
  mark(message: string | undefined): void {
    this.marked.add(message ?? '?');
  }

  /** A `+OK` to RSET. */
  reset(): void {
    this.undone += this.marked.size;
    this.marked.clear();
  }

  summary(): MarksSummary {
    return { marked: this.marked.size, undone: this.undone };
  }
}

const messages = (n: number, en = true): string => (en ? `${n} message${n === 1 ? '' : 's'}` : `${n} mensaje${n === 1 ? '' : 's'}`);

/** The note of `QUIT` sent in TRANSACTION, before the server answers. */
export function quitCommandNote(m: MarksSummary): Note {
  if (m.marked > 0) {
    return note(
      `End the session: the server enters the UPDATE phase and deletes the ${messages(m.marked)} marked with DELE`,
      `Finalizar la sesión: el servidor pasa a la fase de ACTUALIZACIÓN y borra ${m.marked === 1 ? 'el mensaje marcado' : `los ${m.marked} mensajes marcados`} con DELE`,
    );
  }
  if (m.undone > 0) {
    return note(
      'End the session: the UPDATE phase deletes nothing, RSET undid the DELE marks',
      'Finalizar la sesión: la fase de ACTUALIZACIÓN no borra nada, RSET deshizo las marcas de DELE',
    );
  }
  return note(
    'End the session: the UPDATE phase deletes nothing, no message was marked with DELE',
    'Finalizar la sesión: la fase de ACTUALIZACIÓN no borra nada, ningún mensaje se marcó con DELE',
  );
}

/** The note of `+OK` to a QUIT sent in TRANSACTION. */
export function quitReplyNote(m: MarksSummary): Note {
  if (m.marked > 0) {
    return note(
      `UPDATE phase done: the ${messages(m.marked)} marked with DELE ${m.marked === 1 ? 'is' : 'are'} deleted, mailbox released, session over`,
      `Fase de ACTUALIZACIÓN completada: ${m.marked === 1 ? 'se borra el mensaje marcado' : `se borran los ${m.marked} mensajes marcados`} con DELE, buzón liberado, fin de la sesión`,
    );
  }
  if (m.undone > 0) {
    return note(
      'UPDATE phase: nothing deleted (RSET undid the DELE marks), mailbox released, session over',
      'Fase de ACTUALIZACIÓN: no se borra nada (RSET deshizo las marcas de DELE), buzón liberado, fin de la sesión',
    );
  }
  return note(
    'UPDATE phase: nothing deleted (no message was marked with DELE), mailbox released, session over',
    'Fase de ACTUALIZACIÓN: no se borra nada (ningún mensaje se marcó con DELE), buzón liberado, fin de la sesión',
  );
}
