// `npx tsx bench/record-path.ts [--mib 64] [--chunk 16384] [--runs 7]`: the recording's CPU alone,
// no sockets. A 64 MiB DATA body goes through the SMTP codec in TLS-record-sized chunks (16 KiB,
// what a TLS socket's 'data' events carry), each unit becomes a record event and is written by
// RecordingWriter to a file in a temp dir. Prints CPU ms per MiB (process.cpuUsage: every thread,
// so the fs pool's writes count) for: the codec alone, codec + record events, codec + events +
// writer (`--only writer` for one of them); the lowest of N runs (CPU time, so the lowest is the least disturbed by other jobs).

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { smtp } from '../src/protocol/smtp/index.js';
import { recordEventFromCodec } from '../src/record/from-codec.js';
import { RecordingWriter } from '../src/record/writer.js';
import type { RecordHeader } from '../src/record/schema.js';
import { makeBody } from './smtp-client.js';

function option(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

const mib = option('--mib', 64);
const chunk = option('--chunk', 16 * 1024);
const runs = option('--runs', 7);
const body = Buffer.concat([makeBody(mib * 1024 * 1024), Buffer.from('.\r\n')]);
const dir = await mkdtemp(join(tmpdir(), 'mailtap-record-path-'));

type Stage = 'codec' | 'events' | 'writer';

function primed() {
  const codec = smtp.createCodec({ tls: true });
  for (const [side, text] of [
    ['server', '220 bench.test ESMTP\r\n'],
    ['client', 'EHLO client.bench.test\r\n'],
    ['server', '250-bench.test\r\n250 PIPELINING\r\n'],
    ['client', 'MAIL FROM:<a@bench.test>\r\nRCPT TO:<b@bench.test>\r\nDATA\r\n'],
    ['server', '250 2.1.0 OK\r\n250 2.1.5 OK\r\n354 go on\r\n'],
  ] as const) codec.feed(side, Buffer.from(text));
  return codec;
}

let n = 0;
async function run(stage: Stage): Promise<number> {
  const codec = primed();
  const header: RecordHeader = { format: 'mailtap-recording', version: 1, protocol: 'smtp', session: `s${n++}`, start: new Date().toISOString(), client: { address: '127.0.0.1', port: 1 }, listen: 'smtp://127.0.0.1:1', upstream: 'smtp://127.0.0.1:2', clientTls: 'starttls', upstreamTls: 'starttls', mailtap: 'bench' } as RecordHeader;
  const writer = stage === 'writer' ? await RecordingWriter.open(dir, header) : null;
  const cpu0 = process.cpuUsage();
  let sink = 0;
  for (let off = 0; off < body.length; off += chunk) {
    // A fresh Buffer per chunk, as a TLS socket hands out.
    const piece = Buffer.from(body.subarray(off, off + chunk));
    for (const ev of codec.feed('client', piece)) {
      if (stage === 'codec') continue;
      const rec = recordEventFromCodec(ev, 1.5, { tls: true });
      if (writer) {
        writer.write(rec);
        // Honour backpressure as the session does.
        if (writer.needsDrain) await new Promise((r) => writer.once('drain', r));
      } else sink += rec.t;
    }
    // One tick per read, as on a socket.
    if (writer && (off / chunk) % 4 === 3) await new Promise((r) => setImmediate(r));
  }
  if (writer) await writer.close({ t: 2, dir: 'proxy', type: 'close', reason: 'done', bytes: { c2s: body.length, s2c: 0 } } as never);
  const cpu = process.cpuUsage(cpu0);
  if (writer) await rm(writer.path);
  void sink;
  return (cpu.user + cpu.system) / 1000 / mib;
}

const only = process.argv.indexOf('--only');
for (const stage of (only >= 0 ? [process.argv[only + 1]] : ['codec', 'events', 'writer']) as Stage[]) {
  await run(stage); // warm-up
  const all: number[] = [];
  for (let i = 0; i < runs; i++) all.push(await run(stage));
  all.sort((a, b) => a - b);
  process.stdout.write(`${stage.padEnd(7)} CPU ms/MiB min ${all[0]!.toFixed(2)} median ${all[Math.floor(all.length / 2)]!.toFixed(2)}\n`);
}
await rm(dir, { recursive: true, force: true });
