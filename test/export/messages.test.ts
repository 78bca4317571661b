import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { listMessages, readMessage } from '../../src/export/messages.js';
import { header } from '../record/fixtures.js';
import type { RecordEvent, UnitRecord } from '../../src/record/schema.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mailtap-msg-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

let t = 0;
const u = (dir: 'c2s' | 's2c', type: UnitRecord['type'], bytes: string | Buffer, extra: Partial<UnitRecord> = {}): UnitRecord => {
  const b = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes, 'latin1');
  return { t: (t += 1), dir, type, b64: b.toString('base64'), ...extra };
};

async function recording(protocol: 'smtp' | 'pop3' | 'imap', events: RecordEvent[]): Promise<string> {
  const path = join(dir, `${protocol}-${t}.jsonl`);
  await writeFile(path, [JSON.stringify(header(protocol)), ...events.map((e) => JSON.stringify(e))].join('\n') + '\n');
  return path;
}

describe('messages of a recording', () => {
  test('SMTP DATA: dot-unstuffed across unit seams, terminator dropped, envelope and user kept', async () => {
    const path = await recording('smtp', [
      { t: 1, dir: 'proxy', type: 'auth', mechanism: 'PLAIN', username: 'alice', result: 'success' },
      u('c2s', 'command', 'MAIL FROM:<a@example.com> SIZE=99\r\n', { verb: 'MAIL' }),
      u('c2s', 'command', 'RCPT TO:<b@example.org>\r\n', { verb: 'RCPT' }),
      u('c2s', 'command', 'RCPT TO:<c@example.org>\r\n', { verb: 'RCPT' }),
      u('c2s', 'command', 'DATA\r\n', { verb: 'DATA' }),
      u('s2c', 'reply', '354 go\r\n'),
      u('c2s', 'body', 'Subject: x\r\n\r\n..one\r\n', { verb: 'DATA' }),
      u('c2s', 'body', '.', { verb: 'DATA' }),
      u('c2s', 'body', '.two\r\n\xff\xfe 8-bit\r\n.\r\n', { verb: 'DATA', final: true }),
      u('s2c', 'reply', '250 ok\r\n'),
    ]);
    const [m] = await listMessages(path);
    expect(m).toMatchObject({ n: 1, kind: 'smtp-data', name: 's-smtp-1-001-smtp-data', mailFrom: 'a@example.com', rcptTo: ['b@example.org', 'c@example.org'], user: 'alice', partial: false, direction: 'c2s' });
    const got = await readMessage(path, 1);
    expect(got!.bytes.equals(Buffer.from('Subject: x\r\n\r\n.one\r\n.two\r\n\xff\xfe 8-bit\r\n', 'latin1'))).toBe(true);
    expect(got!.meta.size).toBe(got!.bytes.length);
  });

  test('SMTP DATA whose header lines went out in pieces before the body unit (partial units): the message is whole', async () => {
    const path = await recording('smtp', [
      u('c2s', 'command', 'MAIL FROM:<a@x>\r\n', { verb: 'MAIL' }),
      u('c2s', 'command', 'DATA\r\n', { verb: 'DATA' }),
      u('s2c', 'reply', '354 go\r\n'),
      // Typed line by line: the codec holds the header block to name its Subject, the relay does not wait.
      u('c2s', 'raw', 'Subject: typed\r\n', { partial: true }),
      u('c2s', 'raw', 'From: a@x\r\n', { partial: true }),
      u('c2s', 'body', '\r\nhello\r\n.\r\n', { verb: 'DATA', final: true, ahead: 27 }),
      u('s2c', 'reply', '250 ok\r\n'),
    ]);
    expect((await readMessage(path, 1))!.bytes.toString()).toBe('Subject: typed\r\nFrom: a@x\r\n\r\nhello\r\n');
  });

  test('SMTP BDAT: chunks joined until BDAT … LAST, nothing unstuffed', async () => {
    const path = await recording('smtp', [
      u('c2s', 'command', 'MAIL FROM:<a@x>\r\n', { verb: 'MAIL' }),
      u('c2s', 'command', 'BDAT 5\r\n', { verb: 'BDAT' }),
      u('c2s', 'body', '.a\r\nb', { verb: 'BDAT', final: true }),
      u('s2c', 'reply', '250 ok\r\n'),
      u('c2s', 'command', 'BDAT 3 LAST\r\n', { verb: 'BDAT' }),
      u('c2s', 'body', '.\r\n', { verb: 'BDAT', final: true }),
    ]);
    expect((await readMessage(path, 1))!.bytes.toString()).toBe('.a\r\nb.\r\n');
    expect((await listMessages(path)).map((m) => m.kind)).toEqual(['smtp-bdat']);
  });

  test('POP3 RETR and TOP (partial), IMAP APPEND and FETCH BODY[] (a BODY[HEADER] literal is no message)', async () => {
    const pop = await recording('pop3', [
      u('c2s', 'command', 'RETR 1\r\n', { verb: 'RETR' }),
      u('s2c', 'reply', '+OK\r\n', { verb: 'RETR' }),
      u('s2c', 'body', 'A: b\r\n\r\n..x\r\n.\r\n', { verb: 'RETR', final: true }),
      u('c2s', 'command', 'TOP 1 0\r\n', { verb: 'TOP' }),
      u('s2c', 'reply', '+OK\r\n', { verb: 'TOP' }),
      u('s2c', 'body', 'A: b\r\n\r\n.\r\n', { verb: 'TOP', final: true }),
    ]);
    const popList = await listMessages(pop);
    expect(popList.map((m) => [m.kind, m.partial, m.command])).toEqual([['pop3-retr', false, 'RETR 1'], ['pop3-top', true, 'TOP 1 0']]);
    expect((await readMessage(pop, 1))!.bytes.toString()).toBe('A: b\r\n\r\n.x\r\n');
    const imap = await recording('imap', [
      u('c2s', 'command', 'a1 APPEND INBOX (\\Seen) {7}\r\n', { verb: 'APPEND' }),
      u('s2c', 'reply', '+ go\r\n'),
      u('c2s', 'body', 'A: b\r\n\r\n'.slice(0, 7), { verb: 'APPEND', final: true }),
      u('c2s', 'command', '\r\n', { verb: 'APPEND', continued: true }),
      u('c2s', 'command', 'a2 FETCH 1 (BODY[HEADER] BODY[])\r\n', { verb: 'FETCH' }),
      u('s2c', 'reply', '* 1 FETCH (BODY[HEADER] {4}\r\n'),
      u('s2c', 'body', 'A: b', { final: true }),
      u('s2c', 'reply', ' BODY[] {6}\r\n', { continued: true }),
      u('s2c', 'body', 'A: b\r\n', { final: true }),
      u('s2c', 'reply', ' BINARY[]<0> ~{2}\r\n', { continued: true }),
      u('s2c', 'body', 'A:', { final: true }),
      u('s2c', 'reply', ')\r\n', { continued: true }),
    ]);
    const imapList = await listMessages(imap);
    expect(imapList.map((m) => [m.kind, m.partial, m.size])).toEqual([['imap-append', false, 7], ['imap-fetch', false, 6], ['imap-fetch', true, 2]]);
    expect(imapList[0]!.command).toBe('a1 APPEND INBOX (\\Seen) {7}');
  });

  test('the lab recordings: Dovecot RETR and FETCH give the sizes the servers announced', async () => {
    const pop = await listMessages('recordings/samples/pop3s-995.jsonl');
    expect(pop.map((m) => m.size)).toEqual([705]); // LIST: "1 705"
    const imap = await listMessages('recordings/samples/imaps-993.jsonl');
    expect(imap[0]!.size).toBe(925); // "* 1 FETCH (BODY[] {925}"
    const smtp = await readMessage('recordings/samples/smtp-starttls-auth-login.jsonl', 1);
    expect(smtp!.bytes.toString()).toBe('Subject: Asunto\r\n\r\nEste mensaje es de prueba.\r\nProbamos el protocolo SMTP.\r\n');
    expect(await readFile('recordings/samples/pop3s-995.jsonl', 'utf8')).toContain('"+OK 705 octets\\r\\n"');
  });
});
