// DIGEST-MD5 (RFC 2831 §2.1, historic per RFC 6331 but still met): the server sends a
// `realm=,nonce=,qop=` directive list, the client answers with `username=,…,response=hex`.
// Only the user name and the digest (a proof, not the password) are taken out.

import { note } from '../../core/note.js';
import { displayBytes } from '../base64.js';
import type { MechanismReader } from '../mechanism.js';

function directive(text: string, name: string): string | undefined {
  const m = new RegExp(`(?:^|,)\\s*${name}\\s*=\\s*(?:"((?:[^"\\\\]|\\\\.)*)"|([^,]*))`, 'i').exec(text);
  if (!m) return undefined;
  return m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : m[2]!.trim();
}

export function digestMd5Reader(): MechanismReader {
  return {
    challenge(data) {
      const text = data.toString('utf8');
      const rspauth = directive(text, 'rspauth');
      if (rspauth !== undefined) return note(`DIGEST-MD5: server proves the password too (rspauth=${rspauth})`, `DIGEST-MD5: el servidor también demuestra la contraseña (rspauth=${rspauth})`);
      const t = displayBytes(data);
      return note(`DIGEST-MD5 challenge: ${t}`, `Desafío DIGEST-MD5: ${t}`);
    },
    response(data, _index, ctx, b64) {
      const text = data.toString('utf8');
      const user = directive(text, 'username');
      const digest = directive(text, 'response');
      if (user === undefined) {
        if (data.length === 0) return note('Empty response (acknowledges the server proof)', 'Respuesta vacía (acusa la prueba del servidor)');
        ctx.keepUndecoded(b64);
        return note(`DIGEST-MD5 response not understood: "${displayBytes(data)}"`, `Respuesta DIGEST-MD5 no reconocida: "${displayBytes(data)}"`);
      }
      ctx.creds.username = user;
      const authzid = directive(text, 'authzid');
      if (authzid !== undefined) ctx.creds.authzid = authzid;
      if (digest !== undefined) ctx.creds.proof = digest;
      return note(`DIGEST-MD5: user ${user}, digest ${digest ?? '(none)'}`, `DIGEST-MD5: usuario ${user}, resumen ${digest ?? '(ninguno)'}`);
    },
  };
}
