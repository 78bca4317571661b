// The OAuth 2.0 bearer-token mechanisms. XOAUTH2 (Google's): `user=U ^A auth=Bearer T ^A ^A`.
// OAUTHBEARER (RFC 7628 §3.1): a GS2 header `n,a=U,` then `^A`-separated key=value pairs ending
// `^A^A`. On failure both servers send a base64 JSON error as a challenge (RFC 7628 §3.2.2) and
// the client answers it with an empty response (XOAUTH2) or a lone ^A (OAUTHBEARER).

import { note, type Note } from '../../core/note.js';
import { displayBytes } from '../base64.js';
import { splitBytes, type MechanismContext, type MechanismReader } from '../mechanism.js';

function pairs(data: Buffer): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of splitBytes(data, 0x01)) {
    const text = part.toString('utf8');
    const eq = text.indexOf('=');
    if (eq > 0) out.set(text.slice(0, eq).toLowerCase(), text.slice(eq + 1));
  }
  return out;
}

function bearer(auth: string | undefined): string | undefined {
  const m = auth === undefined ? null : /^Bearer\s+(.*)$/is.exec(auth);
  return m ? m[1] : undefined;
}

function errorChallenge(data: Buffer): Note {
  const text = data.toString('utf8');
  try {
    const json = JSON.parse(text) as Record<string, unknown>;
    const status = typeof json.status === 'string' ? json.status : '?';
    return note(`Server rejects the token (JSON error, status ${status}): ${text}`, `El servidor rechaza el token (error JSON, estado ${status}): ${text}`);
  } catch {
    const t = displayBytes(data);
    return data.length === 0
      ? note('Server is ready for the token (empty challenge)', 'El servidor espera el token (desafío vacío)')
      : note(`Server challenge: "${t}"`, `Desafío del servidor: "${t}"`);
  }
}

function tokenNote(mech: string, user: string | undefined, token: string | undefined): Note {
  const u = user === undefined ? '' : `user=${user} `;
  const us = user === undefined ? '' : `usuario=${user} `;
  return note(`${mech}: ${u}token=${token ?? '(none)'}`, `${mech}: ${us}token=${token ?? '(ninguno)'}`);
}

function dummyAfterError(data: Buffer): Note | null {
  if (data.length === 0 || (data.length === 1 && data[0] === 0x01)) {
    return note('Client acknowledges the error (empty response); the server will now fail the exchange', 'El cliente acusa el error (respuesta vacía); el servidor cerrará el intercambio con fallo');
  }
  return null;
}

export function xoauth2Reader(): MechanismReader {
  return {
    challenge: (data) => errorChallenge(data),
    response(data, _index, ctx: MechanismContext, b64) {
      const ack = dummyAfterError(data);
      if (ack) return ack;
      const kv = pairs(data);
      const token = bearer(kv.get('auth'));
      const user = kv.get('user');
      if (user === undefined && token === undefined) {
        ctx.keepUndecoded(b64);
        const t = displayBytes(data);
        return note(`XOAUTH2 response not in user=…^Aauth=Bearer … form: "${t}"`, `Respuesta XOAUTH2 sin la forma user=…^Aauth=Bearer …: "${t}"`);
      }
      if (user !== undefined) ctx.creds.username = user;
      if (token !== undefined) ctx.creds.token = token;
      return tokenNote('XOAUTH2', user, token);
    },
  };
}

/** `n,a=user,` / `y,,` / `p=cb,a=x,`: GS2 header (RFC 5801 §4) with `=2C`/`=3D` escapes. */
export function parseGs2Header(text: string): { authzid?: string; rest: string } | null {
  const m = /^([npy](?:=[^,]*)?),((?:a=[^,]*)?),/.exec(text);
  if (!m) return null;
  const rest = text.slice(m[0].length);
  if (!m[2]) return { rest };
  return { authzid: unescapeSaslName(m[2].slice(2)), rest };
}

export function unescapeSaslName(name: string): string {
  return name.replace(/=2C/gi, ',').replace(/=3D/gi, '=');
}

export function oauthBearerReader(): MechanismReader {
  return {
    challenge: (data) => errorChallenge(data),
    response(data, _index, ctx, b64) {
      const ack = dummyAfterError(data);
      if (ack) return ack;
      const gs2 = parseGs2Header(data.toString('utf8'));
      if (!gs2) {
        ctx.keepUndecoded(b64);
        const t = displayBytes(data);
        return note(`OAUTHBEARER response without a GS2 header: "${t}"`, `Respuesta OAUTHBEARER sin cabecera GS2: "${t}"`);
      }
      const token = bearer(pairs(Buffer.from(gs2.rest, 'utf8')).get('auth'));
      if (gs2.authzid !== undefined) {
        // OAUTHBEARER has no separate authentication identity: the a= name is who logs in.
        ctx.creds.authzid = gs2.authzid;
        ctx.creds.username = gs2.authzid;
      }
      if (token !== undefined) ctx.creds.token = token;
      return tokenNote('OAUTHBEARER', gs2.authzid, token);
    },
  };
}
