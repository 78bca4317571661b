import { describe, expect, test } from 'vitest';
import { renderMarkdown } from '../../src/record/render-md.js';
import { PASSWORD, TOKEN, fixtures, recording, smtpEvents } from './fixtures.js';

const { smtp, pop3, imap } = fixtures();

describe('renderMarkdown', () => {
  test('SMTP in English: title, TLS and authentication sections, transcript rows with explanations', () => {
    const md = renderMarkdown(smtp, { lang: 'en', redact: false });
    const lines = md.split('\n');
    expect(lines[0]).toBe('# SMTP session: 127.0.0.1:51234 → submission://mail.example.com:587');
    expect(lines).toContain('- **Date:** 2024-05-06T07:08:09.000Z');
    expect(lines).toContain('## TLS');
    expect(lines).toContain('- TLS client leg: TLSv1.3, TLS\\_AES\\_256\\_GCM\\_SHA384, SNI mail.example.com');
    expect(lines).toContain('## Authentication');
    expect(lines).toContain(`| LOGIN | <code>user=alice password=${PASSWORD}</code> | success — <code>235 2.7.0 Authentication successful</code> |`);
    expect(lines).toContain('| 3 | `->` | <code>EHLO pepito.es</code> | EHLO: the client introduces itself and asks for ESMTP extensions |');
    expect(lines).toContain('| 25 | `~>` | <code>MAIL FROM:&lt;alice@example.com&gt;</code> | MAIL FROM: the sender of the message |');
    expect(lines).toContain('| 4.5 | `<-` | <code>250-mail.example.com<br>250-STARTTLS<br>250 AUTH LOGIN PLAIN</code> | Extensions offered: STARTTLS, AUTH |');
    expect(lines).toContain('| 34 | `~>` | <code>\\[DATA 1.2 MiB, 3 attachments\\] From: alice@example.com \\| To: bob@example.org \\| Subject: Asunto de prueba</code> | Message content |');
    expect(md).not.toContain('QUJDREVG');
    expect(md).not.toContain('recording ends early');
  });

  test('Spanish headings and notes', () => {
    const md = renderMarkdown(pop3, { lang: 'es', redact: false });
    expect(md).toMatch(/^# Sesión POP3: /);
    expect(md).toContain('## Autenticación');
    expect(md).toContain('| t (ms) | | Línea | Explicación |');
    expect(md).toContain('| `~>` | <code>LIST</code> | LIST: números y tamaños de los mensajes |');
    expect(md).toContain('<code>\\[RETR body 40 B\\] Subject: Hola</code> | Contenido del mensaje |');
  });

  test('a session without TLS or auth says so; an unfinished one ends with the warning', () => {
    const events = smtpEvents({ close: false }).filter((e) => e.type !== 'tls' && e.type !== 'auth');
    const md = renderMarkdown(recording('smtp', events), { lang: 'en', redact: false });
    expect(md).toContain('No TLS handshake in this session');
    expect(md).toContain('No authentication in this session.');
    expect(md.trimEnd().split('\n').at(-1)).toBe('*** recording ends early (no close event: the session was cut short)');
  });

  test('pipes, HTML and Markdown punctuation in wire text cannot break the table', () => {
    const rec = recording('imap', [{ t: 1, dir: 's2c', type: 'reply', text: '* LIST (\\HasNoChildren) "|" a|b <x>\r\n', note: 'a | b' }]);
    expect(renderMarkdown(rec, { lang: 'en', redact: false })).toContain('| 1 | `<-` | <code>\\* LIST (\\\\HasNoChildren) "\\|" a\\|b &lt;x&gt;</code> | a \\| b |');
  });

  test('redacted: no password or token, in clear or base64, anywhere', () => {
    for (const rec of [smtp, pop3, imap]) {
      for (const lang of ['en', 'es'] as const) {
        const md = renderMarkdown(rec, { lang, redact: true });
        expect(md).not.toContain(PASSWORD);
        expect(md).not.toContain(TOKEN);
        expect(md).not.toContain(Buffer.from(PASSWORD).toString('base64').replace(/=+$/, ''));
        expect(md).toContain('***');
      }
    }
  });
});
