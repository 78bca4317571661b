// pcapng blocks (draft-ietf-opsawg-pcapng) and the IP/TCP headers mailtap synthesises: a Section
// Header Block naming mailtap, one Interface Description Block for raw IP (LINKTYPE_RAW, 101),
// and Enhanced Packet Blocks with an `opt_comment`. Little-endian, as the byte-order magic says.

const SHB = 0x0a0d0d0a;
const IDB = 0x00000001;
const EPB = 0x00000006;
const OPT_END = 0;
const OPT_COMMENT = 1;
const SHB_USERAPPL = 4;
const IF_NAME = 2;
const IF_TSRESOL = 9;
export const LINKTYPE_RAW = 101;

function pad4(n: number): number {
  return (4 - (n % 4)) % 4;
}

function options(list: Array<[number, Buffer]>): Buffer {
  if (list.length === 0) return Buffer.alloc(0);
  const parts: Buffer[] = [];
  for (const [code, value] of list) {
    const head = Buffer.alloc(4);
    head.writeUInt16LE(code, 0);
    head.writeUInt16LE(value.length, 2);
    parts.push(head, value, Buffer.alloc(pad4(value.length)));
  }
  parts.push(Buffer.alloc(4)); // opt_endofopt
  void OPT_END;
  return Buffer.concat(parts);
}

function block(type: number, body: Buffer[]): Buffer {
  const bodyLength = body.reduce((n, b) => n + b.length, 0);
  const total = 12 + bodyLength;
  const head = Buffer.alloc(8);
  head.writeUInt32LE(type, 0);
  head.writeUInt32LE(total, 4);
  const tail = Buffer.alloc(4);
  tail.writeUInt32LE(total, 0);
  return Buffer.concat([head, ...body, tail], total);
}

export function sectionHeader(application: string, comment: string): Buffer {
  const fixed = Buffer.alloc(16);
  fixed.writeUInt32LE(0x1a2b3c4d, 0);
  fixed.writeUInt16LE(1, 4);
  fixed.writeUInt16LE(0, 6);
  fixed.writeBigInt64LE(-1n, 8); // section length not known (streamed)
  return block(SHB, [fixed, options([[OPT_COMMENT, Buffer.from(comment, 'utf8')], [SHB_USERAPPL, Buffer.from(application, 'utf8')]])]);
}

export function interfaceDescription(name: string): Buffer {
  const fixed = Buffer.alloc(8);
  fixed.writeUInt16LE(LINKTYPE_RAW, 0);
  fixed.writeUInt32LE(0, 4); // no snap length limit
  return block(IDB, [fixed, options([[IF_NAME, Buffer.from(name, 'utf8')], [IF_TSRESOL, Buffer.from([6])]])]);
}

/** An Enhanced Packet Block on interface 0; `micros` since the epoch. */
export function enhancedPacket(micros: bigint, packet: Buffer[], comment?: string): Buffer {
  const length = packet.reduce((n, b) => n + b.length, 0);
  const fixed = Buffer.alloc(20);
  fixed.writeUInt32LE(0, 0);
  fixed.writeUInt32LE(Number(micros >> 32n), 4);
  fixed.writeUInt32LE(Number(micros & 0xffffffffn), 8);
  fixed.writeUInt32LE(length, 12);
  fixed.writeUInt32LE(length, 16);
  const opts = comment ? options([[OPT_COMMENT, Buffer.from(comment.length > 60000 ? comment.slice(0, 60000) : comment, 'utf8')]]) : Buffer.alloc(0);
  return block(EPB, [fixed, ...packet, Buffer.alloc(pad4(length)), opts]);
}

export interface Endpoint {
  /** 4 bytes (IPv4) or 16 bytes (IPv6). */
  ip: Buffer;
  port: number;
}

export const FLAGS = { FIN: 0x01, SYN: 0x02, PSH: 0x08, ACK: 0x10 } as const;

/** IP + TCP headers for one segment (checksums filled in), to put before `payload`. */
export function tcpHeaders(src: Endpoint, dst: Endpoint, seq: number, ack: number, flags: number, payload: Buffer): Buffer {
  const tcp = Buffer.alloc(20);
  tcp.writeUInt16BE(src.port, 0);
  tcp.writeUInt16BE(dst.port, 2);
  tcp.writeUInt32BE(seq >>> 0, 4);
  tcp.writeUInt32BE(ack >>> 0, 8);
  tcp[12] = 5 << 4;
  tcp[13] = flags;
  tcp.writeUInt16BE(65535, 14);
  const v6 = src.ip.length === 16;
  // RFC 793 §3.1 / RFC 8200 §8.1: the checksum covers a pseudo-header, the TCP header and the data.
  const pseudo = Buffer.alloc(v6 ? 40 : 12);
  if (v6) {
    src.ip.copy(pseudo, 0);
    dst.ip.copy(pseudo, 16);
    pseudo.writeUInt32BE(20 + payload.length, 32);
    pseudo[39] = 6;
  } else {
    src.ip.copy(pseudo, 0);
    dst.ip.copy(pseudo, 4);
    pseudo[9] = 6;
    pseudo.writeUInt16BE(20 + payload.length, 10);
  }
  tcp.writeUInt16BE(checksum([pseudo, tcp, payload]), 16);
  let ip: Buffer;
  if (v6) {
    ip = Buffer.alloc(40);
    ip[0] = 0x60;
    ip.writeUInt16BE(20 + payload.length, 4);
    ip[6] = 6;
    ip[7] = 64;
    src.ip.copy(ip, 8);
    dst.ip.copy(ip, 24);
  } else {
    ip = Buffer.alloc(20);
    ip[0] = 0x45;
    ip.writeUInt16BE(40 + payload.length, 2);
    ip[6] = 0x40; // don't fragment
    ip[8] = 64;
    ip[9] = 6;
    src.ip.copy(ip, 12);
    dst.ip.copy(ip, 16);
    ip.writeUInt16BE(checksum([ip]), 10);
  }
  return Buffer.concat([ip, tcp]);
}

/** The Internet checksum (RFC 1071) over several buffers taken as one byte sequence. */
function checksum(parts: Buffer[]): number {
  let sum = 0;
  let odd = -1;
  for (const p of parts) {
    let i = 0;
    if (odd >= 0 && p.length > 0) {
      sum += (odd << 8) | p[0]!;
      odd = -1;
      i = 1;
    }
    const end = p.length - ((p.length - i) % 2);
    for (; i < end; i += 2) sum += (p[i]! << 8) | p[i + 1]!;
    if (i < p.length) odd = p[i]!;
    sum = (sum & 0xffff) + (sum >>> 16);
  }
  if (odd >= 0) sum += odd << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}
