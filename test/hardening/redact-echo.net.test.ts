// --redact against a server that echoes a secret back: Dovecot refuses `LOGIN alice ~{19}` (a
// literal8, not allowed there) before the literal is sent, reads the password as the next command
// line and answers `TOPSECRET… BAD`: the password becomes a *tag*. Neither the recording, nor the
// observer (--json), nor `show` in any format may carry it, in any field.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import { makeTestPki, type TestPki } from '../helpers/pki.js';
import { startTestProxy } from '../helpers/proxy-harness.js';
import { LineClient } from '../helpers/line-client.js';
import { runCliInProcess } from './support/cli.js';
import { startRawServer } from './support/raw-server.js';

const SECRET = 'TOPSECRETpassword19';

let pki: TestPki;
beforeAll(async () => {
  pki = await makeTestPki();
});
afterAll(async () => {
  await pki?.cleanup();
});

/** Dovecot's answers, as observed: BAD for the literal8 LOGIN, then BAD tagged with whatever came next. */
async function startDovecotLike() {
  return startRawServer((conn) => {
    conn.send('* OK [CAPABILITY IMAP4rev1 LITERAL+ AUTH=PLAIN] Dovecot ready.\r\n');
    let buf = '';
    conn.socket.on('data', (c: Buffer) => {
      buf += c.toString('latin1');
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl).replace(/\r$/, '');
        buf = buf.slice(nl + 1);
        const [tag, verb] = line.split(' ');
        if (verb === 'LOGIN') conn.send(`${tag} BAD Error in IMAP command LOGIN: Invalid arguments.\r\n`);
        else if (verb === 'LOGOUT') {
          conn.send(`* BYE Logging out\r\n${tag} OK Logout completed.\r\n`);
          conn.socket.end();
        } else conn.send(`${tag} BAD Error in IMAP command received by server.\r\n`);
      }
    });
  });
}

describe('--redact: a password the server echoes back', () => {
  it.each([
    ['literal8 refused before its bytes', `a3 LOGIN alice ~{${SECRET.length}}\r\n`],
    ['synchronising literal refused before its bytes', `a3 LOGIN alice {${SECRET.length}}\r\n`],
  ])('%s: the echoed tag is masked in the recording, the observer and show text/md/json', async (_name, login) => {
    const upstream = await startDovecotLike();
    const proxy = await startTestProxy(pki, [`imap://127.0.0.1:0=imap://127.0.0.1:${upstream.port}`], { redact: true });
    try {
      const c = await LineClient.connect({ port: proxy.port() });
      await c.line();
      await c.send(login);
      expect(await c.line()).toMatch(/^a3 BAD/);
      await c.send(`${SECRET}\r\n`);
      expect(await c.line()).toMatch(new RegExp(`^${SECRET} BAD`));
      await c.send('a4 LOGOUT\r\n');
      await c.readUntil((t) => (t.includes('a4 OK') ? t.length : -1));
      await c.close();
      const [log] = await proxy.ended(1);
      const outputs: [string, string][] = [
        ['observer', JSON.stringify(log!.events)],
        ['recording', await readFile(log!.recordingPath!, 'utf8')],
      ];
      for (const format of ['text', 'md', 'json']) {
        const shown = await runCliInProcess(['show', log!.recordingPath!, '--format', format]);
        expect(shown.code).toBe(0);
        outputs.push([`show --format ${format}`, shown.out]);
      }
      const forms = [SECRET, Buffer.from(SECRET).toString('base64').replace(/=+$/, '')];
      for (const [where, text] of outputs) for (const form of forms) expect(text.includes(form), `${form} in ${where}`).toBe(false);
      // The dialogue is still there: the echo is recorded, with its tag masked.
      expect(log!.events.some((e) => e.dir === 's2c' && 'tag' in e && e.tag === '***')).toBe(true);
    } finally {
      await proxy.close();
      await upstream.close();
    }
  });
});
