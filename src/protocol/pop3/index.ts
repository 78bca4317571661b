// Public face of the POP3 codec (RFC 1939 with CAPA/PIPELINING RFC 2449, STLS RFC 2595, AUTH
// RFC 5034, UTF8/LANG RFC 6856). Sans-IO: see src/protocol/types.ts for the contract it keeps.

import type { CodecOptions, ProtocolModule } from '../types.js';
import { Pop3Codec } from './codec.js';
import { serviceUnavailable, upstreamFailure } from './replies.js';

export const pop3: ProtocolModule = {
  protocol: 'pop3',
  createCodec: (options?: CodecOptions) => new Pop3Codec(options),
  upstreamFailure,
  serviceUnavailable,
};

export { Pop3Codec };
export type { Pop3Phase } from './phases.js';
