// Hostile input through a live proxy: fast-check generates protocol-shaped garbage (long lines,
// NUL, bare CR/LF, huge literal counts, unterminated quotes, base64 garbage in AUTH, BDAT with
// wrong counts) from the client and hostile replies from the server. Whatever is sent, the proxy
// stays up and forwards byte-exact in both directions, and the recording holds the same bytes.
// STARTTLS/STLS are left out: dropping what follows them is the one intended change (tested below).
// Every scripted reply is a whole reply: a reply that never completes has its own case below.
// FUZZ_RUNS=500 npx vitest run test/hardening/hostile-input.net.test.ts for a longer run.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { TLSSocket } from 'node:tls';
import { makeTestPki, type TestPki } from '../helpers/pki.js';
import { startTestProxy, type TestProxy } from '../helpers/proxy-harness.js';
import { LineClient } from '../helpers/line-client.js';
import { streamBytes } from '../../src/record/reader.js';
import { startFuzzUpstream, GREETINGS, type FuzzUpstream } from './support/fuzz-upstream.js';
import { startRawServer } from './support/raw-server.js';

const RUNS = Number(process.env.FUZZ_RUNS ?? 25);

let pki: TestPki;
beforeAll(async () => {
  pki = await makeTestPki();
});
afterAll(async () => {
  await pki?.cleanup();
});

type Protocol = 'smtp' | 'pop3' | 'imap';

const WORDS: Record<Protocol, string[]> = {
  smtp: ['EHLO x', 'HELO', 'MAIL FROM:<a@b> SIZE=99999999999', 'RCPT TO:<', 'DATA', '.', 'BDAT 5', 'BDAT 0 LAST', 'BDAT 99999999999 LAST', 'BDAT -1', 'AUTH PLAIN', 'AUTH LOGIN', 'AUTH PLAIN ====', 'AUTH CRAM-MD5', '*', 'RSET', 'NOOP', 'VRFY "unterminated'],
  pop3: ['USER alice', 'PASS', 'APOP x', 'AUTH PLAIN', 'AUTH LOGIN', 'AUTH', 'RETR 1', 'TOP 1 99999999999', 'LIST', 'UIDL', 'CAPA', '.', '*', 'RSET'],
  imap: ['a1 LOGIN "unterminated', 'a2 APPEND INBOX {99999999999}', 'a3 APPEND INBOX {5+}', 'a4 AUTHENTICATE PLAIN', 'a5 FETCH 1 (BODY[] {3}', '{0}', '{18446744073709551616}', 'a6 IDLE', 'DONE', 'a7 SELECT "INBOX', '* BYE', 'a8 UID FETCH 1:* BODY[]', '+'],
};

const REPLIES: Record<Protocol, string[]> = {
  smtp: ['250 ok\r\n', '250-multi\r\n250 end\r\n', '354 go\r\n', '334 \r\n', '334 ====\r\n', '235 ok\r\n', '221 bye\r\n', '500 no\r\n', '250 \0\r\n'],
  pop3: ['+OK\r\n', '-ERR no\r\n', '+ \r\n', '+OK 3 octets\r\nabc\r\n.\r\n', '.\r\n', '+OK multi\r\n', '\r\n'],
  imap: ['* OK\r\n', '+ go\r\n', 'a1 OK\r\n', '* 1 FETCH (BODY[] {99999999999}\r\n', '* 1 FETCH (BODY[] {3}\r\nabc)\r\n', 'a2 NO\r\n', '* BYE\r\n', ')\r\n', '{5}\r\n'],
};

/** The fuzz upstream's proxy: tight limits, so over-long lines and replies take the overflow paths. */
const TIGHT = { maxLineBytes: 512, maxReplyBytes: 2048, maxBodyPeekBytes: 1024, maxPendingBytes: 1024, connectTimeoutMs: 300 };

function fragment(protocol: Protocol): fc.Arbitrary<string> {
  return fc.oneof(
    fc.constantFrom(...WORDS[protocol]),
    fc.string({ unit: 'binary', maxLength: 40 }),
    fc.uint8Array({ maxLength: 40 }).map((b) => Buffer.from(b).toString('latin1')),
    fc.base64String({ maxLength: 60 }),
    fc.constantFrom('\0', '\r', '\n', '\r\n', '\r\n.\r\n', '..', ' ', '"', '{', '}'),
    fc.integer({ min: 1, max: 3000 }).map((n) => 'L'.repeat(n)),
  );
}

function clientInput(protocol: Protocol): fc.Arbitrary<Buffer[]> {
  const text = fc.array(fc.tuple(fragment(protocol), fc.constantFrom('\r\n', '\n', '\r', '', ' ', '\0')), { minLength: 1, maxLength: 30 }).map((parts) => parts.map(([a, b]) => a + b).join(''));
  return fc.tuple(text, fc.array(fc.integer({ min: 1, max: 64 }), { maxLength: 8 })).filter(([t]) => !/stls|starttls/i.test(t)).map(([t, cuts]) => {
    const bytes = Buffer.from(t, 'latin1');
    const chunks: Buffer[] = [];
    let at = 0;
    for (const c of cuts) {
      if (at >= bytes.length) break;
      chunks.push(bytes.subarray(at, at + c));
      at += c;
    }
    if (at < bytes.length) chunks.push(bytes.subarray(at));
    return chunks;
  });
}

function serverScript(protocol: Protocol): fc.Arbitrary<string[]> {
  // SMTP replies must carry a code to complete (a partial one has its own case below); POP3/IMAP take any line.
  const garbage = fc.string({ unit: 'binary', maxLength: 30 }).map((t) => t.replace(/[\r\n]/g, ''));
  const line = protocol === 'smtp' ? fc.tuple(fc.constantFrom('250', '354', '334', '500', '221'), garbage).map(([c, t]) => `${c} ${t}\r\n`) : garbage.map((t) => `${t}\r\n`);
  return fc.array(fc.oneof(fc.constantFrom(...REPLIES[protocol]), line), { minLength: 1, maxLength: 12 }).filter((r) => !/stls|starttls/i.test(r.join('')));
}

describe.each(['smtp', 'pop3', 'imap'] as const)('%s: protocol-shaped garbage through a live proxy', (protocol) => {
  let upstream: FuzzUpstream;
  let proxy: TestProxy;
  beforeAll(async () => {
    upstream = await startFuzzUpstream(protocol);
    proxy = await startTestProxy(pki, [`${protocol}://127.0.0.1:0=${protocol}://127.0.0.1:${upstream.port}`], { limits: TIGHT });
  });
  afterAll(async () => {
    await proxy?.close();
    await upstream?.close();
  });

  it(`never crashes and forwards byte-exact both ways (${RUNS} runs)`, { timeout: 120_000 }, async () => {
    let sessions = 0;
    await fc.assert(
      fc.asyncProperty(clientInput(protocol), serverScript(protocol), async (chunks, script) => {
        upstream.script = script;
        const before = upstream.connections.length;
        const client = await LineClient.connect({ port: proxy.port() });
        await client.line();
        for (const c of chunks) await client.send(c);
        const clientEnded = new Promise<void>((r) => (client as unknown as { socket: { once(e: string, f: () => void): void } }).socket.once('end', () => r()));
        (client as unknown as { socket: { end(): void } }).socket.end();
        await expect.poll(() => upstream.connections.length > before).toBe(true);
        const { received, sent } = await upstream.finished(upstream.connections[before]!);
        await clientEnded;
        const [log] = (await proxy.ended(++sessions)).slice(-1);
        const sentBytes = Buffer.concat(chunks);
        expect(received.equals(sentBytes)).toBe(true);
        expect(client.received).toBe(sent.toString('latin1'));
        // The recording's units give back both streams.
        const rec = { events: log!.events } as Parameters<typeof streamBytes>[0];
        expect(streamBytes(rec, 'c2s').equals(sentBytes)).toBe(true);
        expect(streamBytes(rec, 's2c').equals(sent)).toBe(true);
        client.destroy();
      }),
      { numRuns: RUNS },
    );
    // Still serving.
    const after = await LineClient.connect({ port: proxy.port() });
    expect(await after.line()).toBe(GREETINGS[protocol]);
    after.destroy();
  });
});

describe('SMTP: a reply that never completes', () => {
  // Found by this suite: after the client's FIN the SMTP codec used to keep the client's bytes
  // held behind a DATA/AUTH gate until the server's reply completed, so the server never got the
  // body. Only a STARTTLS gate holds bytes after the client's FIN now (flushEnded).
  it('DATA answered with a partial line, then body + FIN: the server still gets every byte', async () => {
    const upstream = await startFuzzUpstream('smtp');
    upstream.script = ['35'];
    const proxy = await startTestProxy(pki, [`smtp://127.0.0.1:0=smtp://127.0.0.1:${upstream.port}`], { limits: TIGHT });
    try {
      const client = await LineClient.connect({ port: proxy.port() });
      await client.line();
      const sent = Buffer.from('DATA\r\nbody line\r\n.\r\n');
      await client.send(sent);
      (client as unknown as { socket: { end(): void } }).socket.end();
      await expect.poll(() => upstream.connections.length).toBe(1);
      const { received } = await upstream.finished(upstream.connections[0]!);
      expect(received.toString('latin1')).toBe(sent.toString('latin1'));
    } finally {
      await proxy.close();
      await upstream.close();
    }
  });
});

describe('a server reply injected before the TLS handshake', () => {
  it('"220 go\\r\\n250 injected\\r\\n" in one write: the 220 goes through, the injected line is dropped and flagged (from: server)', async () => {
    const upstream = await startRawServer((conn) => {
      conn.send('220 inject.test ESMTP\r\n');
      let tls: TLSSocket | undefined;
      conn.socket.on('data', (c: Buffer) => {
        const line = c.toString('latin1');
        if (/^EHLO/i.test(line)) conn.send('250-inject.test\r\n250 STARTTLS\r\n');
        else if (/^STARTTLS/i.test(line)) {
          conn.send('220 go\r\n250 injected\r\n');
          conn.socket.removeAllListeners('data');
          tls = new TLSSocket(conn.socket, { isServer: true, key: pki.serverKey, cert: pki.serverCert });
          tls.on('error', () => {});
          tls.on('data', (d: Buffer) => {
            const l = d.toString('latin1');
            if (/^EHLO/i.test(l)) tls!.write('250 real inside TLS\r\n');
            else if (/^QUIT/i.test(l)) tls!.end('221 bye\r\n');
          });
        }
      });
    });
    const proxy = await startTestProxy(pki, [`smtp://127.0.0.1:0=smtp://127.0.0.1:${upstream.port}`]);
    try {
      const client = await LineClient.connect({ port: proxy.port(), ca: pki.mailtapCaPem });
      await client.smtpReply();
      await client.send('EHLO x\r\n');
      await client.smtpReply();
      await client.send('STARTTLS\r\n');
      expect(await client.smtpReply()).toBe('220 go\r\n');
      await client.startTls();
      await client.send('EHLO x\r\n');
      expect(await client.smtpReply()).toBe('250 real inside TLS\r\n');
      await client.send('QUIT\r\n');
      expect(await client.smtpReply()).toBe('221 bye\r\n');
      expect(client.received).not.toContain('injected');
      await client.close();
      const [log] = await proxy.ended(1);
      const injection = log!.events.find((e) => e.type === 'injection') as { from: string; dropped: string };
      expect(injection.from).toBe('server');
      expect(Buffer.from(injection.dropped, 'base64').toString()).toBe('250 injected\r\n');
    } finally {
      await proxy.close();
      await upstream.close();
    }
  });
});

describe('client plaintext sent as its own segment while mailtap holds the STARTTLS go-ahead', () => {
  // The server takes its time over the TLS handshake, so mailtap holds the "220 go" until the
  // server leg is TLS. A client that sends plaintext in that window (before it could have read
  // the 220) is injecting: dropped, recorded as injection, and the TLS handshake still works.
  for (const protocol of ['smtp', 'pop3', 'imap'] as const) {
    const dialogue = {
      smtp: { greet: '220 slow.test ESMTP\r\n', hello: 'EHLO x\r\n', helloReply: '250-slow.test\r\n250 STARTTLS\r\n', starttls: 'STARTTLS\r\n', go: '220 go\r\n', injected: 'MAIL FROM:<evil@x>\r\n', inside: 'NOOP\r\n', insideReply: '250 ok inside TLS\r\n' },
      pop3: { greet: '+OK slow.test\r\n', hello: 'CAPA\r\n', helloReply: '+OK\r\nSTLS\r\n.\r\n', starttls: 'STLS\r\n', go: '+OK go\r\n', injected: 'USER evil\r\n', inside: 'NOOP\r\n', insideReply: '+OK ok inside TLS\r\n' },
      imap: { greet: '* OK slow.test\r\n', hello: 'a0 CAPABILITY\r\n', helloReply: '* CAPABILITY IMAP4rev1 STARTTLS\r\na0 OK\r\n', starttls: 'a1 STARTTLS\r\n', go: 'a1 OK go\r\n', injected: 'a2 LOGIN evil pw\r\n', inside: 'a3 NOOP\r\n', insideReply: 'a3 OK ok inside TLS\r\n' },
    }[protocol];
    it(`${protocol}: dropped and flagged as injection; the handshake and the session go on`, async () => {
      const upstream = await startRawServer((conn) => {
        conn.send(dialogue.greet);
        conn.socket.on('data', (c: Buffer) => {
          const line = c.toString('latin1');
          if (line === dialogue.hello) conn.send(dialogue.helloReply);
          else if (line === dialogue.starttls) {
            conn.send(dialogue.go);
            conn.socket.removeAllListeners('data');
            conn.socket.pause();
            // A slow server handshake: mailtap keeps the go-ahead until it is done.
            setTimeout(() => {
              const tls = new TLSSocket(conn.socket, { isServer: true, key: pki.serverKey, cert: pki.serverCert });
              tls.on('error', () => {});
              tls.on('data', (d: Buffer) => {
                conn.received.push(d);
                if (d.toString('latin1') === dialogue.inside) tls.write(dialogue.insideReply);
              });
            }, 400);
          }
        });
      });
      const proxy = await startTestProxy(pki, [`${protocol}://127.0.0.1:0=${protocol}://127.0.0.1:${upstream.port}`]);
      try {
        const client = await LineClient.connect({ port: proxy.port(), ca: pki.mailtapCaPem });
        await client.line();
        await client.send(dialogue.hello);
        await expect.poll(() => client.received).toContain(dialogue.helloReply);
        await client.send(dialogue.starttls);
        await new Promise((r) => setTimeout(r, 100));
        expect(client.received).not.toContain(dialogue.go.trimEnd());
        await client.send(dialogue.injected);
        await expect.poll(() => client.received, { timeout: 5000 }).toContain(dialogue.go.trimEnd());
        await client.startTls();
        await client.send(dialogue.inside);
        await expect.poll(() => client.received, { timeout: 5000 }).toContain(dialogue.insideReply.trimEnd());
        client.destroy();
        const [log] = await proxy.ended(1);
        const injection = log!.events.find((e) => e.type === 'injection') as { from: string; dropped: string } | undefined;
        expect(injection?.from).toBe('client');
        expect(Buffer.from(injection!.dropped, 'base64').toString('latin1')).toBe(dialogue.injected);
        expect(Buffer.concat(upstream.connections[0]!.received).toString('latin1')).not.toContain(dialogue.injected.trimEnd());
      } finally {
        await proxy.close();
        await upstream.close();
      }
    });
  }
});
