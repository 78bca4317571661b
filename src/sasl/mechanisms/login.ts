// LOGIN (draft-murchison-sasl-login): the server asks "Username:" then "Password:" as base64
// challenges; the client answers each. Some clients send the user name as the initial response
// (`AUTH LOGIN dXNlcg==`), so the answer to a question is read by what was asked, and by order
// only when the server's wording is unusual.

import { note } from '../../core/note.js';
import { displayBytes } from '../base64.js';
import type { MechanismReader } from '../mechanism.js';

type Field = 'username' | 'password';

export function loginReader(): MechanismReader {
  let asked: Field | null = null;
  let answered = 0;
  return {
    challenge(data) {
      const text = displayBytes(data);
      const lower = text.toLowerCase();
      // Old drafts and some servers say "User Name" with a trailing NUL; match loosely.
      if (lower.startsWith('user')) {
        asked = 'username';
        return note(`Server asks for the user name ("${text}")`, `El servidor pide el nombre de usuario ("${text}")`);
      }
      if (lower.startsWith('pass')) {
        asked = 'password';
        return note(`Server asks for the password ("${text}")`, `El servidor pide la contraseña ("${text}")`);
      }
      asked = null;
      return note(`Server challenge: "${text}"`, `Desafío del servidor: "${text}"`);
    },
    response(data, _index, ctx) {
      const field: Field = asked ?? (answered === 0 ? 'username' : 'password');
      asked = null;
      answered++;
      const text = data.toString('utf8');
      const shown = displayBytes(data);
      if (field === 'username') {
        ctx.creds.username = text;
        return note(`User name: ${shown}`, `Nombre de usuario: ${shown}`);
      }
      ctx.creds.password = text;
      return note(`Password: ${shown}`, `Contraseña: ${shown}`);
    },
  };
}
