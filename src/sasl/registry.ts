// Which reader decodes which mechanism name. Names are matched upper-case; anything unknown is
// read opaquely (kept as base64), so a new mechanism never breaks a session.

import type { MechanismFactory, MechanismReader } from './mechanism.js';
import { cramMd5Reader } from './mechanisms/cram-md5.js';
import { digestMd5Reader } from './mechanisms/digest-md5.js';
import { loginReader } from './mechanisms/login.js';
import { oauthBearerReader, xoauth2Reader } from './mechanisms/oauth.js';
import { opaqueReader } from './mechanisms/opaque.js';
import { plainReader } from './mechanisms/plain.js';
import { scramReader } from './mechanisms/scram.js';
import { anonymousReader, externalReader } from './mechanisms/simple.js';

const READERS: Record<string, MechanismFactory> = {
  PLAIN: plainReader,
  LOGIN: loginReader,
  'CRAM-MD5': cramMd5Reader,
  'DIGEST-MD5': digestMd5Reader,
  XOAUTH2: xoauth2Reader,
  OAUTHBEARER: oauthBearerReader,
  EXTERNAL: externalReader,
  ANONYMOUS: anonymousReader,
};

export function readerFor(mechanism: string): MechanismReader {
  const factory = READERS[mechanism];
  if (factory) return factory(mechanism);
  // RFC 5802 §4 family: SCRAM-SHA-1, SCRAM-SHA-256, SCRAM-SHA-512, each with or without -PLUS.
  if (/^SCRAM-[A-Z0-9-]+$/.test(mechanism)) return scramReader(mechanism);
  return opaqueReader(mechanism);
}

/** True when mailtap decodes this mechanism's messages (not only keeps them as base64). */
export function isDecodedMechanism(mechanism: string): boolean {
  const m = mechanism.toUpperCase();
  return m in READERS || /^SCRAM-[A-Z0-9-]+$/.test(m);
}
