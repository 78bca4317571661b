// IMAP COMPRESS=DEFLATE (RFC 4978): once the server's tagged OK has been sent, both sides
// compress everything from the byte after its CRLF (§3). The codec announces it with a
// `compress` event; bytes it already held past that point are compressed and go out as raw.

import { note } from '../../core/note.js';
import type { CodecEvent } from '../types.js';
import { unit } from './events.js';

const compressNote = note(
  'COMPRESS=DEFLATE is on: from here both directions are compressed (RFC 4978); what follows is shown inflated',
  'COMPRESS=DEFLATE activo: a partir de aquí ambos sentidos van comprimidos (RFC 4978); lo que sigue se muestra descomprimido',
);
const compressedNote = note('Compressed bytes (DEFLATE, RFC 4978), relayed as they are', 'Bytes comprimidos (DEFLATE, RFC 4978), reenviados tal cual');

export function compressionStarts(clientHeld: Buffer, serverHeld: Buffer, out: CodecEvent[]): void {
  out.push({ type: 'compress', algorithm: 'DEFLATE', note: compressNote });
  if (clientHeld.length) out.push(unit('client', 'raw', clientHeld, compressedNote));
  if (serverHeld.length) out.push(unit('server', 'raw', serverHeld, compressedNote));
}
