// Names a leaf certificate can carry: DNS names (A-labels, optional leading wildcard) and IP
// literals (v4 and v6, canonical text). Normalising here is what makes the leaf cache key
// order- and spelling-insensitive: `[::1]`, `0:0::1` and `::1` are one name.

import { isIP } from 'node:net';
import { domainToASCII } from 'node:url';

export type NameKind = 'dns' | 'ip';

export interface LeafName {
  kind: NameKind;
  /** Canonical text: lower-case A-label DNS name, or canonical IP literal. */
  value: string;
}

/** The names a local client may use to reach a mailtap listener. */
export function defaultLocalNames(): string[] {
  return ['localhost', '127.0.0.1', '::1'];
}

// RFC 1035 §2.3.4 (63-octet labels, 253-octet names); underscores are tolerated because real
// SNI values carry them. A wildcard is only allowed as the whole leftmost label (RFC 6125 §6.4.3).
const DNS_NAME = /^(\*\.)?([a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?)(\.[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?)*$/;

const URL_SYNTAX = /[\s/\\?#@:%[\]<>^|]/;

/** Canonical form of one name, or undefined when it is neither a DNS name nor an IP literal. */
export function normalizeName(raw: string): LeafName | undefined {
  let text = raw.trim();
  if (text.startsWith('[') && text.endsWith(']')) text = text.slice(1, -1);
  const zone = text.indexOf('%');
  if (zone > 0 && text.includes(':')) text = text.slice(0, zone); // a zone id is local to the host
  const family = isIP(text);
  if (family === 4) return { kind: 'ip', value: text };
  if (family === 6) return { kind: 'ip', value: canonicalIPv6(text) };
  if (text.endsWith('.')) text = text.slice(0, -1);
  // domainToASCII parses a URL host: it would turn `a/b` into `a` and decode `%41`. Refuse first.
  if (URL_SYNTAX.test(text)) return undefined;
  const wildcard = text.startsWith('*.');
  const ascii = domainToASCII(wildcard ? text.slice(2) : text);
  if (!ascii) return undefined;
  const value = (wildcard ? '*.' : '') + ascii.toLowerCase();
  if (value.length > 253 || !DNS_NAME.test(value)) return undefined;
  return { kind: 'dns', value };
}

/**
 * Normalises, drops what cannot be named in a certificate, and removes duplicates while keeping
 * the caller's order (the first name becomes the leaf's CN).
 */
export function normalizeNames(raw: readonly string[]): LeafName[] {
  const seen = new Set<string>();
  const names: LeafName[] = [];
  for (const candidate of raw) {
    const name = normalizeName(candidate);
    if (!name || seen.has(name.value)) continue;
    seen.add(name.value);
    names.push(name);
  }
  return names;
}

/** Order-insensitive identity of a name set. */
export function cacheKey(names: readonly LeafName[]): string {
  return names.map((name) => name.value).sort().join(',');
}

function canonicalIPv6(text: string): string {
  // The WHATWG URL parser prints IPv6 in RFC 5952 canonical form.
  return new URL(`http://[${text}]/`).hostname.slice(1, -1);
}

/** Network-order bytes of an IP literal (4 or 16 octets), as SAN iPAddress wants (RFC 5280 §4.2.1.6). */
export function ipToBytes(ip: string): Buffer {
  const family = isIP(ip);
  if (family === 4) return Buffer.from(ip.split('.').map(Number));
  if (family !== 6) throw new TypeError(`not an IP address: ${ip}`);
  let text = ip;
  const tail: number[] = [];
  const lastColon = text.lastIndexOf(':');
  if (text.includes('.', lastColon)) {
    // Embedded IPv4 in the last 32 bits (RFC 4291 §2.2, form 3).
    tail.push(...text.slice(lastColon + 1).split('.').map(Number));
    text = `${text.slice(0, lastColon + 1)}0:0`;
  }
  const [head = '', rest] = text.split('::');
  const groups = (part: string): number[] => (part === '' ? [] : part.split(':').map((g) => parseInt(g, 16)));
  const left = groups(head);
  const right = rest === undefined ? [] : groups(rest);
  const middle = new Array<number>(8 - left.length - right.length).fill(0);
  const words = [...left, ...middle, ...right];
  const out = Buffer.alloc(16);
  words.forEach((word, i) => out.writeUInt16BE(word, i * 2));
  if (tail.length === 4) Buffer.from(tail).copy(out, 12);
  return out;
}

/** Inverse of ipToBytes, canonical text. */
export function bytesToIp(bytes: Buffer): string {
  if (bytes.length === 4) return [...bytes].join('.');
  if (bytes.length !== 16) throw new TypeError(`an IP address has 4 or 16 octets, not ${bytes.length}`);
  const words: string[] = [];
  for (let i = 0; i < 16; i += 2) words.push(bytes.readUInt16BE(i).toString(16));
  return canonicalIPv6(words.join(':'));
}
