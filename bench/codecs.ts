// Codec throughput alone, no sockets: an SMTP DATA body and an IMAP FETCH literal fed in 64 KiB
// chunks to a fresh codec, median MiB/s of 5 runs. Also the same SMTP body through the codec plus
// what the recorder does to each unit (from-codec encoding and JSON.stringify), as context for the
// relay's CPU cost: that line has no goal of its own.

import { smtp } from '../src/protocol/smtp/index.js';
import { imap } from '../src/protocol/imap/index.js';
import { recordEventFromCodec } from '../src/record/from-codec.js';
import type { Codec, CodecEvent } from '../src/protocol/types.js';
import { makeBody } from './smtp-client.js';
import { median } from './stats.js';

const CHUNK = 64 * 1024;

export interface CodecResult {
  smtpDataMiBs: number;
  imapLiteralMiBs: number;
  smtpWithRecordEncodingMiBs: number;
  sizeMiB: number;
}

function feedAll(codec: Codec, side: 'client' | 'server', bytes: Buffer): CodecEvent[] {
  return codec.feed(side, Buffer.from(bytes));
}

/** Feeds `body` in chunks; returns seconds and the body bytes the codec reported as `body` units. */
function timeBody(codec: Codec, side: 'client' | 'server', body: Buffer, onEvent?: (ev: CodecEvent) => void): { seconds: number; bodyBytes: number } {
  let bodyBytes = 0;
  const started = performance.now();
  for (let off = 0; off < body.length; off += CHUNK) {
    for (const ev of codec.feed(side, body.subarray(off, off + CHUNK))) {
      if (ev.type === 'unit' && ev.kind === 'body') bodyBytes += ev.bytes.length;
      onEvent?.(ev);
    }
  }
  return { seconds: (performance.now() - started) / 1000, bodyBytes };
}

function smtpRun(body: Buffer, record: boolean): number {
  const codec = smtp.createCodec({ tls: true });
  for (const [side, text] of [
    ['server', '220 bench.test ESMTP\r\n'],
    ['client', 'EHLO client.bench.test\r\n'],
    ['server', '250-bench.test\r\n250 PIPELINING\r\n'],
    ['client', 'MAIL FROM:<a@bench.test>\r\nRCPT TO:<b@bench.test>\r\nDATA\r\n'],
    ['server', '250 2.1.0 OK\r\n250 2.1.5 OK\r\n354 go on\r\n'],
  ] as const) {
    feedAll(codec, side, Buffer.from(text));
  }
  let sink = 0;
  const onEvent = record ? (ev: CodecEvent) => (sink += JSON.stringify(recordEventFromCodec(ev, 1.5, { tls: true })).length) : undefined;
  const { seconds, bodyBytes } = timeBody(codec, 'client', Buffer.concat([body, Buffer.from('.\r\n')]), onEvent);
  if (bodyBytes !== body.length + 3) throw new Error(`SMTP codec: ${bodyBytes} body bytes reported for ${body.length + 3} fed`);
  if (record && sink < body.length) throw new Error('record encoding produced less text than the body');
  return body.length / (1024 * 1024) / seconds;
}

function imapRun(body: Buffer): number {
  const codec = imap.createCodec({ tls: true });
  feedAll(codec, 'server', Buffer.from('* OK [CAPABILITY IMAP4rev1] ready\r\n'));
  feedAll(codec, 'client', Buffer.from('a1 LOGIN user pass\r\n'));
  feedAll(codec, 'server', Buffer.from('a1 OK logged in\r\n'));
  feedAll(codec, 'client', Buffer.from('a2 SELECT INBOX\r\n'));
  feedAll(codec, 'server', Buffer.from('* 1 EXISTS\r\na2 OK [READ-WRITE] done\r\n'));
  feedAll(codec, 'client', Buffer.from('a3 FETCH 1 BODY[]\r\n'));
  const stream = Buffer.concat([Buffer.from(`* 1 FETCH (BODY[] {${body.length}}\r\n`), body, Buffer.from(')\r\na3 OK done\r\n')]);
  const { seconds, bodyBytes } = timeBody(codec, 'server', stream);
  if (bodyBytes !== body.length) throw new Error(`IMAP codec: ${bodyBytes} literal bytes reported for ${body.length} fed`);
  return body.length / (1024 * 1024) / seconds;
}

export function benchCodecs(sizeMiB: number, runs = 5): CodecResult {
  const body = makeBody(sizeMiB * 1024 * 1024);
  smtpRun(makeBody(1 << 20), false); // warm-up
  imapRun(makeBody(1 << 20));
  const s: number[] = [];
  const i: number[] = [];
  const r: number[] = [];
  for (let k = 0; k < runs; k++) {
    s.push(smtpRun(body, false));
    i.push(imapRun(body));
    r.push(smtpRun(body, true));
  }
  return { smtpDataMiBs: median(s), imapLiteralMiBs: median(i), smtpWithRecordEncodingMiBs: median(r), sizeMiB: body.length / (1024 * 1024) };
}
