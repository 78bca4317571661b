// The DER helpers and the nameConstraints extension they encode, against hand-checked bytes.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DerError, encodeLength, readChildren, readTlv, sequence, tlv } from '../../src/ca/der.js';
import { decodeNameConstraints, encodeNameConstraints, normalizeSubtree } from '../../src/ca/name-constraints.js';

describe('DER lengths and elements', () => {
  it.each([
    [0, '00'],
    [127, '7f'],
    [128, '8180'],
    [255, '81ff'],
    [256, '820100'],
    [65_535, '82ffff'],
    [65_536, '83010000'],
  ])('length %i encodes as %s', (length, hex) => {
    expect(encodeLength(length).toString('hex')).toBe(hex);
  });

  it('reads back any element it writes, nested', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 70_000 }), fc.integer({ min: 0, max: 0x1e }), (bytes, tag) => {
        const inner = tlv(tag, Buffer.from(bytes));
        const outer = sequence(inner, inner);
        const read = readTlv(outer);
        expect(read.end).toBe(outer.length);
        const children = readChildren(read.content);
        expect(children).toHaveLength(2);
        expect(children[0]!.tag).toBe(tag);
        expect(children[0]!.content.equals(Buffer.from(bytes))).toBe(true);
      }),
      { numRuns: 50 },
    );
  });

  it.each([
    ['empty', ''],
    ['tag only', '30'],
    ['content shorter than length', '300301'],
    ['indefinite length', '3080'],
    ['length octets missing', '3082ff'],
    ['multi-byte tag', '1f8100'],
  ])('refuses %s', (_why, hex) => {
    expect(() => readTlv(Buffer.from(hex, 'hex'))).toThrow(DerError);
  });

  it('never throws anything but DerError on arbitrary input', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        try {
          readChildren(Buffer.from(bytes));
        } catch (err) {
          expect(err).toBeInstanceOf(DerError);
        }
      }),
    );
  });
});

describe('nameConstraints (RFC 5280 §4.2.1.10)', () => {
  it('encodes DNS and IP subtrees as permittedSubtrees [0] of GeneralSubtree', () => {
    expect(encodeNameConstraints(['example.com', '127.0.0.0/8']).toString('hex')).toBe(
      '301d' + 'a01b' + '300d' + '820b' + Buffer.from('example.com').toString('hex') + '300a' + '8708' + '7f000000' + 'ff000000',
    );
  });

  it.each([
    [['example.com', 'localhost', '127.0.0.0/8', '::1/128']],
    [['.example.com', '10.1.0.0/16', '2001:db8::/32', '0.0.0.0/0', '::/0']],
  ])('reads back what it writes: %j', (subtrees) => {
    expect(decodeNameConstraints(encodeNameConstraints(subtrees))).toEqual(subtrees);
  });

  it('shows a non-contiguous mask and an unknown GeneralName kind instead of failing', () => {
    const odd = sequence(tlv(0xa0, Buffer.concat([sequence(tlv(0x87, Buffer.from('0a000000ff00ff00', 'hex'))), sequence(tlv(0x81, Buffer.from('a@b')))])));
    expect(decodeNameConstraints(odd)).toEqual(['10.0.0.0/255.0.255.0', '[GeneralName tag 0x81]']);
  });

  it('skips excludedSubtrees and rejects malformed DER', () => {
    const excluded = sequence(tlv(0xa1, sequence(tlv(0x82, Buffer.from('evil.test')))));
    expect(decodeNameConstraints(excluded)).toEqual([]);
    expect(() => decodeNameConstraints(Buffer.from('3005a003', 'hex'))).toThrow(DerError);
  });

  it.each([
    ['Example.COM', 'example.com'],
    ['.example.com', '.example.com'],
    ['10.1.2.3/16', '10.1.0.0/16'],
    ['192.0.2.7', '192.0.2.7/32'],
    ['2001:DB8::1/32', '2001:db8::/32'],
    ['::1', '::1/128'],
  ])('normalizes --permit %j to %j', (entry, subtree) => {
    expect(normalizeSubtree(entry)).toBe(subtree);
  });

  it.each(['', 'bad name', '*.example.com', '10.0.0.0/', '10.0.0.0/33', '::/129', 'example.com/8', '1.2.3/8'])('rejects --permit %j', (entry) => {
    expect(() => normalizeSubtree(entry)).toThrow(/--permit/);
  });
});
