// Byte fixtures for the POP3 codec tests: the lab guide's session (practica6-correo.md, verbatim
// apart from the greeting every server sends first), RFC 1939 §10's example session, and small
// messages. Kept apart so the tests read as tables.

export const GREETING = '+OK POP3 server ready\r\n';

export const LAB_LIST = '+OK sean listing follows\r\n1 23941\r\n2 2411\r\n3 16523\r\n4 892034\r\n.\r\n';

export const MESSAGE_1 =
  'Return-Path: <mrose@dbc.mtview.ca.us>\r\n' +
  'From: Marshall Rose <mrose@dbc.mtview.ca.us>\r\n' +
  'To: dewey@example.org\r\n' +
  'Subject: =?UTF-8?B?UHLDoWN0aWNhIDY=?=\r\n' +
  '\r\n' +
  'Hola,\r\n' +
  '..hidden line that was dot-stuffed\r\n' +
  'bye\r\n';

export const MESSAGE_2 = 'From: a@b.example\r\nSubject: second\r\n\r\n\xe9t\xe9 8-bit \x00 NUL\r\n';

/** RFC 1939 §10, with message bodies filled in. */
export const RFC1939_SESSION: [side: 'client' | 'server', text: string][] = [
  ['server', '+OK POP3 server ready <1896.697170952@dbc.mtview.ca.us>\r\n'],
  ['client', 'APOP mrose c4c9334bac560ecc979e58001b3e22fb\r\n'],
  ['server', "+OK mrose's maildrop has 2 messages (320 octets)\r\n"],
  ['client', 'STAT\r\n'],
  ['server', '+OK 2 320\r\n'],
  ['client', 'LIST\r\n'],
  ['server', '+OK 2 messages (320 octets)\r\n1 120\r\n2 200\r\n.\r\n'],
  ['client', 'RETR 1\r\n'],
  ['server', `+OK 120 octets\r\n${MESSAGE_1}.\r\n`],
  ['client', 'DELE 1\r\n'],
  ['server', '+OK message 1 deleted\r\n'],
  ['client', 'RETR 2\r\n'],
  ['server', `+OK 200 octets\r\n${MESSAGE_2}.\r\n`],
  ['client', 'DELE 2\r\n'],
  ['server', '+OK message 2 deleted\r\n'],
  ['client', 'QUIT\r\n'],
  ['server', '+OK dewey POP3 server signing off (maildrop empty)\r\n'],
];

export const b64 = (s: string): string => Buffer.from(s, 'latin1').toString('base64');
