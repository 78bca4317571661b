// Byte-level checks of the mini IMAP server over a raw socket: literals both ways (synchronizing
// and LITERAL+), quoting, states, SASL-IR and cancel, STARTTLS plaintext drop, SEARCH and STORE
// responses, EXAMINE read-only and sequence-number bookkeeping on EXPUNGE.

import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { MiniServer } from '../helpers/mailbox.js';
import { startMiniImapServer } from '../helpers/mini-imap-server.js';
import { makeTestCert } from './test-cert.js';

const MSG = (n: number, extra = '') =>
  Buffer.from(`From: u${n}@example.org\r\nSubject: message ${n}${extra}\r\n\r\nbody ${n}\r\n`);

let server: MiniServer | undefined;
const sockets: net.Socket[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  await server?.close();
  server = undefined;
});

/** A raw IMAP conversation: `say` sends bytes and returns everything up to the tagged reply. */
async function wire(options: Partial<Parameters<typeof startMiniImapServer>[0]> = {}) {
  server = await startMiniImapServer({ tls: 'plain', users: { bob: 'secret', 'we ird': 'p"w\\d' }, messages: [MSG(1), MSG(2), MSG(3)], ...options });
  const sock = net.connect(server.port, server.host);
  sockets.push(sock);
  let buffer = '';
  let notify = () => {};
  sock.on('data', (d: Buffer) => {
    buffer += d.toString('utf8');
    notify();
  });
  const waitFor = (done: (b: string) => number): Promise<string> =>
    new Promise((resolve) => {
      const check = () => {
        const end = done(buffer);
        if (end < 0) return;
        notify = () => {};
        const out = buffer.slice(0, end);
        buffer = buffer.slice(end);
        resolve(out);
      };
      notify = check;
      check();
    });
  const lineEnd = (b: string, re: RegExp) => {
    const m = re.exec(b);
    return m ? m.index + m[0].length : -1;
  };
  const greeting = await waitFor((b) => lineEnd(b, /^\* OK .*\r\n/));
  return {
    greeting,
    sock,
    /** Sends `text` and waits for the tagged reply of `tag` (or for a "+" continuation). */
    say: (text: string, tag = /^(\S+) /.exec(text)![1]!) => {
      sock.write(text);
      return waitFor((b) => lineEnd(b, new RegExp(`(?:^|\\r\\n)(?:${tag} [^\\r\\n]*|\\+[^\\r\\n]*)\\r\\n`)));
    },
  };
}

describe('mini IMAP server on the wire', () => {
  it('greets with the capabilities the brief lists, STARTTLS only when offered', async () => {
    const w = await wire();
    expect(w.greeting).toBe('* OK [CAPABILITY IMAP4rev1 LITERAL+ SASL-IR IDLE MOVE UIDPLUS ENABLE ID NAMESPACE UNSELECT AUTH=PLAIN AUTH=LOGIN] mini-imap ready\r\n');
  });

  it('enforces states with BAD and answers CAPABILITY/NOOP anywhere', async () => {
    const w = await wire();
    expect(await w.say('a1 SELECT INBOX\r\n')).toBe('a1 BAD SELECT not allowed before authentication\r\n');
    expect(await w.say('a2 FETCH 1 FLAGS\r\n')).toMatch(/^a2 BAD /);
    expect(await w.say('a3 NOOP\r\n')).toBe('a3 OK NOOP completed\r\n');
    expect(await w.say('a4 STARTTLS\r\n')).toBe('a4 BAD STARTTLS not offered\r\n');
    expect(await w.say('a5 LOGIN bob wrong\r\n')).toBe('a5 NO [AUTHENTICATIONFAILED] invalid credentials\r\n');
    expect(await w.say('a6 LOGIN bob secret\r\n')).toMatch(/^a6 OK \[CAPABILITY IMAP4rev1 [^\]]*\] logged in\r\n$/);
    expect(await w.say('a7 FETCH 1 FLAGS\r\n')).toBe('a7 BAD FETCH needs a selected mailbox or is unknown\r\n');
    expect(await w.say('a8 LOGIN bob secret\r\n')).toBe('a8 BAD already authenticated\r\n');
    expect(await w.say('a9 BOGUS\r\n')).toBe('a9 BAD BOGUS needs a selected mailbox or is unknown\r\n');
    expect(await w.say('garbage\r\n', '\\*')).toBe('* BAD malformed command\r\n');
  });

  it('takes LOGIN arguments as quoted strings and as synchronizing literals', async () => {
    const w = await wire();
    expect(await w.say('a1 LOGIN "we ird" "p\\"w\\\\d"\r\n')).toMatch(/^a1 OK /);
    const v = await wire();
    expect(await v.say('b1 LOGIN {6}\r\n', '')).toBe('+ Ready for literal data\r\n');
    expect(await v.say('we ird {5}\r\n', '')).toBe('+ Ready for literal data\r\n');
    expect(await v.say('p"w\\d\r\n', 'b1')).toMatch(/^b1 OK /);
  });

  it('runs AUTHENTICATE PLAIN with SASL-IR, with a continuation, and cancels on "*"', async () => {
    const w = await wire();
    const ir = Buffer.from('\0bob\0secret').toString('base64');
    expect(await w.say('a1 AUTHENTICATE PLAIN\r\n', '')).toBe('+ \r\n');
    expect(await w.say('*\r\n', 'a1')).toBe('a1 BAD authentication cancelled\r\n');
    expect(await w.say('a2 AUTHENTICATE LOGIN\r\n', '')).toBe(`+ ${Buffer.from('Username:').toString('base64')}\r\n`);
    expect(await w.say(`${Buffer.from('bob').toString('base64')}\r\n`, '')).toBe(`+ ${Buffer.from('Password:').toString('base64')}\r\n`);
    expect(await w.say(`${Buffer.from('nope').toString('base64')}\r\n`, 'a2')).toMatch(/^a2 NO /);
    expect(await w.say(`a3 AUTHENTICATE PLAIN ${ir}\r\n`)).toMatch(/^a3 OK /);
  });

  it('appends with a synchronizing literal and with LITERAL+, answering APPENDUID and EXISTS', async () => {
    const w = await wire();
    await w.say('a1 LOGIN bob secret\r\n');
    const sel = await w.say('a2 SELECT INBOX\r\n');
    const validity = server!.mailbox.inbox.uidValidity;
    expect(sel).toBe(
      '* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)\r\n* 3 EXISTS\r\n* 0 RECENT\r\n* OK [UNSEEN 1] first unseen\r\n' +
        '* OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft \\*)] flags\r\n' +
        `* OK [UIDVALIDITY ${validity}] UIDs valid\r\n* OK [UIDNEXT 4] predicted next UID\r\na2 OK [READ-WRITE] SELECT completed\r\n`,
    );
    const body = 'Subject: x\r\n\r\n.\r\n';
    expect(await w.say(`a3 APPEND INBOX (\\Seen) "02-Jun-2025 10:00:00 +0200" {${body.length}}\r\n`, '')).toBe('+ Ready for literal data\r\n');
    expect(await w.say(`${body}\r\n`, 'a3')).toBe(`* 4 EXISTS\r\na3 OK [APPENDUID ${validity} 4] APPEND completed\r\n`);
    expect(await w.say(`a4 APPEND INBOX {${body.length}+}\r\n${body}\r\n`)).toBe(`* 5 EXISTS\r\na4 OK [APPENDUID ${validity} 5] APPEND completed\r\n`);
    const stored = server!.mailbox.inbox.byUid(4)!;
    expect([stored.raw.toString(), [...stored.flags], stored.internalDate.toISOString()]).toEqual([body, ['\\Seen'], '2025-06-02T08:00:00.000Z']);
    expect(await w.say('a5 APPEND Nowhere {1+}\r\nx\r\n')).toBe('a5 NO [TRYCREATE] no such mailbox\r\n');
    expect(await w.say('a6 FETCH 4 (INTERNALDATE BODY[])\r\n')).toBe(
      `* 4 FETCH (INTERNALDATE "02-Jun-2025 08:00:00 +0000" BODY[] {${body.length}}\r\n${body})\r\na6 OK FETCH completed\r\n`,
    );
  });

  it('serves FETCH sections, partials, quoting and implicit \\Seen', async () => {
    const message = Buffer.from('From: "Q \\"uote\\"" <q@x.org>\r\nSubject: caf\u00e9 "hi"\r\nX-A: 1\r\n\r\nline\r\n');
    const w = await wire({ messages: [message] });
    await w.say('a1 LOGIN bob secret\r\n');
    await w.say('a2 EXAMINE INBOX\r\n');
    expect(await w.say('a3 FETCH 1 (ENVELOPE)\r\n')).toBe(
      '* 1 FETCH (ENVELOPE (NIL {10}\r\ncafé "hi" (("Q \\"uote\\"" NIL "q" "x.org")) (("Q \\"uote\\"" NIL "q" "x.org")) (("Q \\"uote\\"" NIL "q" "x.org")) NIL NIL NIL NIL NIL))\r\na3 OK FETCH completed\r\n',
    );
    expect(await w.say('a4 FETCH 1 (BODY.PEEK[HEADER.FIELDS (x-a)] BODY[TEXT]<1.2> BODY[1])\r\n')).toBe(
      '* 1 FETCH (BODY[HEADER.FIELDS (X-A)] {10}\r\nX-A: 1\r\n\r\n BODY[TEXT]<1> {2}\r\nin BODY[1] {6}\r\nline\r\n)\r\na4 OK FETCH completed\r\n',
    );
    expect(await w.say('a5 STORE 1 +FLAGS (\\Seen)\r\n')).toBe('a5 NO [READ-ONLY] mailbox is read-only\r\n');
    await w.say('a6 SELECT INBOX\r\n');
    expect(await w.say('a7 FETCH 1 (RFC822.SIZE BODY[HEADER.FIELDS.NOT (From Subject)])\r\n')).toBe(
      `* 1 FETCH (RFC822.SIZE ${message.length} BODY[HEADER.FIELDS.NOT (FROM SUBJECT)] {10}\r\nX-A: 1\r\n\r\n FLAGS (\\Seen))\r\na7 OK FETCH completed\r\n`,
    );
    expect(await w.say('a8 FETCH 2 FLAGS\r\n')).toBe('a8 BAD sequence number out of range\r\n');
    expect(await w.say('a9 FETCH 1 (BODY[9])\r\n')).toBe('a9 BAD invalid section 9\r\n');
  });

  it('searches, stores and expunges with correct sequence numbers', async () => {
    const w = await wire();
    await w.say('a1 LOGIN bob secret\r\n');
    await w.say('a2 SELECT INBOX\r\n');
    expect(await w.say('a3 STORE 1,3 +FLAGS (\\Deleted)\r\n')).toBe(
      '* 1 FETCH (FLAGS (\\Deleted))\r\n* 3 FETCH (FLAGS (\\Deleted))\r\na3 OK STORE completed\r\n',
    );
    expect(await w.say('a4 UID STORE 2 +FLAGS.SILENT (\\Seen)\r\n')).toBe('a4 OK UID STORE completed\r\n');
    expect(await w.say('a5 SEARCH DELETED\r\n')).toBe('* SEARCH 1 3\r\na5 OK SEARCH completed\r\n');
    expect(await w.say('a6 UID SEARCH CHARSET UTF-8 NOT DELETED SUBJECT "MESSAGE"\r\n')).toBe('* SEARCH 2\r\na6 OK UID SEARCH completed\r\n');
    expect(await w.say('a7 SEARCH OR (SEEN) OR 3 UID 1\r\n')).toBe('* SEARCH 1 2 3\r\na7 OK SEARCH completed\r\n');
    expect(await w.say('a8 SEARCH FUZZY x\r\n')).toBe('a8 BAD unknown search key FUZZY\r\n');
    expect(await w.say('a9 EXPUNGE\r\n')).toBe('* 3 EXPUNGE\r\n* 1 EXPUNGE\r\na9 OK EXPUNGE completed\r\n');
    expect(await w.say('b1 FETCH 1:* (UID FLAGS)\r\n')).toBe('* 1 FETCH (UID 2 FLAGS (\\Seen))\r\nb1 OK FETCH completed\r\n');
    expect(await w.say('b2 UID FETCH 9:* FLAGS\r\n')).toBe('* 1 FETCH (UID 2 FLAGS (\\Seen))\r\nb2 OK UID FETCH completed\r\n');
    expect(await w.say('b3 UNSELECT\r\n')).toBe('b3 OK UNSELECT completed\r\n');
    expect(await w.say('b4 EXPUNGE\r\n')).toMatch(/^b4 BAD /);
  });

  it('lists, creates, renames and reports STATUS with quoted names', async () => {
    const w = await wire();
    await w.say('a1 LOGIN bob secret\r\n');
    expect(await w.say('a2 CREATE "My Box"\r\n')).toBe('a2 OK CREATE completed\r\n');
    expect(await w.say('a3 CREATE INBOX\r\n')).toBe('a3 NO mailbox exists\r\n');
    expect(await w.say('a4 LIST "" *\r\n')).toBe(
      '* LIST (\\HasNoChildren) "/" INBOX\r\n* LIST (\\HasNoChildren \\Sent) "/" Sent\r\n* LIST (\\HasNoChildren \\Trash) "/" Trash\r\n' +
        '* LIST (\\HasNoChildren) "/" "My Box"\r\na4 OK LIST completed\r\n',
    );
    expect(await w.say('a5 LIST "" ""\r\n')).toBe('* LIST (\\Noselect) "/" ""\r\na5 OK LIST completed\r\n');
    expect(await w.say('a6 RENAME "My Box" Other\r\n')).toBe('a6 OK RENAME completed\r\n');
    expect(await w.say('a7 STATUS inbox (MESSAGES UNSEEN UIDNEXT)\r\n')).toBe('* STATUS INBOX (MESSAGES 3 UNSEEN 3 UIDNEXT 4)\r\na7 OK STATUS completed\r\n');
    expect(await w.say('a8 DELETE Other\r\n')).toBe('a8 OK DELETE completed\r\n');
    expect(await w.say('a9 SELECT Other\r\n')).toBe('a9 NO [NONEXISTENT] no such mailbox\r\n');
  });

  it('idles until DONE and says BYE on LOGOUT', async () => {
    const w = await wire();
    await w.say('a1 LOGIN bob secret\r\n');
    await w.say('a2 SELECT INBOX\r\n');
    expect(await w.say('a3 IDLE\r\n', '')).toBe('+ idling\r\n');
    server!.mailbox.inbox.append(MSG(4));
    server!.mailbox.changed();
    expect(await w.say('DONE\r\n', 'a3')).toBe('* 4 EXISTS\r\na3 OK IDLE terminated\r\n');
    expect(await w.say('a4 LOGOUT\r\n')).toBe('* BYE logging out\r\na4 OK LOGOUT completed\r\n');
  });

  it('drops plaintext pipelined after STARTTLS (RFC 9051 §6.2.1)', async (ctx) => {
    const cert = makeTestCert();
    if (!cert) return ctx.skip();
    try {
      const sessions: Array<{ sent: Buffer[] }> = [];
      const w = await wire({ tls: 'starttls', key: cert.key, cert: cert.cert, onSession: (s) => sessions.push(s) });
      expect(w.greeting).toContain(' STARTTLS AUTH=PLAIN');
      expect(await w.say('a1 STARTTLS\r\na2 LOGIN bob secret\r\n', 'a1')).toBe('a1 OK Begin TLS negotiation now\r\n');
      await new Promise((r) => setTimeout(r, 50));
      expect(Buffer.concat(sessions[0]!.sent).toString()).toMatch(/a1 OK Begin TLS negotiation now\r\n$/);
    } finally {
      cert.dispose();
    }
  });
});
