import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, test, vi } from 'vitest';
import { tempDir } from '../helpers/temp-dirs.js';
import { runCli } from '../../src/cli/program.js';
import { PASSWORD, TOKEN, fixtures, writeRecordingFile } from '../record/fixtures.js';

let files: Record<'smtp' | 'pop3' | 'imap', string>;
let dir: string;

beforeAll(async () => {
  dir = await tempDir('mailtap-show-');
  const f = fixtures();
  files = { smtp: await writeRecordingFile(f.smtp, dir), pop3: await writeRecordingFile(f.pop3, dir), imap: await writeRecordingFile(f.imap, dir) };
});

afterEach(() => {
  vi.restoreAllMocks();
  process.exitCode = undefined;
});

async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => ((out += String(chunk)), true));
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => ((err += String(chunk)), true));
  const code = await runCli(args);
  vi.restoreAllMocks();
  return { code, out, err };
}

describe('mailtap show', () => {
  test('a recording with an event type from a later writer is shown, the unknown event skipped', async () => {
    const lines = (await import('node:fs/promises')).readFile(files.smtp, 'utf8');
    const [head, ...rest] = (await lines).trimEnd().split('\n');
    const path = join(dir, 'later-writer.jsonl');
    await writeFile(path, [head, '{"t":1,"dir":"proxy","type":"party","message":"from a later version"}', ...rest].join('\n') + '\n');
    for (const format of ['text', 'md', 'json']) {
      const r = await run(['show', path, '--format', format, '--lang', 'en']);
      expect(r.code, r.err).toBe(0);
      expect(r.out).toContain('AUTH LOGIN');
    }
  });

  test('text by default, in the language asked', async () => {
    const en = await run(['show', files.smtp, '--lang', 'en']);
    expect(en.code).toBe(0);
    expect(en.out).toContain('~> [DATA 1.2 MiB, 3 attachments] From: alice@example.com | To: bob@example.org | Subject: Asunto de prueba\n     # Message content\n=== attachment: a.pdf (application/octet-stream, 300.6 KiB)\n');
    expect(en.out).toContain(`=== AUTH LOGIN user=alice password=${PASSWORD} (success)`);
    expect(en.out).not.toContain('\x1b['); // stdout is not a TTY here
    const es = await run(['show', files.pop3, '--lang', 'es']);
    expect(es.out).toContain('~> USER pepe  # USER: nombre del buzón\n');
  });

  test('default language comes from the locale', async () => {
    vi.stubEnv('LC_ALL', 'es_ES.UTF-8');
    try {
      const r = await run(['show', files.pop3]);
      expect(r.out).toContain('# Saludo: empieza la fase de AUTORIZACIÓN');
    } finally {
      vi.unstubAllEnvs();
    }
  });

  test('--format md', async () => {
    const r = await run(['show', files.imap, '--format', 'md', '--lang', 'en']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^# IMAP session: /);
    expect(r.out).toContain('<code>\\[literal 22 B\\] Subject: x</code>');
  });

  test('--format json is an array: header then events', async () => {
    const r = await run(['show', files.pop3, '--format', 'json']);
    const items = JSON.parse(r.out) as Record<string, unknown>[];
    expect(items[0]).toMatchObject({ format: 'mailtap-recording', protocol: 'pop3' });
    expect(items.at(-1)).toMatchObject({ type: 'close' });
    expect(items).toHaveLength(fixtures().pop3.events.length + 1);
  });

  test('--redact hides passwords and tokens (and their base64) in every format and language', async () => {
    for (const file of Object.values(files)) {
      for (const format of ['text', 'md', 'json']) {
        for (const lang of ['en', 'es']) {
          const r = await run(['show', file, '--format', format, '--lang', lang, '--redact']);
          expect(r.code).toBe(0);
          expect(r.out).not.toContain(PASSWORD);
          expect(r.out).not.toContain(TOKEN);
          expect(r.out).not.toContain(Buffer.from(PASSWORD).toString('base64').replace(/=+$/, ''));
          expect(r.out).not.toContain(Buffer.from(TOKEN).toString('base64').slice(0, 16));
          expect(r.out).toContain('***');
        }
      }
    }
    const json = JSON.parse((await run(['show', files.smtp, '--format', 'json', '--redact'])).out) as Record<string, unknown>[];
    expect(json[0]).toMatchObject({ redacted: true });
  });

  test('a file that is not a recording: one line, exit 1', async () => {
    const bad = join(dir, 'notes.txt');
    await writeFile(bad, 'hello, this is not JSON\n');
    const r = await run(['show', bad]);
    expect(r.code).toBe(1);
    expect(r.out).toBe('');
    expect(r.err.trimEnd().split('\n')).toHaveLength(1);
    expect(r.err).toContain(bad);
    const missing = await run(['show', join(dir, 'nope.jsonl')]);
    expect(missing.code).toBe(1);
  });

  test('bad arguments exit 2', async () => {
    expect((await run(['show', files.smtp, '--format', 'html'])).code).toBe(2);
    expect((await run(['show', files.smtp, '--lang', 'fr'])).code).toBe(2);
    expect((await run(['show'])).code).toBe(2);
  });
});
