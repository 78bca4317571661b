// The exact bytes a unit event carries, from its `text` or `b64`.

import type { UnitRecord } from './schema.js';

/** The exact bytes of one unit. */
export function unitBytes(ev: UnitRecord): Buffer {
  return ev.text !== undefined ? Buffer.from(ev.text, 'utf8') : Buffer.from(ev.b64 ?? '', 'base64');
}
