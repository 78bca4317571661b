// The web view's HTTP server with real requests: the token on every request (query, then the
// cookie it sets), the Host check against DNS rebinding, the CSP, the list filters, downloads.

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SAMPLES_DIR } from '../../src/demo/demo.js';
import { SessionStore } from '../../src/web/store.js';
import { startWeb, type WebHandle } from '../../src/web/server.js';
import { loadRecordings } from '../../src/web/recordings-dir.js';
import { checkBind, hostAllowed } from '../../src/web/security.js';
import { parseWebAddress } from '../../src/cli/web-options.js';

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

function get(port: number, path: string, headers: Record<string, string> = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers: { host: `127.0.0.1:${port}`, ...headers } }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (c: Buffer) => parts.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(parts) }));
    });
    req.on('error', reject);
    req.end();
  });
}

let web: WebHandle;
let store: SessionStore;
const TOKEN = 'a-test-token-of-enough-length';
beforeAll(async () => {
  store = new SessionStore();
  const loaded = await loadRecordings(store, [SAMPLES_DIR]);
  expect(loaded.loaded).toBe(4);
  web = await startWeb({ store, host: '127.0.0.1', port: 0, token: TOKEN, lang: 'en', mode: 'files' });
});
afterAll(async () => {
  await web?.close();
});

describe('access', () => {
  it('refuses a request without the token, or with a wrong one', async () => {
    for (const path of ['/', '/api/sessions', '/api/stream', '/assets/main.js']) {
      const r = await get(web.port, path);
      expect(r.status, path).toBe(401);
      expect(r.body.toString()).toContain('token');
    }
    expect((await get(web.port, '/api/sessions?token=wrong-token-of-the-same-size')).status).toBe(401);
    expect((await get(web.port, '/api/sessions', { cookie: 'mailtap_web_token=nope' })).status).toBe(401);
  });

  it('takes the token from the URL, sets an HttpOnly cookie, then takes the cookie', async () => {
    const first = await get(web.port, `/api/info?token=${TOKEN}`);
    expect(first.status).toBe(200);
    const cookie = String(first.headers['set-cookie']);
    expect(cookie).toMatch(/^mailtap_web_token=.+; Path=\/; HttpOnly; SameSite=Strict/);
    const again = await get(web.port, '/api/info', { cookie: cookie.split(';')[0]! });
    expect(again.status).toBe(200);
    expect(JSON.parse(again.body.toString())).toMatchObject({ mode: 'files', lang: 'en' });
  });

  it('refuses a foreign Host header (DNS rebinding), even with the token', async () => {
    for (const host of ['evil.example', `evil.example:${web.port}`, `127.0.0.1:${web.port + 1}`, 'localhost.evil.example', '127.0.0.1.nip.io']) {
      const r = await get(web.port, `/api/sessions?token=${TOKEN}`, { host });
      expect(r.status, host).toBe(403);
    }
    expect((await get(web.port, `/api/sessions?token=${TOKEN}`, { host: `localhost:${web.port}` })).status).toBe(200);
  });

  it('sends a strict CSP and no-sniff on every answer', async () => {
    for (const path of [`/api/sessions?token=${TOKEN}`, '/']) {
      const r = await get(web.port, path);
      expect(r.headers['content-security-policy']).toContain("default-src 'none'");
      expect(r.headers['content-security-policy']).toContain("script-src 'self'");
      expect(r.headers['x-content-type-options']).toBe('nosniff');
    }
  });

  it('never serves without a token beyond loopback', () => {
    expect(() => checkBind('0.0.0.0', null)).toThrow(/needs an access token/);
    expect(() => checkBind('192.168.1.5', null)).toThrow(/needs an access token/);
    expect(() => checkBind('127.0.0.1', null)).not.toThrow();
    expect(() => checkBind('0.0.0.0', 'short')).toThrow(/at least 16/);
  });

  it.each([
    ['127.0.0.1:2580', '127.0.0.1', true],
    ['localhost:2580', '127.0.0.1', true],
    ['[::1]:2580', '127.0.0.1', true],
    ['attacker.example:2580', '127.0.0.1', false],
    ['127.0.0.1:2581', '127.0.0.1', false],
    ['10.0.0.7:2580', '0.0.0.0', true],
    ['rebind.example:2580', '0.0.0.0', false],
    ['mailtap.lab:2580', 'mailtap.lab', true],
  ])('Host %s on a %s bind: allowed %s', (host, bound, ok) => {
    expect(hostAllowed(host, { host: bound, port: 2580 })).toBe(ok);
  });

  it.each([
    ['127.0.0.1:2580', { host: '127.0.0.1', port: 2580 }],
    [':9000', { host: '127.0.0.1', port: 9000 }],
    ['9000', { host: '127.0.0.1', port: 9000 }],
    ['[::1]:0', { host: '::1', port: 0 }],
    ['0.0.0.0:2580', { host: '0.0.0.0', port: 2580 }],
  ])('--web %s', (value, expected) => {
    expect(parseWebAddress(value)).toEqual(expected);
  });
});

describe('data', () => {
  const api = async <T>(path: string) => JSON.parse((await get(web.port, `${path}${path.includes('?') ? '&' : '?'}token=${TOKEN}`)).body.toString()) as T;

  it('lists sessions newest first, filtered by protocol, user, status and text', async () => {
    const all = await api<{ total: number; items: { start: string; protocol: string; user?: string }[] }>('/api/sessions');
    expect(all.total).toBe(4);
    const starts = all.items.map((s) => s.start);
    expect(starts).toEqual([...starts].sort().reverse());
    expect((await api<{ total: number }>('/api/sessions?protocol=pop3')).total).toBe(1);
    expect((await api<{ total: number }>('/api/sessions?user=alice')).total).toBe(4);
    expect((await api<{ total: number }>('/api/sessions?user=nobody')).total).toBe(0);
    expect((await api<{ total: number }>('/api/sessions?status=closed')).total).toBe(4);
    expect((await api<{ total: number }>('/api/sessions?q=imaps')).total).toBe(1);
  });

  it('downloads the recording byte for byte, and the message as .eml without the dot-stuffing', async () => {
    const list = await api<{ items: { id: string; protocol: string; recording: string; starttls: boolean }[] }>('/api/sessions?protocol=smtp');
    const s = list.items.find((x) => x.starttls)!;
    const file = await readFile(join(SAMPLES_DIR, s.recording));
    const r = await get(web.port, `/api/sessions/${s.id}/recording.jsonl?token=${TOKEN}`);
    expect(r.status).toBe(200);
    expect(r.headers['content-disposition']).toMatch(/^attachment/);
    expect(r.body.equals(file)).toBe(true);
    const eml = await get(web.port, `/api/sessions/${s.id}/messages/1/raw.eml?token=${TOKEN}`);
    expect(eml.body.toString()).toBe('Subject: Asunto\r\n\r\nEste mensaje es de prueba.\r\nProbamos el protocolo SMTP.\r\n');
    const md = await get(web.port, `/api/sessions/${s.id}/transcript.md?lang=es&token=${TOKEN}`);
    expect(md.body.toString()).toContain('Transcripción');
  });

  it('a session that does not exist is a 404', async () => {
    expect((await get(web.port, `/api/sessions/nope/stream?token=${TOKEN}`)).status).toBe(404);
    expect((await get(web.port, `/api/sessions/..%2F..%2Fetc?token=${TOKEN}`)).status).toBe(404);
  });
});
