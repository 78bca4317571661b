// Every socket mailtap holds has an 'error' listener from its first moment to its last, in every
// state (connecting, handshaking, mid-STARTTLS with the session's listeners detached, draining,
// closing): an unhandled 'error' event would kill the process and every session with it. The
// listener only keeps the error from escaping; whoever owns the socket still hears it on its own.

import type { Socket } from 'node:net';

const guarded = new WeakSet<Socket>();
const ignore = (): void => {};

/** Gives `socket` a permanent 'error' listener (once per socket); returns it. */
export function guardSocket<S extends Socket>(socket: S): S {
  if (!guarded.has(socket)) {
    guarded.add(socket);
    socket.on('error', ignore);
  }
  return socket;
}
