// Replies captured from the interop servers (Postfix 3.7 and Dovecot 2.3, test/interop/setup.sh),
// byte for byte, with the client lines the lab guide has a student type. Each transcript pins a
// note mailtap once got wrong; keep the server text exactly as captured.

import type { Protocol, Side } from '../../../src/protocol/types.js';

export type Line = readonly [Side, string];

export interface RealTranscript {
  name: string;
  protocol: Protocol;
  lines: readonly Line[];
  /** The line whose note (or event) is checked, matched exactly. */
  expectations: readonly Expectation[];
}

export interface Expectation {
  /** The unit whose note is checked (the exact line, CRLF included). */
  unit?: string;
  /** Checks a non-unit event instead: `auth`, `state`, `hint`. */
  event?: { type: string; [key: string]: unknown };
  /** Which occurrence of `unit` (0-based), when the same line appears more than once. */
  nth?: number;
  has?: readonly string[];
  hasNot?: readonly string[];
  /** Spanish note must contain these. */
  hasEs?: readonly string[];
}

const C = (s: string): Line => ['client', `${s}\r\n`];
const S = (s: string): Line => ['server', `${s}\r\n`];

const POSTFIX_GREETING = S('220 mx.mailtap.test ESMTP mailtap interop (Postfix)');
const POSTFIX_EHLO = S('250-mx.mailtap.test\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n250-VRFY\r\n250-ETRN\r\n250-STARTTLS\r\n250-AUTH PLAIN LOGIN CRAM-MD5\r\n250-ENHANCEDSTATUSCODES\r\n250-8BITMIME\r\n250-DSN\r\n250-SMTPUTF8\r\n250 CHUNKING');
const DOVECOT_POP3 = S('+OK [XCLIENT] Dovecot (Debian) ready.');
const DOVECOT_IMAP = S('* OK [CAPABILITY IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE LITERAL+ STARTTLS AUTH=PLAIN AUTH=LOGIN AUTH=CRAM-MD5] Dovecot (Debian) ready.');
const DOVECOT_LOGIN_OK = S('a OK [CAPABILITY IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE SORT SORT=DISPLAY THREAD=REFERENCES THREAD=REFS THREAD=ORDEREDSUBJECT MULTIAPPEND URL-PARTIAL CATENATE UNSELECT CHILDREN NAMESPACE UIDPLUS LIST-EXTENDED I18NLEVEL=1 CONDSTORE QRESYNC ESEARCH ESORT SEARCHRES WITHIN CONTEXT=SEARCH LIST-STATUS BINARY MOVE SNIPPET=FUZZY PREVIEW=FUZZY PREVIEW STATUS=SIZE SAVEDATE LITERAL+ NOTIFY SPECIAL-USE] Logged in');
const DOVECOT_SELECT = S('* OK [CLOSED] Previous mailbox closed.\r\n* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)\r\n* OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft \\*)] Flags permitted.\r\n* 1 EXISTS\r\n* 1 RECENT\r\n* OK [UNSEEN 1] First unseen.\r\n* OK [UIDVALIDITY 1796216211] UIDs valid\r\n* OK [UIDNEXT 3] Predicted next UID\r\na OK [READ-WRITE] Select completed (0.002 + 0.000 + 0.001 secs).');
const DOVECOT_EXAMINE = S('* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)\r\n* OK [PERMANENTFLAGS ()] Read-only mailbox.\r\n* 1 EXISTS\r\n* 1 RECENT\r\n* OK [UNSEEN 1] First unseen.\r\n* OK [UIDVALIDITY 1796216211] UIDs valid\r\n* OK [UIDNEXT 3] Predicted next UID\r\na OK [READ-ONLY] Examine completed (0.005 + 0.000 + 0.004 secs).');

export const REAL: readonly RealTranscript[] = [
  {
    name: 'SMTP VRFY answered 252 (Postfix): cannot verify, not "mailbox exists" (RFC 5321 §3.5.3)',
    protocol: 'smtp',
    lines: [POSTFIX_GREETING, C('EHLO x'), POSTFIX_EHLO, C('VRFY bob'), S('252 2.0.0 bob'), C('QUIT'), S('221 2.0.0 Bye')],
    expectations: [{ unit: '252 2.0.0 bob\r\n', has: ['cannot verify'], hasNot: ['exists'], hasEs: ['no se puede verificar'] }],
  },
  {
    name: 'SMTP AUTH cancelled with "*" (Postfix 501 5.7.0): aborted, not "authentication succeeded"',
    protocol: 'smtp',
    lines: [POSTFIX_GREETING, C('EHLO x'), POSTFIX_EHLO, C('AUTH LOGIN'), S('334 VXNlcm5hbWU6'), C('*'), S('501 5.7.0 Authentication aborted'), C('QUIT'), S('221 2.0.0 Bye')],
    expectations: [{ unit: '501 5.7.0 Authentication aborted\r\n', hasNot: ['succeeded'], has: ['cancel'], hasEs: ['cancel'] }],
  },
  {
    name: 'POP3 QUIT after DELE then RSET (Dovecot): nothing is deleted',
    protocol: 'pop3',
    lines: [DOVECOT_POP3, C('USER bob'), S('+OK'), C('PASS bob-Secret2'), S('+OK Logged in.'), C('STAT'), S('+OK 1 565'), C('DELE 1'), S('+OK Marked to be deleted.'), C('RSET'), S('+OK'), C('QUIT'), S('+OK Logging out.')],
    expectations: [
      { unit: '+OK Logging out.\r\n', hasNot: ['Marked messages deleted'], has: ['RSET', 'nothing'], hasEs: ['RSET'] },
      { unit: 'QUIT\r\n', hasNot: ['deletes the messages marked'], has: ['RSET'] },
    ],
  },
  {
    name: 'POP3 QUIT with nothing marked (Dovecot): nothing to delete',
    protocol: 'pop3',
    lines: [DOVECOT_POP3, C('USER alice'), S('+OK'), C('PASS alice-Secret1'), S('+OK Logged in.'), C('STAT'), S('+OK 0 0'), C('QUIT'), S('+OK Logging out.')],
    expectations: [{ unit: '+OK Logging out.\r\n', hasNot: ['Marked messages deleted'], has: ['no message was marked'], hasEs: ['ningún mensaje'] }],
  },
  {
    name: 'POP3 QUIT with one message marked (Dovecot): that one is deleted',
    protocol: 'pop3',
    lines: [DOVECOT_POP3, C('USER bob'), S('+OK'), C('PASS bob-Secret2'), S('+OK Logged in.'), C('STAT'), S('+OK 1 565'), C('DELE 1'), S('+OK Marked to be deleted.'), C('QUIT'), S('+OK Logging out, messages deleted.')],
    expectations: [
      { unit: '+OK Logging out, messages deleted.\r\n', has: ['1 message marked with DELE'], hasEs: ['el mensaje marcado'] },
      { unit: 'QUIT\r\n', has: ['1 message marked'] },
    ],
  },
  {
    name: 'POP3 DELE refused (Dovecot "-ERR There\'s no message 1."): nothing gets marked',
    protocol: 'pop3',
    lines: [DOVECOT_POP3, C('USER alice'), S('+OK'), C('PASS alice-Secret1'), S('+OK Logged in.'), C('DELE 1'), S("-ERR There's no message 1."), C('QUIT'), S('+OK Logging out.')],
    expectations: [{ unit: '+OK Logging out.\r\n', has: ['no message was marked'] }],
  },
  {
    name: 'IMAP EXAMINE then STORE (Dovecot "Store ignored with read-only mailbox")',
    protocol: 'imap',
    lines: [DOVECOT_IMAP, C('a login bob bob-Secret2'), DOVECOT_LOGIN_OK, C('a examine INBOX'), DOVECOT_EXAMINE, C('a store 1 +flags (\\Seen)'), S('a OK Store ignored with read-only mailbox (0.001 + 0.000 secs).'), C('a logout'), S('* BYE Logging out\r\na OK Logout completed (0.001 + 0.000 secs).')],
    expectations: [
      { unit: 'a OK Store ignored with read-only mailbox (0.001 + 0.000 secs).\r\n', has: ['read-only', 'EXAMINE', 'nothing was stored'], hasNot: ['OK (success)'], hasEs: ['solo lectura', 'EXAMINE'] },
    ],
  },
  {
    name: 'IMAP tag "a" reused one command at a time (lab guide): each reply gets its own command, state becomes selected',
    protocol: 'imap',
    lines: [DOVECOT_IMAP, C('a login bob bob-Secret2'), DOVECOT_LOGIN_OK, C('a select INBOX'), DOVECOT_SELECT, C('a fetch 1 (FLAGS)'), S('* 1 FETCH (FLAGS (\\Recent))\r\na OK Fetch completed (0.001 + 0.000 secs).'), C('a search ALL'), S('* SEARCH 1\r\na OK Search completed (0.001 + 0.000 secs).'), C('a logout'), S('* BYE Logging out\r\na OK Logout completed (0.001 + 0.000 secs).')],
    expectations: [
      { unit: 'a OK [READ-WRITE] Select completed (0.002 + 0.000 + 0.001 secs).\r\n', has: ['SELECT'] },
      { unit: 'a OK Fetch completed (0.001 + 0.000 secs).\r\n', has: ['FETCH'] },
      { unit: 'a OK Search completed (0.001 + 0.000 secs).\r\n', has: ['SEARCH'] },
      { event: { type: 'state', state: 'selected' } },
      { unit: 'a login bob bob-Secret2\r\n', has: ['tag a:'] },
      { unit: 'a select INBOX\r\n', hasNot: ['tag a:'] },
      { unit: 'a fetch 1 (FLAGS)\r\n', hasNot: ['tag a:'] },
    ],
  },
  {
    name: 'IMAP tag "a" reused, pipelined (lab guide): the oldest outstanding "a" gets the completion',
    protocol: 'imap',
    lines: [DOVECOT_IMAP, C('a login bob bob-Secret2'), DOVECOT_LOGIN_OK, C('a select INBOX\r\na fetch 1 (FLAGS)\r\na search ALL'), DOVECOT_SELECT, S('* 1 FETCH (FLAGS (\\Recent))\r\na OK Fetch completed (0.001 + 0.000 secs).'), S('* SEARCH 1\r\na OK Search completed (0.001 + 0.000 secs).'), C('a logout'), S('* BYE Logging out\r\na OK Logout completed (0.001 + 0.000 secs).')],
    expectations: [
      { unit: 'a OK [READ-WRITE] Select completed (0.002 + 0.000 + 0.001 secs).\r\n', has: ['SELECT'], hasNot: ['SEARCH'] },
      { unit: 'a OK Fetch completed (0.001 + 0.000 secs).\r\n', has: ['FETCH'] },
      { event: { type: 'state', state: 'selected' } },
      { unit: 'a select INBOX\r\n', has: ['tag a reused'], hasNot: ['any label'], hasEs: ['reutilizada'] },
      { unit: 'a fetch 1 (FLAGS)\r\n', hasNot: ['reused', 'any label'] },
      { unit: 'a search ALL\r\n', hasNot: ['reused', 'any label'] },
    ],
  },
  {
    name: 'IMAP failed LOGIN then LOGOUT before the NO arrives (Dovecot delays failures): the NO is LOGIN\'s',
    protocol: 'imap',
    lines: [DOVECOT_IMAP, C('a login bob wrong'), C('a logout'), S('a NO [AUTHENTICATIONFAILED] Authentication failed.'), S('* BYE Logging out\r\na OK Logout completed.')],
    expectations: [
      { unit: 'a NO [AUTHENTICATIONFAILED] Authentication failed.\r\n', has: ['LOGIN'], hasNot: ['LOGOUT'] },
      { unit: 'a OK Logout completed.\r\n', has: ['LOGOUT'] },
      { event: { type: 'auth', result: 'failure', username: 'bob' } },
    ],
  },
];
