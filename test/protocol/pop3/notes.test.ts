// The command table and response notes, table-driven: every POP3 command of the lab guide and
// SPEC gets a bilingual note that explains the concrete line, whatever the case of the verb.

import { describe, expect, it } from 'vitest';
import { parseCommand } from '../../../src/protocol/pop3/commands.js';
import { decodeWords as decodeEncodedWords } from '../../../src/mime/headers.js';
import { replyNote, statusOf } from '../../../src/protocol/pop3/responses.js';
import type { Pop3Phase } from '../../../src/protocol/pop3/phases.js';

const T: Pop3Phase = 'TRANSACTION';
const A: Pop3Phase = 'AUTHORIZATION';

// [line, phase, verb, shape, a fragment the English note must hold, one the Spanish note must hold]
const commands: [string, Pop3Phase, string, string, string, string][] = [
  ['USER pepe', A, 'USER', 'single', 'Identify as user "pepe"', 'usuario "pepe"'],
  ['PASS LaContrasenia', A, 'PASS', 'single', 'in clear text', 'texto claro'],
  ['APOP mrose c4c9334bac560ecc979e58001b3e22fb', A, 'APOP', 'single', 'MD5', 'contraseña no viaja'],
  ['AUTH', A, 'AUTH', 'listing', 'List the SASL mechanisms', 'mecanismos SASL'],
  ['AUTH PLAIN AHBlcGUAeA==', A, 'AUTH', 'single', 'SASL PLAIN authentication with an initial response', 'respuesta inicial'],
  ['STAT', T, 'STAT', 'single', 'number of messages', 'número de mensajes'],
  ['LIST', T, 'LIST', 'listing', 'every message with its size', 'todos los mensajes'],
  ['LIST 2', T, 'LIST', 'single', 'Size of message 2', 'Tamaño del mensaje 2'],
  ['UIDL', T, 'UIDL', 'listing', 'unique id of every message', 'identificador único'],
  ['UIDL 2', T, 'UIDL', 'single', 'Unique id of message 2', 'mensaje 2'],
  ['RETR 1', T, 'RETR', 'content', 'Download message 1', 'Descargar el mensaje 1'],
  ['DELE 1', T, 'DELE', 'single', 'Mark message 1 for deletion', 'Marcar el mensaje 1 para borrar'],
  ['TOP 1 10', T, 'TOP', 'content', 'first 10 body lines of message 1', 'primeras 10 líneas'],
  ['NOOP', T, 'NOOP', 'single', 'No operation', 'No-operación'],
  ['RSET', T, 'RSET', 'single', 'unmark every message', 'desmarcar'],
  ['QUIT', T, 'QUIT', 'single', 'UPDATE phase', 'fase de ACTUALIZACIÓN'],
  ['QUIT', A, 'QUIT', 'single', 'nothing is deleted', 'no se borra nada'],
  ['STLS', A, 'STLS', 'single', 'upgrade the connection to TLS', 'TLS'],
  ['CAPA', A, 'CAPA', 'listing', 'capabilities', 'capacidades'],
  ['UTF8', A, 'UTF8', 'single', 'UTF-8', 'UTF-8'],
  ['LANG', A, 'LANG', 'listing', 'languages', 'idiomas'],
  ['LANG es', A, 'LANG', 'single', 'language "es"', 'idioma "es"'],
  ['RETR 1', A, 'RETR', 'content', 'not valid in the AUTHORIZATION phase', 'no es válido en la fase de AUTORIZACIÓN'],
  ['USER x', T, 'USER', 'single', 'not valid in the TRANSACTION phase', 'fase de TRANSACCIÓN'],
];

describe('command notes', () => {
  it.each(commands)('%s (%s)', (line, phase, verb, shape, en, es) => {
    for (const typed of [line, line.replace(/^\S+/, (v) => v.toLowerCase())]) {
      const cmd = parseCommand(Buffer.from(`${typed}\r\n`), { phase, tls: false });
      expect(cmd).toMatchObject({ verb, shape, known: true });
      expect(cmd.note.en).toContain(en);
      expect(cmd.note.es).toContain(es);
    }
  });

  it('unknown commands and empty lines are noted as such', () => {
    expect(parseCommand(Buffer.from('XTND XMIT\r\n'), { phase: T, tls: false })).toMatchObject({ verb: 'XTND', known: false, shape: 'single' });
    expect(parseCommand(Buffer.from('\r\n'), { phase: T, tls: false }).note.en).toBe('Empty line (not a POP3 command)');
    expect(parseCommand(Buffer.from('constructor\r\n'), { phase: T, tls: false }).known).toBe(false);
  });
});

describe('status lines', () => {
  it.each([
    ['+OK\r\n', false, '+OK'],
    ['+ok lower case\r\n', false, '+OK'],
    ['-ERR\r\n', false, '-ERR'],
    ['-ERR [IN-USE] x\r\n', false, '-ERR'],
    ['+ \r\n', true, '+'],
    ['+\r\n', true, '+'],
    ['+ \r\n', false, null],
    ['+OKAY\r\n', false, null],
    ['* OK imap\r\n', false, null],
  ] as const)('%j (sasl %s) is %s', (line, sasl, status) => {
    expect(statusOf(Buffer.from(line), sasl)).toBe(status);
  });

  it('STAT and LIST n answers are read out', () => {
    const stat = parseCommand(Buffer.from('STAT\r\n'), { phase: T, tls: false });
    expect(replyNote(stat, '+OK', Buffer.from('+OK 2 320\r\n'), { marked: 0, undone: 0 })).toEqual({ en: '2 messages, 320 bytes (320 B)', es: '2 mensajes, 320 bytes (320 B)' });
    const dele = parseCommand(Buffer.from('DELE 9\r\n'), { phase: T, tls: false });
    expect(replyNote(dele, '-ERR', Buffer.from('-ERR [SYS/TEMP] try later\r\n')).en).toBe('DELE refused: "[SYS/TEMP] try later"; [SYS/TEMP]: temporary server problem, try again later (RFC 3206 §4)');
  });
});

describe('MIME encoded words in header summaries', () => {
  it.each([
    ['=?UTF-8?B?UHLDoWN0aWNhIDY=?=', 'Práctica 6'],
    ['=?iso-8859-1?Q?Caf=E9_con_leche?=', 'Café con leche'],
    ['=?utf-8?q?a?= =?utf-8?q?b?=', 'ab'],
    ['plain text', 'plain text'],
    ['=?koi8-r?B?8NLJ18XU?=', 'Привет'],
  ])('%s → %s', (raw, text) => expect(decodeEncodedWords(raw)).toBe(text));
});
