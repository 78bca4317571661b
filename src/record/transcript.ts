// The transcript model shared by the text and Markdown renderers: turns recording events into
// entries (a swaks marker, display lines, a note in one language), summarising bodies as they
// stream and redacting when asked. It never prints; render-text.ts and render-md.ts lay entries out.

import { formatBytes } from '../core/bytes.js';
import { contractSpanish, type Lang } from '../core/note.js';
import type { Protocol } from '../protocol/types.js';
import { BodySummary } from './body-summary.js';
import { unitBytes } from './reader.js';
import { Redactor } from './redact.js';
import { isUnitRecord, type AuthRecord, type RecordEvent, type RecordHeader, type TlsRecord, type UnitRecord } from './schema.js';
import { escapeBytes } from '../core/bytes.js';
import { mailtapMessage, stateName } from './messages-es.js';

/** swaks's markers: `->`/`<-` plaintext, `~>`/`<~` inside TLS, `===` mailtap's own, `***` trouble. */
export type Marker = '->' | '<-' | '~>' | '<~' | '===' | '***';

export interface Entry {
  marker: Marker;
  lines: string[];
  note?: string;
  /** Milliseconds since start, when the entry comes from an event. */
  t?: number;
}

/** A unit shows at most this many lines and this many characters per line. */
const MAX_LINES = 40;
const MAX_LINE_CHARS = 400;

const WORDS = {
  en: {
    title: (p: string, id: string, start: string) => `mailtap ${p} session ${id}, started ${start}`,
    tlsModes: { implicit: 'implicit TLS', starttls: 'STARTTLS', none: 'no TLS' } as Record<string, string>,
    client: 'client', upstream: 'upstream', tls: 'TLS',
    redacted: 'secrets masked (--redact): the byte streams shown are not exact',
    clientLeg: 'client leg', upstreamLeg: 'upstream leg', sni: 'SNI', peer: 'peer', verified: 'verified',
    issuer: 'issued by', validTo: 'valid until', leaf: 'mailtap leaf',
    notVerified: 'NOT verified', failed: 'failed', user: 'user', password: 'password', token: 'token', proof: 'proof',
    authzid: 'authzid', undecoded: 'undecoded', connection: 'connection', state: 'state', violation: 'violation by the',
    error: 'error', hint: 'hint', injection: (n: number, from: string) => `injection: ${n} bytes from the ${from} dropped`,
    close: 'close', clientSent: 'client sent', serverSent: 'server sent',
    tlsUsed: (client: string, upstream: string) => `TLS used: client ${client}, upstream ${upstream}`,
    plaintextThroughout: 'none (plaintext throughout)',
    notRecorded: (units: number, bytes: string, events: number, cap: string) => `recording capped at ${cap}: ${units} units (${bytes}) and ${events} other events counted, not stored`, more: (n: number) => `... ${n} more lines`,
    endsEarly: '*** recording ends early (no close event: the session was cut short)',
    results: { success: 'success', failure: 'failure', cancelled: 'cancelled', incomplete: 'incomplete' },
    sides: { client: 'client', server: 'server' },
  },
  es: {
    title: (p: string, id: string, start: string) => `sesión ${p} de mailtap ${id}, iniciada el ${start}`,
    tlsModes: { implicit: 'TLS implícito', starttls: 'STARTTLS', none: 'sin TLS' } as Record<string, string>,
    client: 'cliente', upstream: 'servidor', tls: 'TLS',
    redacted: 'secretos ocultados (--redact): los bytes mostrados no son exactos',
    clientLeg: 'tramo cliente', upstreamLeg: 'tramo servidor', sni: 'SNI', peer: 'par', verified: 'verificado',
    issuer: 'emitido por', validTo: 'válido hasta', leaf: 'certificado de mailtap',
    notVerified: 'NO verificado', failed: 'falló', user: 'usuario', password: 'contraseña', token: 'token', proof: 'prueba',
    authzid: 'authzid', undecoded: 'sin decodificar', connection: 'conexión', state: 'estado', violation: 'violación del protocolo por el',
    error: 'error', hint: 'aviso', injection: (n: number, from: string) => `inyección: ${n} bytes del ${from} descartados`,
    close: 'cierre', clientSent: 'cliente envió', serverSent: 'servidor envió',
    tlsUsed: (client: string, upstream: string) => `TLS usado: cliente ${client}, servidor ${upstream}`,
    plaintextThroughout: 'ninguno (todo en claro)',
    notRecorded: (units: number, bytes: string, events: number, cap: string) => `grabación limitada a ${cap}: ${units} unidades (${bytes}) y ${events} eventos más contados, no guardados`, more: (n: number) => `... ${n} líneas más`,
    endsEarly: '*** la grabación termina antes de tiempo (sin evento close: la sesión se cortó)',
    results: { success: 'éxito', failure: 'fallo', cancelled: 'cancelada', incomplete: 'incompleta' },
    sides: { client: 'cliente', server: 'servidor' },
  },
};

export function words(lang: Lang) {
  return WORDS[lang];
}

export interface TranscriptOptions {
  lang: Lang;
  redact: boolean;
  /** Secrets known up front (a whole recording's auth events), scrubbed from every event. */
  secrets?: Iterable<string>;
}

interface PendingBody {
  summary: BodySummary;
  marker: Marker;
  label: string;
  note?: string;
  t: number;
}

export class TranscriptBuilder {
  private readonly lang: Lang;
  private readonly redactor: Redactor | null;
  private protocol: Protocol | null = null;
  private lastVerb: string | undefined;
  private readonly bodies = new Map<'c2s' | 's2c', PendingBody>();
  private sawClose = false;
  /** The TLS version each leg negotiated, from its tls events: what was used, not what the route offered. */
  private readonly tlsUsed: { client?: string; upstream?: string } = {};

  constructor(opts: TranscriptOptions) {
    this.lang = opts.lang;
    this.redactor = opts.redact ? new Redactor(opts.secrets) : null;
  }

  header(h: RecordHeader): Entry[] {
    this.protocol = h.protocol;
    const w = words(this.lang);
    const out: Entry[] = [
      { marker: '===', lines: [w.title(h.protocol.toUpperCase(), h.session, h.start)] },
      { marker: '===', lines: [`${w.client} ${h.client.address}:${h.client.port} -> ${h.listen} -> ${h.upstream} (TLS: ${w.client} ${w.tlsModes[h.clientTls] ?? h.clientTls}, ${w.upstream} ${w.tlsModes[h.upstreamTls] ?? h.upstreamTls})`] },
    ];
    if (h.redacted || this.redactor) out.push({ marker: '===', lines: [w.redacted] });
    return out;
  }

  event(input: RecordEvent): Entry[] {
    const ev = this.redactor ? this.redactor.event(input) : input;
    if (isUnitRecord(ev) && ev.type === 'body') return this.body(ev);
    const out = this.flushBodies();
    if (isUnitRecord(ev)) {
      if (ev.dir === 'c2s' && ev.type === 'command' && ev.verb && !ev.continued) this.lastVerb = ev.verb;
      out.push({ marker: unitMarker(ev), lines: displayLines(unitBytes(ev), this.lang), note: this.note(ev), t: ev.t });
      return out;
    }
    const w = words(this.lang);
    const t = ev.t;
    switch (ev.type) {
      case 'tls':
        if (ev.version) this.tlsUsed[ev.leg === 'client' ? 'client' : 'upstream'] = ev.version;
        out.push({ marker: ev.version === undefined && ev.reason !== undefined ? '***' : '===', lines: [describeTls(ev, this.lang)], t });
        break;
      case 'auth':
        out.push({ marker: '===', lines: [describeAuth(ev, this.lang)], note: this.note(ev), t });
        break;
      case 'injection': {
        const dropped = showBytes(Buffer.from(ev.dropped, 'base64'));
        const shown = dropped.length > 120 ? dropped.slice(0, 117) + '...' : dropped;
        out.push({ marker: '***', lines: [`${w.injection(ev.length, w.sides[ev.from])}: "${shown}"`], note: this.note(ev), t });
        break;
      }
      case 'violation':
        out.push({ marker: '***', lines: [`${w.violation} ${ev.side ? w.sides[ev.side] : '?'} (${ev.code ?? 'E_PROTOCOL'}): ${this.say(ev.message ?? '')}`], note: this.note(ev), t });
        break;
      case 'error':
        out.push({ marker: '***', lines: [`${w.error}${ev.code ? ` ${ev.code}` : ''}: ${this.say(ev.message ?? '')}`], note: this.note(ev), t });
        break;
      case 'hint':
        out.push({ marker: '***', lines: [`${w.hint}: ${this.note(ev) ?? ''}`], t });
        break;
      case 'state':
        out.push({ marker: '===', lines: [`${w.state}: ${ev.state !== undefined ? stateName(ev.state, this.lang) : this.say(ev.message ?? '')}`], note: this.note(ev), t });
        break;
      case 'connect':
        // The header already says who connected to what: one `=== client … →` line per session.
        break;
      case 'info':
      case 'compress':
        // A message may quote a multi-line exchange (mailtap's own STARTTLS with the server): one line each.
        out.push({ marker: '===', lines: this.say(ev.message ?? '').split(/\r?\n/), note: this.note(ev), t });
        break;
      case 'close':
        this.sawClose = true;
        out.push({ marker: '===', lines: [`${w.close}: ${this.say(ev.reason)} (${w.clientSent} ${formatBytes(ev.bytes.c2s, this.lang)}, ${w.serverSent} ${formatBytes(ev.bytes.s2c, this.lang)})`], t });
        out.push({ marker: '===', lines: [w.tlsUsed(this.tlsUsed.client ?? w.plaintextThroughout, this.tlsUsed.upstream ?? w.plaintextThroughout)], t });
        if (ev.notRecorded) {
          const n = ev.notRecorded;
          out.push({ marker: '***', lines: [w.notRecorded(n.units, formatBytes(n.c2s + n.s2c, this.lang), n.events, formatBytes(n.cap, this.lang))], t });
        }
        break;
    }
    return out;
  }

  /** No more events: summarise bodies still open, and say so when the session never closed. */
  finish(): Entry[] {
    const out = this.flushBodies();
    if (!this.sawClose) out.push({ marker: '***', lines: [words(this.lang).endsEarly.replace(/^\*\*\* /, '')] });
    return out;
  }

  private body(ev: UnitRecord): Entry[] {
    const dir = ev.dir;
    let pending = this.bodies.get(dir);
    if (!pending) {
      const label = this.bodyLabel(ev);
      // SMTP DATA and POP3 bodies are dot-stuffed on the wire (RFC 5321 §4.5.2, RFC 1939 §3).
      const dotStuffed = label === 'DATA' || (this.protocol === 'pop3' && label.endsWith('body'));
      pending = { summary: new BodySummary({ dotStuffed }), marker: unitMarker(ev), label, t: ev.t };
      const note = this.note(ev);
      if (note !== undefined) pending.note = note;
      this.bodies.set(dir, pending);
    }
    // A chunk kept only as its length (`elided`, the web view's memory cap) is counted, not scanned.
    const elided = (ev as { elided?: number }).elided;
    if (elided !== undefined) pending.summary.skip(elided);
    else pending.summary.add(unitBytes(ev));
    if (!ev.final) return [];
    this.bodies.delete(dir);
    return bodyEntries(pending, this.lang);
  }

  private flushBodies(): Entry[] {
    const out: Entry[] = [];
    for (const pending of this.bodies.values()) out.push(...bodyEntries(pending, this.lang));
    this.bodies.clear();
    return out;
  }

  private bodyLabel(ev: UnitRecord): string {
    const verb = ev.verb ?? this.lastVerb;
    switch (this.protocol) {
      case 'smtp':
        return verb === 'BDAT' ? 'BDAT' : 'DATA';
      case 'pop3':
        return `${verb === 'TOP' ? 'TOP' : 'RETR'} body`;
      case 'imap':
        return 'literal';
      default:
        return verb ?? 'body';
    }
  }

  /** One of mailtap's own English messages in the session's language (messages-es.ts). */
  private say(message: string): string {
    return mailtapMessage(message, this.lang);
  }

  private note(ev: { note?: string; note_es?: string }): string | undefined {
    // Recordings made before the Spanish contractions were applied still read right.
    const n = this.lang === 'es' ? (ev.note_es === undefined ? ev.note : contractSpanish(ev.note_es)) : (ev.note ?? ev.note_es);
    return n === undefined || n === '' ? undefined : n;
  }
}

function bodyEntries(p: PendingBody, lang: Lang): Entry[] {
  const e: Entry = { marker: p.marker, lines: [p.summary.describe(p.label, lang)], t: p.t };
  if (p.note !== undefined) e.note = p.note;
  // The attachment list is mailtap's reading of the MIME tree, so it comes as its own lines.
  return [e, ...p.summary.attachmentLines(lang).map((line): Entry => ({ marker: '===', lines: [line], t: p.t }))];
}

export function unitMarker(ev: UnitRecord): Marker {
  if (ev.dir === 'c2s') return ev.tls ? '~>' : '->';
  return ev.tls ? '<~' : '<-';
}

/** One display line per wire line, CRLF dropped, invisible bytes escaped, floods cut. */
export function displayLines(bytes: Buffer, lang: Lang = 'en'): string[] {
  const lines: string[] = [];
  let from = 0;
  let total = 0;
  while (from < bytes.length) {
    let nl = bytes.indexOf(0x0a, from);
    const end = nl < 0 ? bytes.length : nl;
    nl = nl < 0 ? bytes.length : nl + 1;
    total++;
    if (lines.length < MAX_LINES) {
      const lineEnd = end > from && bytes[end - 1] === 0x0d && nl > end ? end - 1 : end;
      const cut = Math.min(lineEnd, from + MAX_LINE_CHARS);
      let shown = showBytes(bytes.subarray(from, cut));
      if (cut < lineEnd) shown += ` ... (+${lineEnd - cut} bytes)`;
      lines.push(shown);
    }
    from = nl;
  }
  if (total > MAX_LINES) lines.push(WORDS[lang].more(total - MAX_LINES));
  return lines.length > 0 ? lines : [''];
}

/**
 * Bytes as one readable line: control bytes and invalid UTF-8 escaped (`\0`, `\r`, `\xff`).
 * Unlike sasl's displayBytes a backslash stays single, so IMAP flags read `\Seen`, as on the wire.
 */
export function showBytes(bytes: Buffer): string {
  return escapeBytes(bytes);
}

export function describeTls(ev: TlsRecord, lang: Lang): string {
  const w = words(lang);
  const parts: string[] = [];
  if (ev.version) parts.push(ev.version);
  if (ev.cipher) parts.push(ev.cipher);
  if (ev.sni) parts.push(`${w.sni} ${ev.sni}`);
  const cert = ev.certificate;
  const subject = ev.peerSubject ?? cert?.subject;
  if (subject) parts.push(`${ev.leg === 'client' ? w.leaf : w.peer} ${subject}`);
  if (cert?.issuer) parts.push(`${w.issuer} ${cert.issuer}`);
  if (cert?.validTo) parts.push(`${w.validTo} ${cert.validTo.slice(0, 10)}`);
  const fingerprint = ev.fingerprint256 ?? cert?.fingerprint256;
  if (fingerprint) parts.push(`SHA-256 ${fingerprint}`);
  if (ev.verified === true) parts.push(w.verified);
  if (ev.verified === false) parts.push(`${w.notVerified}${ev.reason ? ` (${ev.reason})` : ''}`);
  else if (ev.reason && ev.version === undefined) parts.push(`${w.failed}: ${mailtapMessage(ev.reason, lang)}`);
  return `TLS ${ev.leg === 'client' ? w.clientLeg : w.upstreamLeg}: ${parts.join(', ')}`;
}

/** `AUTH LOGIN user=alice password=s3cret (success)`. */
export function describeAuth(ev: AuthRecord, lang: Lang): string {
  const w = words(lang);
  const show = (s: string) => showBytes(Buffer.from(s, 'utf8'));
  const parts = [`AUTH ${ev.mechanism}`];
  if (ev.authzid) parts.push(`${w.authzid}=${show(ev.authzid)}`);
  if (ev.username !== undefined) parts.push(`${w.user}=${show(ev.username)}`);
  if (ev.password !== undefined) parts.push(`${w.password}=${show(ev.password)}`);
  if (ev.token !== undefined) parts.push(`${w.token}=${show(ev.token)}`);
  if (ev.proof !== undefined) parts.push(`${w.proof}=${show(ev.proof)}`);
  if (ev.undecoded && ev.undecoded.length > 0) parts.push(`${w.undecoded}=${ev.undecoded.join(',')}`);
  parts.push(`(${w.results[ev.result] ?? ev.result})`);
  return parts.join(' ');
}
