// The end of a session's client leg when the client may still be reading (the server said its
// last words and left): half-close after what is queued, and destroy the socket once it has
// nothing left to send, or once it has made no progress for `graceMs` (a client that stopped
// reading must not hold the session's sockets).

import type { Leg } from './leg.js';

export function closeWhenFlushed(leg: Leg, graceMs: number): void {
  leg.end();
  let left = leg.socket.writableLength;
  const timer = setInterval(() => {
    const now = leg.socket.destroyed ? 0 : leg.socket.writableLength;
    if (now === 0 || now >= left) {
      clearInterval(timer);
      leg.destroy();
    }
    left = now;
  }, graceMs);
  timer.unref();
}
