// Table of POP3 sessions as byte fixtures: each is fed whole, byte by byte and split at every
// point (runAllWays), and its normalised events must read as the transcript given.

import { describe, expect, it } from 'vitest';
import type { CodecEvent, CodecOptions } from '../../../src/protocol/types.js';
import { GREETING, LAB_LIST, MESSAGE_1, MESSAGE_2, RFC1939_SESSION, b64 } from './fixtures.js';
import { client, end, runAllWays, server, summary, units, type Step } from './harness.js';

interface Case {
  name: string;
  steps: Step[];
  transcript: string[];
  options?: CodecOptions;
  check?: (events: CodecEvent[]) => void;
}

const greeted = (...steps: Step[]): Step[] => [server(GREETING), ...steps];
const GREET = ['server reply +OK', 'state AUTHORIZATION'];
const LOGGED_IN = [client('USER pepe\r\n'), server('+OK\r\n'), client('PASS x\r\n'), server('+OK\r\n')];
const LOGIN = ['client command USER', 'server reply USER +OK', 'client command PASS', 'server reply PASS +OK', 'auth USER/PASS success user=pepe', 'state TRANSACTION'];

const auth = (events: CodecEvent[]) => events.find((e) => e.type === 'auth');

const cases: Case[] = [
  {
    name: 'the lab guide session (USER pepe, PASS LaContrasenia, LIST, QUIT)',
    steps: greeted(
      client('USER pepe\r\n'),
      server('+OK Name is a valid mailbox\r\n'),
      client('PASS LaContrasenia\r\n'),
      server('+OK Mailbox locked and ready\r\n'),
      client('LIST\r\n'),
      server(LAB_LIST),
      client('QUIT\r\n'),
      server('+OK\r\n'),
    ),
    transcript: [...GREET, ...LOGIN, 'client command LIST', 'server reply LIST +OK', 'client command QUIT', 'server reply QUIT +OK', 'state UPDATE'],
    check: (events) => {
      expect(auth(events)).toMatchObject({ mechanism: 'USER/PASS', username: 'pepe', password: 'LaContrasenia', result: 'success', verdict: '+OK Mailbox locked and ready' });
      const list = units(events).find((u) => u.verb === 'LIST' && u.side === 'server')!;
      expect(list.bytes.toString()).toBe(LAB_LIST);
      expect(list.note.en).toBe('4 messages listed, 913.0 KiB in all');
      expect(list.note.es).toBe('4 mensajes listados, 913,0 KiB en total');
      const states = events.flatMap((e) => (e.type === 'state' ? [e.note.es] : []));
      expect(states.map((s) => s.split(':')[0])).toEqual(['Fase de AUTORIZACIÓN', 'Fase de TRANSACCIÓN', 'Fase de ACTUALIZACIÓN']);
    },
  },
  {
    name: 'the lab guide typed in lower case (user, pass, list 1, retr 1, quit)',
    steps: greeted(
      client('user usuario\r\n'),
      server('+OK\r\n'),
      client('pass contrase\xc3\xb1a\r\n'),
      server('+OK\r\n'),
      client('list 1\r\n'),
      server('+OK 1 120\r\n'),
      client('retr 1\r\n'),
      server(`+OK\r\n${MESSAGE_1}.\r\n`),
      client('quit\r\n'),
      server('+OK bye\r\n'),
    ),
    transcript: [
      ...GREET,
      'client command USER',
      'server reply USER +OK',
      'client command PASS',
      'server reply PASS +OK',
      'auth USER/PASS success user=usuario',
      'state TRANSACTION',
      'client command LIST',
      'server reply LIST +OK',
      'client command RETR',
      'server reply RETR +OK',
      'server body RETR final',
      'client command QUIT',
      'server reply QUIT +OK',
      'state UPDATE',
    ],
    check: (events) => {
      const u = units(events);
      expect(u.find((x) => x.verb === 'RETR' && x.kind === 'command')!.note).toEqual({ en: 'Download message 1', es: 'Descargar el mensaje 1' });
      expect(u.find((x) => x.verb === 'LIST' && x.kind === 'reply')!.note.en).toBe('Message 1 is 120 bytes');
    },
  },
  {
    name: 'RFC 1939 §10 example session (APOP, STAT, LIST, RETR, DELE, QUIT)',
    steps: RFC1939_SESSION.map(([side, text]) => (side === 'client' ? client(text) : server(text))),
    transcript: [
      ...GREET,
      'client command APOP',
      'server reply APOP +OK',
      'auth APOP success user=mrose',
      'state TRANSACTION',
      'client command STAT',
      'server reply STAT +OK',
      'client command LIST',
      'server reply LIST +OK',
      'client command RETR',
      'server reply RETR +OK',
      'server body RETR final',
      'client command DELE',
      'server reply DELE +OK',
      'client command RETR',
      'server reply RETR +OK',
      'server body RETR final',
      'client command DELE',
      'server reply DELE +OK',
      'client command QUIT',
      'server reply QUIT +OK',
      'state UPDATE',
    ],
    check: (events) => {
      expect(auth(events)).toMatchObject({ proof: 'c4c9334bac560ecc979e58001b3e22fb', verdict: "+OK mrose's maildrop has 2 messages (320 octets)" });
      const u = units(events);
      expect(u[0]!.note.en).toContain('<1896.697170952@dbc.mtview.ca.us>');
      expect(u.find((x) => x.verb === 'STAT' && x.side === 'server')!.note.en).toBe('2 messages, 320 bytes (320 B)');
      const bodies = u.filter((x) => x.kind === 'body');
      expect(bodies[0]!.bytes.toString('latin1')).toBe(`${MESSAGE_1}.\r\n`);
      expect(bodies[0]!.note.en).toContain('Subject "Práctica 6"');
      expect(bodies[0]!.note.en).toContain('From Marshall Rose');
      expect(bodies[1]!.bytes.toString('latin1')).toBe(`${MESSAGE_2}.\r\n`);
      expect(bodies[1]!.bodyOffset).toBe(MESSAGE_2.length + 3);
    },
  },
  {
    name: 'TOP n k streams headers and k lines',
    steps: greeted(...LOGGED_IN, client('TOP 1 2\r\n'), server('+OK\r\nSubject: hi\r\n\r\nline 1\r\n..line 2\r\n.\r\n')),
    transcript: [...GREET, ...LOGIN, 'client command TOP', 'server reply TOP +OK', 'server body TOP final'],
    check: (events) => {
      expect(units(events).find((x) => x.kind === 'command' && x.verb === 'TOP')!.note.en).toBe('Show the headers and the first 2 body lines of message 1');
    },
  },
  {
    name: 'UIDL listing and UIDL n',
    steps: greeted(...LOGGED_IN, client('UIDL\r\n'), server('+OK\r\n1 whqtswO00WBw418f9t5JxYwZ\r\n2 QhdPYR:00WBw1Ph7x7\r\n.\r\n'), client('UIDL 2\r\n'), server('+OK 2 QhdPYR:00WBw1Ph7x7\r\n')),
    transcript: [...GREET, ...LOGIN, 'client command UIDL', 'server reply UIDL +OK', 'client command UIDL', 'server reply UIDL +OK'],
    check: (events) => {
      const replies = units(events).filter((x) => x.verb === 'UIDL' && x.kind === 'reply');
      expect(replies.map((r) => r.note.en)).toEqual(['2 unique ids listed', 'Message 2 has unique id "QhdPYR:00WBw1Ph7x7"']);
    },
  },
  {
    name: 'CAPA listing before login, with pipelined STAT refused',
    steps: greeted(client('CAPA\r\nSTAT\r\n'), server('+OK Capability list follows\r\nTOP\r\nUSER\r\nSASL PLAIN LOGIN\r\nSTLS\r\nPIPELINING\r\n.\r\n-ERR not yet\r\n')),
    transcript: [...GREET, 'client command CAPA', 'client command STAT', 'server reply CAPA +OK', 'server reply STAT -ERR'],
    check: (events) => {
      const u = units(events);
      expect(u.find((x) => x.verb === 'CAPA' && x.kind === 'reply')!.note.en).toMatch(/^Server capabilities \(5\): TOP, USER, SASL PLAIN LOGIN, STLS, PIPELINING; STLS offered/);
      expect(u.find((x) => x.verb === 'STAT' && x.kind === 'command')!.note.en).toContain('not valid in the AUTHORIZATION phase');
    },
  },
  {
    name: 'AUTH PLAIN with an empty + challenge',
    steps: greeted(client('AUTH PLAIN\r\n'), server('+ \r\n'), client(`${b64('\0pepe\0secreto')}\r\n`), server('+OK Logged in\r\n')),
    transcript: [...GREET, 'client command AUTH', 'server reply AUTH +', 'client sasl AUTH', 'server reply AUTH +OK', 'auth PLAIN success user=pepe', 'state TRANSACTION'],
    check: (events) => expect(auth(events)).toMatchObject({ password: 'secreto', verdict: '+OK Logged in' }),
  },
  {
    name: 'AUTH PLAIN with an initial response, refused',
    steps: greeted(client(`AUTH PLAIN ${b64('\0pepe\0mala')}\r\n`), server('-ERR [AUTH] Authentication failed\r\n')),
    transcript: [...GREET, 'client command AUTH', 'server reply AUTH -ERR', 'auth PLAIN failure user=pepe'],
    check: (events) => {
      expect(auth(events)).toMatchObject({ password: 'mala' });
      expect(units(events)[2]!.note.en).toContain('[AUTH]: the credentials are wrong');
    },
  },
  {
    name: 'AUTH LOGIN cancelled with *',
    steps: greeted(client('AUTH LOGIN\r\n'), server(`+ ${b64('Username:')}\r\n`), client(`${b64('pepe')}\r\n`), server(`+ ${b64('Password:')}\r\n`), client('*\r\n'), server('-ERR AUTH cancelled\r\n')),
    transcript: [...GREET, 'client command AUTH', 'server reply AUTH +', 'client sasl AUTH', 'server reply AUTH +', 'client sasl AUTH', 'server reply AUTH -ERR', 'auth LOGIN cancelled user=pepe'],
  },
  {
    name: 'AUTH without a mechanism lists them (multi-line)',
    steps: greeted(client('AUTH\r\n'), server('+OK\r\nPLAIN\r\nLOGIN\r\n.\r\n')),
    transcript: [...GREET, 'client command AUTH', 'server reply AUTH +OK'],
    check: (events) => expect(units(events)[2]!.note.en).toBe('SASL mechanisms offered: PLAIN, LOGIN'),
  },
  {
    name: 'STLS accepted: USER pipelined after it is injected, not a unit',
    steps: greeted(client('STLS\r\nUSER x\r\n'), server('+OK Begin TLS negotiation\r\n'), client('CAPA\r\n'), server('+OK\r\nUSER\r\n.\r\n')),
    transcript: [...GREET, 'client command STLS', 'server reply STLS +OK', 'upgrade-tls STLS', 'injection client "USER x\\r\\n"', 'client command CAPA', 'server reply CAPA +OK'],
    check: (events) => {
      const up = events.find((e) => e.type === 'upgrade-tls')!;
      expect(up.type === 'upgrade-tls' && up.refusal('handshake failed').toString()).toBe('-ERR mailtap: TLS not available: handshake failed\r\n');
    },
  },
  {
    name: 'STLS refused: held bytes become ordinary commands',
    steps: greeted(client('STLS\r\nUSER pepe\r\n'), server('-ERR TLS not available\r\n+OK\r\n')),
    transcript: [...GREET, 'client command STLS', 'server reply STLS -ERR', 'client command USER', 'server reply USER +OK'],
  },
  {
    name: '-ERR to RETR has no body',
    steps: greeted(...LOGGED_IN, client('RETR 9\r\nNOOP\r\n'), server('-ERR no such message\r\n+OK\r\n')),
    transcript: [...GREET, ...LOGIN, 'client command RETR', 'client command NOOP', 'server reply RETR -ERR', 'server reply NOOP +OK'],
  },
  {
    name: 'body line ..hidden stays dot-stuffed and exact',
    steps: greeted(...LOGGED_IN, client('RETR 1\r\n'), server('+OK\r\n..hidden\r\n.\r\n'), client('NOOP\r\n'), server('+OK\r\n')),
    transcript: [...GREET, ...LOGIN, 'client command RETR', 'server reply RETR +OK', 'server body RETR final', 'client command NOOP', 'server reply NOOP +OK'],
    check: (events) => expect(units(events).find((u) => u.kind === 'body')!.bytes.toString()).toBe('..hidden\r\n.\r\n'),
  },
  {
    name: 'over-long client line: raw chunks, one violation, reply still paired',
    options: { limits: { maxLineBytes: 32 } },
    steps: greeted(client(`USER ${'a'.repeat(80)}\r\nNOOP\r\n`), server('-ERR too long\r\n-ERR not now\r\n')),
    transcript: [...GREET, 'violation client E_LINE_TOO_LONG', 'client raw', 'client command NOOP', 'server reply -ERR', 'server reply NOOP -ERR'],
  },
  {
    name: 'over-long server status line to RETR still frames the body',
    options: { limits: { maxLineBytes: 32 } },
    steps: greeted(client('RETR 1\r\n'), server(`+OK ${'x'.repeat(60)}\r\nbody\r\n.\r\n`), client('NOOP\r\n'), server('+OK\r\n')),
    transcript: [...GREET, 'client command RETR', 'violation server E_LINE_TOO_LONG', 'server raw', 'server body RETR final', 'client command NOOP', 'server reply NOOP +OK'],
  },
  {
    name: 'a server line that is neither +OK nor -ERR',
    steps: greeted(client('NOOP\r\n'), server('* junk\r\n+OK\r\n')),
    transcript: [...GREET, 'client command NOOP', 'violation server E_PROTOCOL', 'server raw', 'server reply NOOP +OK'],
  },
  {
    name: 'unknown command and QUIT before login (no UPDATE phase)',
    steps: greeted(client('XYZZY 1\r\n'), server('-ERR unknown command\r\n'), client('QUIT\r\n'), server('+OK bye\r\n')),
    transcript: [...GREET, 'client command XYZZY', 'server reply XYZZY -ERR', 'client command QUIT', 'server reply QUIT +OK'],
    check: (events) => expect(units(events)[1]!.note.en).toContain('Unknown command "XYZZY"'),
  },
  {
    name: 'a locked mailbox: -ERR [IN-USE] to PASS',
    steps: greeted(client('USER pepe\r\nPASS x\r\n'), server('+OK\r\n-ERR [IN-USE] mailbox locked\r\n')),
    transcript: [...GREET, 'client command USER', 'client command PASS', 'server reply USER +OK', 'server reply PASS -ERR', 'auth USER/PASS failure user=pepe'],
    check: (events) => expect(units(events).at(-1)!.note.es).toContain('[IN-USE]: el buzón está bloqueado'),
  },
  {
    name: 'greeting refused',
    steps: [server('-ERR [SYS/TEMP] too busy\r\n')],
    transcript: ['server reply -ERR'],
  },
  {
    name: 'UTF8 and LANG (RFC 6856)',
    steps: greeted(client('UTF8\r\nLANG\r\nLANG es\r\n'), server('+OK UTF8 enabled\r\n+OK\r\nen English\r\nes Español\r\n.\r\n+OK es Idioma cambiado\r\n')),
    transcript: [...GREET, 'client command UTF8', 'client command LANG', 'client command LANG', 'server reply UTF8 +OK', 'server reply LANG +OK', 'server reply LANG +OK'],
    check: (events) => expect(units(events)[5]!.note.en).toBe('2 languages available: en, es'),
  },
  {
    name: 'client ends after USER: the login is incomplete',
    steps: greeted(client('USER pepe\r\n'), server('+OK\r\n'), client('PA'), end('client')),
    transcript: [...GREET, 'client command USER', 'server reply USER +OK', 'client raw', 'auth USER/PASS incomplete user=pepe'],
  },
  {
    name: 'server ends mid SASL exchange and mid body',
    steps: greeted(client('AUTH LOGIN\r\n'), server(`+ ${b64('Username:')}\r\n`), end('server')),
    transcript: [...GREET, 'client command AUTH', 'server reply AUTH +', 'auth LOGIN incomplete'],
  },
  {
    name: 'client half-closes after PASS: the verdict still counts',
    steps: greeted(client('USER a\r\nPASS b\r\n'), end('client'), server('+OK\r\n+OK\r\n'), end('server')),
    transcript: [...GREET, 'client command USER', 'client command PASS', 'server reply USER +OK', 'server reply PASS +OK', 'auth USER/PASS success user=a', 'state TRANSACTION'],
  },
  {
    name: 'end of stream inside RETR content flushes the rest as raw',
    steps: greeted(...LOGGED_IN, client('RETR 1\r\n'), server('+OK\r\nabc\r\n.'), end('server')),
    transcript: [...GREET, ...LOGIN, 'client command RETR', 'server reply RETR +OK', 'server body RETR', 'server raw'],
  },
];

describe('POP3 sessions fed whole, byte by byte and split at every point', () => {
  it.each(cases)('$name', ({ steps, transcript, options, check }) => {
    const events = runAllWays(steps, options);
    expect(summary(events)).toEqual(transcript);
    check?.(events);
  });
});
