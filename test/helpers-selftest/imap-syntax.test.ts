// Unit tests of the mini IMAP server's syntax helpers: tokenizer, string quoting, sequence sets,
// section extraction; plus close() of both servers with clients still connected.

import net from 'node:net';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { startMiniImapServer } from '../helpers/mini-imap-server.js';
import { fetchSection, imapString, parseArgs, parseSequenceSet, type Token } from '../helpers/mini-imap-syntax.js';
import { startMiniPop3Server } from '../helpers/mini-pop3-server.js';

const show = (tokens: Token[]): unknown =>
  tokens.map((t) => (t.t === 'list' ? show(t.v) : t.t === 'string' ? `s:${t.v.toString()}` : t.v));

describe('parseArgs', () => {
  it.each([
    ['INBOX (\\Seen) {3}\r\nabc\r\n', ['INBOX', ['\\Seen'], 's:abc']],
    ['1:* (UID BODY.PEEK[HEADER.FIELDS (FROM TO)]<0.10>)', ['1:*', ['UID', 'BODY.PEEK[HEADER.FIELDS (FROM TO)]<0.10>']]],
    ['"a \\"q\\" \\\\" NIL {2+}\r\nxy', ['s:a "q" \\', 'NIL', 's:xy']],
    ['((a) b) ""', [[['a'], 'b'], 's:']],
  ])('tokenizes %j', (input, expected) => {
    expect(show(parseArgs(Buffer.from(input), 0))).toEqual(expected);
  });

  it.each([['(a'], ['a)'], ['"open'], ['{x}\r\n']])('rejects %j with BAD', (input) => {
    expect(() => parseArgs(Buffer.from(input), 0)).toThrow(expect.objectContaining({ status: 'BAD' }));
  });

  it('reads back any string that imapString wrote', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (text) => {
        const [token] = parseArgs(Buffer.from(imapString(text)), 0);
        expect(token).toEqual({ t: 'string', v: Buffer.from(text) });
      }),
    );
  });
});

describe('parseSequenceSet', () => {
  it.each([
    ['1:*', 5, [1, 2, 3, 4, 5]],
    ['1,3', 5, [1, 3]],
    ['4:2', 5, [2, 3, 4]],
    ['*', 5, [5]],
    ['9:*', 5, [5]], // RFC 9051 §9: "*" is the largest number in use, so 9:* is 5:9
    ['2,4:*', 4, [2, 4]],
  ])('%s with max %i', (text, max, expected) => {
    const set = parseSequenceSet(text)!;
    expect([1, 2, 3, 4, 5, 6].filter((n) => n <= max && set.has(n, max))).toEqual(expected);
  });

  it.each([['0'], ['1:'], ['a'], ['1,,2'], ['']])('rejects %j', (text) => {
    expect(parseSequenceSet(text)).toBeNull();
  });
});

describe('fetchSection', () => {
  const nested = Buffer.from(
    'Subject: outer\r\nContent-Type: multipart/mixed; boundary=X\r\n\r\npreamble\r\n--X\r\n\r\nplain\r\n' +
      '--X\r\nContent-Type: message/rfc822\r\n\r\nSubject: inner\r\n\r\ninner body\r\n--X--\r\n',
  );
  it.each([
    ['BODY[1]', 'plain'],
    ['BODY[2]', 'Subject: inner\r\n\r\ninner body'],
    ['BODY[2.HEADER]', 'Subject: inner\r\n\r\n'],
    ['BODY[2.TEXT]', 'inner body'],
    ['BODY[2.1]', 'inner body'],
    ['BODY[2.MIME]', 'Content-Type: message/rfc822\r\n\r\n'],
    ['BODY[HEADER.FIELDS (SUBJECT)]', 'Subject: outer\r\n\r\n'],
    ['BODY.PEEK[]<0.7>', 'Subject'],
    ['RFC822.HEADER', 'Subject: outer\r\nContent-Type: multipart/mixed; boundary=X\r\n\r\n'],
  ])('%s', (item, expected) => {
    expect(fetchSection(nested, item)!.bytes.toString()).toBe(expected);
  });

  it('rejects sections that do not exist', () => {
    expect(() => fetchSection(nested, 'BODY[3]')).toThrow();
    expect(() => fetchSection(nested, 'BODY[1.HEADER]')).toThrow();
    expect(fetchSection(nested, 'BODY')).toBeNull();
  });
});

describe('close()', () => {
  it.each([
    ['POP3', startMiniPop3Server],
    ['IMAP', startMiniImapServer],
  ] as const)('%s: ends open connections and frees the port', async (_name, start) => {
    const server = await start({ tls: 'plain', users: {}, messages: [] });
    const sock = net.connect(server.port, server.host);
    await new Promise((r) => sock.once('data', r));
    const closed = new Promise((r) => sock.once('close', r));
    await server.close();
    await closed;
    const refused = net.connect(server.port, server.host);
    await expect(new Promise((_r, reject) => refused.once('error', reject))).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });
});
