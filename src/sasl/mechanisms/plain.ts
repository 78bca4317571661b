// PLAIN (RFC 4616 §2): one message `authzid NUL authcid NUL passwd`, sent as the initial
// response or after an empty challenge. The authzid is often empty (act as yourself).

import { note, type Note } from '../../core/note.js';
import { displayBytes, quoted } from '../base64.js';
import { plainChallenge, splitBytes, type MechanismReader } from '../mechanism.js';

export interface PlainParts {
  authzid: string;
  username: string;
  password: string;
}

/** The three NUL-separated fields, or null when the message does not have exactly three. */
export function parsePlain(data: Buffer): PlainParts | null {
  const parts = splitBytes(data, 0);
  if (parts.length !== 3) return null;
  const [authzid, username, password] = parts.map((p) => p.toString('utf8')) as [string, string, string];
  return { authzid, username, password };
}

export function plainNote(p: PlainParts): Note {
  const z = quoted(p.authzid);
  const u = displayBytes(Buffer.from(p.username, 'utf8'));
  const w = displayBytes(Buffer.from(p.password, 'utf8'));
  return note(`PLAIN: authzid=${z} user=${u} password=${w}`, `PLAIN: authzid=${z} usuario=${u} contraseña=${w}`);
}

export function plainReader(): MechanismReader {
  return {
    challenge: (data) => plainChallenge(data),
    response(data, _index, ctx, b64) {
      const p = parsePlain(data);
      if (!p) {
        ctx.keepUndecoded(b64);
        const t = displayBytes(data);
        return note(
          `PLAIN response without the authzid\\0user\\0password form: "${t}"`,
          `Respuesta PLAIN sin la forma authzid\\0usuario\\0contraseña: "${t}"`,
        );
      }
      if (p.authzid) ctx.creds.authzid = p.authzid;
      ctx.creds.username = p.username;
      ctx.creds.password = p.password;
      return plainNote(p);
    },
  };
}
