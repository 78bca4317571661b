// Recordings built in code for the record tests: an SMTP session with STARTTLS, AUTH LOGIN and a
// 1.2 MiB message with 3 attachments; a POP3 session with USER/PASS and RETR; an IMAP session with
// LOGIN, FETCH of a literal and AUTHENTICATE XOAUTH2. Secrets are fixed so tests can grep for them.

import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tempDir } from '../helpers/temp-dirs.js';
import type { Protocol } from '../../src/protocol/types.js';
import type { Recording } from '../../src/record/reader.js';
import type { RecordEvent, RecordHeader, UnitRecord } from '../../src/record/schema.js';

export const PASSWORD = 's3cr3t-P4ss';
export const TOKEN = 'ya29.tok3n-SECRET-value';

export function header(protocol: Protocol, over: Partial<RecordHeader> = {}): RecordHeader {
  const ports = { smtp: ['smtp://127.0.0.1:2587', 'submission://mail.example.com:587'], pop3: ['pop3s://127.0.0.1:2995', 'pop3s://pop.example.com:995'], imap: ['imap://127.0.0.1:2143', 'imap://imap.example.com:143'] } as const;
  return {
    format: 'mailtap-recording',
    version: 1,
    protocol,
    session: `s-${protocol}-1`,
    start: '2024-05-06T07:08:09.000Z',
    client: { address: '127.0.0.1', port: 51234 },
    listen: ports[protocol][0],
    upstream: ports[protocol][1],
    clientTls: protocol === 'pop3' ? 'implicit' : 'starttls',
    upstreamTls: protocol === 'pop3' ? 'implicit' : 'starttls',
    mailtap: '0.1.0',
    ...over,
  };
}

let clock = 0;
function u(dir: 'c2s' | 's2c', type: UnitRecord['type'], text: string, note: string, noteEs: string, extra: Partial<UnitRecord> = {}): UnitRecord {
  return { t: (clock += 1.5), dir, type, text, note, note_es: noteEs, ...extra };
}
const c = (text: string, note: string, es: string, extra: Partial<UnitRecord> = {}) => u('c2s', 'command', text, note, es, extra);
const s = (text: string, note: string, es: string, extra: Partial<UnitRecord> = {}) => u('s2c', 'reply', text, note, es, extra);

/** A MIME message of about 1.2 MiB with three attachments. */
export function bigMessage(): string {
  const blob = 'QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo0NTY3ODkwYWJjZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXo='.slice(0, 76) + '\r\n';
  const part = (name: string) =>
    `--b1\r\nContent-Type: application/octet-stream; name="${name}"\r\nContent-Disposition: attachment; filename="${name}"\r\nContent-Transfer-Encoding: base64\r\n\r\n${blob.repeat(5400)}`;
  return (
    'From: alice@example.com\r\nTo: bob@example.org\r\nSubject: Asunto de prueba\r\nMIME-Version: 1.0\r\n' +
    'Content-Type: multipart/mixed; boundary="b1"\r\n\r\n--b1\r\nContent-Type: text/plain\r\n\r\nEste mensaje es de prueba.\r\n' +
    part('a.pdf') + part('b.png') + part('c.zip') + '--b1--\r\n.\r\n'
  );
}

/** Splits `text` in chunks of `size`, plus one cut in the middle of the second attachment header. */
export function bodyChunks(text: string, size = 64 * 1024): string[] {
  const seam = text.indexOf('Content-Disposition', text.indexOf('Content-Disposition') + 1) + 10;
  const cuts = new Set<number>([seam]);
  for (let i = size; i < text.length; i += size) cuts.add(i);
  const points = [...cuts].sort((a, b) => a - b);
  const out: string[] = [];
  let from = 0;
  for (const p of points) {
    out.push(text.slice(from, p));
    from = p;
  }
  out.push(text.slice(from));
  return out;
}

export function smtpEvents(opts: { close?: boolean } = {}): RecordEvent[] {
  clock = 0;
  const tls = { tls: true };
  const body = bodyChunks(bigMessage());
  const events: RecordEvent[] = [
    { t: 0, dir: 'proxy', type: 'connect', message: 'client 127.0.0.1:51234 connected, upstream submission://mail.example.com:587' },
    s('220 mail.example.com ESMTP ready\r\n', 'Greeting: the server is ready', 'Saludo: el servidor está listo', { status: '220' }),
    c('EHLO pepito.es\r\n', 'EHLO: the client introduces itself and asks for ESMTP extensions', 'EHLO: el cliente se identifica y pide las extensiones ESMTP', { verb: 'EHLO' }),
    s('250-mail.example.com\r\n250-STARTTLS\r\n250 AUTH LOGIN PLAIN\r\n', 'Extensions offered: STARTTLS, AUTH', 'Extensiones ofrecidas: STARTTLS, AUTH', { verb: 'EHLO', status: '250' }),
    c('STARTTLS\r\n', 'STARTTLS: switch to TLS', 'STARTTLS: pasar a TLS', { verb: 'STARTTLS' }),
    s('220 2.0.0 Ready to start TLS\r\n', 'The server accepts STARTTLS', 'El servidor acepta STARTTLS', { verb: 'STARTTLS', status: '220', enhanced: '2.0.0' }),
    { t: (clock += 1), dir: 'proxy', type: 'info', command: 'STARTTLS', message: 'STARTTLS accepted: upgrading both legs to TLS' },
    { t: (clock += 1), dir: 'proxy', type: 'tls', leg: 'upstream', version: 'TLSv1.3', cipher: 'TLS_AES_256_GCM_SHA384', sni: 'mail.example.com', peerSubject: 'CN=mail.example.com', verified: true },
    { t: (clock += 1), dir: 'proxy', type: 'tls', leg: 'client', version: 'TLSv1.3', cipher: 'TLS_AES_256_GCM_SHA384', sni: 'mail.example.com' },
    c('EHLO pepito.es\r\n', 'EHLO again inside TLS', 'EHLO de nuevo dentro de TLS', { verb: 'EHLO', ...tls }),
    s('250-mail.example.com\r\n250 AUTH LOGIN PLAIN\r\n', 'Extensions offered', 'Extensiones ofrecidas', { verb: 'EHLO', status: '250', ...tls }),
    c('AUTH LOGIN\r\n', 'AUTH LOGIN: log in with base64 user name and password', 'AUTH LOGIN: autenticación con usuario y contraseña en base64', { verb: 'AUTH', ...tls }),
    s('334 VXNlcm5hbWU6\r\n', 'Server asks for the user name ("Username:")', 'El servidor pide el nombre de usuario ("Username:")', { status: '334', ...tls }),
    u('c2s', 'sasl', 'YWxpY2U=\r\n', 'User name: alice', 'Nombre de usuario: alice', tls),
    s('334 UGFzc3dvcmQ6\r\n', 'Server asks for the password ("Password:")', 'El servidor pide la contraseña ("Password:")', { status: '334', ...tls }),
    u('c2s', 'sasl', Buffer.from(PASSWORD).toString('base64') + '\r\n', `Password: ${PASSWORD}`, `Contraseña: ${PASSWORD}`, tls),
    s('235 2.7.0 Authentication successful\r\n', 'Authentication succeeded', 'Autenticación correcta', { verb: 'AUTH', status: '235', enhanced: '2.7.0', ...tls }),
    { t: (clock += 1), dir: 'proxy', type: 'auth', mechanism: 'LOGIN', username: 'alice', password: PASSWORD, result: 'success', verdict: '235 2.7.0 Authentication successful', note: `LOGIN as alice with password ${PASSWORD}`, note_es: `LOGIN como alice con contraseña ${PASSWORD}` },
    c('MAIL FROM:<alice@example.com>\r\n', 'MAIL FROM: the sender of the message', 'MAIL FROM: el emisor del mensaje', { verb: 'MAIL', ...tls }),
    s('250 2.1.0 OK\r\n', 'Sender accepted', 'Emisor aceptado', { verb: 'MAIL', status: '250', enhanced: '2.1.0', ...tls }),
    c('RCPT TO:<bob@example.org>\r\n', 'RCPT TO: a recipient', 'RCPT TO: un destinatario', { verb: 'RCPT', ...tls }),
    s('250 2.1.5 OK\r\n', 'Recipient accepted', 'Destinatario aceptado', { verb: 'RCPT', status: '250', enhanced: '2.1.5', ...tls }),
    c('DATA\r\n', 'DATA: the message content follows', 'DATA: sigue el contenido del mensaje', { verb: 'DATA', ...tls }),
    s('354 Go ahead\r\n', 'Send the message, end with <CRLF>.<CRLF>', 'Envíe el mensaje, termine con <CRLF>.<CRLF>', { verb: 'DATA', status: '354', ...tls }),
    ...body.map((chunk, i): UnitRecord => u('c2s', 'body', chunk, 'Message content', 'Contenido del mensaje', { verb: 'DATA', final: i === body.length - 1, ...tls })),
    s('250 2.0.0 OK: queued as 6D126A066\r\n', 'Message accepted for delivery', 'Mensaje aceptado para su entrega', { verb: 'DATA', status: '250', enhanced: '2.0.0', ...tls }),
    c('QUIT\r\n', 'QUIT: end the session', 'QUIT: fin de la sesión', { verb: 'QUIT', ...tls }),
    s('221 2.0.0 Bye\r\n', 'The server closes the connection', 'El servidor cierra la conexión', { verb: 'QUIT', status: '221', ...tls }),
  ];
  if (opts.close !== false) events.push({ t: (clock += 1), dir: 'proxy', type: 'close', reason: 'client closed the connection', bytes: { c2s: 1234, s2c: 567 } });
  return events;
}

export function pop3Events(): RecordEvent[] {
  clock = 0;
  const tls = { tls: true };
  const message = 'Subject: Hola\r\n\r\nCuerpo del mensaje\r\n.\r\n';
  return [
    { t: 0, dir: 'proxy', type: 'tls', leg: 'client', version: 'TLSv1.3', cipher: 'TLS_AES_128_GCM_SHA256', sni: 'localhost' },
    s('+OK POP3 ready\r\n', 'Greeting: AUTHORIZATION phase begins', 'Saludo: empieza la fase de AUTORIZACIÓN', { status: '+OK', ...tls }),
    c('USER pepe\r\n', 'USER: the mailbox name', 'USER: nombre del buzón', { verb: 'USER', ...tls }),
    s('+OK Name is a valid mailbox\r\n', 'The mailbox exists', 'El buzón existe', { verb: 'USER', status: '+OK', ...tls }),
    c(`PASS ${PASSWORD}\r\n`, `PASS: the password ("${PASSWORD}")`, `PASS: la contraseña ("${PASSWORD}")`, { verb: 'PASS', ...tls }),
    s('+OK Mailbox locked and ready\r\n', 'Logged in: TRANSACTION phase', 'Sesión iniciada: fase de TRANSACCIÓN', { verb: 'PASS', status: '+OK', ...tls }),
    { t: (clock += 1), dir: 'proxy', type: 'auth', mechanism: 'USER/PASS', username: 'pepe', password: PASSWORD, result: 'success', note: 'USER/PASS login', note_es: 'Inicio de sesión USER/PASS' },
    c('LIST\r\n', 'LIST: message numbers and sizes', 'LIST: números y tamaños de los mensajes', { verb: 'LIST', ...tls }),
    s('+OK 2 messages\r\n1 23941\r\n2 2411\r\n.\r\n', 'Listing follows', 'Sigue el listado', { verb: 'LIST', status: '+OK', ...tls }),
    c('RETR 1\r\n', 'RETR: download message 1', 'RETR: descargar el mensaje 1', { verb: 'RETR', ...tls }),
    s('+OK 40 octets\r\n', 'The message follows', 'Sigue el mensaje', { verb: 'RETR', status: '+OK', ...tls }),
    u('s2c', 'body', message, 'Message content', 'Contenido del mensaje', { verb: 'RETR', final: true, ...tls }),
    c('QUIT\r\n', 'QUIT: UPDATE phase, deletions are applied', 'QUIT: fase de ACTUALIZACIÓN', { verb: 'QUIT', ...tls }),
    s('+OK Bye\r\n', 'Goodbye', 'Adiós', { verb: 'QUIT', status: '+OK', ...tls }),
    { t: (clock += 1), dir: 'proxy', type: 'close', reason: 'server closed the connection', bytes: { c2s: 60, s2c: 160 } },
  ];
}

export function imapEvents(): RecordEvent[] {
  clock = 0;
  const xoauth = Buffer.from(`user=alice@example.com\x01auth=Bearer ${TOKEN}\x01\x01`).toString('base64');
  return [
    s('* OK [CAPABILITY IMAP4rev2 STARTTLS] ready\r\n', 'Untagged OK: greeting', 'OK sin etiqueta: saludo', { tag: '*', status: 'OK' }),
    c(`a1 LOGIN alice "${PASSWORD}"\r\n`, `LOGIN alice with password ${PASSWORD}`, `LOGIN alice con contraseña ${PASSWORD}`, { verb: 'LOGIN', tag: 'a1' }),
    s('a1 OK LOGIN completed\r\n', 'Tagged OK: logged in', 'OK etiquetado: sesión iniciada', { verb: 'LOGIN', tag: 'a1', status: 'OK' }),
    { t: (clock += 1), dir: 'proxy', type: 'auth', mechanism: 'IMAP LOGIN', username: 'alice', password: PASSWORD, result: 'success', note: 'IMAP LOGIN', note_es: 'IMAP LOGIN' },
    c('a2 SELECT INBOX\r\n', 'SELECT: open a mailbox read-write', 'SELECT: abrir un buzón en lectura y escritura', { verb: 'SELECT', tag: 'a2' }),
    s('* 3 EXISTS\r\n', 'The mailbox has 3 messages', 'El buzón tiene 3 mensajes', { tag: '*', status: 'EXISTS' }),
    s('a2 OK [READ-WRITE] SELECT completed\r\n', 'Tagged OK', 'OK etiquetado', { verb: 'SELECT', tag: 'a2', status: 'OK' }),
    c('a3 FETCH 1 BODY[]\r\n', 'FETCH: message 1 by sequence number', 'FETCH: mensaje 1 por número de secuencia', { verb: 'FETCH', tag: 'a3' }),
    s('* 1 FETCH (BODY[] {22}\r\n', 'Untagged FETCH data, a literal follows', 'Datos FETCH, sigue un literal', { tag: '*', status: 'FETCH' }),
    u('s2c', 'body', 'Subject: x\r\n\r\nhola\x00\xff\r\n', 'Literal bytes', 'Bytes del literal', { verb: 'FETCH', final: true }),
    s(')\r\n', 'End of FETCH data', 'Fin de los datos FETCH', { tag: '*' }),
    s('a3 OK FETCH completed\r\n', 'Tagged OK', 'OK etiquetado', { verb: 'FETCH', tag: 'a3', status: 'OK' }),
    c(`a4 AUTHENTICATE XOAUTH2 ${xoauth}\r\n`, `XOAUTH2 for alice@example.com, token ${TOKEN}`, `XOAUTH2 de alice@example.com, token ${TOKEN}`, { verb: 'AUTHENTICATE', tag: 'a4' }),
    s('a4 OK Success\r\n', 'Tagged OK', 'OK etiquetado', { verb: 'AUTHENTICATE', tag: 'a4', status: 'OK' }),
    { t: (clock += 1), dir: 'proxy', type: 'auth', mechanism: 'XOAUTH2', username: 'alice@example.com', token: TOKEN, result: 'success', note: `XOAUTH2 token ${TOKEN}`, note_es: `Token XOAUTH2 ${TOKEN}` },
    c('a5 LOGOUT\r\n', 'LOGOUT', 'LOGOUT', { verb: 'LOGOUT', tag: 'a5' }),
    s('* BYE logging out\r\n', 'Untagged BYE', 'BYE sin etiqueta', { tag: '*', status: 'BYE' }),
    { t: (clock += 1), dir: 'proxy', type: 'close', reason: 'server closed the connection', bytes: { c2s: 100, s2c: 200 } },
  ];
}

/** Fix non-printable text units the way the writer would: bytes that are not printable go to b64. */
function normalise(ev: RecordEvent): RecordEvent {
  if ('text' in ev && typeof ev.text === 'string' && /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\x80-\xff]/.test(ev.text)) {
    const { text, ...rest } = ev;
    return { ...rest, b64: Buffer.from(text, 'latin1').toString('base64') } as RecordEvent;
  }
  return ev;
}

export function recording(protocol: Protocol, events: RecordEvent[], path = `/tmp/${protocol}.jsonl`): Recording {
  const evs = events.map(normalise);
  return { path, header: header(protocol), events: evs, complete: evs[evs.length - 1]?.type === 'close', truncated: false };
}

export async function writeRecordingFile(rec: Recording, dir?: string): Promise<string> {
  const d = dir ?? (await tempDir('mailtap-rec-'));
  const path = join(d, `${rec.header.session}.jsonl`);
  await writeFile(path, [rec.header, ...rec.events].map((x) => JSON.stringify(x) + '\n').join(''), { mode: 0o600 });
  return path;
}

export function fixtures() {
  return { smtp: recording('smtp', smtpEvents()), pop3: recording('pop3', pop3Events()), imap: recording('imap', imapEvents()) };
}
