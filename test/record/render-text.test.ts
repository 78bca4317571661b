import { describe, expect, test } from 'vitest';
import { parseRecordLine } from '../../src/record/schema.js';
import { TranscriptRenderer } from '../../src/record/render-text.js';
import type { Recording } from '../../src/record/reader.js';
import { collectSecrets } from '../../src/record/redact.js';
import { PASSWORD, TOKEN, fixtures, recording, smtpEvents } from './fixtures.js';

function render(rec: Recording, opts: Partial<ConstructorParameters<typeof TranscriptRenderer>[0]> = {}): string[] {
  const r = new TranscriptRenderer({ lang: 'en', color: false, redact: false, ...opts });
  let out = r.header(rec.header);
  for (const ev of rec.events) out += r.event(ev);
  out += r.finish();
  expect(out.endsWith('\n')).toBe(true);
  return out.slice(0, -1).split('\n');
}

const { smtp, pop3, imap } = fixtures();

describe('TranscriptRenderer (text)', () => {
  test('SMTP in English: swaks markers, TLS switch, AUTH line, body summary, notes joined', () => {
    const lines = render(smtp);
    expect(lines).toContain('-> EHLO pepito.es  # EHLO: the client introduces itself and asks for ESMTP extensions');
    expect(lines).toContain('<- 220 2.0.0 Ready to start TLS  # The server accepts STARTTLS');
    expect(lines).toContain('=== TLS client leg: TLSv1.3, TLS_AES_256_GCM_SHA384, SNI mail.example.com');
    expect(lines).toContain('=== TLS upstream leg: TLSv1.3, TLS_AES_256_GCM_SHA384, SNI mail.example.com, peer CN=mail.example.com, verified');
    expect(lines).toContain(`=== AUTH LOGIN user=alice password=${PASSWORD} (success)  # LOGIN as alice with password ${PASSWORD}`);
    expect(lines).toContain('~> [DATA 1.2 MiB, 3 attachments] From: alice@example.com | To: bob@example.org | Subject: Asunto de prueba');
    expect(lines).toContain('=== attachment: b.png (application/octet-stream, 300.6 KiB)');
    expect(lines).toContain('=== close: client closed the connection (client sent 1.2 KiB, server sent 567 B)');
    // Everything after the handshake travels inside TLS: ~> and <~ only.
    const tlsAt = lines.findIndex((l) => l.startsWith('=== TLS client leg'));
    const after = lines.slice(tlsAt + 1).filter((l) => /^(->|<-|~>|<~) /.test(l));
    expect(after.length).toBeGreaterThan(10);
    expect(after.every((l) => l.startsWith('~> ') || l.startsWith('<~ '))).toBe(true);
    expect(lines.slice(0, tlsAt).some((l) => l.startsWith('~>'))).toBe(false);
    // A multi-line reply shows each line with its marker, then the note on its own line.
    const ehlo = lines.indexOf('<- 250-mail.example.com');
    expect(lines.slice(ehlo, ehlo + 4)).toEqual(['<- 250-mail.example.com', '<- 250-STARTTLS', '<- 250 AUTH LOGIN PLAIN', '     # Extensions offered: STARTTLS, AUTH']);
    // The body is summarised, never flooded.
    expect(lines.length).toBeLessThan(60);
    expect(lines.some((l) => l.includes('QUJDREVG'))).toBe(false);
    expect(lines.every((l) => l.length <= 400)).toBe(true);
  });

  test('SMTP in Spanish: Spanish notes and words', () => {
    const lines = render(smtp, { lang: 'es' });
    expect(lines).toContain('-> EHLO pepito.es  # EHLO: el cliente se identifica y pide las extensiones ESMTP');
    expect(lines).toContain(`=== AUTH LOGIN usuario=alice contraseña=${PASSWORD} (éxito)`);
    expect(lines).toContain(`     # LOGIN como alice con contraseña ${PASSWORD}`);
    expect(lines).toContain('~> [DATA 1,2 MiB, 3 adjuntos] From: alice@example.com | To: bob@example.org | Subject: Asunto de prueba');
    expect(lines).toContain('=== adjunto: c.zip (application/octet-stream, 300,6 KiB)');
    expect(lines).toContain('=== TLS tramo cliente: TLSv1.3, TLS_AES_256_GCM_SHA384, SNI mail.example.com');
  });

  test('POP3 over implicit TLS: RETR body summary, USER/PASS', () => {
    const lines = render(pop3);
    expect(lines[0]).toBe('=== mailtap POP3 session s-pop3-1, started 2024-05-06T07:08:09.000Z');
    expect(lines).toContain(`~> PASS ${PASSWORD}  # PASS: the password ("${PASSWORD}")`);
    expect(lines).toContain('<~ [RETR body 40 B] Subject: Hola  # Message content');
    expect(lines).toContain(`=== AUTH USER/PASS user=pepe password=${PASSWORD} (success)  # USER/PASS login`);
    expect(lines.filter((l) => l.startsWith('<~ ')).slice(3, 7)).toEqual(['<~ +OK 2 messages', '<~ 1 23941', '<~ 2 2411', '<~ .']);
  });

  test('IMAP: literal summary, binary bytes escaped, token shown unless redacted', () => {
    const lines = render(imap);
    expect(lines).toContain('<- [literal 22 B] Subject: x  # Literal bytes');
    const auth = lines.indexOf(`=== AUTH XOAUTH2 user=alice@example.com token=${TOKEN} (success)`);
    expect(lines[auth + 1]).toBe(`     # XOAUTH2 token ${TOKEN}`);
    const redacted = render(imap, { redact: true, secrets: collectSecrets(imap.events) }).join('\n');
    expect(redacted).toContain('=== AUTH XOAUTH2 user=alice@example.com token=*** (success)');
    expect(redacted).toContain('-> a1 LOGIN alice "***"');
    expect(redacted).toContain('=== secrets masked (--redact): the byte streams shown are not exact');
    expect(redacted).not.toContain(TOKEN);
    expect(redacted).not.toContain(PASSWORD);
  });

  test('a recording without close ends with the warning line, after the pending body summary', () => {
    const events = smtpEvents({ close: false });
    // Cut inside the body: the summary must still come out, from finish().
    const cut = events.findIndex((e) => e.type === 'body') + 3;
    const lines = render(recording('smtp', events.slice(0, cut)));
    expect(lines.at(-1)).toBe('*** recording ends early (no close event: the session was cut short)');
    expect(lines.at(-2)).toBe('=== attachment: a.pdf (application/octet-stream, 140.1 KiB)');
    expect(lines.at(-4)).toMatch(/^~> \[DATA 192\.0 KiB, 1 attachment\] From: alice@example.com \| To: bob@example.org \| Subject: Asunto de prueba/);
    expect(render(recording('smtp', events), { lang: 'es' }).at(-1)).toBe('*** la grabación termina antes de tiempo (sin evento close: la sesión se cortó)');
  });

  test('session label prefixes every line; notes can be turned off; colors only when asked', () => {
    const lines = render(pop3, { sessionLabel: '#3 ', notes: false });
    expect(lines.every((l) => l.startsWith('#3 '))).toBe(true);
    expect(lines).toContain('#3 ~> USER pepe');
    expect(lines.join('\n')).not.toContain('# USER');
    const plain = render(pop3).join('\n');
    expect(plain).not.toContain('\x1b[');
    const colored = render(pop3, { color: true }).join('\n');
    expect(colored).toContain('\x1b[36m~>\x1b[0m USER pepe');
    expect(colored).toContain('\x1b[2m  # USER: the mailbox name\x1b[0m');
  });

  test("mailtap's own events: errors, violations and injections get ***", () => {
    const r = new TranscriptRenderer({ lang: 'en', color: false, redact: false });
    r.header(smtp.header);
    const dropped = Buffer.from('MAIL FROM:<evil@x>\r\n').toString('base64');
    expect(r.event({ t: 1, dir: 'proxy', type: 'injection', from: 'client', length: 20, dropped, note: 'STARTTLS injection' })).toBe(
      '*** injection: 20 bytes from the client dropped: "MAIL FROM:<evil@x>\\r\\n"  # STARTTLS injection\n',
    );
    expect(r.event({ t: 2, dir: 'proxy', type: 'violation', side: 'server', code: 'E_PROTOCOL', message: 'reply without code' })).toBe('*** violation by the server (E_PROTOCOL): reply without code\n');
    expect(r.event({ t: 3, dir: 'proxy', type: 'error', code: 'E_UPSTREAM_TLS', message: 'certificate has expired' })).toBe('*** error E_UPSTREAM_TLS: certificate has expired\n');
    expect(r.event({ t: 4, dir: 'proxy', type: 'tls', leg: 'upstream', verified: false, reason: 'self-signed certificate' })).toBe('*** TLS upstream leg: NOT verified (self-signed certificate)\n');
    expect(r.event({ t: 5, dir: 'proxy', type: 'state', state: 'envelope', note: 'A mail transaction is open' })).toBe('=== state: envelope  # A mail transaction is open\n');
  });

  test('a hint is one *** line in the chosen language, and parses as a recording event', () => {
    const hint = { t: 6, dir: 'proxy', type: 'hint', code: 'bare-lf', side: 'client', note: 'Lines end in bare LF', note_es: 'Las líneas terminan en LF' } as const;
    expect(parseRecordLine(JSON.stringify(hint))).toEqual(hint);
    const en = new TranscriptRenderer({ lang: 'en', color: false, redact: false });
    expect(en.event(hint)).toBe('*** hint: Lines end in bare LF\n');
    const es = new TranscriptRenderer({ lang: 'es', color: false, redact: false });
    expect(es.event(hint)).toBe('*** aviso: Las líneas terminan en LF\n');
  });

  test('long notes go on their own line; floods of lines and over-long lines are cut', () => {
    const r = new TranscriptRenderer({ lang: 'en', color: false, redact: false });
    const long = 'x'.repeat(120);
    expect(r.event({ t: 1, dir: 'c2s', type: 'command', text: 'NOOP\r\n', note: long })).toBe(`-> NOOP\n     # ${long}\n`);
    const many = Array.from({ length: 100 }, (_, i) => `* ${i} EXISTS\r\n`).join('');
    const out = r.event({ t: 2, dir: 's2c', type: 'reply', text: many }).split('\n');
    expect(out).toHaveLength(42);
    expect(out[40]).toBe('<- ... 60 more lines');
    const wide = r.event({ t: 3, dir: 'c2s', type: 'raw', text: 'A'.repeat(5000) });
    expect(wide).toBe(`-> ${'A'.repeat(400)} ... (+4600 bytes)\n`);
    expect(r.event({ t: 4, dir: 'c2s', type: 'raw', b64: Buffer.from([0, 0xff, 0x41]).toString('base64') })).toBe('-> \\0\\xffA\n');
  });
});
