// The IMAP connection states of RFC 9051 §3 and the transitions between them. Everything that
// changes the state is decided here from facts the codec observed (a tagged completion of a
// verb, a greeting, a BYE); the codec only reports the result as a `state` event.

import { note, type Note } from '../../core/note.js';

export type ImapState = 'not-authenticated' | 'authenticated' | 'selected' | 'logout';

/** State after a tagged completion of `verb` with `status`, or null when it does not change. */
export function afterCompletion(state: ImapState, verb: string, status: string): ImapState | null {
  const ok = status === 'OK';
  switch (verb) {
    case 'LOGIN':
    case 'AUTHENTICATE':
      return ok && state === 'not-authenticated' ? 'authenticated' : null;
    case 'SELECT':
    case 'EXAMINE':
      // RFC 9051 §6.3.2: a failed SELECT still closes the mailbox that was selected.
      if (ok) return 'selected';
      return state === 'selected' ? 'authenticated' : null;
    case 'CLOSE':
    case 'UNSELECT':
      return ok && state === 'selected' ? 'authenticated' : null;
    case 'LOGOUT':
      return ok ? 'logout' : null;
    default:
      return null;
  }
}

/** Which command left the selected mailbox read-only, or null when it is read-write / none. */
export type ReadOnlyBy = 'EXAMINE' | 'SELECT' | null;

/**
 * Read-only after a tagged completion: EXAMINE always opens read-only (RFC 9051 §6.3.3), SELECT
 * when the server says [READ-ONLY]; CLOSE/UNSELECT, or a failed SELECT/EXAMINE, leave none open.
 */
export function readOnlyAfter(current: ReadOnlyBy, verb: string, status: string, code: string | undefined): ReadOnlyBy {
  switch (verb) {
    case 'EXAMINE':
      return status === 'OK' ? 'EXAMINE' : null;
    case 'SELECT':
      return status === 'OK' && code === 'READ-ONLY' ? 'SELECT' : null;
    case 'CLOSE':
    case 'UNSELECT':
      return status === 'OK' ? null : current;
    default:
      return current;
  }
}

/** State after the greeting (RFC 9051 §7.1.1, §7.1.4, §7.1.5). */
export function afterGreeting(status: string): ImapState | null {
  if (status === 'OK') return 'not-authenticated';
  if (status === 'PREAUTH') return 'authenticated';
  if (status === 'BYE') return 'logout';
  return null;
}

export function stateNote(state: ImapState, mailbox?: string): Note {
  switch (state) {
    case 'not-authenticated':
      return note('State: not authenticated; LOGIN, AUTHENTICATE or STARTTLS come next (RFC 9051 §3.1)', 'Estado: sin autenticar; siguen LOGIN, AUTHENTICATE o STARTTLS (RFC 9051 §3.1)');
    case 'authenticated':
      return note('State: authenticated; a mailbox can now be selected (RFC 9051 §3.2)', 'Estado: autenticado; ya se puede seleccionar un buzón (RFC 9051 §3.2)');
    case 'selected': {
      const m = mailbox ? ` ${JSON.stringify(mailbox)}` : '';
      return note(`State: mailbox${m} selected; FETCH, SEARCH, STORE, EXPUNGE… apply to it (RFC 9051 §3.3)`, `Estado: buzón${m} seleccionado; FETCH, SEARCH, STORE, EXPUNGE… actúan sobre él (RFC 9051 §3.3)`);
    }
    case 'logout':
      return note('State: logout; the server closes the connection (RFC 9051 §3.4)', 'Estado: cierre de sesión; el servidor cierra la conexión (RFC 9051 §3.4)');
  }
}

export function afterTlsNote(): Note {
  return note(
    'TLS is now in place: back to not authenticated, and the client must ask CAPABILITY again (RFC 9051 §6.2.1)',
    'TLS activo: se vuelve a sin autenticar y el cliente debe volver a pedir CAPABILITY (RFC 9051 §6.2.1)',
  );
}
