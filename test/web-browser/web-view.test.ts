// The web view in a real browser (chromium via playwright-core) while real clients go through
// the proxy: nodemailer (STARTTLS, AUTH LOGIN, UTF-8 subject, an attachment, HTML with a
// script), imapflow FETCH, a POP3 RETR. Asserts what a person sees, and saves screenshots.

import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { execFileSync } from 'node:child_process';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import nodemailer from 'nodemailer';
import { ImapFlow } from 'imapflow';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestPki, type TestPki } from '../helpers/pki.js';
import { Pop3Client } from '../helpers/pop3-client.js';
import { LineClient } from '../helpers/line-client.js';
import { tempDir } from '../helpers/temp-dirs.js';
import { ARTIFACTS, launchBrowser, startLab, type Lab } from './harness.js';

const TSHARK = (() => {
  try {
    return execFileSync('sh', ['-c', 'command -v tshark'], { encoding: 'utf8' }).trim() || null;
  } catch {
    return null;
  }
})();

const SUBJECT = 'Café ☕ — informe ñandú';
const ATTACHMENT = randomBytes(3000);
// The remote image points at a real server of ours: it must never be asked for anything.
const REMOTE = createServer((req, res) => {
  remoteHits.push(req.url ?? '');
  res.end();
});
const remoteHits: string[] = [];
const html = (port: number) => `<p id="hello">Hola <b>mundo</b></p><img src="http://127.0.0.1:${port}/remote.png" alt="remote"><link rel="stylesheet" href="http://127.0.0.1:${port}/remote.css"><script>console.log("SCRIPT-RAN"); document.body.setAttribute("data-ran", "1"); parent.postMessage("SCRIPT-RAN", "*");</script>`;
const MAILBOX_SUBJECT = 'Prueba de recepción ✓';
const MAILBOX_MESSAGE = Buffer.from(
  [
    'From: bob@example.com',
    'To: alice@example.com',
    `Subject: =?UTF-8?B?${Buffer.from(MAILBOX_SUBJECT).toString('base64')}?=`,
    'MIME-Version: 1.0',
    'Content-Type: multipart/mixed; boundary="b1"',
    '',
    '--b1',
    'Content-Type: text/plain; charset=utf-8',
    'Content-Transfer-Encoding: 8bit',
    '',
    'Hola Alice, te envío la factura.',
    '--b1',
    'Content-Type: application/pdf; name="factura.pdf"',
    'Content-Disposition: attachment; filename="factura.pdf"',
    'Content-Transfer-Encoding: base64',
    '',
    Buffer.from('%PDF-1.4 fake').toString('base64'),
    '--b1--',
    '',
  ].join('\r\n'),
);

let pki: TestPki;
let lab: Lab;
let browser: Browser;
let context: BrowserContext;
let page: Page;
const consoleLines: string[] = [];

beforeAll(async () => {
  pki = await makeTestPki();
  lab = await startLab(pki, [MAILBOX_MESSAGE]);
  await new Promise<void>((r) => REMOTE.listen(0, '127.0.0.1', () => r()));
  browser = await launchBrowser();
  context = await browser.newContext({ viewport: { width: 1366, height: 860 }, acceptDownloads: true });
  page = await context.newPage();
  page.on('console', (m) => consoleLines.push(m.text()));
});
afterAll(async () => {
  await browser?.close();
  await lab?.close();
  await pki?.cleanup();
  await new Promise((r) => REMOTE.close(r));
});

const shot = (name: string) => page.screenshot({ path: fileURLToPath(new URL(`${name}.png`, ARTIFACTS)), fullPage: false });

async function sendMail(): Promise<void> {
  const transport = nodemailer.createTransport({
    host: '127.0.0.1',
    port: lab.ports.smtp,
    secure: false,
    requireTLS: true,
    auth: { user: 'alice', pass: 's3cret' },
    authMethod: 'LOGIN',
    tls: { ca: pki.mailtapCaPem, servername: 'localhost' },
  });
  await transport.sendMail({
    from: 'alice@example.com',
    to: 'bob@example.com',
    subject: SUBJECT,
    text: 'Adjunto los datos.\n.una línea con punto\n',
    html: html((REMOTE.address() as { port: number }).port),
    attachments: [{ filename: 'datos.bin', content: ATTACHMENT }],
  });
  transport.close();
}

function sessionOf(protocol: string): string {
  const s = lab.store.list().find((x) => x.protocol === protocol);
  if (!s) throw new Error(`no ${protocol} session`);
  return s.id;
}

describe('the web view in chromium', () => {
  it('shows a new session in the list live, without a reload', async () => {
    await page.goto(lab.web.openUrl);
    await page.waitForSelector('#sessions');
    await page.evaluate(() => ((globalThis as unknown as { notReloaded: boolean }).notReloaded = true));
    expect(await page.locator('#sessions-body tr').count()).toBe(0);
    await sendMail();
    await page.waitForSelector('#sessions-body tr[data-session] >> text=SMTP', { timeout: 15_000 });
    expect(await page.evaluate(() => (globalThis as unknown as { notReloaded?: boolean }).notReloaded)).toBe(true);
    await page.waitForSelector('#sessions-body tr.status-closed');
    const row = page.locator('#sessions-body tr').first();
    await expect.poll(() => row.locator('td.user').textContent()).toBe('alice');
    expect(await row.locator('td.tls').textContent()).toMatch(/TLSv1\.[23].*TLSv1\.[23]/);
    expect(await row.textContent()).toContain('STARTTLS');
    await shot('list');
  });

  it('the session page shows the decoded user in the notes and the AUTH panel, STARTTLS highlighted, both TLS legs', async () => {
    const id = sessionOf('smtp');
    await page.click(`a.session-link[data-session="${id}"]`);
    await page.waitForSelector('#app[data-complete]');
    expect(await page.textContent('#auth-panel .auth-user')).toBe('alice');
    const notes = await page.locator('#transcript .note').allTextContents();
    expect(notes.some((n) => n.includes('alice'))).toBe(true);
    // The password is masked until asked for (no --redact here).
    const secret = page.locator('#auth-panel .secret').first();
    expect(await secret.textContent()).not.toContain('s3cret');
    await shot('session');
    await page.click('#auth-panel button.reveal');
    expect(await page.locator('#auth-panel .secret').first().textContent()).toBe('s3cret');
    expect(await page.locator('#transcript .k-starttls').count()).toBeGreaterThanOrEqual(2);
    expect(await page.textContent('#tls-client')).toMatch(/TLSv1\.[23]/);
    expect(await page.textContent('#tls-client')).toContain('mailtap test CA');
    expect(await page.textContent('#tls-upstream')).toContain('upstream test CA');
  });

  it('the language toggle switches the notes between English and Spanish', async () => {
    const id = sessionOf('smtp');
    const ehlo = lab.events.get(id)!.find((e) => e.type === 'command' && (e as { verb?: string }).verb === 'EHLO') as { note: string; note_es: string };
    expect(ehlo.note).not.toBe(ehlo.note_es);
    const notes = () => page.locator('#transcript .note').allTextContents();
    expect(await notes()).toContain(ehlo.note);
    await page.click('#lang-toggle');
    await page.waitForSelector('#app[data-complete]');
    await expect.poll(notes).toContain(ehlo.note_es);
    expect(await notes()).not.toContain(ehlo.note);
    expect(await page.textContent('#auth-panel h2')).toBe('Autenticación');
    await page.keyboard.press('l');
    await expect.poll(notes).toContain(ehlo.note);
  });

  it('in Spanish every word of the page is Spanish: state and close reason, AUTH result, TLS modes, downloads, the list', async () => {
    const id = sessionOf('smtp');
    await page.goto(new URL(`#/s/${id}`, lab.web.url).href);
    await page.waitForSelector('#app[data-complete]');
    const english = /\b(the|and|closed|connection|success|live|recording|download|password|reveal|implicit|plaintext|message|transcript|capture|client|after|goodbye)\b/i;
    // Before: the same places read English, so the check below can fail.
    expect(await page.textContent('#session-state')).toMatch(english);
    await page.click('#lang-toggle');
    await page.waitForSelector('#app[data-complete]');
    await expect.poll(() => page.textContent('#auth-panel h2')).toBe('Autenticación');
    const texts = async (selectors: string[]) => (await Promise.all(selectors.map((sel) => page.locator(sel).allTextContents()))).flat();
    const shown = await texts(['header.top', '#session-state', '#auth-panel dt', '#auth-panel .result', '#auth-panel button', '#tls-panel h3', '#tls-panel dt', '#downloads']);
    for (const t of shown) expect(t).not.toMatch(english);
    expect(await page.textContent('#auth-panel .result')).toBe('éxito');
    expect(await page.textContent('#session-state')).toMatch(/^cerrada: el cliente cerró la conexión/);
    await page.goto(new URL('#/', lab.web.url).href);
    await page.waitForSelector('#sessions-body tr');
    for (const t of await texts(['header.top', '#sessions thead', '#sessions-body span.status', 'form'])) expect(t).not.toMatch(english);
    await page.keyboard.press('l');
    await expect.poll(() => page.textContent('header.top')).toMatch(/live/);
    await page.goto(new URL(`#/s/${id}`, lab.web.url).href);
    await page.waitForSelector('#app[data-complete]');
  });

  it('the message view shows the decoded subject, lists the attachment, and its downloads give the right bytes', async () => {
    const id = sessionOf('smtp');
    expect(await page.locator('#messages li').allTextContents()).toEqual(['Message #1 · .eml']);
    await page.click('#transcript a.msg-link');
    await page.waitForSelector('#message-subject');
    expect(page.url()).toMatch(/\/m\/1$/);
    expect(await page.textContent('#message-subject')).toBe(SUBJECT);
    expect(await page.textContent('#attachments')).toContain('datos.bin');
    expect(await page.textContent('#mime-tree')).toContain('multipart/mixed');
    await shot('message');

    // Downloads through the page's own session (its cookie), as a click would.
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#attachments a.attachment')]);
    const got = await readFile((await download.path())!);
    expect(got.equals(ATTACHMENT)).toBe(true);
    // Numbered from 1, named as `mailtap export --eml` names the file.
    const eml = await page.request.get(new URL(`/api/sessions/${id}/messages/1/raw.eml`, lab.web.url).href);
    expect((await eml.body()).equals(lab.received[0]!)).toBe(true);
    expect(eml.headers()['content-disposition']).toContain(`filename="${id}-001-smtp-data.eml"`);
    expect((await page.request.get(new URL(`/api/sessions/${id}/messages/0`, lab.web.url).href)).status()).toBe(404);
    const rec = await page.request.get(new URL(`/api/sessions/${id}/recording.jsonl`, lab.web.url).href);
    const file = (await readdir(lab.recordingsDir)).find((f) => f.includes(id))!;
    expect((await rec.body()).equals(await readFile(join(lab.recordingsDir, file)))).toBe(true);
  });

  it('message HTML with a <script> and a remote image runs nothing and loads nothing', async () => {
    const frame = page.frameLocator('#message-html');
    await frame.locator('#hello').waitFor();
    expect(await frame.locator('#hello').textContent()).toBe('Hola mundo');
    expect(await frame.locator('body').getAttribute('data-ran')).toBeNull();
    expect(consoleLines.filter((l) => l.includes('SCRIPT-RAN'))).toEqual([]);
    await page.waitForTimeout(300);
    expect(remoteHits).toEqual([]);
    expect(await page.getAttribute('#message-html', 'sandbox')).toBe('');
    const html = await page.request.get(new URL(`/api/sessions/${sessionOf('smtp')}/messages/1/html`, lab.web.url).href);
    expect(html.headers()['content-security-policy']).toMatch(/^sandbox; default-src 'none'/);
  });

  it('the session page downloads a pcapng of the session that tshark reads', async () => {
    const id = sessionOf('smtp');
    await page.goto(new URL(`#/s/${id}`, lab.web.url).href);
    await page.waitForSelector('#app[data-complete]');
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#dl-pcapng')]);
    expect(download.suggestedFilename()).toBe(`${id}.pcapng`);
    const bytes = await readFile((await download.path())!);
    // A pcapng starts with a Section Header Block (type 0x0A0D0D0A) and the byte-order magic.
    expect(bytes.readUInt32LE(0)).toBe(0x0a0d0d0a);
    expect(bytes.readUInt32LE(8)).toBe(0x1a2b3c4d);
    // The decrypted dialogue is in it: the UTF-8 subject, encoded as the client sent it.
    expect(bytes.includes(Buffer.from('MAIL FROM:<alice@example.com>'))).toBe(true);
    if (!TSHARK) return;
    const dir = await tempDir('mailtap-web-pcapng-');
    const file = join(dir, 'session.pcapng');
    await writeFile(file, bytes);
    const port = new URL(lab.store.get(id)!.header.upstream).port;
    // The upstream's port is not one Wireshark dissects as SMTP by default; commands show by
    // their first four letters (STARTTLS as STAR).
    const fields = execFileSync(TSHARK, ['-r', file, '-d', `tcp.port==${port},smtp`, '-Y', 'smtp.req.command', '-T', 'fields', '-e', 'smtp.req.command'], { encoding: 'utf8' });
    const recorded = lab.events.get(id)!.filter((e) => e.type === 'command' && e.dir === 'c2s').map((e) => ((e as { verb?: string }).verb ?? '').slice(0, 4));
    expect(fields.split('\n').filter(Boolean).map((c) => c.toUpperCase())).toEqual(recorded);
    expect(recorded).toContain('DATA');
    const comments = execFileSync(TSHARK, ['-r', file, '-T', 'fields', '-e', 'frame.comment'], { encoding: 'utf8' });
    expect(comments).toContain('alice');
  });

  it('a mistake hint (bare LF line ends) shows on the session page, highlighted, in English and in Spanish', async () => {
    await page.goto(new URL('#/', lab.web.url).href);
    const before = new Set(lab.store.list().map((s) => s.id));
    const client = await LineClient.connect({ port: lab.ports.smtp });
    try {
      await client.line();
      await client.send('EHLO bare.example\n');
      await client.line();
      await client.send('QUIT\r\n');
      await client.line();
    } finally {
      client.close?.();
    }
    await expect.poll(() => lab.store.list().find((s) => !before.has(s.id))?.closed, { timeout: 10_000 }).toBe(true);
    const id = lab.store.list().find((s) => !before.has(s.id))!.id;
    const hint = lab.events.get(id)!.find((e) => e.type === 'hint') as { note: string; note_es: string } | undefined;
    expect(hint).toBeDefined();
    await page.goto(new URL(`#/s/${id}`, lab.web.url).href);
    await page.waitForSelector('#app[data-complete]');
    const hints = () => page.locator('#transcript .k-hint').allTextContents();
    await expect.poll(hints).toEqual([expect.stringContaining(hint!.note)]);
    await page.click('#lang-toggle');
    await page.waitForSelector('#app[data-complete]');
    await expect.poll(hints).toEqual([expect.stringContaining(hint!.note_es)]);
    expect((await hints())[0]).toMatch(/^\*\*\*aviso: /);
    await page.click('#lang-toggle');
    await page.waitForSelector('#app[data-complete]');
  });

  it('imapflow FETCH and a POP3 RETR: their sessions and messages show too', async () => {
    const imap = new ImapFlow({ host: '127.0.0.1', port: lab.ports.imaps, secure: true, servername: 'localhost', auth: { user: 'alice', pass: 's3cret' }, tls: { ca: pki.mailtapCaPem, servername: 'localhost' }, logger: false });
    await imap.connect();
    const lock = await imap.getMailboxLock('INBOX');
    try {
      const msg = await imap.fetchOne('1', { source: true });
      expect(msg && msg.source?.toString()).toContain('factura.pdf');
    } finally {
      lock.release();
    }
    await imap.logout();
    const pop = await Pop3Client.connect({ host: '127.0.0.1', port: lab.ports.pop3s, tls: 'implicit', ca: pki.mailtapCaPem, servername: 'localhost' });
    await pop.login('alice', 's3cret');
    expect((await pop.retr(1)).toString()).toContain('factura.pdf');
    await pop.quit();
    for (const protocol of ['imap', 'pop3']) {
      await expect.poll(() => lab.store.list().find((s) => s.protocol === protocol)?.closed, { timeout: 10_000 }).toBe(true);
      await page.goto(new URL(`#/s/${sessionOf(protocol)}`, lab.web.url).href);
      await page.waitForSelector('#app[data-complete]');
      expect(await page.textContent('#auth-panel .auth-user')).toBe('alice');
      const link = page.locator('#transcript a.msg-link').last();
      await link.click();
      await page.waitForSelector('#message-subject');
      expect(await page.textContent('#message-subject')).toBe(MAILBOX_SUBJECT);
      expect(await page.textContent('#attachments')).toContain('factura.pdf');
      expect(await page.textContent('#message-text')).toContain('te envío la factura');
    }
  });

  it('streams the transcript of an open session as it happens', async () => {
    await page.goto(new URL('#/', lab.web.url).href);
    const client = await LineClient.connect({ port: lab.ports.smtp });
    try {
      await client.line();
      await expect.poll(() => lab.store.list().find((s) => !s.closed)?.id, { timeout: 10_000 }).toBeTruthy();
      const id = lab.store.list().find((s) => !s.closed)!.id;
      await page.click(`a.session-link[data-session="${id}"]`);
      await page.waitForSelector('#transcript li');
      expect(await page.getAttribute('#app', 'data-complete')).toBeNull();
      await client.send('EHLO streaming.example\r\n');
      await page.waitForSelector('#transcript .line >> text=EHLO streaming.example', { timeout: 10_000 });
      expect(await page.textContent('#session-state')).toMatch(/live/);
      await client.send('QUIT\r\n');
      await page.waitForSelector('#app[data-complete]', { timeout: 10_000 });
      expect(await page.textContent('#session-state')).toMatch(/closed/);
    } finally {
      client.close?.();
    }
  });

  it('refuses the page without the token, and with a foreign Host header', async () => {
    const stranger = await browser.newContext();
    try {
      const p = await stranger.newPage();
      const res = await p.goto(lab.web.url);
      expect(res?.status()).toBe(401);
      expect(await p.textContent('body')).toContain('token');
      const stream = await p.request.get(new URL('/api/stream', lab.web.url).href);
      expect(stream.status()).toBe(401);
    } finally {
      await stranger.close();
    }
    const rebound = await page.request.get(new URL('/api/sessions', lab.web.url).href, { headers: { host: `rebind.example:${lab.web.port}` } });
    expect(rebound.status()).toBe(403);
  });
});
