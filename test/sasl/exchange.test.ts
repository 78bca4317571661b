import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { SaslExchange } from '../../src/sasl/index.js';

const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64');

describe('PLAIN (RFC 4616 §4, RFC 4954 §4)', () => {
  it.each([
    // RFC 4616 §4 examples
    ['AHRpbQB0YW5zdGFhZnRhbnN0YWFm', { username: 'tim', password: 'tanstaaftanstaaf' }, 'PLAIN: authzid="" user=tim password=tanstaaftanstaaf'],
    [b64('Ursel\0Kurt\0xipj3plmq'), { authzid: 'Ursel', username: 'Kurt', password: 'xipj3plmq' }, 'PLAIN: authzid="Ursel" user=Kurt password=xipj3plmq'],
    // RFC 4954 §4 example: AUTH PLAIN dGVzdAB0ZXN0ADEyMzQ=
    ['dGVzdAB0ZXN0ADEyMzQ=', { authzid: 'test', username: 'test', password: '1234' }, 'PLAIN: authzid="test" user=test password=1234'],
  ])('initial response %s', (ir, creds, en) => {
    const x = new SaslExchange('plain', ir);
    expect(x.mechanism).toBe('PLAIN');
    expect(x.credentials()).toEqual(creds);
    expect(x.initialNote?.en).toBe(en);
    expect(x.initialNote?.es).toContain('contraseña=');
  });

  it('after an empty 334 challenge', () => {
    const x = new SaslExchange('PLAIN');
    expect(x.challenge('').en).toContain('empty challenge');
    expect(x.response(b64('\0alice\0s3cret')).en).toBe('PLAIN: authzid="" user=alice password=s3cret');
    expect(x.credentials()).toEqual({ username: 'alice', password: 's3cret' });
  });

  it('keeps a message without two NULs as undecoded', () => {
    const x = new SaslExchange('PLAIN', b64('alice:s3cret'));
    expect(x.credentials()).toEqual({ undecoded: [b64('alice:s3cret')] });
    expect(x.initialNote?.en).toContain('without the authzid');
  });
});

describe('LOGIN', () => {
  it('follows the lab guide exchange (334 VXNlcm5hbWU6 / 334 UGFzc3dvcmQ6)', () => {
    const x = new SaslExchange('login');
    expect(x.challenge('VXNlcm5hbWU6')).toEqual({
      en: 'Server asks for the user name ("Username:")',
      es: 'El servidor pide el nombre de usuario ("Username:")',
    });
    expect(x.response(b64('usuario@servidor.com')).en).toBe('User name: usuario@servidor.com');
    expect(x.challenge('UGFzc3dvcmQ6').en).toBe('Server asks for the password ("Password:")');
    const r = x.response(b64('contraseña'));
    expect(r).toEqual({ en: 'Password: contraseña', es: 'Contraseña: contraseña' });
    expect(x.credentials()).toEqual({ username: 'usuario@servidor.com', password: 'contraseña' });
  });

  it('accepts the user name as initial response (AUTH LOGIN dXNlcg==)', () => {
    const x = new SaslExchange('LOGIN', 'YWxpY2U=');
    expect(x.initialNote?.en).toBe('User name: alice');
    expect(x.challenge('UGFzc3dvcmQ6').en).toContain('password');
    x.response('czNjcmV0');
    expect(x.credentials()).toEqual({ username: 'alice', password: 's3cret' });
  });

  it('falls back to order when the server words its prompts differently', () => {
    const x = new SaslExchange('LOGIN');
    x.challenge(b64('Who are you?'));
    x.response(b64('bob'));
    x.challenge(b64('Secret?'));
    x.response(b64('hunter2'));
    expect(x.credentials()).toEqual({ username: 'bob', password: 'hunter2' });
  });
});

describe('CRAM-MD5 (RFC 2195 §2 example)', () => {
  it('decodes the challenge and the user + digest', () => {
    const x = new SaslExchange('cram-md5');
    const c = x.challenge('PDE4OTYuNjk3MTcwOTUyQHBvc3RvZmZpY2UucmVzdG9uLm1jaS5uZXQ+');
    expect(c.en).toContain('<1896.697170952@postoffice.reston.mci.net>');
    const r = x.response('dGltIGI5MTNhNjAyYzdlZGE3YTQ5NWI0ZTZlNzMzNGQzODkw');
    expect(r.en).toContain('User name: tim');
    expect(x.credentials()).toEqual({ username: 'tim', proof: 'b913a602c7eda7a495b4e6e7334d3890' });
  });
});

describe('XOAUTH2 (Google XOAUTH2 protocol doc)', () => {
  const ir = 'dXNlcj1zb21ldXNlckBleGFtcGxlLmNvbQFhdXRoPUJlYXJlciB5YTI5LnZGOWRmdDRxbVRjMk52YjNSbGNrQmhkSFJoZG1semRHRXVZMjl0Q2cBAQ==';
  it('decodes the documented initial response', () => {
    expect(Buffer.from(ir, 'base64').toString()).toBe('user=someuser@example.com\x01auth=Bearer ya29.vF9dft4qmTc2Nvb3RlckBhdHRhdmlzdGEuY29tCg\x01\x01');
    const x = new SaslExchange('XOAUTH2', ir);
    expect(x.credentials()).toEqual({ username: 'someuser@example.com', token: 'ya29.vF9dft4qmTc2Nvb3RlckBhdHRhdmlzdGEuY29tCg' });
    expect(x.initialNote?.en).toBe('XOAUTH2: user=someuser@example.com token=ya29.vF9dft4qmTc2Nvb3RlckBhdHRhdmlzdGEuY29tCg');
  });
  it('decodes the base64 JSON error challenge and the empty acknowledgement', () => {
    const x = new SaslExchange('XOAUTH2', ir);
    const err = 'eyJzdGF0dXMiOiI0MDEiLCJzY2hlbWVzIjoiYmVhcmVyIG1hYyIsInNjb3BlIjoiaHR0cHM6Ly9tYWlsLmdvb2dsZS5jb20vIn0K';
    const c = x.challenge(err);
    expect(c.en).toContain('status 401');
    expect(c.en).toContain('"scope":"https://mail.google.com/"');
    expect(x.response('').en).toContain('acknowledges the error');
    expect(x.credentials().undecoded).toBeUndefined();
  });
});

describe('OAUTHBEARER (RFC 7628 §4.1)', () => {
  it('decodes the GS2 header and the bearer token', () => {
    const msg = 'n,a=user@example.com,\x01host=server.example.com\x01port=143\x01auth=Bearer vF9dft4qmTc2Nvb3RlckBhbHRhdmlzdGEuY29tCg==\x01\x01';
    const x = new SaslExchange('OAUTHBEARER', b64(msg));
    expect(x.credentials()).toEqual({ authzid: 'user@example.com', username: 'user@example.com', token: 'vF9dft4qmTc2Nvb3RlckBhbHRhdmlzdGEuY29tCg==' });
  });
  it('decodes the RFC 7628 §4.3 error challenge', () => {
    const x = new SaslExchange('OAUTHBEARER');
    const json = '{"status":"invalid_token","scope":"example_scope","openid-configuration":"https://example.com/.well-known/openid-configuration"}';
    expect(x.challenge(b64(json)).en).toContain('status invalid_token');
    expect(x.response('AQ==').en).toContain('acknowledges');
  });
});

describe('SCRAM (RFC 5802 §5 example)', () => {
  it.each(['SCRAM-SHA-1', 'scram-sha-256', 'SCRAM-SHA-256-PLUS'])('%s', (mech) => {
    const x = new SaslExchange(mech, b64('n,,n=user,r=fyko+d2lbbFgONRv9qkxdawL'));
    expect(x.mechanism).toBe(mech.toUpperCase());
    expect(x.initialNote?.en).toContain('user user');
    expect(x.challenge(b64('r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096')).en).toContain('4096 iterations');
    x.response(b64('c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts='));
    expect(x.challenge(b64('v=rmF9pqV8S7suAoZWja4dJRkFsKQ=')).en).toContain('server signature');
    expect(x.credentials()).toEqual({ username: 'user', proof: 'v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=' });
  });
  it('unescapes =2C and =3D in user names and reads the authzid', () => {
    const x = new SaslExchange('SCRAM-SHA-256', b64('p=tls-unique,a=admin,n=a=2Cb=3Dc,r=abc'));
    expect(x.credentials()).toEqual({ username: 'a,b=c', authzid: 'admin' });
  });
});

describe('EXTERNAL, ANONYMOUS, DIGEST-MD5 and unknown mechanisms', () => {
  it('EXTERNAL with and without authzid', () => {
    expect(new SaslExchange('EXTERNAL', '=').credentials()).toEqual({});
    expect(new SaslExchange('EXTERNAL', b64('fred')).credentials()).toEqual({ authzid: 'fred' });
  });
  it('ANONYMOUS trace (RFC 4505 §3 example)', () => {
    const x = new SaslExchange('ANONYMOUS', b64('sirhc'));
    expect(x.initialNote?.en).toBe('ANONYMOUS: trace "sirhc" (no password)');
    expect(x.credentials()).toEqual({ username: 'sirhc' });
  });
  it('DIGEST-MD5 response (RFC 2831 §4 example)', () => {
    const x = new SaslExchange('DIGEST-MD5');
    x.challenge(b64('realm="elwood.innosoft.com",nonce="OA6MG9tEQGm2hh",qop="auth",algorithm=md5-sess,charset=utf-8'));
    x.response(b64('charset=utf-8,username="chris",realm="elwood.innosoft.com",nonce="OA6MG9tEQGm2hh",nc=00000001,cnonce="OA6MHXh6VqTrRk",digest-uri="imap/elwood.innosoft.com",response=d388dad90d4bbd760a152321f2143af7,qop=auth'));
    expect(x.credentials()).toEqual({ username: 'chris', proof: 'd388dad90d4bbd760a152321f2143af7' });
  });
  it('GSSAPI responses are kept as base64', () => {
    const x = new SaslExchange('GSSAPI', 'YIIB');
    x.challenge('');
    x.response('oYGx');
    expect(x.credentials()).toEqual({ undecoded: ['YIIB', 'oYGx'] });
  });
});

describe('cancel and garbage', () => {
  it('* cancels (RFC 4954 §4)', () => {
    const x = new SaslExchange('LOGIN');
    x.challenge('VXNlcm5hbWU6');
    expect(x.cancelled).toBe(false);
    expect(x.response('*').en).toContain('cancels');
    expect(x.cancelled).toBe(true);
    expect(x.credentials()).toEqual({});
  });
  it('garbage base64 in a response is kept undecoded', () => {
    const x = new SaslExchange('LOGIN');
    expect(x.response('not base64!').en).toContain('not base64');
    expect(x.credentials()).toEqual({ undecoded: ['not base64!'] });
  });
  it('garbage base64 in a challenge is described', () => {
    expect(new SaslExchange('PLAIN').challenge('%%%').en).toContain('not base64');
  });
  it('credentials() is a copy', () => {
    const x = new SaslExchange('LOGIN', 'YWxpY2U=');
    const c = x.credentials();
    c.username = 'mallory';
    expect(x.credentials().username).toBe('alice');
  });
});

describe('properties', () => {
  const mechs = fc.constantFrom('PLAIN', 'LOGIN', 'CRAM-MD5', 'DIGEST-MD5', 'XOAUTH2', 'OAUTHBEARER', 'SCRAM-SHA-1', 'SCRAM-SHA-256-PLUS', 'EXTERNAL', 'ANONYMOUS', 'NTLM', 'x y');
  const wire = fc.oneof(fc.string(), fc.uint8Array({ maxLength: 64 }).map((u) => Buffer.from(u).toString('base64')), fc.constant('*'), fc.constant('='));
  it('no input throws and every note has both languages', () => {
    fc.assert(
      fc.property(mechs, fc.option(wire, { nil: undefined }), fc.array(fc.tuple(fc.boolean(), wire), { maxLength: 8 }), (mech, ir, steps) => {
        const x = new SaslExchange(mech, ir);
        for (const [isChallenge, text] of steps) {
          const n = isChallenge ? x.challenge(text) : x.response(text);
          expect(typeof n.en).toBe('string');
          expect(typeof n.es).toBe('string');
        }
        x.credentials();
      }),
    );
  });
});
