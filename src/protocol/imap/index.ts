// Public face of the IMAP codec (RFC 9051 IMAP4rev2, RFC 3501 IMAP4rev1): the ProtocolModule the
// session and replay layers use. See codec.ts for the cross-side rules, framer.ts for literals.

import type { ProtocolModule } from '../types.js';
import { ImapCodec } from './codec.js';
import { oneLine } from './starttls.js';

export { ImapCodec, MAX_PENDING_TAGS } from './codec.js';
export type { ImapState } from './session-state.js';

export const imap: ProtocolModule = {
  protocol: 'imap',
  createCodec: (options) => new ImapCodec(options),
  // RFC 9051 §7.1.5: BYE is how an IMAP server says it is closing; [UNAVAILABLE] per RFC 5530 §3.
  upstreamFailure: (reason) => Buffer.from(`* BYE [UNAVAILABLE] mailtap: upstream unavailable: ${oneLine(reason)}\r\n`),
  serviceUnavailable: (reason) => Buffer.from(`* BYE [UNAVAILABLE] mailtap: ${oneLine(reason)}\r\n`),
};
