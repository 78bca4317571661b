// The shapes the server sends (src/web/summary.ts, transcript-feed.ts, message-view.ts). Kept
// by hand: the browser build cannot import server modules that use Node's Buffer.

export type Lang = 'en' | 'es';

export interface TlsFacts {
  leg: 'client' | 'upstream';
  version?: string;
  cipher?: string;
  sni?: string;
  peerSubject?: string;
  fingerprint256?: string;
  verified?: boolean;
  reason?: string;
  certificate?: { subject: string; issuer: string; san: string[]; fingerprint256: string; validFrom: string; validTo: string; serialNumber?: string };
}

export interface AuthSummary {
  mechanism: string;
  username?: string;
  authzid?: string;
  password?: string;
  token?: string;
  result: string;
}

export interface SessionSummary {
  id: string;
  protocol: 'smtp' | 'pop3' | 'imap';
  start: string;
  client: string;
  listen: string;
  upstream: string;
  clientTls: string;
  upstreamTls: string;
  tls: { client?: TlsFacts; upstream?: TlsFacts };
  user?: string;
  auths: AuthSummary[];
  status: 'open' | 'closed' | 'error' | 'injection';
  closed: boolean;
  closeReason?: string;
  bytes: { c2s: number; s2c: number };
  durationMs: number;
  starttls: boolean;
  errors: number;
  injections: number;
  bodies: number;
  redacted: boolean;
  recording?: string;
}

export interface WebEntry {
  m: string;
  l: string[];
  n?: string;
  t?: number;
  k: 'starttls' | 'injection' | 'tls' | 'auth' | 'error' | 'hint' | 'body' | 'unit' | 'event';
  msg?: number;
}

export interface Info {
  version: string;
  lang: Lang;
  mode: 'proxy' | 'files' | 'replay';
  redact: boolean;
}

export interface MessageView {
  /** 1-based, as `mailtap export --eml` numbers them. */
  n: number;
  name: string;
  kind: string;
  dir: 'c2s' | 's2c';
  command?: string;
  partial: boolean;
  size: number;
  isMessage: boolean;
  headers: { name: string; value: string }[];
  subject?: string;
  from?: string;
  to?: string;
  date?: string;
  tree: { path: string; depth: number; contentType: string; filename?: string; size?: number }[];
  text?: string;
  textCut?: boolean;
  html: boolean;
  attachments: { index: number; filename: string; contentType: string; size: number }[];
}
