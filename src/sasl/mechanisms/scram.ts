// SCRAM-SHA-1/-256 and their -PLUS channel-binding forms (RFC 5802 §5, RFC 7677). Client-first:
// GS2 header + `n=user,r=nonce`; server-first: `r=,s=salt,i=iterations`; client-final:
// `c=binding,r=nonce,p=proof`; server-final: `v=signature` or `e=error`. The password never
// travels; the client proof is recorded as `proof`.

import { note } from '../../core/note.js';
import { displayBytes } from '../base64.js';
import type { MechanismReader } from '../mechanism.js';
import { parseGs2Header, unescapeSaslName } from './oauth.js';

function attrs(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of text.split(',')) {
    if (part.length >= 2 && part[1] === '=') out.set(part[0]!, part.slice(2));
  }
  return out;
}

export function scramReader(mechanism: string): MechanismReader {
  return {
    challenge(data) {
      const text = data.toString('utf8');
      const a = attrs(text);
      if (a.has('s') && a.has('i')) {
        return note(
          `${mechanism} server-first: salt ${a.get('s')}, ${a.get('i')} iterations, combined nonce ${a.get('r') ?? '?'}`,
          `${mechanism} primer mensaje del servidor: sal ${a.get('s')}, ${a.get('i')} iteraciones, nonce combinado ${a.get('r') ?? '?'}`,
        );
      }
      if (a.has('v')) {
        return note(`${mechanism} server signature ${a.get('v')}: the server proves it knows the password too`, `${mechanism} firma del servidor ${a.get('v')}: el servidor demuestra que también conoce la contraseña`);
      }
      if (a.has('e')) return note(`${mechanism} server error: ${a.get('e')}`, `${mechanism} error del servidor: ${a.get('e')}`);
      const t = displayBytes(data);
      return note(`Server challenge: "${t}"`, `Desafío del servidor: "${t}"`);
    },
    response(data, _index, ctx, b64) {
      const text = data.toString('utf8');
      const gs2 = parseGs2Header(text);
      if (gs2) {
        const a = attrs(gs2.rest);
        const user = a.get('n');
        if (user !== undefined) {
          const name = unescapeSaslName(user);
          ctx.creds.username = name;
          if (gs2.authzid !== undefined) ctx.creds.authzid = gs2.authzid;
          return note(`${mechanism} client-first: user ${name}, client nonce ${a.get('r') ?? '?'}`, `${mechanism} primer mensaje del cliente: usuario ${name}, nonce del cliente ${a.get('r') ?? '?'}`);
        }
      }
      const a = attrs(text);
      const proof = a.get('p');
      if (proof !== undefined && a.has('c')) {
        ctx.creds.proof = proof;
        return note(`${mechanism} client-final: proof ${proof} (derived from the password, not the password)`, `${mechanism} mensaje final del cliente: prueba ${proof} (derivada de la contraseña, no es la contraseña)`);
      }
      if (data.length === 0) return note('Empty response (acknowledges the server signature)', 'Respuesta vacía (acusa la firma del servidor)');
      ctx.keepUndecoded(b64);
      const t = displayBytes(data);
      return note(`${mechanism} message not understood: "${t}"`, `Mensaje ${mechanism} no reconocido: "${t}"`);
    },
  };
}
