import { describe, expect, it } from 'vitest';
import type { AuthEvent, CodecEvent, UnitEvent } from '../../../src/protocol/types.js';
import { brief, bytesBySide, c, expectChunkingInvariant, run, s, type Step } from './feed-smtp.js';
import * as fx from './fixtures.js';

const units = (ev: CodecEvent[]): UnitEvent[] => ev.filter((e): e is UnitEvent => e.type === 'unit');
const noteOf = (ev: CodecEvent[], pred: (u: UnitEvent) => boolean) => units(ev).find(pred)?.note;

const table: [string, Step[], string[]][] = [
  [
    'lab guide HELO session',
    fx.labHelo,
    ['S reply 220', 'C command HELO', 'S reply HELO 250', 'C command MAIL', 'S reply MAIL 250 2.1.5', 'C command RCPT', 'S reply RCPT 250 2.1.5', 'C command DATA', 'S reply DATA 354', 'C body DATA final', 'S reply DATA 250 2.0.0', 'C command QUIT', 'S reply QUIT 221 2.0.0'],
  ],
  [
    'lab guide AUTH LOGIN on 465',
    fx.labAuthLogin,
    ['S reply 220', 'C command EHLO', 'S reply EHLO 250', 'C command AUTH', 'S reply AUTH 334', 'C sasl AUTH', 'S reply AUTH 334', 'C sasl AUTH', 'S reply AUTH 235 2.7.0', 'auth LOGIN success', 'state authenticated', 'C command MAIL', 'S reply MAIL 250 2.1.0', 'C command RCPT', 'S reply RCPT 250 2.1.5', 'C command DATA', 'S reply DATA 354', 'C body DATA final', 'S reply DATA 250 2.0.0', 'C command QUIT', 'S reply QUIT 221 2.0.0'],
  ],
  [
    'RFC 2920 pipelining batch',
    fx.pipelining,
    ['S reply 220', 'C command EHLO', 'S reply EHLO 250', 'C command MAIL', 'C command RCPT', 'C command RCPT', 'C command RCPT', 'C command DATA', 'S reply MAIL 250', 'S reply RCPT 250', 'S reply RCPT 250', 'S reply RCPT 250', 'S reply DATA 354', 'C body DATA final', 'C command QUIT', 'S reply DATA 250', 'S reply QUIT 221'],
  ],
  [
    'RFC 3030 BDAT',
    fx.bdat,
    ['S reply 220', 'C command EHLO', 'S reply EHLO 250', 'C command MAIL', 'S reply MAIL 250', 'C command RCPT', 'S reply RCPT 250', 'C command BDAT', 'C body BDAT final', 'S reply BDAT 250', 'C command BDAT', 'C body BDAT final', 'C command QUIT', 'S reply BDAT 250', 'S reply QUIT 221'],
  ],
  [
    'RFC 2645 ATRN role reversal',
    fx.atrn,
    ['S reply 220', 'C command EHLO', 'S reply EHLO 250', 'C command AUTH', 'S reply AUTH 334', 'C sasl AUTH', 'S reply AUTH 235', 'auth CRAM-MD5 success', 'state authenticated', 'C command ATRN', 'S reply ATRN 250', 'state roles-reversed', 'C reply 220', 'S command EHLO', 'C reply EHLO 250', 'S command MAIL', 'C reply MAIL 250', 'S command RCPT', 'C reply RCPT 250', 'S command DATA', 'C reply DATA 354', 'S body DATA final', 'C reply DATA 250', 'S command QUIT', 'C reply QUIT 221'],
  ],
  [
    'STARTTLS accepted with a pipelined MAIL FROM (injection)',
    fx.starttlsInjection,
    ['S reply 220', 'C command EHLO', 'S reply EHLO 250', 'C command STARTTLS', 'S reply STARTTLS 220 2.0.0', 'upgrade-tls', 'injection C "MAIL FROM:<attacker@evil.example>\\r\\n"', 'state tls', 'C command EHLO', 'S reply EHLO 250'],
  ],
  [
    'STARTTLS refused: held bytes released',
    fx.starttlsRefused,
    ['S reply 220', 'C command EHLO', 'S reply EHLO 250', 'C command STARTTLS', 'S reply STARTTLS 454 4.7.0', 'C command NOOP', 'S reply NOOP 250 2.0.0'],
  ],
  [
    'DATA rejected with 554: no body',
    fx.dataRejected,
    ['S reply 220', 'C command EHLO', 'C command MAIL', 'C command RCPT', 'C command DATA', 'S reply EHLO 250', 'S reply MAIL 250 2.1.0', 'S reply RCPT 550 5.1.1', 'S reply DATA 554 5.5.1', 'C command QUIT', 'S reply QUIT 221 2.0.0'],
  ],
  ['AUTH PLAIN initial response', fx.authPlainSuccess, ['S reply 220', 'C command AUTH', 'S reply AUTH 235 2.7.0', 'auth PLAIN success', 'state authenticated']],
  ['AUTH cancelled with *', fx.authCancelled, ['S reply 220', 'C command AUTH', 'S reply AUTH 334', 'C sasl AUTH', 'S reply AUTH 501 5.7.0', 'auth LOGIN cancelled']],
  ['AUTH failed 535 5.7.8', fx.authFailed, ['S reply 220', 'C command AUTH', 'S reply AUTH 334', 'C sasl AUTH', 'S reply AUTH 535 5.7.8', 'auth PLAIN failure']],
  ['greeting 554 refuses', [s('554 5.7.1 no SMTP service here\r\n'), c('QUIT\r\n'), s('221 bye\r\n')], ['S reply 554 5.7.1', 'C command QUIT', 'S reply QUIT 221']],
  ['unknown command is a unit', [s('220 x\r\n'), c('XYZZY magic\r\n'), s('500 5.5.1 Unknown command\r\n')], ['S reply 220', 'C command XYZZY', 'S reply XYZZY 500 5.5.1']],
  ['bare LF lines', [s('220 x\n'), c('EHLO a\n'), s('250-x\n250 SIZE 10\n'), c('DATA\n'), s('354 go\n'), c('a\n.\n'), s('250 ok\n')], ['S reply 220', 'C command EHLO', 'S reply EHLO 250', 'C command DATA', 'S reply DATA 354', 'C body DATA final', 'S reply DATA 250']],
  ['bad reply line: violation and raw, then go on', [s('220 x\r\n'), c('NOOP\r\n'), s('hello there\r\n250 ok\r\n')], ['S reply 220', 'C command NOOP', 'violation S E_PROTOCOL', 'S raw', 'S reply NOOP 250']],
  ['BDAT 0 LAST has no body', [s('220 x\r\n'), c('BDAT 0 LAST\r\n'), s('250 ok\r\n')], ['S reply 220', 'C command BDAT', 'S reply BDAT 250']],
  ['TURN reverses roles', [s('220 x\r\n'), c('TURN\r\n'), s('250 OK\r\n'), c('220 client ready\r\n'), s('HELO server\r\n'), c('250 hi\r\n')], ['S reply 220', 'C command TURN', 'S reply TURN 250', 'state roles-reversed', 'C reply 220', 'S command HELO', 'C reply HELO 250']],
  ['TURN refused keeps roles', [s('220 x\r\n'), c('TURN\r\nNOOP\r\n'), s('502 5.5.1 no\r\n250 ok\r\n')], ['S reply 220', 'C command TURN', 'S reply TURN 502 5.5.1', 'C command NOOP', 'S reply NOOP 250']],
  ['8-bit and NUL bytes pass', [s('220 x\r\n'), c('VRFY j\xf6rg\0\r\n'), s('252 \xff\r\n')], ['S reply 220', 'C command VRFY', 'S reply VRFY 252']],
];

describe('SMTP codec transcripts', () => {
  it.each(table)('%s', (_name, steps, expected) => {
    expect(brief(run(steps))).toEqual(expected);
    // Invariant 1: unit bytes per side give back the input, with injections cut out where they were.
    const got = bytesBySide(run(steps));
    for (const side of ['client', 'server'] as const) {
      const fed = steps.filter((x) => x.side === side).map((x) => x.bytes.toString('latin1')).join('');
      expect(got[`${side}-all`]).toBe(fed);
    }
  });

  it.each(table)('%s: same events for any chunking', (_name, steps) => {
    expectChunkingInvariant(steps, undefined, (a, b, how) => expect(a, how).toEqual(b));
  });
});

describe('notes', () => {
  it('explain the lab guide HELO session in both languages', () => {
    const ev = run(fx.labHelo);
    expect(noteOf(ev, (u) => u.verb === 'MAIL' && u.kind === 'command')).toEqual({ en: 'Envelope sender: pepe@pepito.es', es: 'Remitente del sobre: pepe@pepito.es' });
    expect(noteOf(ev, (u) => u.verb === 'RCPT' && u.kind === 'command')?.en).toBe('Envelope recipient: usuario@servidor.es');
    expect(noteOf(ev, (u) => u.kind === 'body')?.en).toContain('Subject: Asunto');
    expect(noteOf(ev, (u) => u.kind === 'body')?.es).toContain('Subject: Asunto');
    expect(noteOf(ev, (u) => u.verb === 'DATA' && u.status === '250')?.en).toContain('message accepted for delivery');
    expect(noteOf(ev, (u) => u.verb === 'HELO' && u.kind === 'command')?.es).toContain('pepito.es');
  });

  it('explain EHLO extensions, SIZE in MiB, and the AUTH exchange', () => {
    const ev = run(fx.labAuthLogin);
    const ehlo = noteOf(ev, (u) => u.verb === 'EHLO' && u.kind === 'reply')!;
    expect(ehlo.en).toContain('SIZE 35882577: max message size 34.2 MiB');
    expect(ehlo.en).toContain('AUTH LOGIN PLAIN XOAUTH XOAUTH2');
    expect(ehlo.en).toContain('ENHANCEDSTATUSCODES');
    expect(ehlo.es).toContain('tamaño máximo del mensaje 34,2 MiB');
    const sasl = units(ev).filter((u) => u.kind === 'sasl').map((u) => u.note.en);
    expect(sasl).toEqual(['User name: usuario@servidor.com', 'Password: contraseña']);
    const challenges = units(ev).filter((u) => u.status === '334').map((u) => u.note.en);
    expect(challenges[0]).toContain('; server asks for the user name ("Username:")');
    const auth = ev.find((e): e is AuthEvent => e.type === 'auth')!;
    expect(auth).toMatchObject({ mechanism: 'LOGIN', result: 'success', username: 'usuario@servidor.com', password: 'contraseña', verdict: '235 2.7.0 Accepted' });
    expect(noteOf(ev, (u) => u.verb === 'MAIL' && u.kind === 'reply')?.en).toContain('2.1.0');
    // A clause after a semicolon starts in lower case, in both languages ("; otro estado…").
    for (const u of units(ev).filter((x) => x.kind === 'reply')) for (const text of [u.note.en, u.note.es]) expect(text).not.toMatch(/; \p{Lu}\p{Ll}/u);
  });

  it('explain MAIL and RCPT parameters', () => {
    const ev = run([s('220 x\r\n'), c('MAIL FROM:<a@b.es> SIZE=1048576 BODY=8BITMIME SMTPUTF8 RET=HDRS ENVID=QQ+2B1\r\nRCPT TO:<c@d.es> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;c+2Bx@d.es\r\nMAIL FROM:<>\r\n')]);
    const [mail, rcpt, bounce] = units(ev).filter((u) => u.kind === 'command').map((u) => u.note);
    expect(mail!.en).toContain('Envelope sender: a@b.es; SIZE=1048576: declared message size 1048576 bytes (1.0 MiB)');
    expect(mail!.en).toContain('BODY=8BITMIME');
    expect(mail!.en).toContain('SMTPUTF8');
    expect(mail!.en).toContain('RET=HDRS: a delivery status notification returns only the headers');
    expect(mail!.en).toContain('envelope id "QQ+1"');
    expect(rcpt!.en).toContain('NOTIFY=SUCCESS,FAILURE: send a delivery notification on success, failure');
    expect(rcpt!.en).toContain('original recipient c+x@d.es');
    expect(rcpt!.es).toContain('Destinatario del sobre: c@d.es');
    expect(bounce!.en).toContain('null sender');
  });

  it.each([
    ['HELO', 'HELO a'], ['EHLO', 'EHLO a'], ['MAIL', 'MAIL FROM:<a@b>'], ['RCPT', 'RCPT TO:<a@b>'], ['TURN', 'TURN'], ['ATRN', 'ATRN example.org'], ['ETRN', 'ETRN @example.org'],
    ['DATA', 'DATA'], ['BDAT', 'BDAT 10'], ['RSET', 'RSET'], ['VRFY', 'VRFY Ted'], ['EXPN', 'EXPN staff'], ['HELP', 'HELP'], ['NOOP', 'NOOP'], ['QUIT', 'QUIT'], ['STARTTLS', 'STARTTLS'], ['AUTH', 'AUTH PLAIN'],
  ])('%s has a specific note in English and Spanish', (verb, line) => {
    const ev = run([c(`${line.toLowerCase()}\r\n`)], undefined, undefined, false);
    const u = units(ev)[0]!;
    expect(u.verb).toBe(verb);
    expect(u.note.en).not.toContain('Unknown');
    expect(u.note.es).not.toContain('desconocido');
    expect(u.note.en).not.toBe(u.note.es);
  });

  it('explain the enhanced code of a failed AUTH', () => {
    const ev = run(fx.authFailed);
    expect(noteOf(ev, (u) => u.status === '535')?.en).toContain('5.7.8 permanent failure: authentication credentials invalid');
    expect(ev.find((e) => e.type === 'auth')).toMatchObject({ username: 'alice', password: 'wrong', result: 'failure' });
  });
});

describe('STARTTLS', () => {
  it('drops server plaintext that follows the 220 in the same read', () => {
    const ev = run([s('220 x\r\n'), c('STARTTLS\r\n'), s('220 2.0.0 go\r\n250 2.1.0 fake\r\n'), c('EHLO a\r\n'), s('250 a\r\n')]);
    expect(brief(ev)).toEqual(['S reply 220', 'C command STARTTLS', 'S reply STARTTLS 220 2.0.0', 'upgrade-tls', 'injection S "250 2.1.0 fake\\r\\n"', 'state tls', 'C command EHLO', 'S reply EHLO 250']);
  });

  it('builds the refusal reply on one line', () => {
    const up = run(fx.starttlsInjection).find((e) => e.type === 'upgrade-tls');
    expect(up?.type === 'upgrade-tls' && up.refusal('handshake\r\nfailed').toString()).toBe('454 4.7.0 TLS not available: handshake failed\r\n');
  });

  it('drops held bytes past maxPendingBytes as injection with one violation', () => {
    const ev = run([s('220 x\r\n'), c('STARTTLS\r\n'), c('A'.repeat(30)), c('B'.repeat(30)), s('454 no\r\n')], undefined, { limits: { maxPendingBytes: 40 } });
    expect(brief(ev)).toEqual(['S reply 220', 'C command STARTTLS', 'violation C E_LIMIT', `injection C "${'A'.repeat(30)}${'B'.repeat(30)}"`, 'S reply STARTTLS 454']);
  });
});

describe('robustness', () => {
  it('passes an over-long line as raw with one violation, then frames the next line', () => {
    const long = `NOOP ${'x'.repeat(250)}\r\n`;
    const steps = [s('220 x\r\n'), c(`${long}NOOP\r\n`), s('500 5.5.2 line too long\r\n250 ok\r\n')];
    for (const cut of [undefined, (b: Buffer) => [b.subarray(0, 120), b.subarray(120)]]) {
      const ev = run(steps, cut, { limits: { maxLineBytes: 100 } });
      expect(ev.filter((e) => e.type === 'violation')).toHaveLength(1);
      expect(brief(ev)).toEqual(['S reply 220', 'violation C E_LINE_TOO_LONG', 'C raw', 'C command NOOP', 'S reply 500 5.5.2', 'S reply NOOP 250']);
      expect(bytesBySide(ev).client).toBe(`${long}NOOP\r\n`);
    }
  });

  it('a multi-line reply split across feeds is one unit', () => {
    const ev = run([s('220-a\r\n220-'), s('b\r\n220 c\r\n')]);
    expect(units(ev).map((u) => u.bytes.toString())).toEqual(['220-a\r\n220-b\r\n220 c\r\n']);
  });

  it('end() flushes partial lines as raw and reports an unfinished AUTH as incomplete', () => {
    const ev = run([s('220 x\r\n'), c('AUTH LOGIN\r\n'), s('334 VXNlcm5hbWU6\r\n'), c('YWxpY2U=\r\n'), s('334 UGFzc3dvcmQ6\r\n'), c('czNj'), s('25')]);
    expect(brief(ev)).toEqual(['S reply 220', 'C command AUTH', 'S reply AUTH 334', 'C sasl AUTH', 'S reply AUTH 334', 'auth LOGIN incomplete', 'C raw', 'S raw']);
    expect(ev.find((e) => e.type === 'auth')).toMatchObject({ username: 'alice' });
  });

  it('upstreamFailure / serviceUnavailable are one 421 line', async () => {
    const { smtp } = await import('../../../src/protocol/smtp/index.js');
    expect(smtp.upstreamFailure('connect ECONNREFUSED\r\n127.0.0.1:25').toString()).toBe('421 4.4.1 mailtap: upstream unavailable: connect ECONNREFUSED 127.0.0.1:25\r\n');
    expect(smtp.serviceUnavailable('too many sessions').toString()).toBe('421 4.3.2 mailtap: service unavailable: too many sessions\r\n');
    expect(smtp.protocol).toBe('smtp');
  });
});
