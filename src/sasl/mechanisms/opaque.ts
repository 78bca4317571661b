// Mechanisms mailtap does not interpret (GSSAPI, NTLM, vendor ones): every response is kept as
// its original base64 in `undecoded`, and printable challenges are shown as text.

import { note } from '../../core/note.js';
import { isPrintableUtf8 } from '../../core/bytes.js';
import { plainChallenge, type MechanismReader } from '../mechanism.js';

export function opaqueReader(mechanism: string): MechanismReader {
  return {
    challenge(data) {
      if (data.length === 0 || isPrintableUtf8(data)) return plainChallenge(data);
      return note(`${mechanism} challenge: ${data.length} bytes of binary data`, `Desafío ${mechanism}: ${data.length} bytes de datos binarios`);
    },
    response(data, _index, ctx, b64) {
      ctx.keepUndecoded(b64);
      return note(
        `${mechanism} response: ${data.length} bytes mailtap does not decode (kept as base64)`,
        `Respuesta ${mechanism}: ${data.length} bytes que mailtap no decodifica (se guardan en base64)`,
      );
    },
  };
}
