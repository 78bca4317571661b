// CRAM-MD5 (RFC 2195 §2): the server sends a one-time challenge (a msg-id-like string), the
// client answers `user SP hex(HMAC-MD5(password, challenge))`. The digest proves the password
// without revealing it; mailtap records it as `proof`.

import { note } from '../../core/note.js';
import { displayBytes } from '../base64.js';
import type { MechanismReader } from '../mechanism.js';

const RESPONSE = /^(.+) ([0-9a-fA-F]{32})$/s;

export function cramMd5Reader(): MechanismReader {
  return {
    challenge(data) {
      const t = displayBytes(data);
      return note(
        `Server challenge to sign with the password (HMAC-MD5): "${t}"`,
        `Desafío del servidor a firmar con la contraseña (HMAC-MD5): "${t}"`,
      );
    },
    response(data, _index, ctx, b64) {
      const m = RESPONSE.exec(data.toString('utf8'));
      if (!m) {
        ctx.keepUndecoded(b64);
        const t = displayBytes(data);
        return note(`CRAM-MD5 response not in "user digest" form: "${t}"`, `Respuesta CRAM-MD5 sin la forma "usuario resumen": "${t}"`);
      }
      ctx.creds.username = m[1]!;
      ctx.creds.proof = m[2]!.toLowerCase();
      return note(
        `User name: ${m[1]}, HMAC-MD5 digest ${m[2]} (proves the password without revealing it)`,
        `Nombre de usuario: ${m[1]}, resumen HMAC-MD5 ${m[2]} (demuestra la contraseña sin revelarla)`,
      );
    },
  };
}
