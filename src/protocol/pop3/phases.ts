// The three phases of a POP3 session (RFC 1939 §3), as the lab guide teaches them: AUTHORIZATION
// until PASS/APOP/AUTH succeeds, TRANSACTION while the mailbox is locked, UPDATE once QUIT is given
// in TRANSACTION (the server then really deletes what DELE marked). This file only names and explains.

import { note, type Note } from '../../core/note.js';

export type Pop3Phase = 'AUTHORIZATION' | 'TRANSACTION' | 'UPDATE';

export function phaseNote(phase: Pop3Phase): Note {
  switch (phase) {
    case 'AUTHORIZATION':
      return note(
        'AUTHORIZATION phase: the client must identify itself (USER/PASS, APOP or AUTH) before touching the mailbox',
        'Fase de AUTORIZACIÓN: el cliente debe identificarse (USER/PASS, APOP o AUTH) antes de acceder al buzón',
      );
    case 'TRANSACTION':
      return note(
        'TRANSACTION phase: the mailbox is locked; the client may list, download (RETR/TOP) and mark messages for deletion (DELE)',
        'Fase de TRANSACCIÓN: el buzón está bloqueado; el cliente puede listar, descargar (RETR/TOP) y marcar mensajes para borrar (DELE)',
      );
    case 'UPDATE':
      return note(
        'UPDATE phase: after QUIT the server deletes the messages marked with DELE and releases the mailbox',
        'Fase de ACTUALIZACIÓN: tras QUIT el servidor borra los mensajes marcados con DELE y libera el buzón',
      );
  }
}

/** Short bilingual name, for notes that mention the current phase. */
export function phaseName(phase: Pop3Phase): Note {
  switch (phase) {
    case 'AUTHORIZATION':
      return note('AUTHORIZATION phase', 'fase de AUTORIZACIÓN');
    case 'TRANSACTION':
      return note('TRANSACTION phase', 'fase de TRANSACCIÓN');
    case 'UPDATE':
      return note('UPDATE phase', 'fase de ACTUALIZACIÓN');
  }
}
