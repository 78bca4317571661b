// Who may talk to the web view. It shows passwords, so: a random token (like Jupyter's) in the
// URL printed at start, checked on every request — query `?token=`, then a cookie the first
// page sets — the Host header checked against DNS rebinding (a rebinding page arrives with its
// own DNS name, which is never ours), and a strict Content-Security-Policy on every response.

import { randomBytes, timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { MailtapError } from '../core/errors.js';
import { isLoopbackHost } from '../core/mail-url.js';

export const TOKEN_COOKIE = 'mailtap_web_token';

/** The app's own pages: scripts and styles from this origin only; frames only our message HTML. */
export const APP_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-src 'self'; " +
  "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/**
 * A message's HTML part: sandboxed even when opened on its own (the `sandbox` directive, no
 * allow-scripts), no script, no remote loads of any kind; inline styles and data: images only.
 */
export const MESSAGE_HTML_CSP =
  "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:; font-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'self'";

export function newToken(): string {
  return randomBytes(24).toString('base64url');
}

export interface AccessOptions {
  /** null: no token (refused beyond loopback). */
  token: string | null;
  host: string;
  port: number;
}

/** Refuses a setting that would show the sessions to the network unprotected. */
export function checkBind(host: string, token: string | null): void {
  if (token === null && !isLoopbackHost(host)) {
    throw new MailtapError('E_USAGE', `--web on ${host} (beyond loopback) needs an access token: drop --web-token none`, { side: 'user' });
  }
  if (token !== null && token.length < 16) {
    throw new MailtapError('E_USAGE', '--web-token must be at least 16 characters', { side: 'user' });
  }
}

/**
 * Host header values we answer to. Loopback binds: localhost and loopback literals. Other binds:
 * IP literals and the bound name. A DNS name we were not bound to is a rebinding attempt.
 */
export function hostAllowed(hostHeader: string | undefined, bound: { host: string; port: number }): boolean {
  if (!hostHeader) return false;
  const m = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(hostHeader.trim());
  if (!m) return false;
  const name = m[1]!.replace(/^\[|\]$/g, '').toLowerCase();
  if (m[2] !== undefined && Number(m[2]) !== bound.port) return false;
  if (name === 'localhost' || isLoopbackHost(name)) return true;
  if (name === bound.host.toLowerCase()) return true;
  // A wildcard bind answers on every address of the machine: IP literals only.
  if (!isLoopbackHost(bound.host) && isIP(name) !== 0) return true;
  return false;
}

export function tokenFrom(req: IncomingMessage, url: URL): { token: string | undefined; fromQuery: boolean } {
  const q = url.searchParams.get('token');
  if (q) return { token: q, fromQuery: true };
  const auth = req.headers.authorization;
  if (auth?.startsWith('Bearer ')) return { token: auth.slice(7), fromQuery: false };
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === TOKEN_COOKIE) return { token: decodeURIComponent(v.join('=')), fromQuery: false };
  }
  return { token: undefined, fromQuery: false };
}

export function tokenMatches(given: string | undefined, expected: string): boolean {
  if (given === undefined) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Headers every response carries. */
export function baseHeaders(res: ServerResponse, csp = APP_CSP): void {
  res.setHeader('Content-Security-Policy', csp);
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
  res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
  res.setHeader('X-Frame-Options', csp === APP_CSP ? 'DENY' : 'SAMEORIGIN');
  res.setHeader('Cache-Control', 'no-store');
}

export function tokenCookie(token: string): string {
  return `${TOKEN_COOKIE}=${encodeURIComponent(token)}; Path=/; HttpOnly; SameSite=Strict`;
}
