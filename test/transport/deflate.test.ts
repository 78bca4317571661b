// The inflater behind COMPRESS=DEFLATE: both directions decoded in arrival order, one context
// per direction across reads, and a deflate bomb or a corrupt stream stops the decoding of
// that direction only, with a reason.

import { describe, expect, it } from 'vitest';
import { constants, createDeflateRaw, deflateRawSync } from 'node:zlib';
import { Deflater, InflatePair } from '../../src/transport/deflate.js';

/** One compression context flushed per message, as an RFC 4978 peer sends. */
function deflatePerMessage(messages: string[]): Promise<Buffer[]> {
  const d = createDeflateRaw();
  const out: Buffer[] = [];
  let cur: Buffer[] = [];
  d.on('data', (c: Buffer) => cur.push(c));
  return messages.reduce(
    (p, m) =>
      p.then(
        () =>
          new Promise<void>((resolve) => {
            d.write(Buffer.from(m));
            d.flush(constants.Z_SYNC_FLUSH, () => {
              out.push(Buffer.concat(cur));
              cur = [];
              resolve();
            });
          }),
      ),
    Promise.resolve(),
  ).then(() => out);
}

describe('InflatePair', () => {
  it('inflates both directions in arrival order, each read split anywhere', async () => {
    const client = await deflatePerMessage(['a1 SELECT INBOX\r\n', 'a2 LOGOUT\r\n']);
    const server = await deflatePerMessage(['a1 OK done\r\n', '* BYE\r\na2 OK bye\r\n']);
    const got: string[] = [];
    let last = '';
    const pair = new InflatePair({
      maxOutputBytes: 1 << 20,
      onData: (side, b) => {
        got.push(side === last ? b.toString() : `${side}:${b.toString()}`);
        last = side;
      },
      onFailure: (side, m) => got.push(`fail ${side} ${m}`),
    });
    const c0 = client[0]!;
    pair.push('client', c0.subarray(0, 3));
    pair.push('client', c0.subarray(3));
    pair.push('server', server[0]!);
    pair.push('client', client[1]!);
    pair.push('server', server[1]!);
    await pair.settled();
    pair.close();
    expect(got.join('')).toBe('client:a1 SELECT INBOX\r\nserver:a1 OK done\r\nclient:a2 LOGOUT\r\nserver:* BYE\r\na2 OK bye\r\n');
  });

  it('a deflate bomb past the cap stops that direction, with a reason, and no more than the cap is delivered', async () => {
    const bomb = deflateRawSync(Buffer.alloc(8 * 1024 * 1024, 0x41));
    expect(bomb.length).toBeLessThan(16 * 1024);
    let delivered = 0;
    const failures: string[] = [];
    const pair = new InflatePair({ maxOutputBytes: 64 * 1024, onData: (_s, b) => (delivered += b.length), onFailure: (side, m) => failures.push(`${side}: ${m}`) });
    pair.push('server', bomb);
    pair.push('server', Buffer.from('more'));
    await pair.settled();
    pair.close();
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatch(/^server: .*65536 bytes/);
    expect(delivered).toBeLessThanOrEqual(64 * 1024);
  });

  it('a corrupt stream stops that direction only', async () => {
    const got: string[] = [];
    const pair = new InflatePair({ maxOutputBytes: 1 << 20, onData: (side, b) => got.push(`${side}:${b.toString()}`), onFailure: (side) => got.push(`fail:${side}`) });
    pair.push('client', Buffer.from([0xff, 0xff, 0xff, 0xff]));
    pair.push('server', (await deflatePerMessage(['* OK\r\n']))[0]!);
    await pair.settled();
    pair.close();
    expect(got).toEqual(['fail:client', 'server:* OK\r\n']);
  });
});

describe('Deflater', () => {
  it('each write is flushed: the peer can inflate it at once', async () => {
    const parts: Buffer[] = [];
    const d = new Deflater((b) => parts.push(b));
    d.write(Buffer.from('* OK hello\r\n'));
    await d.settled();
    const got: string[] = [];
    const pair = new InflatePair({ maxOutputBytes: 1 << 20, onData: (_s, b) => got.push(b.toString()), onFailure: () => got.push('fail') });
    pair.push('server', Buffer.concat(parts));
    await pair.settled();
    d.close();
    pair.close();
    expect(got.join('')).toBe('* OK hello\r\n');
  });
});
