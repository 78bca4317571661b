// Streaming and limits: big RETR content never buffered, listings past maxReplyBytes, client
// bytes past maxPendingBytes while STLS is pending, and mailtap's own -ERR replies.

import { describe, expect, it } from 'vitest';
import { pop3 } from '../../../src/protocol/pop3/index.js';
import { GREETING } from './fixtures.js';
import { client, run, runAllWays, server, summary, units, whole } from './harness.js';

const LOGIN = [client('USER a\r\nPASS b\r\n'), server('+OK\r\n+OK\r\n')];

describe('RETR content streams', () => {
  it('a 5 MB message fed in 16 KiB chunks comes out as many exact body chunks', () => {
    const line = `${'x'.repeat(70)}\r\n`;
    const headers = 'From: Big Sender <big@example.org>\r\nSubject: a big one\r\n\r\n';
    const content = Buffer.from(headers + line.repeat(Math.ceil((5 * 1024 * 1024) / line.length)) + '..dot-stuffed\r\n');
    const wire = Buffer.concat([Buffer.from(`+OK ${content.length} octets\r\n`), content, Buffer.from('.\r\n')]);
    const codec = pop3.createCodec();
    const events = [...codec.feed('server', Buffer.from(GREETING)), ...codec.feed('client', Buffer.from('USER a\r\nPASS b\r\nRETR 1\r\n')), ...codec.feed('server', Buffer.from('+OK\r\n+OK\r\n'))];
    const chunk = 16 * 1024;
    for (let at = 0; at < wire.length; at += chunk) events.push(...codec.feed('server', wire.subarray(at, at + chunk)));
    const bodies = units(events).filter((u) => u.kind === 'body');
    expect(bodies.length).toBeGreaterThan(1);
    // Never buffered: no chunk is bigger than what one feed brought.
    expect(Math.max(...bodies.map((b) => b.bytes.length))).toBeLessThanOrEqual(chunk);
    expect(Buffer.concat(bodies.map((b) => b.bytes)).equals(Buffer.concat([content, Buffer.from('.\r\n')]))).toBe(true);
    expect(bodies.map((b) => b.final ?? false).indexOf(true)).toBe(bodies.length - 1);
    expect(bodies.at(-1)!.bodyOffset).toBe(content.length + 3);
    expect(bodies[0]!.note.en).toBe('Content of message 1 begins: From Big Sender <big@example.org>, Subject "a big one"');
    expect(bodies.at(-1)!.note.en).toMatch(/^End of message 1: 5\.0 MiB in all/);
    const retrReply = units(events).find((u) => u.kind === 'reply' && u.verb === 'RETR')!;
    expect(retrReply.bytes.toString()).toBe(`+OK ${content.length} octets\r\n`);
  });

  it('NUL and 8-bit bytes pass through content and commands unchanged', () => {
    const body = Buffer.from([0x00, 0xff, 0x80, 0x0d, 0x0a, 0x2e, 0x2e, 0x00, 0x0d, 0x0a, 0x2e, 0x0d, 0x0a]);
    const events = runAllWays([server(GREETING), ...LOGIN, client('RETR \xff\r\n'), server(Buffer.concat([Buffer.from('+OK\r\n'), body]))]);
    expect(summary(events).slice(-3)).toEqual(['client command RETR', 'server reply RETR +OK', 'server body RETR final']);
  });
});

describe('listings past maxReplyBytes', () => {
  const items = Array.from({ length: 20 }, (_, i) => `${i + 1} ${1000 + i}\r\n`).join('');
  it('keep their head as the reply and stream the rest as body chunks', () => {
    const events = runAllWays([server(GREETING), ...LOGIN, client('LIST\r\nNOOP\r\n'), server(`+OK 20 messages\r\n${items}.\r\n+OK\r\n`)], { limits: { maxReplyBytes: 64 } });
    expect(summary(events).slice(-4)).toEqual(['client command NOOP', 'server reply LIST +OK', 'server body LIST final', 'server reply NOOP +OK']);
    const u = units(events);
    const reply = u.find((x) => x.kind === 'reply' && x.verb === 'LIST')!;
    expect(reply.bytes.length).toBeLessThanOrEqual(64);
    expect(reply.note.en).toContain('listing longer than 64 B');
    const rest = Buffer.concat(u.filter((x) => x.kind === 'body').map((x) => x.bytes));
    expect(Buffer.concat([reply.bytes, rest]).toString()).toBe(`+OK 20 messages\r\n${items}.\r\n`);
  });

  it('at exactly the limit the listing is still one reply, one byte less and it streams', () => {
    const wire = `+OK\r\n1 1\r\n2 2\r\n.\r\n`;
    const body = wire.length - 3; // the terminator is always allowed in
    const steps = [server(GREETING), ...LOGIN, client('LIST\r\n'), server(wire)];
    expect(summary(runAllWays(steps, { limits: { maxReplyBytes: body } })).slice(-1)).toEqual(['server reply LIST +OK']);
    expect(summary(runAllWays(steps, { limits: { maxReplyBytes: body - 1 } })).slice(-2)).toEqual(['server reply LIST +OK', 'server body LIST final']);
  });

  it('an over-long listing line falls back to streaming without misreading its tail', () => {
    const long = `1 ${'9'.repeat(50)}\r\n.\r\n`; // a ".\r\n" right after an overflow slice boundary must not end it
    const events = runAllWays([server(GREETING), ...LOGIN, client('UIDL\r\n'), server(`+OK\r\n${long}`)], { limits: { maxLineBytes: 32 } });
    expect(summary(events).slice(-2)).toEqual(['server reply UIDL +OK', 'server body UIDL final']);
  });
});

describe('STLS hold', () => {
  it('client bytes past maxPendingBytes are dropped as injection with one violation', () => {
    const flood = 'NOOP\r\n'.repeat(10);
    const events = runAllWays([server(GREETING), client(`STLS\r\n${flood}`), server('+OK go\r\n')], { limits: { maxPendingBytes: 16 } });
    expect(summary(events)).toEqual([
      'server reply +OK',
      'state AUTHORIZATION',
      'client command STLS',
      'violation client E_LIMIT',
      `injection client ${JSON.stringify(flood)}`,
      'server reply STLS +OK',
      'upgrade-tls STLS',
    ]);
  });

  it('held bytes at exactly maxPendingBytes are kept, then injected at +OK', () => {
    const events = runAllWays([server(GREETING), client('STLS\r\nUSER 1234567\r\n'), server('+OK go\r\n')], { limits: { maxPendingBytes: 14 } });
    expect(summary(events).slice(-3)).toEqual(['server reply STLS +OK', 'upgrade-tls STLS', 'injection client "USER 1234567\\r\\n"']);
  });

  it('server plaintext after its STLS +OK in the same read is injected too', () => {
    const events = run([server(GREETING), client('STLS\r\n'), server('+OK begin\r\n+OK forged greeting\r\n'), client('USER a\r\n'), server('+OK\r\n')]);
    expect(summary(events).slice(2)).toEqual([
      'client command STLS',
      'server reply STLS +OK',
      'upgrade-tls STLS',
      'injection server "+OK forged greeting\\r\\n"',
      'client command USER',
      'server reply USER +OK',
    ]);
    // Post-TLS notes know the session is encrypted now.
    expect(units(events).find((u) => u.verb === 'STLS' && u.kind === 'reply')!.note.en).toContain('TLS handshake');
  });

  it('inside TLS the notes say so', () => {
    const events = run([server(GREETING), client('PASS x\r\n')], whole, { tls: true });
    expect(units(events)[0]!.note.en).toContain('inside TLS');
    expect(units(events)[1]!.note.en).not.toContain('clear text');
  });
});

describe("mailtap's own replies", () => {
  it('upstreamFailure and serviceUnavailable are one -ERR [SYS/TEMP] line', () => {
    expect(pop3.upstreamFailure('connect ECONNREFUSED 127.0.0.1:110').toString()).toBe('-ERR [SYS/TEMP] mailtap: upstream unavailable: connect ECONNREFUSED 127.0.0.1:110\r\n');
    expect(pop3.upstreamFailure('a\r\n+OK forged').toString()).toBe('-ERR [SYS/TEMP] mailtap: upstream unavailable: a +OK forged\r\n');
    expect(pop3.serviceUnavailable('too many sessions').toString()).toMatch(/^-ERR \[SYS\/TEMP\] .*too many sessions\r\n$/);
    expect(pop3.createCodec().protocol).toBe('pop3');
  });
});
