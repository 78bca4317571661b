import { describe, expect, test } from 'vitest';
import { Redactor, collectSecrets, redactEvent, redactHeader } from '../../src/record/redact.js';
import { unitBytes } from '../../src/record/reader.js';
import type { RecordEvent, UnitRecord } from '../../src/record/schema.js';
import { PASSWORD, TOKEN, header } from './fixtures.js';

const cmd = (text: string, extra: Partial<UnitRecord> = {}): UnitRecord => ({ t: 1, dir: 'c2s', type: 'command', text, note: `about ${text.trim()}`, note_es: `sobre ${text.trim()}`, ...extra });
const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');

const lines: [string, UnitRecord, string][] = [
  ['POP3 PASS', cmd(`PASS ${PASSWORD}\r\n`), 'PASS ***\r\n'],
  ['POP3 PASS with spaces', cmd('PASS two words here\r\n'), 'PASS ***\r\n'],
  ['POP3 APOP digest', cmd('APOP pepe c4c9334bac560ecc979e58001b3e22fb\r\n'), 'APOP pepe ***\r\n'],
  ['SMTP AUTH PLAIN initial response', cmd(`AUTH PLAIN ${b64(`\0alice\0${PASSWORD}`)}\r\n`), 'AUTH PLAIN ***\r\n'],
  ['POP3 AUTH lower case', cmd(`auth plain ${b64(`\0alice\0${PASSWORD}`)}\r\n`), 'auth plain ***\r\n'],
  ['IMAP AUTHENTICATE with IR', cmd(`a4 AUTHENTICATE XOAUTH2 ${b64(`user=a\x01auth=Bearer ${TOKEN}\x01\x01`)}\r\n`), 'a4 AUTHENTICATE XOAUTH2 ***\r\n'],
  ['IMAP LOGIN atom', cmd(`a1 LOGIN alice ${PASSWORD}\r\n`), 'a1 LOGIN alice ***\r\n'],
  ['IMAP LOGIN quoted', cmd(`a1 LOGIN "alice" "${PASSWORD} \\"x"\r\n`), 'a1 LOGIN "alice" "***"\r\n'],
  ['SASL line', { t: 1, dir: 'c2s', type: 'sasl', text: `${b64(PASSWORD)}\r\n` }, '***\r\n'],
  ['SASL cancel kept', { t: 1, dir: 'c2s', type: 'sasl', text: '*\r\n' }, '*\r\n'],
  ['AUTH without IR kept', cmd('AUTH LOGIN\r\n'), 'AUTH LOGIN\r\n'],
  ['other commands kept', cmd('MAIL FROM:<a@b> AUTH=<>\r\n'), 'MAIL FROM:<a@b> AUTH=<>\r\n'],
  ['server lines kept', { t: 1, dir: 's2c', type: 'reply', text: '334 UGFzc3dvcmQ6\r\n' }, '334 UGFzc3dvcmQ6\r\n'],
];

describe('redactEvent', () => {
  test.each(lines)('%s', (_name, ev, expected) => {
    const out = redactEvent(ev) as UnitRecord;
    expect(unitBytes(out).toString('latin1')).toBe(expected);
    expect(JSON.stringify(out)).not.toContain(PASSWORD);
    expect(JSON.stringify(out)).not.toContain(TOKEN);
  });

  test('notes that repeat the password are scrubbed', () => {
    const out = redactEvent(cmd(`PASS ${PASSWORD}\r\n`, { note: `PASS: the password ("${PASSWORD}")` })) as UnitRecord;
    expect(out.note).toBe('PASS: the password ("***")');
  });

  test('auth events: password, token, proof and undecoded masked, notes and verdict scrubbed', () => {
    const ev: RecordEvent = { t: 1, dir: 'proxy', type: 'auth', mechanism: 'PLAIN', username: 'alice', password: PASSWORD, token: TOKEN, proof: 'deadbeef', undecoded: ['Zm9v'], result: 'failure', verdict: `535 bad ${PASSWORD}`, note: `password ${PASSWORD}, token ${TOKEN}`, note_es: `contraseña ${PASSWORD}` };
    const out = redactEvent(ev);
    expect(out).toMatchObject({ username: 'alice', password: '***', token: '***', proof: '***', undecoded: ['***'], verdict: '535 bad ***', note: 'password ***, token ***', note_es: 'contraseña ***' });
  });

  test('an IMAP LOGIN password sent as a literal is masked (stateful)', () => {
    const r = new Redactor();
    const events: UnitRecord[] = [
      cmd('a1 LOGIN alice {11}\r\n', { verb: 'LOGIN', tag: 'a1' }),
      { t: 2, dir: 'c2s', type: 'body', text: PASSWORD, final: true },
      cmd('\r\n', { continued: true, tag: 'a1' }),
      cmd('a2 LOGIN {5}\r\n', { verb: 'LOGIN', tag: 'a2' }),
      { t: 3, dir: 'c2s', type: 'body', text: 'alice', final: true },
      cmd(` "${PASSWORD}"\r\n`, { continued: true, tag: 'a2' }),
    ];
    const out = events.map((e) => unitBytes(r.event(e) as UnitRecord).toString('latin1'));
    expect(out).toEqual(['a1 LOGIN alice {11}\r\n', '***', '\r\n', 'a2 LOGIN {5}\r\n', 'alice', ' "***"\r\n']);
  });

  test('secrets learnt from an auth event are scrubbed from later events, and known secrets from all', () => {
    const r = new Redactor();
    r.event({ t: 1, dir: 'proxy', type: 'auth', mechanism: 'LOGIN', password: PASSWORD, result: 'success' });
    const later = r.event({ t: 2, dir: 'proxy', type: 'info', message: `echo ${PASSWORD} ${b64(PASSWORD)}` });
    expect(later).toMatchObject({ message: 'echo *** ***=' });
    const known = new Redactor(collectSecrets([{ t: 9, dir: 'proxy', type: 'auth', mechanism: 'X', token: TOKEN, result: 'success' }]));
    expect(known.event({ t: 0, dir: 's2c', type: 'reply', text: `+ ${TOKEN}\r\n`, note: TOKEN })).toMatchObject({ text: '+ ***\r\n', note: '***' });
  });

  test('injected plaintext is masked line by line', () => {
    const dropped = Buffer.from(`AUTH PLAIN ${b64(`\0a\0${PASSWORD}`)}\r\nPASS ${PASSWORD}\r\n`).toString('base64');
    const out = redactEvent({ t: 1, dir: 'proxy', type: 'injection', from: 'client', length: 10, dropped });
    expect(Buffer.from((out as { dropped: string }).dropped, 'base64').toString()).toBe('AUTH PLAIN ***\r\nPASS ***\r\n');
  });

  test('the header says the recording is redacted', () => {
    expect(redactHeader(header('smtp')).redacted).toBe(true);
  });
});
