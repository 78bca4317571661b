import { describe, expect, test } from 'vitest';
import type { CodecEvent } from '../../src/protocol/types.js';
import { recordEventFromCodec } from '../../src/record/from-codec.js';
import { parseRecordLine } from '../../src/record/schema.js';

const n = { en: 'english', es: 'español' };

const cases: [string, CodecEvent, boolean, Record<string, unknown>][] = [
  ['printable unit', { type: 'unit', side: 'client', kind: 'command', bytes: Buffer.from('MAIL FROM:<a@b>\r\n'), verb: 'MAIL', note: n }, false,
    { dir: 'c2s', type: 'command', text: 'MAIL FROM:<a@b>\r\n', verb: 'MAIL', note: 'english', note_es: 'español' }],
  ['binary unit inside TLS', { type: 'unit', side: 'server', kind: 'body', bytes: Buffer.from([0, 1, 2]), final: true, note: n }, true,
    { dir: 's2c', type: 'body', b64: 'AAEC', final: true, tls: true }],
  ['reply with codes', { type: 'unit', side: 'server', kind: 'reply', bytes: Buffer.from('250 2.1.0 OK\r\n'), status: '250', enhanced: '2.1.0', note: n }, false,
    { status: '250', enhanced: '2.1.0' }],
  ['imap continuation', { type: 'unit', side: 'client', kind: 'command', bytes: Buffer.from(' x\r\n'), tag: 'a1', continued: true, note: n }, false,
    { tag: 'a1', continued: true }],
  ['auth', { type: 'auth', mechanism: 'PLAIN', username: 'u', password: 'p', authzid: 'z', result: 'success', verdict: '235 ok', note: n }, false,
    { dir: 'proxy', type: 'auth', mechanism: 'PLAIN', username: 'u', password: 'p', authzid: 'z', result: 'success', verdict: '235 ok', note: 'english', note_es: 'español' }],
  ['injection', { type: 'injection', side: 'client', bytes: Buffer.from('MAIL FROM:<x>\r\n'), note: n }, false,
    { dir: 'proxy', type: 'injection', from: 'client', length: 15, dropped: Buffer.from('MAIL FROM:<x>\r\n').toString('base64') }],
  ['violation', { type: 'violation', side: 'server', code: 'E_PROTOCOL', message: 'bad reply', note: n }, false,
    { dir: 'proxy', type: 'violation', side: 'server', code: 'E_PROTOCOL', message: 'bad reply' }],
  ['state', { type: 'state', state: 'TRANSACTION', note: n }, false, { dir: 'proxy', type: 'state', state: 'TRANSACTION' }],
  ['upgrade-tls', { type: 'upgrade-tls', command: 'STLS', refusal: () => Buffer.from('-ERR x\r\n') }, false,
    { dir: 'proxy', type: 'info', command: 'STLS' }],
];

describe('recordEventFromCodec', () => {
  test.each(cases)('%s', (_name, ev, tls, expected) => {
    const rec = recordEventFromCodec(ev, 12.34, { tls });
    expect(rec).toMatchObject({ t: 12.3, ...expected });
    // Every produced event is a valid recording line.
    expect(parseRecordLine(JSON.stringify(rec))).toEqual(rec);
  });

  test('plaintext units carry no tls flag, and no unit leaks bytes outside text/b64', () => {
    const rec = recordEventFromCodec({ type: 'unit', side: 'client', kind: 'command', bytes: Buffer.from('QUIT\r\n'), note: n }, 0, { tls: false });
    expect('tls' in rec).toBe(false);
    expect(Object.keys(rec).sort()).toEqual(['dir', 'note', 'note_es', 't', 'text', 'type']);
  });
});
