// `mailtap show --format md`: a document a student can hand in. Title and metadata, a TLS
// section, the decoded authentication (masked with --redact), then the transcript as a table
// where every command and reply sits next to its explanation. Bodies are summarised.

import { escapeControl } from '../core/bytes.js';
import type { Lang } from '../core/note.js';
import type { Recording } from './reader.js';
import { collectSecrets, Redactor, redactHeader } from './redact.js';
import type { AuthRecord, TlsRecord } from './schema.js';
import { TranscriptBuilder, describeAuth, describeTls, words, type Entry } from './transcript.js';

export const TEXT = {
  en: {
    title: (p: string) => `${p} session`, date: 'Date', client: 'Client', listen: 'mailtap listener', upstream: 'Upstream server',
    tlsModes: 'TLS modes', file: 'Recording', tls: 'TLS', noTls: 'No TLS handshake in this session: everything travelled in plaintext.',
    auth: 'Authentication', noAuth: 'No authentication in this session.', mechanism: 'Mechanism', result: 'Result',
    credentials: 'Decoded credentials', transcript: 'Transcript', time: 't (ms)', line: 'Line', explanation: 'Explanation',
    legend: 'Markers: `->` client to server and `<-` server to client in plaintext, `~>` and `<~` inside TLS, `===` mailtap\'s own events, `***` errors.',
    redacted: 'Passwords, tokens and proofs are masked (`***`): the bytes shown are not exact.',
    truncated: 'The last line of the recording file was cut off and is left out.',
  },
  es: {
    title: (p: string) => `Sesión ${p}`, date: 'Fecha', client: 'Cliente', listen: 'Escucha de mailtap', upstream: 'Servidor destino',
    tlsModes: 'Modos TLS', file: 'Grabación', tls: 'TLS', noTls: 'No hubo negociación TLS en esta sesión: todo viajó en claro.',
    auth: 'Autenticación', noAuth: 'No hubo autenticación en esta sesión.', mechanism: 'Mecanismo', result: 'Resultado',
    credentials: 'Credenciales decodificadas', transcript: 'Transcripción', time: 't (ms)', line: 'Línea', explanation: 'Explicación',
    legend: 'Marcas: `->` cliente a servidor y `<-` servidor a cliente en claro, `~>` y `<~` dentro de TLS, `===` eventos propios de mailtap, `***` errores.',
    redacted: 'Las contraseñas, tokens y pruebas están ocultados (`***`): los bytes mostrados no son exactos.',
    truncated: 'La última línea del fichero de grabación estaba cortada y se ha omitido.',
  },
};

export function renderMarkdown(rec: Recording, opts: { lang: Lang; redact: boolean }): string {
  const t = TEXT[opts.lang];
  const secrets = opts.redact ? collectSecrets(rec.events) : [];
  const header = opts.redact ? redactHeader(rec.header) : rec.header;
  const redactor = opts.redact ? new Redactor(secrets) : null;
  const events = redactor ? rec.events.map((ev) => redactor.event(ev)) : rec.events;
  const out: string[] = [];

  // Header fields come from the file: a hostile recording may put anything there.
  const client = cell(`${header.client.address}:${header.client.port}`);
  out.push(`# ${t.title(header.protocol.toUpperCase())}: ${client} → ${cell(header.upstream)}`, '');
  out.push(`- **${t.date}:** ${cell(header.start)}`);
  out.push(`- **${t.client}:** ${client}`);
  out.push(`- **${t.listen}:** ${cell(header.listen)}`);
  out.push(`- **${t.upstream}:** ${cell(header.upstream)}`);
  const w = words(opts.lang);
  out.push(`- **${t.tlsModes}:** ${w.client} ${w.tlsModes[header.clientTls] ?? header.clientTls}, ${w.upstream} ${w.tlsModes[header.upstreamTls] ?? header.upstreamTls}`);
  out.push(`- **${t.file}:** \`${escapeControl(rec.path)}\` (${cell(header.session)}, mailtap ${cell(header.mailtap)})`, '');
  if (header.redacted) out.push(`> ${t.redacted}`, '');

  out.push(`## ${t.tls}`, '');
  const tls = events.filter((e): e is TlsRecord => e.type === 'tls');
  if (tls.length === 0) out.push(t.noTls);
  for (const ev of tls) out.push(`- ${cell(describeTls(ev, opts.lang))}`);
  out.push('');

  out.push(`## ${t.auth}`, '');
  const auths = events.filter((e): e is AuthRecord => e.type === 'auth');
  if (auths.length === 0) out.push(t.noAuth);
  else {
    out.push(`| ${t.mechanism} | ${t.credentials} | ${t.result} |`, '| --- | --- | --- |');
    for (const ev of auths) {
      const decoded = describeAuth(ev, opts.lang).slice(`AUTH ${ev.mechanism} `.length).replace(/ ?\([^()]*\)$/, '');
      const verdict = ev.verdict ? ` — ${code(ev.verdict)}` : '';
      out.push(`| ${cell(ev.mechanism)} | ${code(decoded)} | ${words(opts.lang).results[ev.result] ?? ev.result}${verdict} |`);
    }
  }
  out.push('');

  out.push(`## ${t.transcript}`, '', t.legend, '');
  out.push(`| ${t.time} | | ${t.line} | ${t.explanation} |`, '| ---: | --- | --- | --- |');
  // Events are already redacted above; the builder only lays them out.
  const builder = new TranscriptBuilder({ lang: opts.lang, redact: false });
  builder.header(header);
  const rows: Entry[] = [];
  for (const ev of events) rows.push(...builder.event(ev));
  // finish() adds the "ends early" warning without a time; it goes below the table instead.
  rows.push(...builder.finish().filter((e) => e.t !== undefined));
  for (const e of rows) {
    out.push(`| ${e.t === undefined ? '' : e.t} | \`${e.marker}\` | ${code(e.lines.join('\n'))} | ${e.note === undefined ? '' : cell(e.note)} |`);
  }
  out.push('');
  if (rec.truncated) out.push(`> ${t.truncated}`, '');
  if (!rec.complete) out.push(words(opts.lang).endsEarly, '');
  return out.join('\n');
}

/**
 * Text safe inside a table cell: control characters escaped (a peer chose most of this text, and
 * the document is read on terminals too), HTML and Markdown punctuation escaped (so `*x*` stays
 * literal), line breaks as <br>.
 */
function cell(s: string): string {
  return s
    .split(/\r?\n/)
    .map((line) => escapeHtml(escapeControl(line)).replace(/[\\`*_[\]~|]/g, '\\$&'))
    .join('<br>');
}

/** Wire text as inline code in a cell; <code> (not backticks) so any byte sequence is safe. */
function code(s: string): string {
  return s === '' ? '' : `<code>${cell(s).replace(/ {2}/g, ' &nbsp;')}</code>`;
}

function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
