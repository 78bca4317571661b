// The client asked for STARTTLS/STLS but the upstream leg is already TLS (implicit): mailtap
// answers the request itself and upgrades only the client leg. These bytes come from mailtap,
// not the server; the recording's note says so.

import type { Note } from '../core/note.js';
import type { Protocol } from '../protocol/types.js';

export function localStartTlsAcceptance(protocol: Protocol, tag: string | undefined): Buffer {
  switch (protocol) {
    case 'smtp':
      return Buffer.from('220 2.0.0 Ready to start TLS (answered by mailtap: the server leg is already TLS)\r\n');
    case 'pop3':
      return Buffer.from('+OK Begin TLS negotiation (answered by mailtap: the server leg is already TLS)\r\n');
    case 'imap':
      return Buffer.from(`${tag ?? '*'} OK Begin TLS negotiation now (answered by mailtap: the server leg is already TLS)\r\n`);
  }
}

export function isStartTlsCommand(verb: string | undefined): boolean {
  return verb === 'STARTTLS' || verb === 'STLS';
}

/**
 * With the server leg already in TLS its capability lists never offer STARTTLS/STLS, and most
 * clients only upgrade when offered (curl, Python, nodemailer). mailtap answers the upgrade
 * itself, so it offers it too: this returns the capability reply with the offer added (RFC 3207
 * §4 EHLO keyword, RFC 2595 §4 CAPA `STLS`, RFC 9051 §6.1.1 `STARTTLS` capability), or
 * undefined when the unit is no capability list or already offers it.
 */
export function offerStartTls(protocol: Protocol, unit: { kind: string; verb?: string; status?: string; bytes: Buffer }): Buffer | undefined {
  if (unit.kind !== 'reply') return undefined;
  const text = unit.bytes.toString('latin1');
  switch (protocol) {
    case 'smtp': {
      if (unit.verb !== 'EHLO' || !text.startsWith('250')) return undefined;
      const lines = text.split(/(?<=\n)/);
      if (lines.some((l) => /^250[ -]STARTTLS\b/i.test(l))) return undefined;
      const last = lines.length - 1;
      lines[last] = `250-${lines[last]!.slice(4)}`;
      lines.push('250 STARTTLS\r\n');
      return Buffer.from(lines.join(''), 'latin1');
    }
    case 'pop3': {
      if (unit.verb !== 'CAPA' || !text.startsWith('+OK') || !/\r?\n\.\r?\n$/.test(text)) return undefined;
      if (/(^|\n)STLS\r?\n/i.test(text)) return undefined;
      const end = text.lastIndexOf('.');
      return Buffer.from(`${text.slice(0, end)}STLS\r\n${text.slice(end)}`, 'latin1');
    }
    case 'imap': {
      const m = /CAPABILITY [^\]\r\n]*/i.exec(text);
      if (!m || /\bSTARTTLS\b/i.test(m[0])) return undefined;
      const at = m.index + m[0].length;
      return Buffer.from(`${text.slice(0, at)} STARTTLS${text.slice(at)}`, 'latin1');
    }
  }
}

/** A server unit as the client gets it: with the STARTTLS offer added and said in its note. */
export function withStartTlsOffer<U extends { kind: string; verb?: string; status?: string; bytes: Buffer; note: Note }>(protocol: Protocol, unit: U): U {
  const offered = offerStartTls(protocol, unit);
  if (!offered) return unit;
  return {
    ...unit,
    bytes: offered,
    note: {
      en: `${unit.note.en} [mailtap added the STARTTLS offer: the server leg is already TLS and mailtap answers STARTTLS itself]`,
      es: `${unit.note.es} [mailtap añadió la oferta de STARTTLS: el tramo del servidor ya es TLS y mailtap responde a STARTTLS]`,
    },
  };
}
