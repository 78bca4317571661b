// Mechanisms that carry one short message: EXTERNAL (RFC 4422 App. A: an optional authzid, the
// identity comes from TLS) and ANONYMOUS (RFC 4505: an optional trace, often an e-mail address,
// recorded as `username` because it is all the client says about itself).

import { note } from '../../core/note.js';
import { displayBytes } from '../base64.js';
import { plainChallenge, type MechanismReader } from '../mechanism.js';

export function externalReader(): MechanismReader {
  return {
    challenge: (data) => plainChallenge(data),
    response(data, _index, ctx) {
      if (data.length === 0) {
        return note('EXTERNAL: use the identity already proven (TLS client certificate)', 'EXTERNAL: usar la identidad ya demostrada (certificado de cliente TLS)');
      }
      ctx.creds.authzid = data.toString('utf8');
      const t = displayBytes(data);
      return note(`EXTERNAL: act as ${t} (identity from the TLS client certificate)`, `EXTERNAL: actuar como ${t} (identidad del certificado de cliente TLS)`);
    },
  };
}

export function anonymousReader(): MechanismReader {
  return {
    challenge: (data) => plainChallenge(data),
    response(data, _index, ctx) {
      const t = displayBytes(data);
      if (data.length > 0) ctx.creds.username = data.toString('utf8');
      return note(`ANONYMOUS: trace "${t}" (no password)`, `ANONYMOUS: traza "${t}" (sin contraseña)`);
    },
  };
}
