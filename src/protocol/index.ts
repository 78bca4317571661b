// The protocol registry: the one place that knows every codec, so sessions and replay can
// pick one by name without importing siblings.

import type { Protocol, ProtocolModule } from './types.js';
import { smtp } from './smtp/index.js';
import { pop3 } from './pop3/index.js';
import { imap } from './imap/index.js';

const MODULES: Readonly<Record<Protocol, ProtocolModule>> = { smtp, pop3, imap };

export function protocolModule(protocol: Protocol): ProtocolModule {
  return MODULES[protocol];
}

export type * from './types.js';
