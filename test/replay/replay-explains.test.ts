// Replay that helps when the client differs: --strict names the differing arguments and ends
// the session the protocol's way; an AUTH mechanism is part of the verb; a client that leaves
// after the last step without QUIT/LOGOUT has matched; a probe connection is not a session.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from 'node:net';
import { makeTestPki, type TestPki } from '../helpers/pki.js';
import { LineClient } from '../helpers/line-client.js';
import { startReplay } from '../../src/replay/server.js';
import { recordEventFromCodec } from '../../src/record/from-codec.js';
import type { Recording } from '../../src/record/reader.js';
import type { RecordEvent } from '../../src/record/schema.js';
import { imap } from '../../src/protocol/imap/index.js';
import { pop3 } from '../../src/protocol/pop3/index.js';
import { smtp } from '../../src/protocol/smtp/index.js';
import type { ProtocolModule, Side } from '../../src/protocol/types.js';

let pki: TestPki;
beforeAll(async () => {
  pki = await makeTestPki();
});
afterAll(async () => {
  await pki?.cleanup();
});

function recording(module: ProtocolModule, dialogue: [Side, string][]): Recording {
  const codec = module.createCodec();
  const events: RecordEvent[] = [];
  for (const [side, text] of dialogue) for (const ev of codec.feed(side, Buffer.from(text))) events.push(recordEventFromCodec(ev, 0, { tls: false }));
  events.push({ t: 1, dir: 'proxy', type: 'close', reason: 'server closed the connection', bytes: { c2s: 0, s2c: 0 } } as RecordEvent);
  const scheme = module.protocol;
  return {
    path: `${scheme}.jsonl`,
    header: { format: 'mailtap-recording', version: 1, protocol: module.protocol, session: 's', start: '', client: { address: '', port: 0 }, listen: `${scheme}://127.0.0.1:1`, upstream: `${scheme}://x:1`, clientTls: 'none', upstreamTls: 'none', mailtap: 't' },
    events,
    complete: true,
    truncated: false,
  };
}

const smtpRec = recording(smtp, [
  ['server', '220 hi\r\n'],
  ['client', 'EHLO client.example\r\n'],
  ['server', '250-hello\r\n250 AUTH LOGIN CRAM-MD5\r\n'],
  ['client', 'AUTH LOGIN\r\n'],
  ['server', '334 VXNlcm5hbWU6\r\n'],
  ['client', 'YWxpY2U=\r\n'],
  ['server', '334 UGFzc3dvcmQ6\r\n'],
  ['client', 'czNjcmV0\r\n'],
  ['server', '235 2.7.0 ok\r\n'],
  ['client', 'MAIL FROM:<a@b>\r\n'],
  ['server', '250 ok\r\n'],
  ['client', 'QUIT\r\n'],
  ['server', '221 bye\r\n'],
]);

const pop3Rec = recording(pop3, [
  ['server', '+OK ready\r\n'],
  ['client', 'USER alice\r\n'],
  ['server', '+OK\r\n'],
  ['client', 'PASS s3cret\r\n'],
  ['server', '+OK logged in\r\n'],
  ['client', 'QUIT\r\n'],
  ['server', '+OK bye\r\n'],
]);

const imapRec = recording(imap, [
  ['server', '* OK ready\r\n'],
  ['client', 'a1 LOGIN alice s3cret\r\n'],
  ['server', 'a1 OK done\r\n'],
  ['client', 'a2 SELECT INBOX\r\n'],
  ['server', 'a2 OK done\r\n'],
  ['client', 'a3 LOGOUT\r\n'],
  ['server', '* BYE\r\na3 OK done\r\n'],
]);

/** Reads everything until the server closes. */
async function untilClosed(c: LineClient): Promise<string> {
  try {
    await c.readUntil(() => -1, 5000);
  } catch {
    // closed (or timed out: the assertions below tell which)
  }
  return c.received;
}

describe('--strict', () => {
  it.each([
    ['smtp', smtpRec, 'EHLO other.example\r\n', /^421 4\.7\.0 mailtap replay: expected "EHLO client\.example", got "EHLO other\.example"\r\n$/],
    ['pop3', pop3Rec, 'USER bob\r\n', /^-ERR mailtap replay: expected "USER alice", got "USER bob"\r\n$/],
    ['imap', imapRec, 'x1 LOGIN bob other\r\n', /^\* BYE mailtap replay: expected "LOGIN alice s3cret", got "LOGIN bob other"\r\n$/],
  ] as const)('%s: names the differing arguments, answers the protocol\'s ending and closes', async (_name, rec, line, ending) => {
    const replay = await startReplay({ recordings: [rec], listen: `${rec.header.protocol}://127.0.0.1:0`, ca: pki.mailtapCa, once: true, strict: true });
    try {
      const c = await LineClient.connect({ port: replay.listeners[0]!.port });
      await c.line();
      const greeting = c.received;
      await c.send(line);
      // Anything more the client says is not answered: the session is over.
      await c.send(line).catch(() => undefined);
      const after = (await untilClosed(c)).slice(greeting.length);
      expect(after).toMatch(ending);
      const [outcome] = await replay.finished;
      expect(outcome!.matched).toBe(false);
      expect(outcome!.mismatches).toHaveLength(1);
      expect(outcome!.mismatches[0]).toMatch(/expected ".+ .+", got ".+ .+"/);
    } finally {
      await replay.close();
    }
  });
});

describe('matching', () => {
  it('an AUTH mechanism is part of the verb: CRAM-MD5 does not match a recorded AUTH LOGIN', async () => {
    const replay = await startReplay({ recordings: [smtpRec], listen: 'smtp://127.0.0.1:0', ca: pki.mailtapCa, once: true });
    try {
      const c = await LineClient.connect({ port: replay.listeners[0]!.port });
      await c.smtpReply();
      await c.send('EHLO me\r\n');
      await c.smtpReply();
      await c.send('AUTH CRAM-MD5\r\n');
      expect(await c.smtpReply()).toMatch(/^500 5\.5\.0 mailtap replay: expected "AUTH LOGIN", got "AUTH CRAM-MD5"/);
      await c.close();
      const [outcome] = await replay.finished;
      expect(outcome!.matched).toBe(false);
    } finally {
      await replay.close();
    }
  });

  it('the same mechanism in another case still matches by default', async () => {
    const replay = await startReplay({ recordings: [smtpRec], listen: 'smtp://127.0.0.1:0', ca: pki.mailtapCa, once: true });
    try {
      const c = await LineClient.connect({ port: replay.listeners[0]!.port });
      await c.smtpReply();
      await c.send('EHLO me\r\n');
      await c.smtpReply();
      await c.send('auth login\r\n');
      expect(await c.smtpReply()).toMatch(/^334 /);
    } finally {
      await replay.close();
    }
  });

  it.each([
    ['smtp', smtpRec, ['EHLO x\r\n', 'AUTH LOGIN\r\n', 'Ym9i\r\n', 'cGFzcw==\r\n', 'MAIL FROM:<q@r>\r\n'], /QUIT/],
    ['imap', imapRec, ['b1 LOGIN x y\r\n', 'b2 SELECT INBOX\r\n'], /LOGOUT/],
  ] as const)('%s: a client that leaves after the last step without saying goodbye has matched, with a note', async (_name, rec, lines, verb) => {
    const replay = await startReplay({ recordings: [rec], listen: `${rec.header.protocol}://127.0.0.1:0`, ca: pki.mailtapCa, once: true });
    try {
      const c = await LineClient.connect({ port: replay.listeners[0]!.port });
      await c.line();
      for (const l of lines) {
        await c.send(l);
        await c.line();
      }
      await c.close();
      const [outcome] = await replay.finished;
      expect(outcome).toMatchObject({ matched: true, mismatches: [] });
      expect(outcome!.notes.join(' ')).toMatch(verb);
    } finally {
      await replay.close();
    }
  });

  it('a client that leaves two steps early still fails', async () => {
    const replay = await startReplay({ recordings: [imapRec], listen: 'imap://127.0.0.1:0', ca: pki.mailtapCa, once: true });
    try {
      const c = await LineClient.connect({ port: replay.listeners[0]!.port });
      await c.line();
      await c.send('b1 LOGIN x y\r\n');
      await c.line();
      await c.close();
      const [outcome] = await replay.finished;
      expect(outcome!.matched).toBe(false);
    } finally {
      await replay.close();
    }
  });
});

describe('--once', () => {
  it('a connection that sends nothing and closes is not the one session', async () => {
    const replay = await startReplay({ recordings: [pop3Rec], listen: 'pop3://127.0.0.1:0', ca: pki.mailtapCa, once: true });
    try {
      const port = replay.listeners[0]!.port;
      // A port probe: connect, close, never a byte.
      await new Promise<void>((resolve, reject) => {
        const s = connect({ host: '127.0.0.1', port }, () => s.end());
        s.resume();
        s.on('close', () => resolve());
        s.on('error', reject);
      });
      const c = await LineClient.connect({ port });
      await c.line();
      for (const l of ['USER alice\r\n', 'PASS s3cret\r\n', 'QUIT\r\n']) {
        await c.send(l);
        await c.line();
      }
      await c.close();
      const outcomes = await replay.finished;
      expect(outcomes).toHaveLength(1);
      expect(outcomes[0]).toMatchObject({ matched: true, stepsMatched: 3 });
    } finally {
      await replay.close();
    }
  });
});
