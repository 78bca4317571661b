// Security rules on a live proxy: a listener beyond loopback warns that everyone's credentials
// will be recorded; --permit name constraints hold end to end (a client refuses a leaf outside
// them); --redact keeps a password out of every output: recording, observer events, `show`.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import { connect as tlsConnect } from 'node:tls';
import { join } from 'node:path';
import { makeTestPki, makeTempDir, type TestPki } from '../helpers/pki.js';
import { startTestProxy } from '../helpers/proxy-harness.js';
import { startScriptedSmtpServer } from '../helpers/scripted-smtp-server.js';
import { startMiniPop3Server } from '../helpers/mini-pop3-server.js';
import { startMiniImapServer } from '../helpers/mini-imap-server.js';
import { LineClient } from '../helpers/line-client.js';
import { CertificateAuthority } from '../../src/ca/index.js';
import { parseRoute } from '../../src/core/mail-url.js';
import { startProxy } from '../../src/session/proxy.js';
import { captureLogger } from './support/log-capture.js';
import { runCliInProcess } from './support/cli.js';

let pki: TestPki;
let tmp: { dir: string; cleanup: () => Promise<void> };
beforeAll(async () => {
  pki = await makeTestPki();
  tmp = await makeTempDir('mailtap-secnet-');
});
afterAll(async () => {
  await pki?.cleanup();
  await tmp?.cleanup();
});

describe('listening beyond loopback', () => {
  it.each([
    ['0.0.0.0', true],
    ['127.0.0.1', false],
  ] as const)('%s: warning logged = %s', async (host, warns) => {
    const { logger, lines } = captureLogger();
    const proxy = await startProxy({ routes: [parseRoute(`smtp://${host}:0=smtp://127.0.0.1:9`)], ca: pki.mailtapCa, recordings: false, logger });
    await proxy.close();
    const warning = lines.find((l) => l.level === 40 && /credentials of everyone who connects will be recorded/.test(l.msg));
    expect(!!warning).toBe(warns);
  });
});

describe('--permit name constraints, end to end', () => {
  it('a client refuses a leaf for a name outside the permitted subtrees; inside them it connects', async () => {
    const constrained = await CertificateAuthority.init(join(tmp.dir, 'constrained'), { permit: ['example.test'] });
    const upstream = await startScriptedSmtpServer({ tls: 'implicit', key: pki.serverKey, cert: pki.serverCert });
    const proxy = await startTestProxy(pki, [`smtps://127.0.0.1:0=smtps://127.0.0.1:${upstream.port}`], { ca: constrained });
    const handshake = (servername: string) =>
      new Promise<string>((resolve, reject) => {
        const s = tlsConnect({ host: '127.0.0.1', port: proxy.port(), ca: constrained.certPem, servername }, () => {
          s.destroy();
          resolve('ok');
        });
        s.once('error', reject);
      });
    try {
      expect(await handshake('mail.example.test')).toBe('ok');
      await expect(handshake('mail.outside.example')).rejects.toThrow(/subtree|name constraint|altnames|permitted/i);
    } finally {
      await proxy.close();
      await upstream.close();
    }
  });
});

describe('--redact', () => {
  const SECRET = 's3cr3t-P4ss';
  const forbidden = [
    SECRET,
    Buffer.from(SECRET).toString('base64'),
    Buffer.from(`\0alice\0${SECRET}`).toString('base64'),
    Buffer.from(`alice\0alice\0${SECRET}`).toString('base64'),
  ];

  it('masks the password in the recording, the observer events and show text/md/json (POP3 USER/PASS, AUTH PLAIN, AUTH LOGIN; IMAP LOGIN)', async () => {
    const users = { alice: SECRET };
    const pop3 = await startMiniPop3Server({ tls: 'plain', users, messages: [] });
    const imap = await startMiniImapServer({ tls: 'plain', users, messages: [] });
    const proxy = await startTestProxy(pki, [`pop3://127.0.0.1:0=pop3://127.0.0.1:${pop3.port}`, `imap://127.0.0.1:0=imap://127.0.0.1:${imap.port}`], { redact: true });
    try {
      const b64 = (s: string) => Buffer.from(s).toString('base64');
      const pop3Dialogues = [
        [`USER alice`, `PASS ${SECRET}`],
        [`AUTH PLAIN ${b64(`\0alice\0${SECRET}`)}`],
        [`AUTH PLAIN`, b64(`alice\0alice\0${SECRET}`)],
        [`AUTH LOGIN`, b64('alice'), b64(SECRET)],
      ];
      for (const lines of pop3Dialogues) {
        const c = await LineClient.connect({ port: proxy.port(0) });
        expect(await c.line()).toMatch(/^\+OK/);
        for (const line of lines) {
          await c.send(`${line}\r\n`);
          expect(await c.line()).toMatch(/^\+/);
        }
        await c.send('QUIT\r\n');
        await c.line();
        await c.close();
      }
      const c = await LineClient.connect({ port: proxy.port(1) });
      await c.line();
      await c.send(`a1 LOGIN alice "${SECRET}"\r\n`);
      expect(await c.line()).toMatch(/^a1 OK/);
      await c.send('a2 LOGOUT\r\n');
      await c.readUntil((t) => (t.includes('a2 OK') ? t.length : -1));
      await c.close();
      const logs = await proxy.ended(5);

      const outputs: [string, string][] = [];
      for (const log of logs) {
        expect(log.events.some((e) => e.type === 'auth')).toBe(true);
        outputs.push([`observer ${log.header.protocol}`, JSON.stringify(log)]);
        outputs.push([`file ${log.recordingPath}`, await readFile(log.recordingPath!, 'utf8')]);
        for (const format of ['text', 'md', 'json']) {
          const shown = await runCliInProcess(['show', log.recordingPath!, '--format', format]);
          expect(shown.code).toBe(0);
          outputs.push([`show --format ${format}`, shown.out]);
        }
      }
      for (const [where, text] of outputs) for (const secret of forbidden) expect(text.includes(secret), `${secret} in ${where}`).toBe(false);
      expect(outputs.some(([, t]) => t.includes('alice'))).toBe(true);

      // The control: without --redact the same USER/PASS dialogue does record the password.
      const plain = await startTestProxy(pki, [`pop3://127.0.0.1:0=pop3://127.0.0.1:${pop3.port}`]);
      try {
        const p = await LineClient.connect({ port: plain.port() });
        await p.line();
        await p.send(`USER alice\r\nPASS ${SECRET}\r\nQUIT\r\n`);
        await p.readUntil((t) => (t.split('\r\n').length > 3 ? t.length : -1));
        await p.close();
        const [log] = await plain.ended(1);
        expect(await readFile(log!.recordingPath!, 'utf8')).toContain(SECRET);
      } finally {
        await plain.close();
      }
    } finally {
      await proxy.close();
      await pop3.close();
      await imap.close();
    }
  });
});
