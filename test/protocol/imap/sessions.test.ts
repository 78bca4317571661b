// Byte-fixture transcripts: each session is fed whole, byte by byte and cut at every point; the
// events must be identical, give back the fed bytes, and read as the expected transcript.

import { describe, expect, it } from 'vitest';
import { brief, expectChunkInvariant, expectFidelity, normalise, run, type Step } from './harness.js';

const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64');

interface Case {
  name: string;
  steps: Step[];
  expected: string[];
}

const HEADER = [
  'Date: Wed, 17 Jul 1996 02:23:25 -0700 (PDT)',
  'From: Terry Gray <gray@cac.washington.edu>',
  'Subject: IMAP4rev2 WG mtg summary and minutes',
  'To: imap@cac.washington.edu',
  'cc: minutes@CNRI.Reston.VA.US, John Klensin <KLENSIN@MIT.EDU>',
  'Message-Id: <B27397-0100000@cac.washington.edu>',
  'MIME-Version: 1.0',
  'Content-Type: TEXT/PLAIN; CHARSET=US-ASCII',
  '',
  '',
].join('\r\n');

const cases: Case[] = [
  {
    name: 'lab guide: login with quoted strings, list everything, select, fetch body[], logout',
    steps: [
      ['server', '* OK [CAPABILITY IMAP4rev1 IMAP4rev2] ready\r\n'],
      ['client', '1 login "usuario" "contraseña"\r\n'],
      ['server', '1 OK LOGIN completed\r\n'],
      ['client', '1 list "" "*"\r\n'],
      ['server', '* LIST (\\Marked) (\\HasNoChildren) "/" INBOX\r\n1 OK LIST completed\r\n'],
      ['client', 'a select INBOX\r\n'],
      ['server', '* 1 EXISTS\r\n* OK [UIDNEXT 2] next\r\na OK [READ-WRITE] SELECT completed\r\n'],
      ['client', 'a fetch 1 body[]\r\n'],
      ['server', '* 1 FETCH (BODY[] {12}\r\nSubject: hi\n)\r\na OK FETCH completed\r\n'],
      ['client', 'a logout\r\n'],
      ['server', '* BYE see you\r\na OK LOGOUT completed\r\n'],
    ],
    expected: [
      'server reply tag=* status=OK: "* OK [CAPABILITY IMAP4rev1 IMAP4rev2] ready\\r\\n"',
      'state not-authenticated',
      'client command tag=1 verb=LOGIN: "1 login \\"usuario\\" \\"contraseÃ±a\\"\\r\\n"',
      'server reply tag=1 verb=LOGIN status=OK: "1 OK LOGIN completed\\r\\n"',
      'auth IMAP LOGIN success user=usuario pass=contraseña',
      'state authenticated',
      'client command tag=1 verb=LIST: "1 list \\"\\" \\"*\\"\\r\\n"',
      'server reply tag=* status=LIST: "* LIST (\\\\Marked) (\\\\HasNoChildren) \\"/\\" INBOX\\r\\n"',
      'server reply tag=1 verb=LIST status=OK: "1 OK LIST completed\\r\\n"',
      'client command tag=a verb=SELECT: "a select INBOX\\r\\n"',
      'server reply tag=* status=EXISTS: "* 1 EXISTS\\r\\n"',
      'server reply tag=* status=OK: "* OK [UIDNEXT 2] next\\r\\n"',
      'server reply tag=a verb=SELECT status=OK: "a OK [READ-WRITE] SELECT completed\\r\\n"',
      'state selected',
      'client command tag=a verb=FETCH: "a fetch 1 body[]\\r\\n"',
      'server reply tag=* status=FETCH: "* 1 FETCH (BODY[] {12}\\r\\n"',
      'server body tag=* status=FETCH final: "Subject: hi\\n"',
      'server reply tag=* status=FETCH continued: ")\\r\\n"',
      'server reply tag=a verb=FETCH status=OK: "a OK FETCH completed\\r\\n"',
      'client command tag=a verb=LOGOUT: "a logout\\r\\n"',
      'server reply tag=* status=BYE: "* BYE see you\\r\\n"',
      'state logout',
      'server reply tag=a verb=LOGOUT status=OK: "a OK LOGOUT completed\\r\\n"',
    ],
  },
  {
    name: 'lab guide: login with atoms (a login arquitarde1 contraseña), rejected',
    steps: [
      ['server', '* OK ready\r\n'],
      ['client', 'a login arquitarde1 contraseña\r\n'],
      ['server', 'a NO [AUTHENTICATIONFAILED] Invalid credentials\r\n'],
    ],
    expected: [
      'server reply tag=* status=OK: "* OK ready\\r\\n"',
      'state not-authenticated',
      'client command tag=a verb=LOGIN: "a login arquitarde1 contraseÃ±a\\r\\n"',
      'server reply tag=a verb=LOGIN status=NO: "a NO [AUTHENTICATIONFAILED] Invalid credentials\\r\\n"',
      'auth IMAP LOGIN failure user=arquitarde1 pass=contraseña',
    ],
  },
  {
    name: 'RFC 9051 §8 sample session',
    steps: [
      ['server', '* OK [CAPABILITY STARTTLS AUTH=SCRAM-SHA-256 LOGINDISABLED IMAP4rev2] IMAP4rev2 Service Ready\r\n'],
      ['client', 'a001 login mrc secret\r\n'],
      ['server', 'a001 OK LOGIN completed\r\n'],
      ['client', 'a002 select inbox\r\n'],
      ['server', '* 18 EXISTS\r\n* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)\r\n* OK [UIDVALIDITY 3857529045] UIDs valid\r\n* LIST () "/" INBOX\r\na002 OK [READ-WRITE] SELECT completed\r\n'],
      ['client', 'a004 fetch 12 body[header]\r\n'],
      ['server', `* 12 FETCH (BODY[HEADER] {${HEADER.length}}\r\n${HEADER})\r\na004 OK FETCH completed\r\n`],
      ['client', 'a005 store 12 +flags \\deleted\r\n'],
      ['server', '* 12 FETCH (FLAGS (\\Seen \\Deleted))\r\na005 OK +FLAGS completed\r\n'],
      ['client', 'a006 logout\r\n'],
      ['server', '* BYE IMAP4rev2 server terminating connection\r\na006 OK LOGOUT completed\r\n'],
    ],
    expected: [
      'server reply tag=* status=OK: "* OK [CAPABILITY STARTTLS AUTH=SCRAM-SHA-256 LOGINDISABLED IMAP4rev2] IMAP4rev2 Service Ready\\r\\n"',
      'state not-authenticated',
      'client command tag=a001 verb=LOGIN: "a001 login mrc secret\\r\\n"',
      'server reply tag=a001 verb=LOGIN status=OK: "a001 OK LOGIN completed\\r\\n"',
      'auth IMAP LOGIN success user=mrc pass=secret',
      'state authenticated',
      'client command tag=a002 verb=SELECT: "a002 select inbox\\r\\n"',
      'server reply tag=* status=EXISTS: "* 18 EXISTS\\r\\n"',
      'server reply tag=* status=FLAGS: "* FLAGS (\\\\Answered \\\\Flagged \\\\Deleted \\\\Seen \\\\Draft)\\r\\n"',
      'server reply tag=* status=OK: "* OK [UIDVALIDITY 3857529045] UIDs valid\\r\\n"',
      'server reply tag=* status=LIST: "* LIST () \\"/\\" INBOX\\r\\n"',
      'server reply tag=a002 verb=SELECT status=OK: "a002 OK [READ-WRITE] SELECT completed\\r\\n"',
      'state selected',
      'client command tag=a004 verb=FETCH: "a004 fetch 12 body[header]\\r\\n"',
      `server reply tag=* status=FETCH: "* 12 FETCH (BODY[HEADER] {${HEADER.length}}\\r\\n"`,
      `server body tag=* status=FETCH final: ${JSON.stringify(HEADER)}`,
      'server reply tag=* status=FETCH continued: ")\\r\\n"',
      'server reply tag=a004 verb=FETCH status=OK: "a004 OK FETCH completed\\r\\n"',
      'client command tag=a005 verb=STORE: "a005 store 12 +flags \\\\deleted\\r\\n"',
      'server reply tag=* status=FETCH: "* 12 FETCH (FLAGS (\\\\Seen \\\\Deleted))\\r\\n"',
      'server reply tag=a005 verb=STORE status=OK: "a005 OK +FLAGS completed\\r\\n"',
      'client command tag=a006 verb=LOGOUT: "a006 logout\\r\\n"',
      'server reply tag=* status=BYE: "* BYE IMAP4rev2 server terminating connection\\r\\n"',
      'state logout',
      'server reply tag=a006 verb=LOGOUT status=OK: "a006 OK LOGOUT completed\\r\\n"',
    ],
  },
  {
    name: 'APPEND with a synchronizing literal waits for + Ready',
    steps: [
      ['client', 'A003 APPEND saved-messages (\\Seen) {7}\r\n'],
      ['server', '+ Ready for literal data\r\n'],
      ['client', 'Hi\r\nBye\r\n'],
      ['server', 'A003 OK APPEND completed\r\n'],
    ],
    expected: [
      'client command tag=A003 verb=APPEND: "A003 APPEND saved-messages (\\\\Seen) {7}\\r\\n"',
      'server reply tag=+ verb=APPEND: "+ Ready for literal data\\r\\n"',
      'client body tag=A003 verb=APPEND final: "Hi\\r\\nBye"',
      'client command tag=A003 verb=APPEND continued: "\\r\\n"',
      'server reply tag=A003 verb=APPEND status=OK: "A003 OK APPEND completed\\r\\n"',
    ],
  },
  {
    name: 'APPEND with LITERAL+ and a binary literal, pipelined',
    steps: [
      ['client', 'A1 APPEND INBOX {3+}\r\nabc\r\nA2 APPEND INBOX ~{2}\r\n'],
      ['server', '+ go\r\n'],
      ['client', '\x00\x01 {1-}\r\nz\r\nA3 NOOP\r\n'],
      ['server', 'A1 OK done\r\nA2 OK done\r\nA3 OK done\r\n'],
    ],
    expected: [
      'client command tag=A1 verb=APPEND: "A1 APPEND INBOX {3+}\\r\\n"',
      'client body tag=A1 verb=APPEND final: "abc"',
      'client command tag=A1 verb=APPEND continued: "\\r\\n"',
      'client command tag=A2 verb=APPEND: "A2 APPEND INBOX ~{2}\\r\\n"',
      'server reply tag=+ verb=APPEND: "+ go\\r\\n"',
      'client body tag=A2 verb=APPEND final: "\\u0000\\u0001"',
      'client command tag=A2 verb=APPEND continued: " {1-}\\r\\n"',
      'client body tag=A2 verb=APPEND final: "z"',
      'client command tag=A2 verb=APPEND continued: "\\r\\n"',
      'client command tag=A3 verb=NOOP: "A3 NOOP\\r\\n"',
      'server reply tag=A1 verb=APPEND status=OK: "A1 OK done\\r\\n"',
      'server reply tag=A2 verb=APPEND status=OK: "A2 OK done\\r\\n"',
      'server reply tag=A3 verb=NOOP status=OK: "A3 OK done\\r\\n"',
    ],
  },
  {
    name: 'a synchronizing literal refused with NO: the next client bytes are a new command',
    steps: [
      ['client', 'A4 APPEND INBOX {99999}\r\n'],
      ['server', 'A4 NO [OVERQUOTA] too big\r\n'],
      ['client', 'A5 NOOP\r\n'],
      ['server', 'A5 OK\r\n'],
    ],
    expected: [
      'client command tag=A4 verb=APPEND: "A4 APPEND INBOX {99999}\\r\\n"',
      'server reply tag=A4 verb=APPEND status=NO: "A4 NO [OVERQUOTA] too big\\r\\n"',
      'client command tag=A5 verb=NOOP: "A5 NOOP\\r\\n"',
      'server reply tag=A5 verb=NOOP status=OK: "A5 OK\\r\\n"',
    ],
  },
  {
    name: 'LOGIN with a literal password',
    steps: [
      ['client', 'x LOGIN alice {6}\r\n'],
      ['server', '+ \r\n'],
      ['client', 's3 "x\r\n'],
      ['server', 'x OK welcome\r\n'],
    ],
    expected: [
      'client command tag=x verb=LOGIN: "x LOGIN alice {6}\\r\\n"',
      'server reply tag=+ verb=LOGIN: "+ \\r\\n"',
      'client body tag=x verb=LOGIN final: "s3 \\"x\\r"',
      'client command tag=x verb=LOGIN continued: "\\n"',
      'server reply tag=x verb=LOGIN status=OK: "x OK welcome\\r\\n"',
      'auth IMAP LOGIN success user=alice pass=s3 "x\r',
      'state authenticated',
    ],
  },
  {
    name: 'LOGIN with quoted escapes and both arguments as literals',
    steps: [
      ['client', 'y LOGIN "a\\"b\\\\c" {2+}\r\npw\r\nz LOGIN {1+}\r\nu {1+}\r\np\r\n'],
      ['server', 'y NO bad\r\nz OK\r\n'],
    ],
    expected: [
      'client command tag=y verb=LOGIN: "y LOGIN \\"a\\\\\\"b\\\\\\\\c\\" {2+}\\r\\n"',
      'client body tag=y verb=LOGIN final: "pw"',
      'client command tag=y verb=LOGIN continued: "\\r\\n"',
      'client command tag=z verb=LOGIN: "z LOGIN {1+}\\r\\n"',
      'client body tag=z verb=LOGIN final: "u"',
      'client command tag=z verb=LOGIN continued: " {1+}\\r\\n"',
      'client body tag=z verb=LOGIN final: "p"',
      'client command tag=z verb=LOGIN continued: "\\r\\n"',
      'server reply tag=y verb=LOGIN status=NO: "y NO bad\\r\\n"',
      'auth IMAP LOGIN failure user=a"b\\c pass=pw',
      'server reply tag=z verb=LOGIN status=OK: "z OK\\r\\n"',
      'auth IMAP LOGIN success user=u pass=p',
      'state authenticated',
    ],
  },
  {
    name: 'AUTHENTICATE PLAIN with a + continuation',
    steps: [
      ['client', 'a1 AUTHENTICATE PLAIN\r\n'],
      ['server', '+ \r\n'],
      ['client', `${b64('\0tim\0tanstaaftanstaaf')}\r\n`],
      ['server', 'a1 OK [CAPABILITY IMAP4rev2] Success\r\n'],
    ],
    expected: [
      'client command tag=a1 verb=AUTHENTICATE: "a1 AUTHENTICATE PLAIN\\r\\n"',
      'server reply tag=+ verb=AUTHENTICATE: "+ \\r\\n"',
      `client sasl tag=a1 verb=AUTHENTICATE: "${b64('\0tim\0tanstaaftanstaaf')}\\r\\n"`,
      'server reply tag=a1 verb=AUTHENTICATE status=OK: "a1 OK [CAPABILITY IMAP4rev2] Success\\r\\n"',
      'auth PLAIN success user=tim pass=tanstaaftanstaaf',
      'state authenticated',
    ],
  },
  {
    name: 'AUTHENTICATE PLAIN with SASL-IR (RFC 4959)',
    steps: [
      ['client', `a2 authenticate plain ${b64('\0tim\0pw')}\r\n`],
      ['server', 'a2 NO [AUTHENTICATIONFAILED] nope\r\n'],
    ],
    expected: [
      `client command tag=a2 verb=AUTHENTICATE: "a2 authenticate plain ${b64('\0tim\0pw')}\\r\\n"`,
      'server reply tag=a2 verb=AUTHENTICATE status=NO: "a2 NO [AUTHENTICATIONFAILED] nope\\r\\n"',
      'auth PLAIN failure user=tim pass=pw',
    ],
  },
  {
    name: 'AUTHENTICATE cancelled with *',
    steps: [
      ['client', 'a3 AUTHENTICATE LOGIN\r\n'],
      ['server', `+ ${b64('Username:')}\r\n`],
      ['client', '*\r\n'],
      ['server', 'a3 BAD cancelled\r\n'],
      ['client', 'a4 NOOP\r\n'],
    ],
    expected: [
      'client command tag=a3 verb=AUTHENTICATE: "a3 AUTHENTICATE LOGIN\\r\\n"',
      `server reply tag=+ verb=AUTHENTICATE: "+ ${b64('Username:')}\\r\\n"`,
      'client sasl tag=a3 verb=AUTHENTICATE: "*\\r\\n"',
      'server reply tag=a3 verb=AUTHENTICATE status=BAD: "a3 BAD cancelled\\r\\n"',
      'auth LOGIN cancelled',
      'client command tag=a4 verb=NOOP: "a4 NOOP\\r\\n"',
    ],
  },
  {
    name: 'IDLE with untagged updates, ended by DONE',
    steps: [
      ['client', 'i IDLE\r\n'],
      ['server', '+ idling\r\n* 4 EXISTS\r\n* 2 EXPUNGE\r\n'],
      ['client', 'DONE\r\n'],
      ['server', 'i OK IDLE terminated\r\n'],
    ],
    expected: [
      'client command tag=i verb=IDLE: "i IDLE\\r\\n"',
      'server reply tag=+ verb=IDLE: "+ idling\\r\\n"',
      'server reply tag=* status=EXISTS: "* 4 EXISTS\\r\\n"',
      'server reply tag=* status=EXPUNGE: "* 2 EXPUNGE\\r\\n"',
      'client command verb=DONE: "DONE\\r\\n"',
      'server reply tag=i verb=IDLE status=OK: "i OK IDLE terminated\\r\\n"',
    ],
  },
  {
    name: 'UID FETCH, UID MOVE and UID EXPUNGE are compound verbs',
    steps: [
      ['client', 'u1 UID FETCH 1:* (FLAGS)\r\nu2 uid move 7 Archive\r\nu3 UID EXPUNGE 3000:3002\r\n'],
      ['server', '* 1 FETCH (UID 7 FLAGS ())\r\nu1 OK\r\nu2 OK\r\nu3 OK\r\n'],
    ],
    expected: [
      'client command tag=u1 verb=UID FETCH: "u1 UID FETCH 1:* (FLAGS)\\r\\n"',
      'client command tag=u2 verb=UID MOVE: "u2 uid move 7 Archive\\r\\n"',
      'client command tag=u3 verb=UID EXPUNGE: "u3 UID EXPUNGE 3000:3002\\r\\n"',
      'server reply tag=* status=FETCH: "* 1 FETCH (UID 7 FLAGS ())\\r\\n"',
      'server reply tag=u1 verb=UID FETCH status=OK: "u1 OK\\r\\n"',
      'server reply tag=u2 verb=UID MOVE status=OK: "u2 OK\\r\\n"',
      'server reply tag=u3 verb=UID EXPUNGE status=OK: "u3 OK\\r\\n"',
    ],
  },
  {
    name: 'STARTTLS accepted: a pipelined LOGIN is an injection, decoding restarts inside TLS',
    steps: [
      ['server', '* OK [CAPABILITY IMAP4rev2 STARTTLS LOGINDISABLED] ready\r\n'],
      ['client', 's STARTTLS\r\na LOGIN'],
      ['client', ' victim secret\r\n'],
      ['server', 's OK Begin TLS negotiation now\r\n'],
      ['client', 'c CAPABILITY\r\n'],
      ['server', '* CAPABILITY IMAP4rev2 AUTH=PLAIN\r\nc OK\r\n'],
    ],
    expected: [
      'server reply tag=* status=OK: "* OK [CAPABILITY IMAP4rev2 STARTTLS LOGINDISABLED] ready\\r\\n"',
      'state not-authenticated',
      'client command tag=s verb=STARTTLS: "s STARTTLS\\r\\n"',
      'server reply tag=s verb=STARTTLS status=OK: "s OK Begin TLS negotiation now\\r\\n"',
      'upgrade-tls',
      'injection client: "a LOGIN victim secret\\r\\n"',
      'state not-authenticated',
      'client command tag=c verb=CAPABILITY: "c CAPABILITY\\r\\n"',
      'server reply tag=* status=CAPABILITY: "* CAPABILITY IMAP4rev2 AUTH=PLAIN\\r\\n"',
      'server reply tag=c verb=CAPABILITY status=OK: "c OK\\r\\n"',
    ],
  },
  {
    name: 'STARTTLS refused: held client bytes are released as normal units',
    steps: [
      ['client', 's STARTTLS\r\nn NOOP\r\n'],
      ['server', 's NO TLS unavailable\r\nn OK\r\n'],
    ],
    expected: [
      'client command tag=s verb=STARTTLS: "s STARTTLS\\r\\n"',
      'server reply tag=s verb=STARTTLS status=NO: "s NO TLS unavailable\\r\\n"',
      'client command tag=n verb=NOOP: "n NOOP\\r\\n"',
      'server reply tag=n verb=NOOP status=OK: "n OK\\r\\n"',
    ],
  },
  {
    name: 'PREAUTH greeting, EXAMINE, failed SELECT deselects, CLOSE',
    steps: [
      ['server', '* PREAUTH welcome back\r\n'],
      ['client', 'e EXAMINE Archive\r\n'],
      ['server', 'e OK [READ-ONLY] done\r\n'],
      ['client', 'f SELECT Nope\r\n'],
      ['server', 'f NO [NONEXISTENT] no such mailbox\r\n'],
    ],
    expected: [
      'server reply tag=* status=PREAUTH: "* PREAUTH welcome back\\r\\n"',
      'state authenticated',
      'client command tag=e verb=EXAMINE: "e EXAMINE Archive\\r\\n"',
      'server reply tag=e verb=EXAMINE status=OK: "e OK [READ-ONLY] done\\r\\n"',
      'state selected',
      'client command tag=f verb=SELECT: "f SELECT Nope\\r\\n"',
      'server reply tag=f verb=SELECT status=NO: "f NO [NONEXISTENT] no such mailbox\\r\\n"',
      'state authenticated',
    ],
  },
  {
    name: 'garbage lines are violations passed as raw; decoding resumes at the next line',
    steps: [
      ['client', '\r\nhello\r\n(x)\r\nok NOOP\r\n'],
      ['server', 'HTTP/1.1 400\r\nok OK\r\n'],
    ],
    expected: [
      'violation client E_PROTOCOL',
      'client raw: "\\r\\n"',
      'violation client E_PROTOCOL',
      'client raw: "hello\\r\\n"',
      'violation client E_PROTOCOL',
      'client raw: "(x)\\r\\n"',
      'client command tag=ok verb=NOOP: "ok NOOP\\r\\n"',
      'violation server E_PROTOCOL',
      'server raw: "HTTP/1.1 400\\r\\n"',
      'server reply tag=ok verb=NOOP status=OK: "ok OK\\r\\n"',
    ],
  },
  {
    name: 'end of stream mid-LOGIN and mid-line: incomplete auth and raw partials',
    steps: [
      ['client', 'l LOGIN bob pw\r\nm NO'],
      ['server', '* OK'],
    ],
    expected: [
      'client command tag=l verb=LOGIN: "l LOGIN bob pw\\r\\n"',
      'client raw: "m NO"',
      'auth IMAP LOGIN incomplete user=bob pass=pw',
      'server raw: "* OK"',
    ],
  },
];

describe('IMAP sessions (fed whole, byte by byte and cut at every point)', () => {
  it.each(cases)('$name', ({ steps, expected }) => {
    const flat = expectChunkInvariant(steps);
    expect(brief(flat)).toEqual(expected);
    expectFidelity(steps, run(steps));
  });
});

describe('STARTTLS boundary on the server side', () => {
  it('server plaintext after the accepting OK, in the same feed, is an injection (RFC 9051 §6.2.1)', () => {
    const steps: Step[] = [
      ['client', 's STARTTLS\r\n'],
      ['server', 's OK go\r\n* OK evil\r\n'],
    ];
    const events = run(steps);
    expect(brief(normalise(events))).toEqual([
      'client command tag=s verb=STARTTLS: "s STARTTLS\\r\\n"',
      'server reply tag=s verb=STARTTLS status=OK: "s OK go\\r\\n"',
      'upgrade-tls',
      'injection server: "* OK evil\\r\\n"',
      'state not-authenticated',
    ]);
    expectFidelity(steps, events);
    const up = events.find((e) => e.type === 'upgrade-tls');
    expect(up && up.type === 'upgrade-tls' && up.refusal('boom\r\nx').toString()).toBe('s NO [UNAVAILABLE] mailtap: TLS not available: boom x\r\n');
  });
});
