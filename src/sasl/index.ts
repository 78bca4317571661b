// Public face of SASL decoding: `SaslExchange` follows one AUTH/AUTHENTICATE exchange and says
// what each line carries; the base64 helpers serve `mailtap decode` / `mailtap encode`.
// Depends on core only; every protocol codec uses it the same way.

export { SaslExchange } from './exchange.js';
export { decodeBase64, encodeBase64, displayBytes, looksTypedInClear, encodeAdvice } from './base64.js';
export { describeBase64, encodeLogin, encodePlain, type Base64Description } from './describe.js';
export { isDecodedMechanism } from './registry.js';
export type { SaslCredentials } from './types.js';
