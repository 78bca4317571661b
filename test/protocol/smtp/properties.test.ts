import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { smtp } from '../../../src/protocol/smtp/index.js';
import type { Side } from '../../../src/protocol/types.js';
import { bytesBySide, c, normalise, run, s, splitAtPoints, type Step } from './feed-smtp.js';

const b64 = (t: string): string => Buffer.from(t, 'latin1').toString('base64');

// A body line: any bytes but LF; lines starting with "." are dot-stuffed (RFC 5321 §4.5.2).
const bodyLine = fc.oneof(
  fc.constantFrom('.', '..', '.x', '', 'a.b', ' .', '\r', 'x\r', '.\r', 'Subject: hi', 'From: a@b'),
  fc.uint8Array({ maxLength: 24 }).map((u) => Buffer.from(u).toString('latin1').replace(/\n/g, '')),
);
const body = fc
  .array(fc.tuple(bodyLine, fc.constantFrom('\r\n', '\n')), { maxLength: 8 })
  .map((lines) => lines.map(([l, eol]) => (l.startsWith('.') ? `.${l}` : l) + eol).join('') + '.\r\n');

const reply = (code: string, lines: number): string => Array.from({ length: lines }, (_, i) => `${code}${i === lines - 1 ? ' ' : '-'}text ${i}\r\n`).join('');
const code = fc.constantFrom('250', '251', '252', '500', '502', '550', '451');
const simpleCommand = fc.constantFrom('EHLO a.example', 'HELO a', 'MAIL FROM:<a@b> SIZE=10', 'rcpt to: <c@d>', 'NOOP', 'RSET', 'VRFY x', 'HELP', 'ETRN @x', 'XYZZY', '', 'MAIL FROM:<\xe9@b>');

const exchange: fc.Arbitrary<Step[]> = fc.oneof<fc.Arbitrary<Step[]>[]>(
  fc.tuple(simpleCommand, code, fc.integer({ min: 1, max: 3 })).map(([cmd, k, n]) => [c(`${cmd}\r\n`), s(reply(k, n))]),
  // A pipelined batch.
  fc.array(fc.tuple(simpleCommand, code), { minLength: 2, maxLength: 4 }).map((batch) => [c(batch.map(([cmd]) => `${cmd}\r\n`).join('')), s(batch.map(([, k]) => reply(k, 1)).join(''))]),
  fc.tuple(body, fc.boolean()).map(([b, ok]) => (ok ? [c('DATA\r\n'), s('354 go\r\n'), c(b), s('250 2.0.0 queued\r\n')] : [c('DATA\r\n'), s('554 5.5.1 no recipients\r\n')])),
  fc.tuple(fc.uint8Array({ maxLength: 40 }), fc.boolean()).map(([u, last]) => [c(Buffer.concat([Buffer.from(`BDAT ${u.length}${last ? ' LAST' : ''}\r\n`), Buffer.from(u)])), s('250 ok\r\n')]),
  fc.tuple(fc.string({ maxLength: 10 }), fc.string({ maxLength: 10 }), fc.constantFrom('235 2.7.0 ok', '535 5.7.8 bad')).map(([u, p, verdict]) => [
    c('AUTH LOGIN\r\n'), s('334 VXNlcm5hbWU6\r\n'), c(`${b64(u)}\r\n`), s('334 UGFzc3dvcmQ6\r\n'), c(`${b64(p)}\r\n`), s(`${verdict}\r\n`),
  ]),
  fc.constant([c('AUTH PLAIN\r\n'), s('334 \r\n'), c('*\r\n'), s('501 cancelled\r\n')]),
  fc.constant([c('STARTTLS\r\nNOOP\r\n'), s('454 4.7.0 no TLS\r\n250 ok\r\n')]),
  fc.option(fc.constantFrom('MAIL FROM:<x@y>\r\n', 'RSET\r\nQUIT\r\n'), { nil: '' }).map((junk) => [c(`STARTTLS\r\n${junk}`), s('220 2.0.0 go\r\n')]),
);

const session = fc.array(exchange, { maxLength: 6 }).map((xs) => [s('220 mx ESMTP\r\n'), ...xs.flat()]);

function fedBySide(steps: Step[], side: Side): string {
  return steps.filter((x) => x.side === side).map((x) => x.bytes.toString('latin1')).join('');
}

describe('SMTP codec properties', () => {
  it('gives the same events for any chunking', () => {
    fc.assert(
      fc.property(session, fc.array(fc.nat(), { maxLength: 6 }), (steps, points) => {
        const ref = normalise(run(steps));
        expect(normalise(run(steps, splitAtPoints(points)))).toEqual(ref);
      }),
      { numRuns: 300 },
    );
  });

  it('unit bytes per side concatenate back to the input minus injections', () => {
    fc.assert(
      fc.property(session, fc.array(fc.nat(), { maxLength: 6 }), (steps, points) => {
        const got = bytesBySide(run(steps, splitAtPoints(points)));
        for (const side of ['client', 'server'] as const) {
          expect(got[`${side}-all`]).toBe(fedBySide(steps, side));
          expect(got[side].length + got[`${side}-injection`].length).toBe(fedBySide(steps, side).length);
        }
      }),
      { numRuns: 300 },
    );
  });

  const token = fc.oneof(
    fc.constantFrom('DATA\r\n', '354 go\r\n', 'STARTTLS\r\n', '220 x\r\n', 'AUTH LOGIN\r\n', 'AUTH PLAIN =\r\n', '334 \r\n', '*\r\n', 'BDAT 5\r\n', 'BDAT 3 LAST\r\n', 'TURN\r\n', 'ATRN\r\n', '250-x\r\n', '250 x\r\n', '.\r\n', '\r\n', '\n', '5', 'x'.repeat(40)),
    fc.uint8Array({ maxLength: 30 }).map((u) => Buffer.from(u).toString('latin1')),
  );
  const chaos = fc.array(fc.tuple(fc.constantFrom<Side>('client', 'server'), fc.array(token, { maxLength: 5 }).map((t) => t.join(''))), { maxLength: 25 });

  it('never throws on arbitrary bytes, keeps byte accounting, with tight limits', () => {
    fc.assert(
      fc.property(chaos, fc.boolean(), (feeds, tight) => {
        const codec = smtp.createCodec(tight ? { limits: { maxLineBytes: 16, maxReplyBytes: 40, maxPendingBytes: 32, maxBodyPeekBytes: 8 } } : {});
        const events = [];
        for (const [side, text] of feeds) events.push(...codec.feed(side, Buffer.from(text, 'latin1')));
        events.push(...codec.end('client'), ...codec.end('server'));
        const got = bytesBySide(events);
        for (const side of ['client', 'server'] as const) {
          expect(got[`${side}-all`]).toBe(feeds.filter(([sd]) => sd === side).map(([, t]) => t).join(''));
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe('large bodies stream', () => {
  it('streams a ~20 MB DATA body in chunks without buffering it whole', () => {
    const line = Buffer.from(`${'x'.repeat(70)} .dots. \r\n`);
    const count = Math.ceil((20 * 1024 * 1024) / line.length);
    const bodyBytes = Buffer.concat([Buffer.from('Subject: big\r\nFrom: a@b.es\r\n\r\n'), Buffer.alloc(line.length * count).fill(line), Buffer.from('.\r\n')]);
    const codec = smtp.createCodec();
    const events = [...codec.feed('server', Buffer.from('220 x\r\n')), ...codec.feed('client', Buffer.from('DATA\r\n')), ...codec.feed('server', Buffer.from('354 go\r\n'))];
    const CHUNK = 64 * 1024;
    let bodies = 0;
    let largest = 0;
    let total = 0;
    let finals = 0;
    for (let at = 0; at < bodyBytes.length; at += CHUNK) {
      for (const e of codec.feed('client', bodyBytes.subarray(at, at + CHUNK))) {
        if (e.type === 'unit' && e.kind === 'body') {
          bodies++;
          largest = Math.max(largest, e.bytes.length);
          total += e.bytes.length;
          if (e.final) finals++;
          if (bodies === 1) expect(e.note.en).toContain('Subject: big | From: a@b.es');
        } else events.push(e);
      }
    }
    expect(bodies).toBeGreaterThan(300);
    expect(largest).toBeLessThanOrEqual(CHUNK);
    expect(total).toBe(bodyBytes.length);
    expect(finals).toBe(1);
    const after = codec.feed('server', Buffer.from('250 2.0.0 queued\r\n'));
    expect(after[0]).toMatchObject({ type: 'unit', kind: 'reply', verb: 'DATA', status: '250' });
  });
});
