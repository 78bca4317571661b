// A peer must never write to the user's terminal: a hostile greeting, EHLO name, MAIL FROM and
// AUTH user/password carry ESC sequences (retitle the window, clear the screen), C1 controls as
// UTF-8 (U+009B is CSI to many terminals) and bidi overrides. Through a live proxy, the live view
// (human, quiet and --json), `show --format text|md|json` and the logs show them escaped.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestPki, type TestPki } from '../helpers/pki.js';
import { LineClient } from '../helpers/line-client.js';
import { parseRoute } from '../../src/core/mail-url.js';
import { startProxy } from '../../src/session/proxy.js';
import { createLiveView } from '../../src/cli/live-view.js';
import type { SessionObserver } from '../../src/session/session.js';
import { escapeBytes, escapeControl, terminalSafeJson } from '../../src/core/bytes.js';
import { makeTempDir } from '../helpers/pki.js';
import { runCliInProcess } from './support/cli.js';
import { startRawServer } from './support/raw-server.js';

/** Anything a terminal would act on: C0 but LF, DEL, C1, line/paragraph separators, bidi controls. */
const UNSAFE = /[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]/u;

const utf8 = (s: string) => Buffer.from(s, 'utf8').toString('latin1');
const TITLE = '\x1b]0;pwned\x07';
const CLEAR = '\x1b[2J\x1b[H';
const CSI = utf8('\u009b31m');
const RLO = utf8('\u202e');

let pki: TestPki;
beforeAll(async () => {
  pki = await makeTestPki();
});
afterAll(async () => {
  await pki?.cleanup();
});

/** mailtap's own colours (render-text.ts), the one escape sequence it may print itself. */
const OWN_COLOURS = /\x1b\[(?:36|32|35|1;31|31|2|0)m/g;

function firstUnsafe(coloured: string): string | undefined {
  const text = coloured.replace(OWN_COLOURS, '');
  const m = UNSAFE.exec(text);
  return m ? JSON.stringify(text.slice(Math.max(0, m.index - 40), m.index + 20)) : undefined;
}

describe('escaping for the terminal', () => {
  it('escapeBytes and escapeControl escape C0, DEL, C1 (as UTF-8 too) and bidi controls, and agree', () => {
    const raw = `a\x1b[2Jb\x7fc\u009bd\u202ee\u2028f`;
    const fromBytes = escapeBytes(Buffer.from(raw, 'utf8'));
    expect(fromBytes).toBe('a\\x1b[2Jb\\x7fc\\u009bd\\u202ee\\u2028f');
    expect(escapeControl(raw)).toBe(fromBytes);
    expect(escapeControl(fromBytes)).toBe(fromBytes);
    expect(escapeBytes(Buffer.from([0x61, 0x9b, 0xff]))).toBe('a\\x9b\\xff');
    const json = terminalSafeJson(JSON.stringify({ s: raw }));
    expect(JSON.parse(json)).toEqual({ s: raw });
    expect(firstUnsafe(json)).toBeUndefined();
  });

  it('a hostile SMTP server and client reach no output path raw: live view, quiet, --json, show text/md/json', async () => {
    const upstream = await startRawServer((conn) => {
      conn.send(`220 mx${TITLE} ESMTP ${CSI}${RLO}\r\n`);
      let buf = '';
      conn.socket.on('data', (c: Buffer) => {
        buf += c.toString('latin1');
        let nl: number;
        while ((nl = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, nl);
          buf = buf.slice(nl + 1);
          if (/^EHLO/i.test(line)) conn.send(`250-mx greets ${CLEAR}\r\n250 AUTH PLAIN LOGIN\r\n`);
          else if (/^AUTH/i.test(line)) conn.send(`235 2.7.0 ok ${TITLE}\r\n`);
          else if (/^QUIT/i.test(line)) {
            conn.send('221 bye\r\n');
            conn.socket.end();
          } else conn.send(`250 ok ${CSI}\r\n`);
        }
      });
    });
    const recordings = await makeTempDir('mailtap-esc-');
    const human: string[] = [];
    const quiet: string[] = [];
    const json: string[] = [];
    const views = [
      createLiveView({ mode: 'human', lang: 'en', redact: false, color: false, out: (t) => human.push(t) }),
      createLiveView({ mode: 'human', lang: 'es', redact: false, color: true, out: (t) => human.push(t) }),
      createLiveView({ mode: 'quiet', lang: 'en', redact: false, color: false, out: (t) => quiet.push(t) }),
      createLiveView({ mode: 'json', lang: 'en', redact: false, color: false, out: (t) => json.push(t) }),
    ];
    let recordingPath: string | undefined;
    let ended!: () => void;
    const done = new Promise<void>((r) => (ended = r));
    const observer: SessionObserver = {
      start: (id, h) => views.forEach((v) => v.start?.(id, h)),
      event: (id, e) => views.forEach((v) => v.event?.(id, e)),
      end: (id, c, p) => {
        views.forEach((v) => v.end?.(id, c, p));
        recordingPath = p;
        ended();
      },
    };
    const proxy = await startProxy({ routes: [parseRoute(`smtp://127.0.0.1:0=smtp://127.0.0.1:${upstream.port}`)], ca: pki.mailtapCa, recordings: recordings.dir, observer });
    try {
      const c = await LineClient.connect({ port: proxy.listeners[0]!.port });
      await c.smtpReply();
      await c.send(`EHLO evil${TITLE}${CLEAR}\r\n`);
      await c.smtpReply();
      await c.send(`MAIL FROM:<a${CSI}@b${RLO}>\r\n`);
      await c.smtpReply();
      const plain = Buffer.from(`\0us${TITLE}er\0pa${utf8('\u009b')}2Jss`, 'latin1').toString('base64');
      await c.send(`AUTH PLAIN ${plain}\r\n`);
      await c.smtpReply();
      await c.send('QUIT\r\n');
      await c.smtpReply();
      await c.close();
      await done;
    } finally {
      await proxy.close();
      await upstream.close();
    }
    try {
      const outputs: [string, string][] = [
        ['live view', human.join('')],
        ['quiet', quiet.join('')],
        ['--json', json.join('')],
      ];
      expect(recordingPath).toBeDefined();
      for (const format of ['text', 'md', 'json']) {
        for (const lang of ['en', 'es']) {
          const shown = await runCliInProcess(['show', recordingPath!, '--format', format, '--lang', lang]);
          expect(shown.code).toBe(0);
          outputs.push([`show --format ${format} --lang ${lang}`, shown.out]);
        }
      }
      for (const [where, text] of outputs) expect(firstUnsafe(text), where).toBeUndefined();
      // The hostile bytes did reach the outputs (escaped): the test sees what it means to see.
      expect(human.join('')).toContain('\\x1b]0;pwned\\x07');
      expect(human.join('')).toContain('\\u009b31m');
      // JSON stays JSON: the same values come back when parsed.
      const parsed = json.join('').trim().split('\n').map((l) => JSON.parse(l) as { text?: string; b64?: string; note?: string });
      const bytes = parsed.map((e) => e.text ?? Buffer.from(e.b64 ?? '', 'base64').toString('latin1'));
      expect(bytes.some((b) => b.includes(`EHLO evil${TITLE}`))).toBe(true);
      expect(parsed.some((e) => e.note?.includes('\u009b'))).toBe(true);
    } finally {
      await recordings.cleanup();
    }
  });
});
