// The X.509 nameConstraints extension (RFC 5280 §4.2.1.10), permitted subtrees only: written by
// `ca init --permit` and read back for `ca show`. node-forge has no helper for it, so the DER is
// built and parsed here. Subtrees are text: a DNS name (`example.com`) or a CIDR (`127.0.0.0/8`).

import { isIP } from 'node:net';
import { MailtapError } from '../core/errors.js';
import { DerError, readChildren, readTlv, sequence, tlv, TAG } from './der.js';
import { bytesToIp, ipToBytes, normalizeName, type LeafName } from './names.js';

export const NAME_CONSTRAINTS_OID = '2.5.29.30';

/**
 * Added to every constrained CA so the local names mailtap always puts in its leaves
 * (localhost, 127.0.0.1, ::1) keep working: with any permitted DNS subtree present, a DNS name
 * outside all of them is rejected, and the same holds for IP addresses.
 */
export const LOCAL_SUBTREES: readonly string[] = ['localhost', '127.0.0.0/8', '::1/128'];

// GeneralName CHOICE tags, IMPLICIT context-specific (RFC 5280 §4.2.1.6).
const DNS_NAME_TAG = 0x82;
const IP_ADDRESS_TAG = 0x87;
const PERMITTED_SUBTREES_TAG = 0xa0;

/**
 * Canonical text of a `--permit` entry: a DNS domain (optionally with a leading dot, which per
 * RFC 5280 §4.2.1.10 means "subdomains only"), an IP address or an IP/prefix.
 */
export function normalizeSubtree(entry: string): string {
  const text = entry.trim();
  const slash = text.indexOf('/');
  if (slash >= 0 || isIP(text)) {
    const ip = slash >= 0 ? text.slice(0, slash) : text;
    const family = isIP(ip);
    const bits = family === 4 ? 32 : 128;
    const prefix = slash >= 0 ? Number(text.slice(slash + 1)) : bits;
    if (!family || !Number.isInteger(prefix) || prefix < 0 || prefix > bits || text.slice(slash + 1) === '') {
      throw new MailtapError('E_USAGE', `--permit: "${entry}" is neither a domain nor an IP/prefix`, { side: 'user' });
    }
    const address = maskBytes(ipToBytes(ip), prefix);
    return `${bytesToIp(address)}/${prefix}`;
  }
  const leadingDot = text.startsWith('.');
  const name = normalizeName(leadingDot ? text.slice(1) : text);
  if (!name || name.kind !== 'dns' || name.value.startsWith('*')) {
    throw new MailtapError('E_USAGE', `--permit: "${entry}" is not a domain name`, { side: 'user' });
  }
  return (leadingDot ? '.' : '') + name.value;
}

/** extnValue of a nameConstraints extension permitting exactly these subtrees (canonical text). */
export function encodeNameConstraints(subtrees: readonly string[]): Buffer {
  const encoded = subtrees.map((subtree) => {
    const slash = subtree.indexOf('/');
    if (slash < 0) return sequence(tlv(DNS_NAME_TAG, Buffer.from(subtree, 'ascii')));
    const address = ipToBytes(subtree.slice(0, slash));
    const mask = prefixMask(address.length, Number(subtree.slice(slash + 1)));
    // For iPAddress the base is address followed by mask: 8 or 32 octets (RFC 5280 §4.2.1.10).
    return sequence(tlv(IP_ADDRESS_TAG, Buffer.concat([address, mask])));
  });
  // NameConstraints ::= SEQUENCE { permittedSubtrees [0] GeneralSubtrees OPTIONAL, … }; the
  // module uses IMPLICIT tags, so [0] replaces the SEQUENCE OF tag. minimum/maximum stay at
  // their defaults, which §4.2.1.10 requires of conforming CAs.
  return sequence(tlv(PERMITTED_SUBTREES_TAG, Buffer.concat(encoded)));
}

/** Permitted subtrees as text; names of kinds mailtap does not write are shown by their tag. */
export function decodeNameConstraints(extnValue: Buffer): string[] {
  try {
    const outer = readTlv(extnValue);
    if (outer.tag !== TAG.SEQUENCE) throw new DerError('nameConstraints is not a SEQUENCE');
    const permitted: string[] = [];
    for (const part of readChildren(outer.content)) {
      if (part.tag !== PERMITTED_SUBTREES_TAG) continue; // excludedSubtrees: not shown
      for (const subtree of readChildren(part.content)) {
        const base = readTlv(subtree.content);
        permitted.push(describeBase(base.tag, base.content));
      }
    }
    return permitted;
  } catch (err) {
    if (err instanceof DerError) throw new DerError(`malformed nameConstraints: ${err.message}`);
    throw err;
  }
}

function describeBase(tag: number, content: Buffer): string {
  if (tag === DNS_NAME_TAG) return content.toString('ascii');
  if (tag === IP_ADDRESS_TAG && (content.length === 8 || content.length === 32)) {
    const half = content.length / 2;
    const address = bytesToIp(content.subarray(0, half));
    const prefix = maskToPrefix(content.subarray(half));
    return prefix === undefined ? `${address}/${bytesToIp(content.subarray(half))}` : `${address}/${prefix}`;
  }
  return `[GeneralName tag 0x${tag.toString(16)}]`;
}

function prefixMask(length: number, prefix: number): Buffer {
  const mask = Buffer.alloc(length);
  for (let bit = 0; bit < prefix; bit++) mask[bit >> 3]! |= 0x80 >> (bit & 7);
  return mask;
}

function maskBytes(address: Buffer, prefix: number): Buffer {
  const mask = prefixMask(address.length, prefix);
  return Buffer.from(address.map((byte, i) => byte & mask[i]!));
}

/** Prefix length of a contiguous mask, or undefined for a mask with holes. */
function maskToPrefix(mask: Buffer): number | undefined {
  let prefix = 0;
  while (prefix < mask.length * 8 && mask[prefix >> 3]! & (0x80 >> (prefix & 7))) prefix++;
  return prefixMask(mask.length, prefix).equals(mask) ? prefix : undefined;
}

/**
 * Whether a constrained CA may vouch for `name` (RFC 5280 §4.2.1.10): a DNS name inside a DNS
 * subtree (`example.com` covers itself and its subdomains, `.example.com` only subdomains; a
 * wildcard counts as a subdomain), an IP inside an address/prefix. A name kind with no subtree
 * of its own is unconstrained. No subtrees at all: everything is permitted.
 */
export function permits(subtrees: readonly string[], name: LeafName): boolean {
  const ofKind = subtrees.filter((s) => (name.kind === 'ip') === s.includes('/'));
  if (ofKind.length === 0) return true;
  if (name.kind === 'dns') {
    const host = name.value.startsWith('*.') ? name.value.slice(1) : name.value;
    return ofKind.some((subtree) => {
      const base = subtree.toLowerCase();
      if (base.startsWith('.')) return host.endsWith(base) && host.length > base.length;
      return host === base || host.endsWith(`.${base}`);
    });
  }
  const address = ipToBytes(name.value);
  return ofKind.some((subtree) => {
    const slash = subtree.indexOf('/');
    const base = ipToBytes(subtree.slice(0, slash));
    if (base.length !== address.length) return false;
    return maskBytes(address, Number(subtree.slice(slash + 1))).equals(maskBytes(base, Number(subtree.slice(slash + 1))));
  });
}
