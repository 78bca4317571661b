// Byte transcripts for the SMTP codec tests: the lab guide's sessions verbatim (with CRLF line
// ends, as `openssl s_client -crlf` sends them) and the examples of the RFCs.

import { c, s, type Step } from './feed-smtp.js';

const b64 = (t: string): string => Buffer.from(t, 'utf8').toString('base64');

/** Práctica 6, "Ejemplo de mensaje". */
export const labHelo: Step[] = [
  s('220 servidor.es ESMTP\r\n'),
  c('HELO pepito.es\r\n'),
  s('250 servidor.es\r\n'),
  c('MAIL FROM: pepe@pepito.es\r\n'),
  s('250 2.1.5. OK\r\n'),
  c('RCPT TO: usuario@servidor.es\r\n'),
  s('250 2.1.5. Ok\r\n'),
  c('DATA\r\n'),
  s('354 Start mail input; endi with <CRLF>.<CRLF>\r\n'),
  c('subject: Asunto\r\nEste mensaje es de prueba.\r\nProbamos el protocolo SMTP.\r\n\r\n.\r\n'),
  s('250 2.0.0 OK: queued as 6D126A066\r\n'),
  c('QUIT\r\n'),
  s('221 2.0.0 Bye\r\n'),
];

/** Práctica 6, SMTP on 465 (implicit TLS) with AUTH LOGIN; the prompts as Gmail sends them. */
export const labAuthLogin: Step[] = [
  s('220 mx.google.com ESMTP i8sm55243855eeo.16\r\n'),
  c('ehlo usuario\r\n'),
  s('250-mx.servidor.com at your service, [193.146.8.29]\r\n250-SIZE 35882577\r\n250-8BITMIME\r\n250-AUTH LOGIN PLAIN XOAUTH XOAUTH2\r\n250 ENHANCEDSTATUSCODES\r\n'),
  c('auth login\r\n'),
  s('334 VXNlcm5hbWU6\r\n'),
  c(`${b64('usuario@servidor.com')}\r\n`),
  s('334 UGFzc3dvcmQ6\r\n'),
  c(`${b64('contraseña')}\r\n`),
  s('235 2.7.0 Accepted\r\n'),
  c('mail from: <usuario@servidor.com>\r\n'),
  s('250 2.1.0 OK i8sm55243855eeo.16\r\n'),
  c('rcpt to:<destino@otroservidor.com>\r\n'),
  s('250 2.1.5 OK i8sm55243855eeo.16\r\n'),
  c('data\r\n'),
  s('354 Go ahead i8sm55243855eeo.16\r\n'),
  c('subject asunto\r\nCuerpo del mensaje\r\n.\r\n'),
  s('250 2.0.0 OK 1234 i8sm55243855eeo.16 - gsmtp\r\n'),
  c('quit\r\n'),
  s('221 2.0.0 closing connection i8sm55243855eeo.16\r\n'),
];

/** RFC 2920 §3.1 example: the whole envelope, DATA, body and QUIT pipelined. */
export const pipelining: Step[] = [
  s('220 innosoft.com SMTP service ready\r\n'),
  c('EHLO dbc.mtview.ca.us\r\n'),
  s('250-innosoft.com\r\n250 PIPELINING\r\n'),
  c('MAIL FROM:<mrose@dbc.mtview.ca.us>\r\nRCPT TO:<ned@innosoft.com>\r\nRCPT TO:<dan@innosoft.com>\r\nRCPT TO:<kvc@innosoft.com>\r\nDATA\r\n'),
  s('250 sender <mrose@dbc.mtview.ca.us> OK\r\n250 recipient <ned@innosoft.com> OK\r\n250 recipient <dan@innosoft.com> OK\r\n250 recipient <kvc@innosoft.com> OK\r\n354 enter mail, end with line containing only "."\r\n'),
  c('From: mrose@dbc.mtview.ca.us\r\nTo: ned@innosoft.com\r\nSubject: pipelining\r\n\r\n..leading dot\r\n.\r\nQUIT\r\n'),
  s('250 message sent\r\n221 goodbye\r\n'),
];

export const CHUNK1 = 'Subject: chunked\r\n\r\nbinary\0\xff\r\n.\r\n';

/** RFC 3030 §4.2 example (chunk sizes scaled down so every split point can be tried). */
export const bdat: Step[] = [
  s('220 Example.com SMTP Service Ready\r\n'),
  c('EHLO Example.ORG\r\n'),
  s('250-Example.com\r\n250-8BITMIME\r\n250-BINARYMIME\r\n250 CHUNKING\r\n'),
  c('MAIL FROM:<Sam@Random.com> BODY=BINARYMIME\r\n'),
  s('250 <Sam@Random.com>... Sender and BINARYMIME ok\r\n'),
  c('RCPT TO:<Susan@Random.com>\r\n'),
  s('250 <Susan@Random.com>... Recipient ok\r\n'),
  c(`BDAT ${CHUNK1.length}\r\n${CHUNK1}`),
  s(`250 ${CHUNK1.length} octets received\r\n`),
  c('BDAT 5 LAST\r\nend\r\nQUIT\r\n'),
  s('250 Message OK, 43 octets received\r\n221 Goodbye\r\n'),
];

/** RFC 2645 §6 example: ATRN reverses the roles on the same connection. */
export const atrn: Step[] = [
  s('220 EXAMPLE.NET on-demand mail relay server ready\r\n'),
  c('EHLO example.org\r\n'),
  s('250-EXAMPLE.NET\r\n250-AUTH CRAM-MD5 EXTERNAL\r\n250 ATRN\r\n'),
  c('AUTH CRAM-MD5\r\n'),
  s('334 MTg5Ni42OTcxNzA5NTJASVNQLkNPTQo=\r\n'),
  c('Zm9vYmFyLm5ldCBiOTEzYTYwMmM3ZWRhN2E0OTViNGU2ZTczMzRkMzg5MAo=\r\n'),
  s('235 now authenticated as foobar.net\r\n'),
  c('ATRN foobar.net\r\n'),
  s('250 OK now reversing the connection\r\n'),
  c('220 foobar.net ready to receive mail\r\n'),
  s('EHLO EXAMPLE.NET\r\n'),
  c('250 foobar.net\r\n'),
  s('MAIL FROM: <Lester.Tester@dot.foobar.net>\r\n'),
  c('250 OK\r\n'),
  s('RCPT TO: <l.eva.msg@example.com>\r\n'),
  c('250 OK, recipient accepted\r\n'),
  s('DATA\r\n'),
  c('354 go ahead\r\n'),
  s('Subject: queued\r\n\r\nhello\r\n.\r\n'),
  c('250 OK\r\n'),
  s('QUIT\r\n'),
  c('221 foobar.net closing connection\r\n'),
];

/** RFC 3207 §4.2 attack: a command pipelined after STARTTLS must not reach the TLS session. */
export const starttlsInjection: Step[] = [
  s('220 mail.example.com ESMTP\r\n'),
  c('EHLO client.example\r\n'),
  s('250-mail.example.com\r\n250-PIPELINING\r\n250 STARTTLS\r\n'),
  c('STARTTLS\r\nMAIL FROM:<attacker@evil.example>\r\n'),
  s('220 2.0.0 Ready to start TLS\r\n'),
  c('EHLO client.example\r\n'),
  s('250-mail.example.com\r\n250 AUTH PLAIN\r\n'),
];

export const starttlsRefused: Step[] = [
  s('220 mail.example.com ESMTP\r\n'),
  c('EHLO client.example\r\n'),
  s('250 mail.example.com\r\n'),
  c('STARTTLS\r\nNOOP\r\n'),
  s('454 4.7.0 TLS not available due to temporary reason\r\n250 2.0.0 OK\r\n'),
];

export const dataRejected: Step[] = [
  s('220 mail.example.com ESMTP\r\n'),
  c('EHLO c\r\nMAIL FROM:<a@b>\r\nRCPT TO:<nobody@b>\r\nDATA\r\nQUIT\r\n'),
  s('250 mail.example.com\r\n250 2.1.0 OK\r\n550 5.1.1 No such user\r\n554 5.5.1 Error: no valid recipients\r\n221 2.0.0 Bye\r\n'),
];

export const authPlainSuccess: Step[] = [
  s('220 x ESMTP\r\n'),
  c('AUTH PLAIN AHRpbQB0YW5zdGFhZnRhbnN0YWFm\r\n'),
  s('235 2.7.0 Authentication successful\r\n'),
];

export const authCancelled: Step[] = [s('220 x ESMTP\r\n'), c('AUTH LOGIN\r\n'), s('334 VXNlcm5hbWU6\r\n'), c('*\r\n'), s('501 5.7.0 Authentication cancelled\r\n')];

export const authFailed: Step[] = [
  s('220 x ESMTP\r\n'),
  c('AUTH PLAIN\r\n'),
  s('334 \r\n'),
  c(`${b64('\0alice\0wrong')}\r\n`),
  s('535 5.7.8 Username and Password not accepted\r\n'),
];
