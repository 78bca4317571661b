// Trust settings for the upstream leg, loaded once per proxy (never per connection: socat paid
// ~28 ms of CPU a session re-reading its store). Node's bundled Mozilla roots plus any
// `--upstream-ca` files; `--insecure` turns verification off but we still report why it failed.

import { readFile } from 'node:fs/promises';
import { createSecureContext, rootCertificates, type SecureContext } from 'node:tls';
import { MailtapError } from '../core/errors.js';
import { TlsSessionCache } from './tls-sessions.js';

export interface UpstreamTrust {
  /** Undefined means Node's default roots. */
  ca?: string[];
  /** Built once from `ca`: parsing ~150 roots per connection cost ~40 ms of CPU a session. */
  secureContext?: SecureContext;
  rejectUnauthorized: boolean;
  /** Upstream TLS sessions to resume, per host and port; they were made under these trust settings. */
  sessions: TlsSessionCache;
}

/** `upstreamCa`: paths of PEM files, or PEM text itself. */
export async function loadUpstreamTrust(options: { insecure?: boolean; upstreamCa?: string[] } = {}): Promise<UpstreamTrust> {
  const files = options.upstreamCa ?? [];
  const extra: string[] = [];
  for (const file of files) {
    // PEM text given directly (the programmatic API), not a path.
    if (file.includes('-----BEGIN CERTIFICATE-----')) {
      extra.push(file);
      continue;
    }
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      throw new MailtapError('E_USAGE', `cannot read --upstream-ca file ${file}: ${(err as Error).message}`, { side: 'user' });
    }
    if (!text.includes('-----BEGIN CERTIFICATE-----')) {
      throw new MailtapError('E_USAGE', `--upstream-ca file ${file} holds no PEM certificate`, { side: 'user' });
    }
    extra.push(text);
  }
  const ca = extra.length ? [...rootCertificates, ...extra] : undefined;
  return {
    ca,
    secureContext: ca ? createSecureContext({ ca }) : undefined,
    rejectUnauthorized: !options.insecure,
    sessions: new TlsSessionCache(),
  };
}
