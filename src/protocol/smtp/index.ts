// Public face of the SMTP codec (RFC 5321 with ESMTP extensions): `smtp.createCodec()` and the
// protocol-shaped replies mailtap sends on its own when it cannot serve a client.

import type { ProtocolModule } from '../types.js';
import { SmtpCodec } from './codec.js';

/** One line, no CR/LF inside: a reason must never inject a second reply. */
function oneLine(reason: string): string {
  return reason.replace(/[\r\n]+/g, ' ').trim();
}

export const smtp: ProtocolModule = {
  protocol: 'smtp',
  createCodec: (options) => new SmtpCodec(options),
  // RFC 5321 §3.8: 421 closes the session; RFC 3463 4.4.1 "no answer from host".
  upstreamFailure: (reason) => Buffer.from(`421 4.4.1 mailtap: upstream unavailable: ${oneLine(reason)}\r\n`, 'utf8'),
  // 4.3.2 "system not accepting network messages".
  serviceUnavailable: (reason) => Buffer.from(`421 4.3.2 mailtap: service unavailable: ${oneLine(reason)}\r\n`, 'utf8'),
};

export { SmtpCodec } from './codec.js';
