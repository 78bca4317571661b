// nodemailer → mailtap → smtp-server, then `mailtap export`: every .eml has the SHA-256 of what the
// server received (an attachment, a UTF-8 subject, an 8-bit body with dot-led lines), and the
// pcapng dissects in tshark (commands in order, Follow TCP Stream byte-exact, capinfos clean).
// The tshark half needs Wireshark's command-line tools (installed by .ci/run).

import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import nodemailer from 'nodemailer';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportEml } from '../../src/export/eml.js';
import { exportPcapng } from '../../src/export/pcapng.js';
import { readRecording, streamBytes } from '../../src/record/reader.js';
import { isUnitRecord } from '../../src/record/schema.js';
import { makeTempDir, makeTestPki, type TestPki } from '../helpers/pki.js';
import { startTestProxy } from '../helpers/proxy-harness.js';

const run = promisify(execFile);
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

async function has(tool: string): Promise<boolean> {
  try {
    await run(tool, ['-v']);
    return true;
  } catch {
    return false;
  }
}
const tshark = await has('tshark');
const needTshark = process.env.MAILTAP_INTEROP_REQUIRED === '1';
if (!tshark && needTshark) throw new Error('tshark is required (MAILTAP_INTEROP_REQUIRED=1) but not installed');

let pki: TestPki;
let work: { dir: string; cleanup: () => Promise<void> };
let recordingPath: string;
const received: string[] = [];

beforeAll(async () => {
  pki = await makeTestPki();
  work = await makeTempDir('mailtap-export-');
  const server = new SMTPServer({
    key: pki.serverKey,
    cert: pki.serverCert,
    authOptional: true,
    logger: false,
    onData(stream, _s, cb) {
      const parts: Buffer[] = [];
      stream.on('data', (c: Buffer) => parts.push(c));
      stream.on('end', () => {
        received.push(sha(Buffer.concat(parts)));
        cb();
      });
    },
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.server.address() as { port: number }).port;
  const proxy = await startTestProxy(pki, [`smtp://127.0.0.1:0=smtp://127.0.0.1:${port}`]);
  try {
    // One pooled connection: both messages travel in the same session.
    const t = nodemailer.createTransport({ pool: true, maxConnections: 1, host: '127.0.0.1', port: proxy.port(), requireTLS: true, tls: { ca: pki.mailtapCaPem } });
    await t.sendMail({
      from: 'Álvaro <alvaro@example.com>',
      to: 'bob@example.org',
      subject: 'Informe técnico ✓',
      text: 'Hola,\n.una línea que empieza con punto\n..y otra\n',
      attachments: [{ filename: 'datos.bin', content: Buffer.from(Array.from({ length: 100_000 }, (_, i) => (i * 7) & 0xff)) }],
    });
    // An 8-bit body sent raw: bytes above 0x7f and lines starting with dots, as they are.
    await t.sendMail({ envelope: { from: 'a@example.com', to: ['c@example.org'] }, raw: Buffer.from('Subject: crudo\r\nContent-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: 8bit\r\n\r\nEspa\xf1a\r\n.\r\n..\r\nfin\r\n', 'latin1') });
    t.close();
    const [log] = await proxy.ended(1);
    recordingPath = log!.recordingPath!;
    // Copy it out before the harness removes its directory.
    const copy = join(work.dir, 'session.jsonl');
    await (await import('node:fs/promises')).copyFile(recordingPath, copy);
    recordingPath = copy;
  } finally {
    await proxy.close();
    await new Promise<void>((r) => server.close(() => r()));
  }
});
afterAll(async () => {
  await work?.cleanup();
  await pki?.cleanup();
});

describe('mailtap export', () => {
  it('--eml: each message byte-exact (same SHA-256 as the server received), with a JSON sidecar', async () => {
    const out = join(work.dir, 'eml');
    const [result] = await exportEml([recordingPath], out);
    expect(received).toHaveLength(2);
    const hashes = await Promise.all(result!.messages.map(async (m) => sha(await readFile(m.file))));
    expect(hashes).toEqual(received);
    const files = (await readdir(out)).sort();
    expect(files.filter((f) => f.endsWith('.eml'))).toHaveLength(2);
    const sidecar = JSON.parse(await readFile(join(out, files.find((f) => f.endsWith('-002-smtp-data.json'))!), 'utf8'));
    expect(sidecar).toMatchObject({ kind: 'smtp-data', mailFrom: 'a@example.com', rcptTo: ['c@example.org'], n: 2, partial: false });
    expect(typeof sidecar.time).toBe('string');
  });

  it.skipIf(!tshark)('--pcapng: tshark finds the commands in order, Follow TCP Stream gives the recorded bytes, capinfos is clean', async () => {
    const out = join(work.dir, 'out.pcapng');
    await exportPcapng([recordingPath], out);
    const rec = await readRecording(recordingPath);
    const port = new URL(rec.header.upstream).port;
    // The recorded upstream port (not 25/587) is not one Wireshark dissects as SMTP by default.
    const fields = await run('tshark', ['-r', out, '-d', `tcp.port==${port},smtp`, '-Y', 'smtp.req.command', '-T', 'fields', '-e', 'smtp.req.command']);
    const seen = fields.stdout.split('\n').filter(Boolean);
    const recorded = rec.events.filter((e) => isUnitRecord(e) && e.dir === 'c2s' && e.type === 'command').map((e) => (isUnitRecord(e) ? (e.verb ?? '') : ''));
    // Wireshark names a command by its first four letters (STARTTLS shows as STAR).
    expect(seen.map((c) => c.toUpperCase())).toEqual(recorded.map((v) => v.slice(0, 4)));
    expect(seen).toContain('DATA');

    const follow = await run('tshark', ['-r', out, '-qz', 'follow,tcp,raw,0'], { maxBuffer: 64 * 1024 * 1024 });
    const c2s: string[] = [];
    const s2c: string[] = [];
    for (const line of follow.stdout.split('\n')) {
      if (/^\t[0-9a-f]+$/.test(line)) s2c.push(line.trim());
      else if (/^[0-9a-f]+$/.test(line)) c2s.push(line);
    }
    expect(Buffer.from(c2s.join(''), 'hex').equals(streamBytes(rec, 'c2s'))).toBe(true);
    expect(Buffer.from(s2c.join(''), 'hex').equals(streamBytes(rec, 's2c'))).toBe(true);

    const info = await run('capinfos', [out]);
    expect(info.stdout).toMatch(/Capture application:\s+mailtap \d/);
    expect(info.stderr).toBe('');
    const comments = await run('tshark', ['-r', out, '-T', 'fields', '-e', 'frame.comment']);
    expect(comments.stdout).toMatch(/TLS/);
    expect(comments.stdout).toMatch(/Envelope sender/);
  });
});
