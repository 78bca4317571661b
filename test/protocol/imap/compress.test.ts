// COMPRESS=DEFLATE (RFC 4978) in the IMAP codec: the tagged OK announces compression, bytes the
// codec already held past it leave as raw (they are compressed), and framing goes on with the
// inflated bytes fed afterwards. A refused COMPRESS changes nothing.

import { describe, expect, it } from 'vitest';
import { deflateRawSync } from 'node:zlib';
import { imap } from '../../../src/protocol/imap/index.js';
import type { CodecEvent } from '../../../src/protocol/types.js';

const kinds = (events: CodecEvent[]) => events.map((e) => (e.type === 'unit' ? `${e.side}:${e.kind}:${e.bytes.toString('latin1').slice(0, 24)}` : e.type));

describe('IMAP codec: COMPRESS=DEFLATE', () => {
  it('the tagged OK starts compression; held server bytes after it leave as raw; inflated bytes frame as usual', () => {
    const codec = imap.createCodec();
    codec.feed('server', Buffer.from('* OK ready\r\n'));
    codec.feed('client', Buffer.from('a1 LOGIN u p\r\n'));
    codec.feed('server', Buffer.from('a1 OK done\r\n'));
    expect(kinds(codec.feed('client', Buffer.from('a2 COMPRESS DEFLATE\r\n')))).toEqual(['client:command:a2 COMPRESS DEFLATE\r\n']);
    const compressed = deflateRawSync(Buffer.from('* 1 EXISTS\r\n'));
    const events = codec.feed('server', Buffer.concat([Buffer.from('a2 OK DEFLATE active\r\n'), compressed]));
    expect(kinds(events)).toEqual(['server:reply:a2 OK DEFLATE active\r\n', 'compress', `server:raw:${compressed.toString('latin1').slice(0, 24)}`]);
    expect(events[1]).toMatchObject({ type: 'compress', algorithm: 'DEFLATE' });
    // From now on the caller feeds inflated bytes: they are decoded as IMAP again.
    expect(kinds(codec.feed('client', Buffer.from('a3 SELECT INBOX\r\n')))).toEqual(['client:command:a3 SELECT INBOX\r\n']);
    const reply = codec.feed('server', Buffer.from('a3 OK [READ-WRITE] done\r\n'));
    expect(reply[0]).toMatchObject({ type: 'unit', kind: 'reply', verb: 'SELECT', status: 'OK' });
  });

  it('a refused COMPRESS (NO) changes nothing', () => {
    const codec = imap.createCodec();
    codec.feed('server', Buffer.from('* PREAUTH ready\r\n'));
    codec.feed('client', Buffer.from('c COMPRESS DEFLATE\r\n'));
    const events = codec.feed('server', Buffer.from('c NO [COMPRESSIONACTIVE] no\r\n* 1 EXISTS\r\n'));
    expect(events.some((e) => e.type === 'compress')).toBe(false);
    expect(kinds(events).filter((k) => k.startsWith('server:'))).toEqual(['server:reply:c NO [COMPRESSIONACTIVE]', 'server:reply:* 1 EXISTS\r\n']);
  });
});
