// Just enough DER (ITU-T X.690 §10) to wrap a signed certificate and to write and read the
// nameConstraints extension, which node-forge cannot do. Encoders always emit definite, minimal
// lengths; the reader accepts only definite lengths and never reads past its buffer.

/** AlgorithmIdentifier for sha256WithRSAEncryption with NULL parameters (RFC 4055 §5). */
export const SHA256_WITH_RSA = Buffer.from('300d06092a864886f70d01010b0500', 'hex');

export const TAG = {
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  SEQUENCE: 0x30,
} as const;

export function encodeLength(length: number): Buffer {
  if (length < 0x80) return Buffer.from([length]);
  const bytes: number[] = [];
  for (let n = length; n > 0; n = Math.floor(n / 256)) bytes.unshift(n & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

export function tlv(tag: number, content: Buffer): Buffer {
  return Buffer.concat([Buffer.from([tag]), encodeLength(content.length), content]);
}

export function sequence(...parts: Buffer[]): Buffer {
  return tlv(TAG.SEQUENCE, Buffer.concat(parts));
}

/**
 * Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm, signatureValue BIT STRING }
 * (RFC 5280 §4.1). The TBS must already name sha256WithRSAEncryption in its own `signature`
 * field (§4.1.1.2 requires both to match).
 */
export function assembleCertificate(tbsDer: Buffer, signature: Buffer): Buffer {
  // BIT STRING content starts with the count of unused bits in the last octet: none.
  const bitString = tlv(TAG.BIT_STRING, Buffer.concat([Buffer.from([0]), signature]));
  return sequence(tbsDer, SHA256_WITH_RSA, bitString);
}

export interface Tlv {
  tag: number;
  /** Content octets (a view into the input, not a copy). */
  content: Buffer;
  /** Offset just past this element in the input. */
  end: number;
}

export class DerError extends Error {}

/** Reads one element at `offset`. Throws DerError on truncation or indefinite/oversized lengths. */
export function readTlv(input: Buffer, offset = 0): Tlv {
  if (offset + 2 > input.length) throw new DerError('truncated DER element');
  const tag = input[offset]!;
  if ((tag & 0x1f) === 0x1f) throw new DerError('multi-byte DER tags are not supported');
  let length = input[offset + 1]!;
  let cursor = offset + 2;
  if (length & 0x80) {
    const count = length & 0x7f;
    if (count === 0 || count > 4) throw new DerError('unsupported DER length');
    if (cursor + count > input.length) throw new DerError('truncated DER length');
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + input[cursor + i]!;
    cursor += count;
  }
  const end = cursor + length;
  if (end > input.length) throw new DerError('DER element runs past its container');
  return { tag, content: input.subarray(cursor, end), end };
}

/** All elements directly inside a constructed element's content. */
export function readChildren(content: Buffer): Tlv[] {
  const children: Tlv[] = [];
  for (let offset = 0; offset < content.length; ) {
    const child = readTlv(content, offset);
    children.push(child);
    offset = child.end;
  }
  return children;
}
