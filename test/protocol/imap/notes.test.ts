// The notes teach what the lab guide teaches: arbitrary tags, LIST "" "*", sequence numbers vs
// UIDs, FETCH body[], STORE +FLAGS (\Deleted) then EXPUNGE, response codes; in English and Spanish.

import { describe, expect, it } from 'vitest';
import { imap } from '../../../src/protocol/imap/index.js';
import type { CodecEvent, UnitEvent } from '../../../src/protocol/types.js';

function notesOf(side: 'client' | 'server', line: string, before: [string, string][] = []): UnitEvent {
  const codec = imap.createCodec();
  for (const [s, b] of before) codec.feed(s as 'client', Buffer.from(b));
  const ev = codec.feed(side, Buffer.from(line)).find((e: CodecEvent): e is UnitEvent => e.type === 'unit');
  if (!ev) throw new Error(`no unit for ${line}`);
  return ev;
}

const RFC9051_VERBS = [
  'CAPABILITY', 'NOOP', 'LOGOUT', 'STARTTLS', 'AUTHENTICATE', 'LOGIN', 'ENABLE', 'SELECT', 'EXAMINE', 'CREATE', 'DELETE', 'RENAME',
  'SUBSCRIBE', 'UNSUBSCRIBE', 'LIST', 'LSUB', 'NAMESPACE', 'STATUS', 'APPEND', 'IDLE', 'CHECK', 'CLOSE', 'UNSELECT', 'EXPUNGE',
  'SEARCH', 'FETCH', 'STORE', 'COPY', 'MOVE', 'ID', 'UID FETCH', 'UID SEARCH', 'UID STORE', 'UID COPY', 'UID MOVE', 'UID EXPUNGE',
];

describe('command notes', () => {
  it.each(RFC9051_VERBS)('%s is known and explained in both languages', (verb) => {
    const u = notesOf('client', `t1 ${verb} x y\r\n`);
    expect(u.verb).toBe(verb);
    expect(u.note.en).not.toMatch(/unknown/);
    expect(u.note.es).not.toMatch(/desconocido/);
    expect(u.note.en).toContain('tag t1');
    expect(u.note.es).toContain('etiqueta t1');
  });

  it('an unknown verb is noted as unknown', () => {
    const u = notesOf('client', 'z XFROB 1\r\n');
    expect(u.verb).toBe('XFROB');
    expect(u.note.en).toMatch(/unknown/);
  });

  it.each([
    ['1 list "" "*"\r\n', /lists every mailbox/, /lista todos los buzones/],
    ['a fetch 1 body[]\r\n', /whole message content.*message 1.*sequence number/, /contenido completo del mensaje.*mensaje 1/],
    ['a UID FETCH 42 BODY.PEEK[]\r\n', /UID 42.*stable/, /UID 42.*estables/],
    ['a STORE 1 +FLAGS (\\Deleted)\r\n', /marks message 1 .*for deletion.*EXPUNGE \(or CLOSE\) then removes them/, /marca el mensaje 1 .*para borrar.*EXPUNGE/],
    ['a EXPUNGE\r\n', /removes the messages flagged \\Deleted/, /borra definitivamente/],
    ['1 login "usuario" "contraseña"\r\n', /logs in as "usuario"/, /como "usuario"/],
    ['a SEARCH UNSEEN\r\n', /sequence numbers/, /números de secuencia/],
    ['a UID SEARCH UNSEEN\r\n', /UIDs/, /UID/],
  ])('%j', (line, en, es) => {
    const u = notesOf('client', line);
    expect(u.note.en).toMatch(en);
    expect(u.note.es).toMatch(es);
  });

  it('never puts a LOGIN password in a note', () => {
    const u = notesOf('client', 'a LOGIN bob hunter2\r\n');
    expect(JSON.stringify(u.note)).not.toContain('hunter2');
  });
});

describe('response notes', () => {
  it.each([
    ['* OK IMAP4rev2 ready\r\n', /Greeting/],
    ['* PREAUTH hi\r\n', /PREAUTH/],
    ['* BYE go away\r\n', /BYE/],
  ])('greeting %j', (line, en) => {
    expect(notesOf('server', line).note.en).toMatch(en);
  });

  it.each([
    ['* LIST (\\Marked) (\\HasNoChildren) "/" INBOX\r\n', /Mailbox "INBOX".*\\Marked \\HasNoChildren.*"\/"/],
    ['* 23 EXISTS\r\n', /holds 23 message/],
    ['* 3 EXPUNGE\r\n', /sequence number 3 was removed/],
    ['* 12 FETCH (FLAGS (\\Seen) UID 99)\r\n', /message 12 \(UID 99\)/],
    ['* SEARCH 2 5 8\r\n', /2 5 8/],
    ['* CAPABILITY IMAP4rev2 STARTTLS LOGINDISABLED\r\n', /STARTTLS is offered.*LOGIN is disabled/],
    ['* OK [UIDVALIDITY 3857529045] UIDs valid\r\n', /UIDVALIDITY.*= 3857529045/],
    ['* OK [UIDNEXT 4392] Predicted next UID\r\n', /UIDNEXT.*= 4392/],
    ['* OK [PERMANENTFLAGS (\\Deleted \\Seen \\*)] Limited\r\n', /PERMANENTFLAGS/],
    ['* OK [ALERT] System shutdown in 10 minutes\r\n', /ALERT.*shown to the user/],
    ['* ENABLED UTF8=ACCEPT\r\n', /enabled/],
    ['* NAMESPACE (("" "/")) NIL NIL\r\n', /namespaces/],
    ['* ID ("name" "Dovecot")\r\n', /identification/],
    ['* ESEARCH (TAG "a") MIN 2\r\n', /extended/],
  ])('untagged %j', (line, en) => {
    const u = notesOf('server', line, [['server', '* OK hi\r\n']]);
    expect(u.tag).toBe('*');
    expect(u.note.en).toMatch(en);
    expect(u.note.es.length).toBeGreaterThan(0);
  });

  it('tagged completion names the verb and the response code', () => {
    const u = notesOf('server', 'a NO [AUTHENTICATIONFAILED] Invalid\r\n', [['client', 'a LOGIN u p\r\n']]);
    expect(u).toMatchObject({ tag: 'a', verb: 'LOGIN', status: 'NO' });
    expect(u.note.en).toMatch(/LOGIN \(tag a\).*NO.*AUTHENTICATIONFAILED.*wrong user name or password/);
    expect(u.note.es).toMatch(/usuario o contraseña incorrectos/);
    const rw = notesOf('server', 'b OK [READ-WRITE] SELECT completed\r\n', [['client', 'b SELECT INBOX\r\n']]);
    expect(rw.note.en).toMatch(/READ-WRITE.*read-write/);
    const cap = notesOf('server', 'c OK [CAPABILITY IMAP4rev2] Logged in\r\n', [['client', 'c LOGIN u p\r\n']]);
    expect(cap.note.en).toMatch(/\[CAPABILITY\]/);
  });

  it('IDLE continuation and DONE are explained', () => {
    const codec = imap.createCodec();
    codec.feed('client', Buffer.from('i IDLE\r\n'));
    const plus = codec.feed('server', Buffer.from('+ idling\r\n'))[0] as UnitEvent;
    expect(plus.note.en).toMatch(/DONE/);
    const done = codec.feed('client', Buffer.from('DONE\r\n'))[0] as UnitEvent;
    expect(done).toMatchObject({ kind: 'command', verb: 'DONE' });
    expect(done.note.en).toMatch(/ends IDLE/);
  });
});
