// `replay` facing a hostile or careless client: an IMAP literal announced larger than the cap is
// refused with BAD before any byte (it used to be answered OK before the literal), a literal the
// recording did not have gets `+` and the recorded answer only after its bytes, and a silent
// client is dropped after the idle timeout (replay had none).

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestPki, type TestPki } from '../helpers/pki.js';
import { LineClient } from '../helpers/line-client.js';
import { startReplay } from '../../src/replay/server.js';
import { recordEventFromCodec } from '../../src/record/from-codec.js';
import type { Recording } from '../../src/record/reader.js';
import type { RecordEvent } from '../../src/record/schema.js';
import { imap } from '../../src/protocol/imap/index.js';
import { DEFAULT_LIMITS } from '../../src/core/limits.js';
import type { Side } from '../../src/protocol/types.js';
import { runCliInProcess } from './support/cli.js';

let pki: TestPki;
beforeAll(async () => {
  pki = await makeTestPki();
});
afterAll(async () => {
  await pki?.cleanup();
});

function imapRecording(dialogue: [Side, string][]): Recording {
  const codec = imap.createCodec();
  const events: RecordEvent[] = [];
  for (const [side, text] of dialogue) for (const ev of codec.feed(side, Buffer.from(text))) events.push(recordEventFromCodec(ev, 0, { tls: false }));
  events.push({ t: 1, dir: 'proxy', type: 'close', reason: 'server closed the connection', bytes: { c2s: 0, s2c: 0 } } as RecordEvent);
  return {
    path: 'login.jsonl',
    header: { format: 'mailtap-recording', version: 1, protocol: 'imap', session: 's', start: '', client: { address: '', port: 0 }, listen: 'imap://127.0.0.1:1', upstream: 'imap://x:1', clientTls: 'none', upstreamTls: 'none', mailtap: 't' },
    events,
    complete: true,
    truncated: false,
  };
}

const LOGIN = imapRecording([
  ['server', '* OK ready\r\n'],
  ['client', 'a1 LOGIN alice secret\r\n'],
  ['server', 'a1 OK LOGIN completed\r\n'],
  ['client', 'a2 LOGOUT\r\n'],
  ['server', '* BYE bye\r\na2 OK LOGOUT completed\r\n'],
]);

/** Everything the replay sends until `done` says it is enough (or the socket closes). */
async function until(c: LineClient, pattern: RegExp): Promise<string> {
  return c.readUntil((t) => {
    const m = pattern.exec(t);
    return m ? m.index + m[0].length : -1;
  });
}

describe('replay and IMAP literals', () => {
  it('a literal above the cap ({4294967295}) gets BAD before any byte, and never an OK', async () => {
    expect(DEFAULT_LIMITS.maxReplayLiteralBytes).toBeLessThan(4294967295);
    const replay = await startReplay({ recordings: [LOGIN], listen: 'imap://127.0.0.1:0', ca: pki.mailtapCa, once: true });
    try {
      const c = await LineClient.connect({ port: replay.listeners[0]!.port });
      await c.line();
      await c.send('a1 LOGIN alice {4294967295}\r\n');
      const answer = await until(c, /a1 [^\r\n]*\r\n/);
      expect(answer).toMatch(/^a1 BAD \[TOOBIG\] a literal of 4294967295 bytes is larger than replay accepts/);
      expect(answer).not.toMatch(/^\+|OK/m);
      // Refused, not consumed: the client can still log in as recorded.
      await c.send('a1 LOGIN alice secret\r\n');
      expect(await until(c, /a1 [^\r\n]*\r\n/)).toBe('a1 OK LOGIN completed\r\n');
      await c.send('a2 LOGOUT\r\n');
      await until(c, /a2 [^\r\n]*\r\n/);
      await c.close();
      const [outcome] = await replay.finished;
      expect(outcome!.mismatches.join(' ')).toMatch(/larger than replay accepts/);
    } finally {
      await replay.close();
    }
  });

  it('a literal the recording did not have: `+` first, the recorded OK only after its bytes', async () => {
    const replay = await startReplay({ recordings: [LOGIN], listen: 'imap://127.0.0.1:0', ca: pki.mailtapCa, once: true });
    try {
      const c = await LineClient.connect({ port: replay.listeners[0]!.port });
      await c.line();
      await c.send('a1 LOGIN alice {6}\r\n');
      expect(await c.line()).toMatch(/^\+ /);
      await new Promise((r) => setTimeout(r, 100));
      expect(c.received).not.toMatch(/a1 OK/);
      await c.send('secret\r\n');
      expect(await until(c, /a1 [^\r\n]*\r\n/)).toBe('a1 OK LOGIN completed\r\n');
      await c.send('a2 LOGOUT\r\n');
      await until(c, /a2 [^\r\n]*\r\n/);
      await c.close();
      expect((await replay.finished)[0]).toMatchObject({ matched: true, stepsMatched: 2 });
    } finally {
      await replay.close();
    }
  });
});

describe('replay idle timeout', () => {
  it('a client silent for --idle-timeout is closed and the session reported as not matched', async () => {
    const replay = await startReplay({ recordings: [LOGIN], listen: 'imap://127.0.0.1:0', ca: pki.mailtapCa, once: true, idleTimeoutMs: 300 });
    try {
      const c = await LineClient.connect({ port: replay.listeners[0]!.port });
      await c.line();
      await c.send('a1 LOGIN alice secret\r\n');
      expect(await until(c, /a1 [^\r\n]*\r\n/)).toBe('a1 OK LOGIN completed\r\n');
      await expect(c.readUntil(() => -1, 10_000)).rejects.toThrow(/closed/);
      const [outcome] = await replay.finished;
      expect(outcome).toMatchObject({ matched: false });
      expect(outcome!.mismatches.join(' ')).toMatch(/idle for 300 ms/);
    } finally {
      await replay.close();
    }
  });

  it('replay --idle-timeout is an option like the proxy\'s', async () => {
    const [replayHelp, proxyHelp] = [await runCliInProcess(['replay', '--help']), await runCliInProcess(['proxy', '--help'])];
    const line = (help: string) => help.split('\n').find((l) => l.includes('--idle-timeout'));
    expect(line(replayHelp.out)).toMatch(/--idle-timeout <ms>/);
    expect(line(proxyHelp.out)).toMatch(/--idle-timeout <ms>/);
  });
});
