// Self-tests of the mini POP3 server and Pop3Client over real sockets on 127.0.0.1, in the three
// TLS modes, plus Python's poplib as an independent client (POP3S and STLS).

import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ByteQueue } from '../../src/protocol/byte-queue.js';
import { DotBodyScanner } from '../../src/protocol/dot-body.js';
import type { MiniServer } from '../helpers/mailbox.js';
import { dotStuff, startMiniPop3Server } from '../helpers/mini-pop3-server.js';
import { Pop3Client } from '../helpers/pop3-client.js';
import { hasCommand, makeTestCert, type TestCert } from './test-cert.js';

const DOTTED = Buffer.from(
  'From: a@example.org\r\nTo: b@example.org\r\nSubject: dots\r\n\r\n.leading dot\r\n..two dots\r\nplain\r\n.\r\nend\r\n',
);
const SECOND = Buffer.from('From: c@example.org\r\nSubject: second\r\n\r\nbody 1\r\nbody 2\r\nbody 3\r\n');
const USERS = { alice: 'secret', bob: 'hunter2' };

let cert: TestCert | null = null;
let server: MiniServer | undefined;
beforeAll(() => {
  cert = makeTestCert();
  if (!cert) console.warn('openssl not found: skipping POP3 TLS self-tests');
});
afterAll(() => cert?.dispose());
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function start(mode: 'implicit' | 'starttls' | 'plain', sessions?: Array<{ received: Buffer[] }>) {
  server = await startMiniPop3Server({
    tls: mode,
    key: cert?.key,
    cert: cert?.cert,
    users: USERS,
    messages: [DOTTED, SECOND],
    onSession: sessions ? (s) => sessions.push(s) : undefined,
  });
  return server;
}

function connect(s: MiniServer, mode: 'implicit' | 'starttls' | 'plain') {
  return Pop3Client.connect({ host: s.host, port: s.port, tls: mode, ca: cert?.cert });
}

describe.each(['plain', 'starttls', 'implicit'] as const)('Pop3Client and server over %s', (mode) => {
  it('logs in, lists, retrieves a dot-stuffed message, deletes on QUIT', async (ctx) => {
    if (mode !== 'plain' && !cert) return ctx.skip();
    const sessions: Array<{ received: Buffer[] }> = [];
    const s = await start(mode, sessions);
    const c = await connect(s, mode);
    expect(c.greeting).toMatch(/<[^>]+@mini-pop3>$/);
    await c.login('alice', 'secret');
    expect(await c.command('STAT')).toEqual({ status: '+OK', text: `2 ${DOTTED.length + SECOND.length}` });
    const list = await c.command('LIST');
    expect(list.lines).toEqual([`1 ${DOTTED.length}`, `2 ${SECOND.length}`]);
    expect(await c.retr(1)).toEqual(DOTTED);
    expect((await c.command('DELE 1')).status).toBe('+OK');
    expect((await c.command('RETR 1')).status).toBe('-ERR');
    expect((await c.command('STAT')).text).toBe(`1 ${SECOND.length}`);
    expect(s.mailbox.inbox.messages).toHaveLength(2); // not before UPDATE
    await c.quit();
    expect(s.mailbox.inbox.messages.map((m) => m.raw)).toEqual([SECOND]);
    // The transcript holds the decrypted client bytes, the STLS line included for starttls.
    const received = Buffer.concat(sessions[0]!.received).toString('latin1');
    expect(received).toBe(`${mode === 'starttls' ? 'STLS\r\n' : ''}USER alice\r\nPASS secret\r\nSTAT\r\nLIST\r\nRETR 1\r\nDELE 1\r\nRETR 1\r\nSTAT\r\nQUIT\r\n`);
  });
});

describe('mini POP3 server commands (plaintext)', () => {
  it('offers CAPA by state and STLS only when configured and not yet in TLS', async () => {
    const s = await start('plain');
    const c = await connect(s, 'plain');
    const capa = await c.command('CAPA');
    expect(capa.lines).toEqual(expect.arrayContaining(['TOP', 'UIDL', 'USER', 'SASL PLAIN LOGIN', 'PIPELINING']));
    expect(capa.lines).not.toContain('STLS');
    expect((await c.command('STLS')).status).toBe('-ERR');
    await c.login('bob', 'hunter2');
    expect((await c.command('CAPA')).lines).not.toContain('USER');
    await c.quit();
  });

  it('refuses wrong passwords, unknown users and transaction commands before login', async () => {
    const s = await start('plain');
    const c = await connect(s, 'plain');
    for (const line of ['STAT', 'LIST', 'RETR 1', 'DELE 1', 'NOOP', 'PASS x', 'FOO']) {
      expect((await c.command(line)).status, line).toBe('-ERR');
    }
    expect((await c.command('USER alice')).status).toBe('+OK');
    expect(await c.command('PASS wrong')).toEqual({ status: '-ERR', text: '[AUTH] authentication failed' });
    expect((await c.command('USER nobody')).status).toBe('+OK');
    expect((await c.command('PASS secret')).status).toBe('-ERR');
    await c.login('alice', 'secret');
    expect((await c.command('USER alice')).status).toBe('-ERR');
    expect((await c.command('RETR 3')).status).toBe('-ERR');
    expect((await c.command('RETR x')).status).toBe('-ERR');
    await c.quit();
  });

  it('accepts APOP with the MD5 of the greeting timestamp and the password (RFC 1939 §7)', async () => {
    const s = await start('plain');
    const c = await connect(s, 'plain');
    const stamp = /(<[^>]+>)$/.exec(c.greeting)![1]!;
    expect((await c.command(`APOP alice ${'0'.repeat(32)}`)).status).toBe('-ERR');
    const digest = createHash('md5').update(stamp + 'secret').digest('hex');
    expect((await c.command(`APOP alice ${digest}`)).status).toBe('+OK');
    expect((await c.command('STAT')).status).toBe('+OK');
    await c.quit();
  });

  it('runs AUTH PLAIN and LOGIN with challenges, initial responses and "*" cancel (RFC 5034)', async () => {
    const s = await start('plain');
    const plain = await connect(s, 'plain');
    await plain.authPlain('alice', 'secret');
    await plain.quit();
    const login = await connect(s, 'plain');
    await login.authLogin('bob', 'hunter2');
    await login.quit();
    const raw = await connect(s, 'plain');
    const b = (t: string) => Buffer.from(t).toString('base64');
    // Challenge, cancel, then a bad PLAIN, then PLAIN answered after an empty challenge.
    const send = (line: string) => (raw as unknown as { send(l: string, m: boolean): Promise<{ status: string; text: string }> }).send(line, false);
    expect(await send('AUTH PLAIN')).toEqual({ status: '+', text: '' });
    expect((await send('*')).status).toBe('-ERR');
    expect((await send(`AUTH PLAIN ${b('\0alice\0nope')}`)).status).toBe('-ERR');
    expect((await send('AUTH LOGIN')).text).toBe(b('Username:'));
    expect((await send(b('alice'))).text).toBe(b('Password:'));
    expect((await send(b('secret'))).status).toBe('+OK');
    await raw.quit();
  });

  it('answers pipelined commands in order, with UIDL, TOP, RSET and NOOP', async () => {
    const s = await start('plain');
    const c = await connect(s, 'plain');
    const replies = await Promise.all([
      c.command('USER alice'), c.command('PASS secret'), c.command('UIDL'), c.command('UIDL 2'),
      c.command('TOP 2 1'), c.command('DELE 2'), c.command('RSET'), c.command('NOOP'), c.command('LIST 2'),
    ]);
    const [uid1, uid2] = s.mailbox.inbox.messages.map((m) => m.uid);
    expect(replies[2]!.lines).toEqual([`1 ${uid1}`, `2 ${uid2}`]);
    expect(replies[3]!.text).toBe(`2 ${uid2}`);
    expect(replies[4]!.body!.toString()).toBe('From: c@example.org\r\nSubject: second\r\n\r\nbody 1\r\n');
    expect(replies.map((r) => r.status)).toEqual(Array(9).fill('+OK'));
    expect(replies[8]!.text).toBe(`2 ${SECOND.length}`);
    c.destroy(); // no QUIT: no UPDATE state, nothing deleted
    await new Promise((r) => setTimeout(r, 20));
    expect(s.mailbox.inbox.messages).toHaveLength(2);
  });

  it('discards plaintext pipelined after STLS (RFC 2595 §4)', async (ctx) => {
    if (!cert) return ctx.skip();
    const sessions: Array<{ received: Buffer[]; sent: Buffer[] }> = [];
    const s = await start('starttls', sessions);
    const net = await import('node:net');
    const sock = net.connect(s.port, s.host);
    const got: Buffer[] = [];
    sock.on('data', (d) => got.push(d));
    await new Promise((r) => sock.once('data', r));
    sock.write('STLS\r\nUSER alice\r\nPASS secret\r\n');
    await new Promise((r) => setTimeout(r, 50));
    sock.destroy();
    const sent = Buffer.concat(sessions[0]!.sent).toString();
    expect(sent).toMatch(/\+OK begin TLS negotiation\r\n$/);
  });
});

describe('dotStuff', () => {
  it('produces a body that the dot-body scanner ends exactly at the terminator', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom('.', '..', 'a', '.a', '', ' .'), { maxLength: 8 }), (lines) => {
        const raw = Buffer.from(lines.map((l) => `${l}\r\n`).join(''));
        const wire = Buffer.concat([dotStuff(raw), Buffer.from('.\r\n')]);
        const q = new ByteQueue();
        q.push(wire);
        const { chunk, final } = new DotBodyScanner().next(q);
        expect(final).toBe(true);
        expect(chunk.length).toBe(wire.length);
        expect(dotStuff(raw).toString().split('\r\n').map((l) => l.replace(/^\./, ''))).toEqual([...lines, '']);
      }),
    );
  });
});

const PY = `
import poplib, ssl, sys
mode, port, ca = sys.argv[1], int(sys.argv[2]), sys.argv[3]
ctx = ssl.create_default_context(cafile=ca)
if mode == 'implicit':
    p = poplib.POP3_SSL('127.0.0.1', port, context=ctx, timeout=5)
else:
    p = poplib.POP3('127.0.0.1', port, timeout=5)
    p.stls(ctx)
assert 'USER' in p.capa()
p.user('alice'); p.pass_('secret')
count, size = p.stat()
resp, lines, octets = p.retr(1)
p.dele(2)
print(count, size, repr(b'\\r\\n'.join(lines)))
p.quit()
`;

describe.each(['implicit', 'starttls'] as const)('Python poplib over %s', (mode) => {
  it('logs in, retrieves and deletes', async (ctx) => {
    if (!cert) return ctx.skip();
    if (!hasCommand('python3')) {
      console.warn('python3 not found: skipping poplib interop');
      return ctx.skip();
    }
    const s = await start(mode);
    const out = await new Promise<string>((resolve, reject) =>
      execFile('python3', ['-c', PY, mode, String(s.port), cert!.certPath], { timeout: 10_000 }, (err, stdout, stderr) =>
        err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout),
      ),
    );
    // poplib undoes the dot-stuffing and drops the final CRLF.
    const expected = DOTTED.subarray(0, DOTTED.length - 2).toString();
    expect(out.trim()).toBe(`2 ${DOTTED.length + SECOND.length} ${pyBytesRepr(expected)}`);
    expect(s.mailbox.inbox.messages.map((m) => m.raw)).toEqual([DOTTED]);
  });
});

function pyBytesRepr(text: string): string {
  return `b'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\r/g, '\\r').replace(/\n/g, '\\n')}'`;
}
