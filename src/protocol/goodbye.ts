// The server has said goodbye: SMTP 221 to QUIT, POP3 +OK to QUIT, IMAP BYE (RFC 5321 §4.1.1.10,
// RFC 1939 §6, RFC 9051 §7.1.5). After it, a client that resets instead of closing (swaks on
// 465 does) ends the session normally: the session reports a close, not an error.

import type { CodecEvent } from './types.js';

export function isGoodbye(ev: CodecEvent): boolean {
  if (ev.type !== 'unit' || ev.side !== 'server' || ev.kind !== 'reply') return false;
  if (ev.status === 'BYE') return true;
  if (ev.verb === 'QUIT') return ev.status === '221' || ev.status === '+OK';
  return ev.verb === 'LOGOUT' && ev.status === 'OK';
}
