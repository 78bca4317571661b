// `mailtap replay --web` as a user runs it: the mock server's sessions in the web view (live
// list, transcript with the codecs' notes, the message), and every line replay prints in the
// language asked for: the web view URL and the --keylog banner too.

import { readFile } from 'node:fs/promises';
import { get } from 'node:http';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { runCli } from '../../src/cli/program.js';
import { SAMPLES_DIR } from '../../src/demo/demo.js';
import { runDialogue } from '../../src/demo/dialogue-client.js';
import { DEMO_ACCOUNT, smtpsDialogue } from '../../src/demo/lab-dialogues.js';
import { closeKeylog } from '../../src/transport/keylog.js';
import { tempDir } from '../helpers/temp-dirs.js';

afterEach(() => {
  vi.restoreAllMocks();
  process.exitCode = undefined;
});

function fetchText(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    get(url, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    }).on('error', reject);
  });
}

/** The SSE stream of a closed session, read to its `end` event. */
async function transcript(base: URL, id: string, lang: string): Promise<string> {
  const url = new URL(`/api/sessions/${id}/stream`, base);
  url.searchParams.set('lang', lang);
  url.searchParams.set('token', base.searchParams.get('token')!);
  return (await fetchText(url.href)).body;
}

describe('mailtap replay --web', () => {
  it('shows the mock server sessions in the web view, and speaks Spanish with --lang es', async () => {
    const dir = await tempDir('mailtap-replay-web-');
    const keylog = join(dir, 'keys.log');
    let out = '';
    let ready!: (v: { port: number; web: URL }) => void;
    const started = new Promise<{ port: number; web: URL }>((r) => (ready = r));
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      out += String(chunk);
      const port = /reproduciendo \S+ en smtps:\/\/127\.0\.0\.1:(\d+)/.exec(out)?.[1];
      const web = /=== vista web: (\S+)/.exec(out)?.[1];
      if (port && web) ready({ port: Number(port), web: new URL(web) });
      return true;
    });
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const running = runCli(['replay', join(SAMPLES_DIR, 'smtps-465.jsonl'), '--listen', 'smtps://127.0.0.1:0', '--certs', join(dir, 'certs'), '--web', '127.0.0.1:0', '--lang', 'es', '--keylog', keylog]);
    try {
      const { port, web } = await Promise.race([started, running.then(() => Promise.reject(new Error(`replay exited early: ${out}`)))]);
      const ca = await readFile(join(dir, 'certs', 'mailtap-ca.pem'), 'utf8');
      await runDialogue(smtpsDialogue(DEMO_ACCOUNT), { host: '127.0.0.1', port, ca, servername: 'localhost' });
      await expect.poll(() => out, { timeout: 10_000 }).toMatch(/=== sesión sobre \S+: \d+\/\d+ pasos, coincide/);

      const list = JSON.parse((await fetchText(new URL(`/api/sessions?lang=es&token=${web.searchParams.get('token')}`, web).href)).body) as {
        items: { id: string; protocol: string; closed: boolean; closeReason: string; user?: string; clientTls: string; tls: { client?: { version?: string } } }[];
      };
      expect(list.items).toHaveLength(1);
      const s = list.items[0]!;
      expect(s).toMatchObject({ protocol: 'smtp', closed: true, clientTls: 'implicit', user: DEMO_ACCOUNT.user });
      expect(s.closeReason).toBe('el diálogo coincidió con la grabación hasta el final');
      expect(s.tls.client?.version).toMatch(/^TLSv1\.[23]$/);
      const es = await transcript(web, s.id, 'es');
      expect(es).toContain('event: end');
      expect(es).toContain('"l":["ehlo usuario"]');
      expect(es).toContain('saludo del servidor');
      expect(es).toContain('el diálogo coincidió con la grabación');
      expect(await transcript(web, s.id, 'en')).toContain('matched the recording');
      // The message the client sent is there too, numbered from 1.
      const msg = await fetchText(new URL(`/api/sessions/${s.id}/messages/1?token=${web.searchParams.get('token')}`, web).href);
      expect(msg.status).toBe(200);
      expect(JSON.parse(msg.body)).toMatchObject({ n: 1, kind: 'smtp-data' });

      expect(out).toContain(`=== registro de claves: ${keylog} (secretos TLS de los dos tramos`);
      expect(out).not.toMatch(/=== (key log|web view|replaying|session on)/);
      expect(await readFile(keylog, 'utf8')).toMatch(/^(CLIENT_TRAFFIC_SECRET_0|CLIENT_RANDOM) /m);
    } finally {
      process.emit('SIGINT');
      await running.catch(() => undefined);
      await closeKeylog();
    }
    expect(process.exitCode).toBe(0);
  });
});
