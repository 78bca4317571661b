// The last line of defence: every socket has an error handler in every state, so nothing a peer
// does should reach here. If an error still escapes (an unhandled 'error' event, a throw in a
// socket callback), the proxy logs it and ends the sessions whose sockets died instead of dying
// with every session. Each firing is counted: the tests assert the count stays zero.

import type { Logger } from 'pino';
import { describeError } from '../core/errors.js';

interface GuardOwner {
  logger?: Logger;
  /** Ends the sessions that the escaped error most likely came from (those with a dead socket). */
  reap(err: unknown): void;
}

const owners = new Set<GuardOwner>();
let firings = 0;

/** How many errors escaped every session since the process started (tests assert none did). */
export function processGuardFirings(): number {
  return firings;
}

function onEscape(err: unknown): void {
  firings += 1;
  for (const owner of owners) {
    owner.logger?.error({ err: describeError(err), stack: err instanceof Error ? err.stack : undefined }, 'internal error escaped a session; ending the sessions it came from and serving on');
    try {
      owner.reap(err);
    } catch {
      // The guard must never throw itself.
    }
  }
}

/** Installs the guard while at least one proxy runs; returns its removal. */
export function installProcessGuard(owner: GuardOwner): () => void {
  if (owners.size === 0) {
    process.on('uncaughtException', onEscape);
    process.on('unhandledRejection', onEscape);
  }
  owners.add(owner);
  return () => {
    if (!owners.delete(owner)) return;
    if (owners.size === 0) {
      process.removeListener('uncaughtException', onEscape);
      process.removeListener('unhandledRejection', onEscape);
    }
  };
}
