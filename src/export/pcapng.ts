// `mailtap export --pcapng OUT`: a capture synthesised from recordings, no sniffing needed. Each
// session becomes one TCP stream between the recorded client address/port and the upstream's,
// opened with a three-way handshake at the session start, carrying the decrypted units in order
// at their recorded times (segments of at most SEGMENT bytes, sequence and acknowledgement numbers
// consistent), and closed with FINs. Every packet's `opt_comment` holds mailtap's note; TLS
// handshakes, AUTH, injections and other mailtap events are prepended to the comment of the next
// packet (an empty ACK of their own would read as a duplicate ACK in Wireshark's expert info).
// Streamed: one event at a time, backpressure honoured, so memory stays flat.

import { createWriteStream } from 'node:fs';
import type { Writable } from 'node:stream';
import { isIPv4, isIPv6 } from 'node:net';
import { MAILTAP_VERSION } from '../core/version.js';
import { unitBytes } from '../record/reader.js';
import { isUnitRecord, type RecordEvent, type RecordHeader } from '../record/schema.js';
import { openEvents } from './events.js';
import { FLAGS, enhancedPacket, interfaceDescription, sectionHeader, tcpHeaders, type Endpoint } from './pcapng-blocks.js';

/** Payload bytes per TCP segment: an MSS-like size Wireshark reassembles without complaint. */
const SEGMENT = 16 * 1024;

export interface PcapngStats {
  sessions: number;
  packets: number;
  bytes: number;
}

export interface PcapngOptions {
  lang?: 'en' | 'es';
}

export async function exportPcapng(recordings: string[], out: string, options: PcapngOptions = {}): Promise<PcapngStats> {
  const stream = createWriteStream(out, { mode: 0o600 });
  async function* sources(): AsyncGenerator<PcapngSource> {
    // Pieces of a line stay pieces: each packet at the time its bytes went out.
    for (const path of recordings) yield await openEvents(path, { partials: 'keep' });
  }
  try {
    return await writePcapng(stream, sources(), `from ${recordings.length} recording(s)`, options);
  } finally {
    await new Promise<void>((resolve, reject) => stream.end((err?: Error | null) => (err ? reject(err) : resolve())));
  }
}

/** One session to write: a recording being read, or events already in memory (the web view). */
export interface PcapngSource {
  header: RecordHeader;
  events: AsyncIterable<RecordEvent> | Iterable<RecordEvent>;
}

/** Writes the capture of `sources` to `out` (a file, an HTTP response), leaving `out` open. */
export async function writePcapng(out: Writable, sources: AsyncIterable<PcapngSource> | Iterable<PcapngSource>, from: string, options: PcapngOptions = {}): Promise<PcapngStats> {
  const writer = new BlockWriter(out);
  const stats: PcapngStats = { sessions: 0, packets: 0, bytes: 0 };
  await writer.write(sectionHeader(`mailtap ${MAILTAP_VERSION}`, `written by mailtap ${MAILTAP_VERSION} ${from}: decrypted payload, no capture`));
  await writer.write(interfaceDescription('mailtap'));
  for await (const { header, events } of sources) {
    const session = new SessionStream(header, writer, options.lang ?? 'en', stats);
    await session.open();
    for await (const ev of events) await session.event(ev);
    await session.close();
    stats.sessions++;
  }
  return stats;
}

class BlockWriter {
  constructor(private readonly stream: Writable) {}

  async write(block: Buffer): Promise<void> {
    if (this.stream.destroyed) throw new Error('the pcapng output was closed');
    if (!this.stream.write(block)) {
      // A reader that goes away (a browser cancelling the download) ends the wait too.
      await new Promise<void>((resolve, reject) => {
        const done = (err?: Error) => {
          this.stream.off('drain', onDrain).off('error', done).off('close', onClose);
          if (err) reject(err);
          else resolve();
        };
        const onDrain = () => done();
        const onClose = () => done(new Error('the pcapng output was closed'));
        this.stream.once('drain', onDrain).once('error', done).once('close', onClose);
      });
    }
  }
}

class SessionStream {
  private readonly client: Endpoint;
  private readonly server: Endpoint;
  private readonly startMicros: bigint;
  private clientSeq = 1_000;
  private serverSeq = 5_000_000;
  private closed = false;
  private closeReason = '';
  private lastT = 0;
  /** mailtap events waiting for the next packet to carry them. */
  private pending: string[] = [];
  private readonly note: (ev: { note?: string; note_es?: string }) => string | undefined;

  constructor(
    private readonly header: RecordHeader,
    private readonly writer: BlockWriter,
    lang: 'en' | 'es',
    private readonly stats: PcapngStats,
  ) {
    const upstream = parseHostPort(header.upstream);
    const v6 = isIPv6(header.client.address) || isIPv6(upstream.host);
    this.client = { ip: ipBytes(header.client.address, v6, 1), port: header.client.port };
    this.server = { ip: ipBytes(upstream.host, v6, 2), port: upstream.port };
    this.startMicros = BigInt(Date.parse(header.start)) * 1000n;
    this.note = (ev) => (lang === 'es' ? (ev.note_es ?? ev.note) : (ev.note ?? ev.note_es)) || undefined;
  }

  async open(): Promise<void> {
    const h = this.header;
    const what = `mailtap ${h.protocol.toUpperCase()} session ${h.session}: client ${h.client.address}:${h.client.port} -> ${h.listen} -> ${h.upstream} (TLS: client ${h.clientTls}, upstream ${h.upstreamTls}); payload shown decrypted`;
    // The three-way handshake (RFC 9293 §3.5); each SYN takes one sequence number.
    await this.packet(0, 'c2s', FLAGS.SYN, Buffer.alloc(0), what);
    this.advance('c2s', 1);
    await this.packet(0, 's2c', FLAGS.SYN | FLAGS.ACK, Buffer.alloc(0));
    this.advance('s2c', 1);
    await this.packet(0, 'c2s', FLAGS.ACK, Buffer.alloc(0));
  }

  async event(ev: RecordEvent): Promise<void> {
    this.lastT = Math.max(this.lastT, ev.t);
    if (isUnitRecord(ev)) {
      const bytes = unitBytes(ev);
      let comment = this.note(ev);
      for (let off = 0; off < bytes.length; off += SEGMENT) {
        await this.packet(ev.t, ev.dir, FLAGS.ACK | FLAGS.PSH, bytes.subarray(off, off + SEGMENT), comment);
        comment = undefined;
      }
      return;
    }
    if (ev.type === 'close') {
      this.closeReason = ev.reason;
      await this.fin(ev.t, /server|upstream/i.test(ev.reason) ? 's2c' : 'c2s');
      return;
    }
    this.pending.push(describeEvent(ev, this.note(ev as { note?: string; note_es?: string })));
  }

  async close(): Promise<void> {
    if (!this.closed) await this.fin(this.lastT, 'c2s', 'the recording ends without a close event (the session was cut short)');
  }

  private async fin(t: number, first: 'c2s' | 's2c', comment?: string): Promise<void> {
    this.closed = true;
    const second = first === 'c2s' ? 's2c' : 'c2s';
    await this.packet(t, first, FLAGS.FIN | FLAGS.ACK, Buffer.alloc(0), comment ?? `close: ${this.closeReason}`);
    this.advance(first, 1);
    await this.packet(t, second, FLAGS.FIN | FLAGS.ACK, Buffer.alloc(0));
    this.advance(second, 1);
    await this.packet(t, first, FLAGS.ACK, Buffer.alloc(0));
  }

  private advance(dir: 'c2s' | 's2c', n: number): void {
    if (dir === 'c2s') this.clientSeq = (this.clientSeq + n) >>> 0;
    else this.serverSeq = (this.serverSeq + n) >>> 0;
  }

  private async packet(t: number, dir: 'c2s' | 's2c', flags: number, payload: Buffer, comment?: string): Promise<void> {
    const c2s = dir === 'c2s';
    const [src, dst] = c2s ? [this.client, this.server] : [this.server, this.client];
    const seq = c2s ? this.clientSeq : this.serverSeq;
    // A segment without ACK (the first SYN) acknowledges nothing.
    const ack = flags & FLAGS.ACK ? (c2s ? this.serverSeq : this.clientSeq) : 0;
    const headers = tcpHeaders(src, dst, seq, ack, flags, payload);
    const micros = this.startMicros + BigInt(Math.round(t * 1000));
    if (this.pending.length > 0) {
      comment = [...this.pending, ...(comment ? [comment] : [])].join('\n');
      this.pending = [];
    }
    await this.writer.write(enhancedPacket(micros, [headers, payload], comment));
    this.advance(dir, payload.length);
    this.stats.packets++;
    this.stats.bytes += payload.length;
  }
}

function describeEvent(ev: RecordEvent, note: string | undefined): string {
  const e = ev as unknown as Record<string, unknown>;
  const fields: string[] = [`mailtap ${ev.type}`];
  switch (ev.type) {
    case 'tls':
      fields.push(`${String(e.leg)} leg`, ...['version', 'cipher', 'sni', 'peerSubject', 'fingerprint256', 'reason'].filter((k) => e[k] !== undefined).map((k) => `${k}=${String(e[k])}`));
      if (e.verified !== undefined) fields.push(e.verified ? 'verified' : 'NOT verified');
      break;
    case 'auth':
      fields.push(...['mechanism', 'username', 'result'].filter((k) => e[k] !== undefined).map((k) => `${k}=${String(e[k])}`));
      break;
    case 'injection':
      fields.push(`${String(e.length)} bytes from the ${String(e.from)} dropped at the STARTTLS boundary: ${Buffer.from(String(e.dropped), 'base64').toString('latin1').slice(0, 200)}`);
      break;
    default:
      for (const k of ['state', 'message', 'code', 'side', 'command']) if (e[k] !== undefined) fields.push(`${k}=${String(e[k])}`);
  }
  return note ? `${fields.join(' ')} — ${note}` : fields.join(' ');
}

function parseHostPort(url: string): { host: string; port: number } {
  const u = new URL(url);
  const host = u.hostname.replace(/^\[|\]$/g, '');
  const defaults: Record<string, number> = { 'smtp:': 25, 'submission:': 587, 'smtps:': 465, 'pop3:': 110, 'pop3s:': 995, 'imap:': 143, 'imaps:': 993 };
  return { host, port: u.port ? Number(u.port) : (defaults[u.protocol] ?? 0) };
}

/** The address as bytes; a host name (not recorded as an address) becomes a documentation address (RFC 5737 / RFC 3849). */
function ipBytes(host: string, v6: boolean, n: number): Buffer {
  if (isIPv4(host)) {
    const b = Buffer.from(host.split('.').map(Number));
    return v6 ? Buffer.concat([Buffer.alloc(10), Buffer.from([0xff, 0xff]), b]) : b;
  }
  if (isIPv6(host)) return ipv6Bytes(host);
  return v6 ? ipv6Bytes(`2001:db8::${n}`) : Buffer.from([192, 0, 2, n]);
}

function ipv6Bytes(host: string): Buffer {
  const [head, tail] = host.includes('::') ? host.split('::') : [host, undefined];
  const h = head ? head.split(':') : [];
  const t = tail !== undefined && tail !== '' ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
  const out = Buffer.alloc(16);
  groups.forEach((g, i) => out.writeUInt16BE(parseInt(g || '0', 16), i * 2));
  return out;
}
