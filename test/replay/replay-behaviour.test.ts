// Replay behaviours a tester relies on, with a scripted client over real sockets: IMAP tags
// rewritten to the client's own, a pipelined batch answered in order, a client leaving early,
// and several recordings served by whichever keeps matching.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestPki, type TestPki } from '../helpers/pki.js';
import { LineClient } from '../helpers/line-client.js';
import { startReplay } from '../../src/replay/server.js';
import { recordEventFromCodec } from '../../src/record/from-codec.js';
import type { Recording } from '../../src/record/reader.js';
import type { RecordEvent } from '../../src/record/schema.js';
import { imap } from '../../src/protocol/imap/index.js';
import { smtp } from '../../src/protocol/smtp/index.js';
import type { ProtocolModule, Side } from '../../src/protocol/types.js';

let pki: TestPki;
beforeAll(async () => {
  pki = await makeTestPki();
});
afterAll(async () => {
  await pki?.cleanup();
});

function recording(module: ProtocolModule, name: string, dialogue: [Side, string][]): Recording {
  const codec = module.createCodec();
  const events: RecordEvent[] = [];
  for (const [side, text] of dialogue) for (const ev of codec.feed(side, Buffer.from(text))) events.push(recordEventFromCodec(ev, 0, { tls: false }));
  events.push({ t: 1, dir: 'proxy', type: 'close', reason: 'server closed the connection', bytes: { c2s: 0, s2c: 0 } } as RecordEvent);
  const scheme = module.protocol;
  return {
    path: name,
    header: { format: 'mailtap-recording', version: 1, protocol: module.protocol, session: 's', start: '', client: { address: '', port: 0 }, listen: `${scheme}://127.0.0.1:1`, upstream: `${scheme}://x:1`, clientTls: 'starttls', upstreamTls: 'starttls', mailtap: 't' },
    events,
    complete: true,
    truncated: false,
  };
}

const imapRecording = recording(imap, 'imap.jsonl', [
  ['server', '* OK [CAPABILITY IMAP4rev1] ready\r\n'],
  ['client', 'a1 LOGIN alice secret\r\n'],
  ['server', 'a1 OK LOGIN completed\r\n'],
  ['client', 'a2 SELECT INBOX\r\n'],
  ['server', '* 1 EXISTS\r\na2 OK [READ-WRITE] SELECT completed\r\n'],
  ['client', 'a3 FETCH 1 BODY[]\r\n'],
  ['server', '* 1 FETCH (BODY[] {11}\r\nhello world)\r\na3 OK FETCH completed\r\n'],
  ['client', 'a4 LOGOUT\r\n'],
  ['server', '* BYE bye\r\na4 OK LOGOUT completed\r\n'],
]);

async function imapLine(c: LineClient, tag: string): Promise<string> {
  return c.readUntil((t) => {
    const m = new RegExp(`(^|\\r\\n)${tag} [^\\r\\n]*\\r\\n`).exec(t);
    return m ? m.index + m[0].length : -1;
  });
}

/** The recorded IMAP dialogue, as a client with its own tags and case plays it. */
async function playImapDialogue(c: LineClient, [login, select, fetch, logout]: string[]): Promise<void> {
  await c.line();
  await c.send(`${login} login bob other-password\r\n`);
  expect(await imapLine(c, login!)).toBe(`${login} OK LOGIN completed\r\n`);
  await c.send(`${select} select INBOX\r\n`);
  expect(await imapLine(c, select!)).toBe(`* 1 EXISTS\r\n${select} OK [READ-WRITE] SELECT completed\r\n`);
  await c.send(`${fetch} fetch 1 body[]\r\n`);
  expect(await imapLine(c, fetch!)).toBe(`* 1 FETCH (BODY[] {11}\r\nhello world)\r\n${fetch} OK FETCH completed\r\n`);
  await c.send(`${logout} LOGOUT\r\n`);
  expect(await imapLine(c, logout!)).toBe(`* BYE bye\r\n${logout} OK LOGOUT completed\r\n`);
  await c.close();
}

describe('replay behaviour', () => {
  it('rewrites IMAP tags to the client\'s own, literals included', async () => {
    const replay = await startReplay({ recordings: [imapRecording], listen: 'imap://127.0.0.1:0', ca: pki.mailtapCa, once: true });
    try {
      await playImapDialogue(await LineClient.connect({ port: replay.listeners[0]!.port }), ['X7', 'X8', 'X9', 'Z']);
      expect((await replay.finished)[0]).toMatchObject({ matched: true, stepsMatched: 4 });
    } finally {
      await replay.close();
    }
  });

  it('an observer that throws (replay --web) costs its view, not the session', async () => {
    const calls: string[] = [];
    const broken = {
      start: () => void calls.push('start'),
      event: () => {
        calls.push('event');
        throw new Error('the view is broken');
      },
      end: () => void calls.push('end'),
    };
    const replay = await startReplay({ recordings: [imapRecording], listen: 'imap://127.0.0.1:0', ca: pki.mailtapCa, once: true, observer: broken });
    try {
      await playImapDialogue(await LineClient.connect({ port: replay.listeners[0]!.port }), ['a1', 'a2', 'a3', 'a4']);
      expect((await replay.finished)[0]).toMatchObject({ matched: true, stepsMatched: 4 });
      // It threw once and was told nothing more but the end, so it can let go of the session.
      expect(calls).toEqual(['start', 'event', 'end']);
    } finally {
      await replay.close();
    }
  });

  it('answers a pipelined batch in order even though the recording waited for each reply', async () => {
    const rec = recording(smtp, 'smtp.jsonl', [
      ['server', '220 hi\r\n'],
      ['client', 'EHLO a\r\n'],
      ['server', '250 hello\r\n'],
      ['client', 'MAIL FROM:<a@b>\r\n'],
      ['server', '250 2.1.0 sender ok\r\n'],
      ['client', 'RCPT TO:<c@d>\r\n'],
      ['server', '250 2.1.5 rcpt ok\r\n'],
      ['client', 'QUIT\r\n'],
      ['server', '221 bye\r\n'],
    ]);
    const replay = await startReplay({ recordings: [rec], listen: 'smtp://127.0.0.1:0', ca: pki.mailtapCa, once: true });
    try {
      const c = await LineClient.connect({ port: replay.listeners[0]!.port });
      await c.smtpReply();
      await c.send('EHLO a\r\nMAIL FROM:<x@y>\r\nRCPT TO:<z@w>\r\nQUIT\r\n');
      const replies = [await c.smtpReply(), await c.smtpReply(), await c.smtpReply(), await c.smtpReply()];
      expect(replies.map((r) => r.slice(0, 3))).toEqual(['250', '250', '250', '221']);
      expect(replies[1]).toContain('sender ok');
      await c.close();
      expect((await replay.finished)[0]).toMatchObject({ matched: true });
    } finally {
      await replay.close();
    }
  });

  it('a client that leaves early fails the session, naming how far it got', async () => {
    const replay = await startReplay({ recordings: [imapRecording], listen: 'imap://127.0.0.1:0', ca: pki.mailtapCa, once: true });
    try {
      const c = await LineClient.connect({ port: replay.listeners[0]!.port });
      await c.line();
      await c.send('a1 LOGIN alice secret\r\n');
      await imapLine(c, 'a1');
      c.destroy();
      const [outcome] = await replay.finished;
      expect(outcome).toMatchObject({ matched: false, stepsMatched: 1, stepsExpected: 4 });
      expect(outcome!.mismatches[0]).toMatch(/left after 1 of 4/);
    } finally {
      await replay.close();
    }
  });

  it('with several recordings, a connection is served by the one whose dialogue matches', async () => {
    const quit = recording(smtp, 'quit.jsonl', [['server', '220 first\r\n'], ['client', 'QUIT\r\n'], ['server', '221 from quit.jsonl\r\n']]);
    const noop = recording(smtp, 'noop.jsonl', [['server', '220 second\r\n'], ['client', 'NOOP\r\n'], ['server', '250 from noop.jsonl\r\n'], ['client', 'QUIT\r\n'], ['server', '221 bye\r\n']]);
    const replay = await startReplay({ recordings: [quit, noop], listen: 'smtp://127.0.0.1:0', ca: pki.mailtapCa });
    try {
      const c = await LineClient.connect({ port: replay.listeners[0]!.port });
      expect(await c.smtpReply()).toMatch(/^220 first/); // connection 0 prefers the first recording
      await c.send('NOOP\r\n');
      expect(await c.smtpReply()).toBe('250 from noop.jsonl\r\n');
      await c.send('QUIT\r\n');
      expect(await c.smtpReply()).toMatch(/^221/);
      await c.close();
      const c2 = await LineClient.connect({ port: replay.listeners[0]!.port });
      expect(await c2.smtpReply()).toMatch(/^220 second/); // connection 1 prefers the second, in turn
      await c2.close();
    } finally {
      await replay.close();
    }
  });
});
