// Name normalisation (the leaf cache key) and IP byte conversion, by table and by property.

import { isIP } from 'node:net';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bytesToIp, cacheKey, defaultLocalNames, ipToBytes, normalizeName, normalizeNames } from '../../src/ca/names.js';

describe('normalizeName', () => {
  it.each([
    ['mail.example.com', 'dns', 'mail.example.com'],
    ['  Mail.EXAMPLE.com.  ', 'dns', 'mail.example.com'],
    ['*.example.com', 'dns', '*.example.com'],
    ['_dmarc.example.com', 'dns', '_dmarc.example.com'],
    ['localhost', 'dns', 'localhost'],
    ['ñandú.es', 'dns', 'xn--and-6ma2c.es'],
    ['127.0.0.1', 'ip', '127.0.0.1'],
    ['::1', 'ip', '::1'],
    ['[::1]', 'ip', '::1'],
    ['0:0:0:0:0:0:0:1', 'ip', '::1'],
    ['2001:DB8:0:0:0:0:0:25', 'ip', '2001:db8::25'],
    ['fe80::1%eth0', 'ip', 'fe80::1'],
    ['::ffff:192.0.2.1', 'ip', '::ffff:c000:201'],
  ])('%j is %s %j', (raw, kind, value) => {
    expect(normalizeName(raw)).toEqual({ kind, value });
  });

  it.each(['', ' ', 'has space.example', 'a..b', '-lead.example', 'trail-.example', 'mail.*.example.com', '*', 'x'.repeat(64) + '.com', 'a/b', 'a%41.example', 'a?b', 'a#b', 'a\\b', 'user@example.com', 'host:25'])(
    'rejects %j',
    (raw) => {
      expect(normalizeName(raw)).toBeUndefined();
    },
  );

  it('accepts 63-octet labels and 253-octet names, not more', () => {
    const label = 'a'.repeat(63);
    expect(normalizeName(`${label}.com`)?.value).toBe(`${label}.com`);
    const longest = [label, label, label, 'a'.repeat(61)].join('.');
    expect(longest.length).toBe(253);
    expect(normalizeName(longest)?.value).toBe(longest);
    expect(normalizeName(`a${longest}`)).toBeUndefined();
  });
});

describe('normalizeNames and cacheKey', () => {
  it('deduplicates spellings, keeps first-seen order and drops unusable names', () => {
    const names = normalizeNames(['B.example', '::1', 'b.example.', '[0::1]', 'bad name', 'a.example']);
    expect(names.map((n) => n.value)).toEqual(['b.example', '::1', 'a.example']);
  });

  it('gives every permutation and respelling of a set the same key', () => {
    const spellings = fc.constantFrom(['mail.example.com', 'MAIL.example.com.'], ['127.0.0.1'], ['::1', '[::1]', '0:0::1'], ['localhost', 'LocalHost']);
    fc.assert(
      fc.property(fc.array(spellings, { minLength: 1 }), fc.array(fc.nat()), (groups, picks) => {
        const a = groups.map((g, i) => g[(picks[i] ?? 0) % g.length]!);
        const b = [...groups].reverse().map((g, i) => g[(picks[i + 1] ?? 1) % g.length]!);
        expect(cacheKey(normalizeNames(a))).toBe(cacheKey(normalizeNames(b)));
      }),
    );
  });

  it('defaultLocalNames are the loopback names', () => {
    expect(defaultLocalNames()).toEqual(['localhost', '127.0.0.1', '::1']);
    expect(normalizeNames(defaultLocalNames()).map((n) => n.kind)).toEqual(['dns', 'ip', 'ip']);
  });
});

describe('ipToBytes / bytesToIp', () => {
  it.each([
    ['127.0.0.1', '7f000001'],
    ['::1', '00000000000000000000000000000001'],
    ['::', '00000000000000000000000000000000'],
    ['2001:db8::25', '20010db8000000000000000000000025'],
    ['fe80::', 'fe800000000000000000000000000000'],
    ['::ffff:192.0.2.1', '00000000000000000000ffffc0000201'],
    ['1:2:3:4:5:6:7:8', '00010002000300040005000600070008'],
  ])('%s ↔ %s', (ip, hex) => {
    expect(ipToBytes(ip).toString('hex')).toBe(hex);
    expect(ipToBytes(bytesToIp(Buffer.from(hex, 'hex'))).toString('hex')).toBe(hex);
  });

  it('round-trips every IPv4 and IPv6 address', () => {
    fc.assert(
      fc.property(fc.oneof(fc.ipV4(), fc.ipV6()), (ip) => {
        const bytes = ipToBytes(ip);
        expect(bytes.length).toBe(isIP(ip) === 4 ? 4 : 16);
        expect(ipToBytes(bytesToIp(bytes)).equals(bytes)).toBe(true);
        expect(normalizeName(ip)?.value).toBe(bytesToIp(bytes));
      }),
    );
  });

  it('refuses what is not an address', () => {
    expect(() => ipToBytes('example.com')).toThrow(TypeError);
    expect(() => bytesToIp(Buffer.alloc(5))).toThrow(TypeError);
  });
});
