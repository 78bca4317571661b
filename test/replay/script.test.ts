// How a recording becomes a replay script: which client steps it expects and when each
// recorded server unit may be sent.

import { describe, expect, it } from 'vitest';
import { buildScript } from '../../src/replay/script.js';
import { smtp } from '../../src/protocol/smtp/index.js';
import { imap } from '../../src/protocol/imap/index.js';
import { recordEventFromCodec } from '../../src/record/from-codec.js';
import type { Recording } from '../../src/record/reader.js';
import type { RecordEvent } from '../../src/record/schema.js';
import type { ProtocolModule, Side } from '../../src/protocol/types.js';

/** Builds a recording by running the real codec over a dialogue, as the proxy would. */
function recordingOf(module: ProtocolModule, dialogue: [Side, string][]): Recording {
  const codec = module.createCodec();
  const events: RecordEvent[] = [];
  for (const [side, text] of dialogue) for (const ev of codec.feed(side, Buffer.from(text))) events.push(recordEventFromCodec(ev, 0, { tls: false }));
  events.push({ t: 1, dir: 'proxy', type: 'close', reason: 'test', bytes: { c2s: 0, s2c: 0 } } as RecordEvent);
  return {
    path: 'test.jsonl',
    header: { format: 'mailtap-recording', version: 1, protocol: module.protocol, session: 's', start: '', client: { address: '', port: 0 }, listen: 'smtp://127.0.0.1:2525', upstream: 'smtp://x:25', clientTls: 'starttls', upstreamTls: 'starttls', mailtap: 't' },
    events,
    complete: true,
    truncated: false,
  };
}

const triggers = (rec: Recording) => buildScript(rec).server.map((u) => [u.bytes.toString().split('\r\n')[0], u.trigger]);

describe('replay script', () => {
  it('a pipelined SMTP recording still answers one command at a time (RFC 2920)', () => {
    const rec = recordingOf(smtp, [
      ['server', '220 hi\r\n'],
      ['client', 'EHLO a\r\n'],
      ['server', '250-x\r\n250 PIPELINING\r\n'],
      ['client', 'MAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nDATA\r\n'],
      ['server', '250 ok\r\n250 ok\r\n354 go\r\n'],
      ['client', 'hi\r\n.\r\nQUIT\r\n'],
      ['server', '250 queued\r\n221 bye\r\n'],
    ]);
    const script = buildScript(rec);
    expect(script.steps.map((s) => s.verb ?? s.kind)).toEqual(['EHLO', 'MAIL', 'RCPT', 'DATA', 'body', 'QUIT']);
    expect(triggers(rec)).toEqual([
      ['220 hi', 0],
      ['250-x', 1],
      ['250 ok', 2],
      ['250 ok', 3],
      ['354 go', 4],
      ['250 queued', 5],
      ['221 bye', 6],
    ]);
    expect(script.serverCloses).toBe(true);
  });

  it('IMAP: untagged data goes with the completion after it; a SASL line belongs to its AUTHENTICATE', () => {
    const rec = recordingOf(imap, [
      ['server', '* OK ready\r\n'],
      ['client', 'a1 AUTHENTICATE PLAIN\r\n'],
      ['server', '+ \r\n'],
      ['client', 'AGFsaWNlAHB3\r\n'],
      ['server', 'a1 OK done\r\n'],
      ['client', 'a2 SELECT INBOX\r\na3 NOOP\r\n'],
      ['server', '* 2 EXISTS\r\na2 OK [READ-WRITE] done\r\n* 3 EXISTS\r\na3 OK noop\r\n'],
      ['client', 'a4 LOGOUT\r\n'],
      ['server', '* BYE bye\r\na4 OK bye\r\n'],
    ]);
    expect(triggers(rec)).toEqual([
      ['* OK ready', 0],
      ['+ ', 1],
      ['a1 OK done', 2],
      ['* 2 EXISTS', 3],
      ['a2 OK [READ-WRITE] done', 3],
      ['* 3 EXISTS', 4],
      ['a3 OK noop', 4],
      ['* BYE bye', 5],
      ['a4 OK bye', 5],
    ]);
  });

  it('IMAP IDLE: the completion waits for DONE', () => {
    const rec = recordingOf(imap, [
      ['server', '* OK ready\r\n'],
      ['client', 'a1 IDLE\r\n'],
      ['server', '+ idling\r\n* 4 EXISTS\r\n'],
      ['client', 'DONE\r\n'],
      ['server', 'a1 OK IDLE terminated\r\n'],
    ]);
    expect(buildScript(rec).steps.map((s) => s.verb)).toEqual(['IDLE', 'DONE']);
    expect(triggers(rec)).toEqual([
      ['* OK ready', 0],
      ['+ idling', 1],
      ['* 4 EXISTS', 1],
      ['a1 OK IDLE terminated', 2],
    ]);
  });
});
