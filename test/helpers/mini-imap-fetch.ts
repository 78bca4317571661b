// FETCH responses of the test-only mini IMAP server (RFC 9051 §6.4.5, §7.5.2): item lists with
// macros, one `* n FETCH (...)` per message with body sections as literals, and the implicit
// \Seen of a non-PEEK body fetch reported with the new FLAGS.

import type { StoredMessage } from './mailbox.js';
import { bad, bodyStructure, envelope, fetchSection, internalDate, type Token } from './mini-imap-syntax.js';

const MACROS: Record<string, string[]> = {
  ALL: ['FLAGS', 'INTERNALDATE', 'RFC822.SIZE', 'ENVELOPE'],
  FAST: ['FLAGS', 'INTERNALDATE', 'RFC822.SIZE'],
  FULL: ['FLAGS', 'INTERNALDATE', 'RFC822.SIZE', 'ENVELOPE', 'BODY'],
};

/** The item names of a FETCH, macros expanded; UID FETCH always answers UID (RFC 9051 §6.4.9). */
export function fetchItems(arg: Token | undefined, uid: boolean): string[] {
  const tokens = arg?.t === 'list' ? arg.v : arg ? [arg] : [];
  let items = tokens.map((t) => {
    if (t.t !== 'atom') throw bad('malformed FETCH item');
    return t.v;
  });
  if (items.length === 0) throw bad('FETCH needs items');
  if (items.length === 1 && MACROS[items[0]!.toUpperCase()]) items = MACROS[items[0]!.toUpperCase()]!;
  if (uid && !items.some((i) => i.toUpperCase() === 'UID')) items = ['UID', ...items];
  return items;
}

/** One untagged FETCH response; sets \Seen on the message when a non-PEEK body item asks so. */
export function fetchResponse(message: StoredMessage, seq: number, items: string[], readOnly: boolean): Buffer {
  const parts: Array<Array<string | Buffer>> = [];
  let setSeen = false;
  for (const item of items) {
    const simple = simpleItem(message, item.toUpperCase());
    if (simple !== undefined) {
      parts.push([simple]);
      continue;
    }
    const section = fetchSection(message.raw, item);
    if (!section) throw bad(`unknown FETCH item ${item}`);
    if (!section.peek && !readOnly && !message.flags.has('\\Seen')) setSeen = true;
    parts.push([`${section.name} {${section.bytes.length}}\r\n`, section.bytes]);
  }
  if (setSeen) {
    message.flags.add('\\Seen');
    if (!items.some((i) => i.toUpperCase() === 'FLAGS')) parts.push([simpleItem(message, 'FLAGS')!]);
  }
  const chunks: Array<string | Buffer> = [`* ${seq} FETCH (`];
  parts.forEach((p, n) => chunks.push(...(n > 0 ? [' '] : []), ...p));
  chunks.push(')\r\n');
  return Buffer.concat(chunks.map((c) => (typeof c === 'string' ? Buffer.from(c, 'utf8') : c)));
}

function simpleItem(message: StoredMessage, item: string): string | undefined {
  switch (item) {
    case 'UID':
      return `UID ${message.uid}`;
    case 'FLAGS':
      return `FLAGS (${[...message.flags].join(' ')})`;
    case 'RFC822.SIZE':
      return `RFC822.SIZE ${message.raw.length}`;
    case 'INTERNALDATE':
      return `INTERNALDATE "${internalDate(message.internalDate)}"`;
    case 'ENVELOPE':
      return `ENVELOPE ${envelope(message.raw)}`;
    case 'BODYSTRUCTURE':
      return `BODYSTRUCTURE ${bodyStructure(message.raw, true)}`;
    case 'BODY':
      return `BODY ${bodyStructure(message.raw, false)}`;
  }
  return undefined;
}
