// The attacker's edits to the server's side of the dialogue, one pure function each, in the
// style of session/local-starttls.ts (which adds a STARTTLS offer; these take it away, add a
// plaintext AUTH offer, refuse the upgrade, forge a reply, or greet with PREAUTH). Each returns
// new bytes, or undefined when the unit is not the one it edits.

import type { Protocol, UnitEvent } from '../protocol/types.js';

type Unit = Pick<UnitEvent, 'kind' | 'verb' | 'status' | 'tag' | 'bytes'>;

function isCapabilityList(protocol: Protocol, unit: Unit): boolean {
  if (unit.kind !== 'reply') return false;
  const text = unit.bytes.toString('latin1');
  switch (protocol) {
    case 'smtp':
      return unit.verb === 'EHLO' && text.startsWith('250');
    case 'pop3':
      return unit.verb === 'CAPA' && text.startsWith('+OK');
    case 'imap':
      return /CAPABILITY /i.test(text);
  }
}

/** The capability list without STARTTLS/STLS (RFC 3207 §4, RFC 2595 §4, RFC 9051 §6.1.1). */
export function stripStartTls(protocol: Protocol, unit: Unit): Buffer | undefined {
  if (!isCapabilityList(protocol, unit)) return undefined;
  const text = unit.bytes.toString('latin1');
  let out: string;
  switch (protocol) {
    case 'smtp': {
      const lines = text.split(/(?<=\n)/).filter((l) => !/^250[ -]STARTTLS\s*$/i.test(l));
      const last = lines.length - 1;
      // The last line of a multi-line reply has a space after the code (RFC 5321 §4.2.1).
      lines[last] = `250 ${lines[last]!.slice(4)}`;
      out = lines.join('');
      break;
    }
    case 'pop3':
      out = text.replace(/(^|\n)STLS\r?\n/i, '$1');
      break;
    case 'imap':
      out = text.replace(/ STARTTLS\b/gi, '');
      break;
  }
  return out === text ? undefined : Buffer.from(out, 'latin1');
}

/** The capability list with a plaintext login offered: AUTH PLAIN LOGIN, POP3 USER + SASL, IMAP AUTH=PLAIN. */
export function offerPlaintextAuth(protocol: Protocol, unit: Unit): Buffer | undefined {
  if (!isCapabilityList(protocol, unit)) return undefined;
  const text = unit.bytes.toString('latin1');
  let out: string;
  switch (protocol) {
    case 'smtp': {
      if (/^250[ -]AUTH[ =]/im.test(text)) return undefined;
      const lines = text.split(/(?<=\n)/);
      const last = lines.length - 1;
      lines[last] = `250-${lines[last]!.slice(4)}`;
      lines.push('250 AUTH PLAIN LOGIN\r\n');
      out = lines.join('');
      break;
    }
    case 'pop3': {
      const end = text.lastIndexOf('.');
      const add = (/(^|\n)USER\r?\n/i.test(text) ? '' : 'USER\r\n') + (/(^|\n)SASL /i.test(text) ? '' : 'SASL PLAIN LOGIN\r\n');
      out = `${text.slice(0, end)}${add}${text.slice(end)}`;
      break;
    }
    case 'imap':
      out = text.replace(/ LOGINDISABLED\b/gi, '').replace(/(CAPABILITY [^\]\r\n]*)/i, (caps) => (/AUTH=PLAIN/i.test(caps) ? caps : `${caps} AUTH=PLAIN`));
      break;
  }
  return out === text ? undefined : Buffer.from(out, 'latin1');
}

/** The server's refusal of STARTTLS/STLS (RFC 3207 §4 `454`, RFC 2595 §4 `-ERR`, RFC 9051 §6.2.1 `NO`). */
export function refuseStartTls(protocol: Protocol, tag: string | undefined, offered: boolean): Buffer {
  switch (protocol) {
    case 'smtp':
      return Buffer.from(offered ? '454 4.7.0 TLS not available due to temporary reason\r\n' : '502 5.5.1 Error: command not implemented\r\n');
    case 'pop3':
      return Buffer.from('-ERR TLS not available\r\n');
    case 'imap':
      return Buffer.from(`${tag ?? '*'} ${offered ? 'NO' : 'BAD'} STARTTLS unavailable\r\n`);
  }
}

/** Is this the server's acceptance of STARTTLS/STLS? */
export function isStartTlsAcceptance(unit: Unit): boolean {
  if (unit.kind !== 'reply' || (unit.verb !== 'STARTTLS' && unit.verb !== 'STLS')) return false;
  return unit.status === '220' || unit.status === '+OK' || unit.status === 'OK';
}

/**
 * The plaintext an attacker pipelines behind the STARTTLS acceptance (the CVE-2011-0411 family):
 * a reply to the client's first command inside TLS. For IMAP the forged completion guesses the
 * client's next tag (the STARTTLS tag with its number plus one, the usual tag scheme).
 */
export function forgedReply(protocol: Protocol, startTlsTag: string | undefined): Buffer {
  switch (protocol) {
    case 'smtp':
      return Buffer.from('250 forged.mailtap.invalid forged by mailtap audit\r\n');
    case 'pop3':
      return Buffer.from('+OK forged by mailtap audit\r\n.\r\n');
    case 'imap': {
      const next = (startTlsTag ?? 'A1').replace(/(\d+)$/, (n) => String(Number(n) + 1).padStart(n.length, '0'));
      return Buffer.from(`* CAPABILITY IMAP4rev1 AUTH=PLAIN X-MAILTAP-FORGED\r\n${next} OK forged by mailtap audit\r\n`);
    }
  }
}

/** An IMAP `* OK` greeting turned into `* PREAUTH` (RFC 9051 §7.1.4). */
export function preauthGreeting(unit: Unit): Buffer | undefined {
  if (unit.kind !== 'reply' || unit.tag !== '*' || unit.status !== 'OK') return undefined;
  const text = unit.bytes.toString('latin1');
  return Buffer.from(text.replace(/^\* OK/i, '* PREAUTH').replace(/\[CAPABILITY [^\]]*\]/i, '[CAPABILITY IMAP4rev1]'), 'latin1');
}

/** What the client gets when the auditor keeps its credentials or mail from the server. */
export function heldBackReply(protocol: Protocol, tag: string | undefined): Buffer {
  const text = 'mailtap audit: this went out unprotected; nothing was passed on and the session ends here';
  switch (protocol) {
    case 'smtp':
      return Buffer.from(`530 5.7.0 ${text}\r\n`);
    case 'pop3':
      return Buffer.from(`-ERR ${text}\r\n`);
    case 'imap':
      return Buffer.from(`${tag && tag !== '*' && tag !== '+' ? tag : '*'} NO ${text}\r\n* BYE ${text}\r\n`);
  }
}
