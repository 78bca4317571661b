// One row of the web view's session list, kept up to date event by event (live) or built by
// scanning a recording. Cheap by design: it runs on the proxy's hot path, once per unit.

import type { TlsInfo } from '../core/tls-facts.js';
import type { AuthResult, Protocol } from '../protocol/types.js';
import type { Lang } from '../core/note.js';
import { mailtapMessage } from '../record/messages-es.js';
import type { RecordEvent, RecordHeader, TlsMode } from '../record/schema.js';

export type SessionStatus = 'open' | 'closed' | 'error' | 'injection';

export interface AuthSummary {
  mechanism: string;
  username?: string;
  authzid?: string;
  password?: string;
  token?: string;
  result: AuthResult;
}

export interface SessionSummary {
  id: string;
  protocol: Protocol;
  start: string;
  client: string;
  listen: string;
  upstream: string;
  clientTls: TlsMode;
  upstreamTls: TlsMode;
  tls: { client?: TlsInfo; upstream?: TlsInfo };
  /** The last AUTH's user (what the list shows); every AUTH is in `auths`. */
  user?: string;
  auths: AuthSummary[];
  status: SessionStatus;
  closed: boolean;
  closeReason?: string;
  bytes: { c2s: number; s2c: number };
  durationMs: number;
  starttls: boolean;
  errors: number;
  injections: number;
  /** Message bodies seen (SMTP DATA/BDAT, POP3 RETR/TOP, IMAP literals). */
  bodies: number;
  redacted: boolean;
  /** The recording's file name, when there is one. */
  recording?: string;
}

export function summaryFromHeader(h: RecordHeader): SessionSummary {
  return {
    id: h.session,
    protocol: h.protocol,
    start: h.start,
    client: h.client.address.includes(':') ? `[${h.client.address}]:${h.client.port}` : `${h.client.address}:${h.client.port}`,
    listen: h.listen,
    upstream: h.upstream,
    clientTls: h.clientTls,
    upstreamTls: h.upstreamTls,
    tls: {},
    auths: [],
    status: 'open',
    closed: false,
    bytes: { c2s: 0, s2c: 0 },
    durationMs: 0,
    starttls: false,
    errors: 0,
    injections: 0,
    bodies: 0,
    redacted: !!h.redacted,
  };
}

/** Exact byte length of a unit without decoding it. */
export function unitLength(ev: { text?: string; b64?: string }): number {
  if (ev.text !== undefined) return Buffer.byteLength(ev.text, 'utf8');
  const b64 = ev.b64 ?? '';
  const pad = b64.endsWith('==') ? 2 : b64.endsWith('=') ? 1 : 0;
  return (b64.length / 4) * 3 - pad;
}

export function applyEvent(s: SessionSummary, ev: RecordEvent): void {
  if (ev.t > s.durationMs) s.durationMs = ev.t;
  switch (ev.type) {
    case 'command':
    case 'reply':
    case 'body':
    case 'sasl':
    case 'raw':
      if (ev.dir === 'c2s' || ev.dir === 's2c') s.bytes[ev.dir] += unitLength(ev);
      if (ev.type === 'body' && ev.final) s.bodies++;
      if (ev.type === 'command' && ev.verb && /^(STARTTLS|STLS)$/i.test(ev.verb)) s.starttls = true;
      break;
    case 'tls':
      s.tls[ev.leg] = stripTlsEvent(ev);
      break;
    case 'auth': {
      const a: AuthSummary = { mechanism: ev.mechanism, result: ev.result };
      if (ev.username !== undefined) a.username = ev.username;
      if (ev.authzid !== undefined) a.authzid = ev.authzid;
      if (ev.password !== undefined) a.password = ev.password;
      if (ev.token !== undefined) a.token = ev.token;
      s.auths.push(a);
      if (ev.username !== undefined) s.user = ev.username;
      break;
    }
    case 'injection':
      s.injections++;
      break;
    case 'error':
      s.errors++;
      break;
    case 'close':
      s.closed = true;
      s.closeReason = ev.reason;
      s.bytes = { c2s: ev.bytes.c2s, s2c: ev.bytes.s2c };
      break;
    default:
      break;
  }
  s.status = s.injections > 0 ? 'injection' : s.errors > 0 ? 'error' : s.closed ? 'closed' : 'open';
}

function stripTlsEvent(ev: TlsInfo & { t?: number; dir?: string; type?: string }): TlsInfo {
  const { t: _t, dir: _d, type: _y, ...info } = ev;
  return info;
}

export interface SummaryFilter {
  protocol?: string;
  user?: string;
  status?: string;
  q?: string;
}

export function matchesFilter(s: SessionSummary, f: SummaryFilter): boolean {
  if (f.protocol && s.protocol !== f.protocol) return false;
  if (f.status && s.status !== f.status) return false;
  if (f.user && !(s.auths.some((a) => a.username?.toLowerCase().includes(f.user!.toLowerCase())))) return false;
  if (f.q) {
    const q = f.q.toLowerCase();
    const hay = [s.id, s.client, s.listen, s.upstream, s.user ?? '', s.closeReason ?? '', s.tls.client?.sni ?? '', s.tls.upstream?.peerSubject ?? '', s.recording ?? ''].join(' ').toLowerCase();
    if (!hay.includes(q)) return false;
  }
  return true;
}

/** The summary as a page in `lang` shows it: mailtap's own sentences (close reason, TLS failures) translated. */
export function localizeSummary(s: SessionSummary, lang: Lang): SessionSummary {
  if (lang === 'en') return s;
  const out: SessionSummary = { ...s, tls: { ...s.tls } };
  if (s.closeReason !== undefined) out.closeReason = mailtapMessage(s.closeReason, lang);
  for (const leg of ['client', 'upstream'] as const) {
    const facts = s.tls[leg];
    if (facts?.reason !== undefined) out.tls[leg] = { ...facts, reason: mailtapMessage(facts.reason, lang) };
  }
  return out;
}
