// The whole screen in Spanish with --lang es: every line mailtap writes (headers, TLS facts,
// mailtap's own messages, close reasons, hints, notes) must be Spanish, and Spanish by a native
// standard (no "de el"/"a el"). Inputs: the bundled sample recordings, the transcripts of real
// Postfix/Dovecot replies, and every message mailtap itself can record.

import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { contractSpanish } from '../../src/core/note.js';
import { protocolModule } from '../../src/protocol/index.js';
import { MistakeSpotter } from '../../src/protocol/hints.js';
import { recordEventFromCodec } from '../../src/record/from-codec.js';
import { readRecording } from '../../src/record/reader.js';
import { TranscriptRenderer } from '../../src/record/render-text.js';
import { renderMarkdown, TEXT } from '../../src/record/render-md.js';
import { words } from '../../src/record/transcript.js';
import type { RecordEvent, RecordHeader } from '../../src/record/schema.js';
import { VIEW_WORDS } from '../../src/cli/live-view.js';
import { REAL } from '../protocol/real/fixtures.js';

const SAMPLES = join(import.meta.dirname, '../../recordings/samples');

/** A line's prose: what is left once quoted data, code spans, URLs and wire tokens are removed. */
function prose(line: string): string {
  return line
    .replace(/"[^"]*"|`[^`]*`|«[^»]*»/g, ' ')
    .replace(/\b\w+:\/\/\S+/g, ' ')
    .replace(/\\\w+/g, ' ')
    .replace(/\b[A-Z0-9_.+-]{2,}\b/g, ' ');
}

// Words that only English prose has (never Spanish, never a protocol keyword in lower case).
const ENGLISH = /\b(the|and|with|from|is|are|was|were|not|this|that|of|to|by|for|closed|connection|session|started|upgrading|accepted|listening|recording|failed|upstream|leg|hint|sent|nothing|itself|already|both|sides|reset|timed|client|server)\b/i;

function renderBoth(header: RecordHeader, events: RecordEvent[]): { en: string[]; es: string[] } {
  const out = { en: [] as string[], es: [] as string[] };
  for (const lang of ['en', 'es'] as const) {
    const r = new TranscriptRenderer({ lang, color: false, redact: false });
    let text = r.header(header);
    for (const ev of events) text += r.event(ev);
    text += r.finish();
    out[lang] = text.split('\n').filter(Boolean);
  }
  return out;
}

/** mailtap's lines (=== and ***) and every note, in Spanish: no English prose, no "de el". */
function checkSpanish(lines: string[], where: string): void {
  for (const line of lines) {
    expect(line, `${where}: ${line}`).not.toMatch(/(?<![\p{L}])(de|a) el(?![\p{L}])/u);
    const isWire = /^(->|<-|~>|<~) /.test(line);
    const mine = isWire ? (line.split('  # ')[1] ?? '') : line.replace(/^\s+# /, '');
    expect(prose(mine), `${where}: English in Spanish output: ${line}`).not.toMatch(ENGLISH);
  }
}

function realSession(t: (typeof REAL)[number]): { header: RecordHeader; events: RecordEvent[] } {
  const header: RecordHeader = { format: 'mailtap-recording', version: 1, protocol: t.protocol, session: 'real', start: '2026-12-02T12:00:00.000Z', client: { address: '127.0.0.1', port: 50000 }, listen: `${t.protocol}://127.0.0.1:2525`, upstream: `${t.protocol}://127.0.0.1:10025`, clientTls: 'starttls', upstreamTls: 'starttls', mailtap: 'test' };
  const codec = protocolModule(t.protocol).createCodec();
  const spotter = new MistakeSpotter(t.protocol);
  const events: RecordEvent[] = [];
  let time = 0;
  const push = (evs: ReturnType<typeof codec.feed>) => {
    for (const ev of evs) {
      events.push(recordEventFromCodec(ev, time++, { tls: false }));
      for (const h of spotter.observe(ev, { clientTls: false })) events.push(recordEventFromCodec(h, time++, { tls: false }));
    }
  };
  for (const [side, text] of t.lines) push(codec.feed(side, Buffer.from(text, 'utf8')));
  push(codec.end('client'));
  push(codec.end('server'));
  events.push({ t: time, dir: 'proxy', type: 'close', reason: 'client closed the connection', bytes: { c2s: 1, s2c: 1 } });
  return { header, events };
}

// Every message mailtap itself records (session.ts, transport, codec violations), as recorded.
const OWN: RecordEvent[] = [
  { t: 1, dir: 'proxy', type: 'info', message: 'STARTTLS accepted: upgrading both legs to TLS' },
  { t: 1, dir: 'proxy', type: 'info', message: 'mailtap answers this STARTTLS itself: the server leg is already TLS' },
  { t: 1, dir: 'proxy', type: 'info', message: 'mailtap upgraded the server leg with STARTTLS itself: EHLO | STARTTLS' },
  { t: 1, dir: 'proxy', type: 'connect', message: 'client 127.0.0.1:5000 → smtp://127.0.0.1:25' },
  { t: 1, dir: 'proxy', type: 'error', code: 'E_UPSTREAM_TLS', message: 'upstream TLS failed: self-signed certificate in certificate chain (SELF_SIGNED_CERT_IN_CHAIN) (use --upstream-ca FILE to trust its CA, or --insecure)' },
  { t: 1, dir: 'proxy', type: 'error', code: 'E_UPSTREAM_CONNECT', message: 'cannot connect to upstream 127.0.0.1:25: connect ECONNREFUSED 127.0.0.1:25' },
  { t: 1, dir: 'proxy', type: 'error', code: 'E_CLIENT_TLS', message: 'client rejected the mailtap certificate (alert unknown ca); trust the mailtap CA: run `mailtap ca show` for the exact steps' },
  { t: 1, dir: 'proxy', type: 'error', code: 'E_UPSTREAM_TIMEOUT', message: 'timed out: the server sent no greeting within 15000 ms' },
  { t: 1, dir: 'proxy', type: 'violation', side: 'client', code: 'E_LINE_TOO_LONG', message: 'line longer than 4096 bytes' },
  { t: 1, dir: 'proxy', type: 'compress', algorithm: 'DEFLATE', message: 'COMPRESS=DEFLATE active: units from here hold the inflated bytes' },
  { t: 1, dir: 'proxy', type: 'error', code: 'E_LIMIT', side: 'server', message: 'one compressed read inflated past 16777216 bytes (a deflate bomb?): the server stream is no longer decoded, only relayed' },
  { t: 1, dir: 'proxy', type: 'error', code: 'E_LIMIT', side: 'client', message: 'the compressed stream is not valid DEFLATE: invalid stored block lengths: the client stream is no longer decoded, only relayed' },
  { t: 1, dir: 'proxy', type: 'tls', leg: 'upstream', version: 'TLSv1.3', cipher: 'TLS_AES_256_GCM_SHA384', sni: 'mx.mailtap.test', verified: true },
  { t: 1, dir: 'proxy', type: 'tls', leg: 'client', reason: 'client TLS handshake failed: wrong version number' },
];
const REASONS = ['client closed the connection', 'server closed the connection', 'both sides closed', 'client connection reset', 'client closed the connection after its goodbye', 'idle for 300000 ms', 'mailtap is shutting down', 'the client spoke plaintext to an implicit-TLS port', 'the server closed the connection before its greeting', 'client error: read ECONNRESET', 'the client reset the connection before mailtap accepted it', 'client closed the connection without sending a byte (a port probe?)', 'client connection reset without sending a byte (a port probe?)', 'the client closed the connection without starting the TLS handshake', 'the client left in the middle of its TLS hello, before the TLS handshake was done (read ECONNRESET)', 'the client left in the middle of its TLS hello, before the TLS handshake was done', 'the client left during the TLS handshake after mailtap sent its certificate, without an alert: if it did not trust that certificate, trust the mailtap CA (run `mailtap ca show`)'];

describe('--lang es: the whole screen in Spanish', () => {
  it.each(readdirSync(SAMPLES).filter((f) => f.endsWith('.jsonl')))('show of the sample %s', async (file) => {
    const rec = await readRecording(join(SAMPLES, file));
    checkSpanish(renderBoth(rec.header, rec.events).es, file);
    const md = renderMarkdown(rec, { lang: 'es', redact: false });
    expect(md).not.toMatch(/(?<![\p{L}])(de|a) el(?![\p{L}])/u);
  });

  it.each(REAL.map((t) => [t.name, t] as const))('the real transcript: %s', (_name, t) => {
    const { header, events } = realSession(t);
    checkSpanish(renderBoth(header, events).es, t.name);
  });

  it("mailtap's own messages and every close reason", () => {
    const { header } = realSession(REAL[0]!);
    const events = [...OWN, ...REASONS.map((reason, i): RecordEvent => ({ t: 10 + i, dir: 'proxy', type: 'close', reason, bytes: { c2s: 0, s2c: 0 } }))];
    const both = renderBoth(header, events);
    checkSpanish(both.es, 'own messages');
    // One `=== client … →` line per session: the header's.
    expect(both.es.filter((l) => /^=== cliente /.test(l))).toHaveLength(1);
  });

  it('the checks catch what they are for', () => {
    expect(() => checkSpanish(['=== closed the connection'], 'probe')).toThrow();
    expect(() => checkSpanish(['-> FETCH 1  # obtiene de el mensaje 1'], 'probe')).toThrow();
    expect(contractSpanish('obtiene de el mensaje y a el buzón "El Dorado", desde el principio')).toBe('obtiene del mensaje y al buzón "El Dorado", desde el principio');
  });
});

describe('every catalogue key exists in both languages', () => {
  const tables: [string, Record<string, unknown>, Record<string, unknown>][] = [
    ['transcript words', words('en'), words('es')],
    ['live view', VIEW_WORDS.en, VIEW_WORDS.es],
    ['show --format md', TEXT.en, TEXT.es],
  ];
  it.each(tables)('%s', (_name, en, es) => {
    expect(Object.keys(es).sort()).toEqual(Object.keys(en).sort());
    for (const [k, v] of Object.entries(es)) {
      expect(v, k).not.toBe('');
      if (typeof v === 'object' && v) expect(Object.keys(v).sort(), k).toEqual(Object.keys(en[k] as object).sort());
    }
  });

  it.each(REAL.map((t) => [t.name, t] as const))('every note of %s has both languages', (_name, t) => {
    for (const ev of realSession(t).events) {
      if (!('note' in ev) || ev.note === undefined) continue;
      expect(ev.note, JSON.stringify(ev)).not.toBe('');
      expect((ev as { note_es?: string }).note_es, JSON.stringify(ev)).toBeTruthy();
    }
  });
});
