import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { decodeBase64, describeBase64, displayBytes, encodeLogin, encodePlain } from '../../src/sasl/index.js';
import { MailtapError } from '../../src/core/errors.js';

describe('decodeBase64', () => {
  it.each([
    ['YWxpY2U=', 'alice'],
    ['YWxpY2U', 'alice'], // missing padding
    ['YWxp\r\n Y2U=', 'alice'], // whitespace
    ['', ''],
    ['=', ''],
    ['VXNlcm5hbWU6', 'Username:'],
  ])('%j -> %j', (input, out) => {
    expect(decodeBase64(input)?.toString('utf8')).toBe(out);
  });
  it.each(['not base64!', 'YWxpY', 'YW=xp', 'YWxpY2U===', 'YW=', '*'])('rejects %j', (input) => {
    expect(decodeBase64(input)).toBeNull();
  });
  it('round-trips any bytes, with or without padding', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), (u) => {
        const b = Buffer.from(u);
        const s = b.toString('base64');
        expect(decodeBase64(s)?.equals(b)).toBe(true);
        expect(decodeBase64(s.replace(/=+$/, ''))?.equals(b)).toBe(true);
      }),
    );
  });
  it('never throws', () => {
    fc.assert(fc.property(fc.string(), (s) => void decodeBase64(s)));
  });
});

describe('displayBytes', () => {
  it('escapes what would be invisible', () => {
    expect(displayBytes(Buffer.from('a\0b\x01c\r\n\\ñ'))).toBe('a\\0b\\x01c\\r\\n\\\\ñ');
    expect(displayBytes(Buffer.from([0x41, 0xff]))).toBe('A\\xff');
  });
});

describe('describeBase64 / encode helpers', () => {
  it('shows PLAIN fields', () => {
    const d = describeBase64('AHRpbQB0YW5zdGFhZnRhbnN0YWFm');
    expect(d.text).toBe('\\0tim\\0tanstaaftanstaaf');
    expect(d.plain).toEqual({ authzid: '', username: 'tim', password: 'tanstaaftanstaaf' });
  });
  it('plain text has no plain fields', () => {
    const d = describeBase64('VXNlcm5hbWU6');
    expect(d).toEqual({ bytes: Buffer.from('Username:'), text: 'Username:' });
  });
  it('throws E_USAGE for invalid base64', () => {
    expect(() => describeBase64('@@@')).toThrow(MailtapError);
    try {
      describeBase64('@@@');
    } catch (e) {
      expect((e as MailtapError).code).toBe('E_USAGE');
    }
  });
  it('encodes LOGIN and PLAIN', () => {
    expect(encodeLogin('usuario', 'contraseña')).toEqual({ user: 'dXN1YXJpbw==', password: 'Y29udHJhc2XDsWE=' });
    expect(encodePlain('tim', 'tanstaaftanstaaf')).toBe('AHRpbQB0YW5zdGFhZnRhbnN0YWFm');
    expect(encodePlain('test', '1234', 'test')).toBe('dGVzdAB0ZXN0ADEyMzQ=');
  });
  it('encodePlain round-trips through describeBase64', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), fc.string({ unit: 'grapheme' }), fc.string({ unit: 'grapheme' }), (u, p, z) => {
        fc.pre(!u.includes('\0') && !p.includes('\0') && !z.includes('\0'));
        expect(describeBase64(encodePlain(u, p, z)).plain).toEqual({ authzid: z, username: u, password: p });
      }),
    );
  });
});
