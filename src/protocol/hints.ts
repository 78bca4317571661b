// Mistakes a person makes at the keyboard, explained the moment they happen: credentials typed
// in clear after AUTH, bare LF line ends, a TLS ClientHello on a plaintext port, a command of
// another protocol, a password sent before TLS. Pure: it reads the events the codec already
// produced (the bytes, the auth outcome) plus whether the client leg is in TLS, and returns hint
// events, each kind at most once per session. The TLS-level mistakes that need the socket
// (plaintext on an implicit-TLS port, a client waiting for a greeting) live in src/session.

import { note, type Note } from '../core/note.js';
import type { Protocol } from '../core/protocol-name.js';
import { encodeAdvice, looksTypedInClear } from '../sasl/base64.js';
import type { CodecEvent, HintCode, HintEvent } from './types.js';

/** Where each protocol lives, as the lab guide teaches it (plaintext/STARTTLS, implicit TLS). */
export const PORTS: Readonly<Record<Protocol, { name: string; plain: string; implicit: string; starttls: string }>> = {
  smtp: { name: 'SMTP', plain: '25/587', implicit: '465', starttls: '-starttls smtp' },
  pop3: { name: 'POP3', plain: '110', implicit: '995', starttls: '-starttls pop3' },
  imap: { name: 'IMAP', plain: '143', implicit: '993', starttls: '-starttls imap' },
};

/** First words that belong to one protocol only (RFC 5321, RFC 1939, RFC 9051 verbs after a tag). */
const SMTP_ONLY = new Set(['HELO', 'EHLO', 'MAIL', 'RCPT', 'DATA', 'VRFY', 'EXPN', 'BDAT']);
const POP3_ONLY = new Set(['USER', 'PASS', 'STAT', 'RETR', 'DELE', 'UIDL', 'TOP', 'CAPA', 'STLS', 'APOP']);
/** Verbs SMTP and POP3 share, which are no IMAP tag either (`AUTH LOGIN` is not `tag LOGIN`). */
const SHARED = new Set(['AUTH', 'QUIT', 'NOOP', 'RSET', 'HELP', 'STARTTLS', 'LIST', 'TURN', 'ATRN', 'ETRN', 'UTF8', 'LANG']);
const IMAP_VERBS = new Set(['LOGIN', 'SELECT', 'EXAMINE', 'FETCH', 'CAPABILITY', 'LOGOUT', 'AUTHENTICATE', 'LIST', 'SEARCH', 'STORE', 'UID']);

/** The protocol a client line belongs to, when it plainly belongs to another one than `here`. */
export function otherProtocolOf(here: Protocol, line: Buffer): Protocol | null {
  const words = line.toString('latin1', 0, Math.min(line.length, 64)).trim().split(/\s+/);
  const first = (words[0] ?? '').toUpperCase();
  const second = (words[1] ?? '').toUpperCase();
  if (here !== 'smtp' && SMTP_ONLY.has(first)) return 'smtp';
  if (here !== 'pop3' && POP3_ONLY.has(first) && !IMAP_VERBS.has(second)) return 'pop3';
  if (here !== 'imap' && IMAP_VERBS.has(second) && !SMTP_ONLY.has(first) && !POP3_ONLY.has(first) && !SHARED.has(first)) return 'imap';
  return null;
}

/** A TLS record header of a handshake (RFC 8446 §5.1: type 22, legacy version 3.x). */
export function isTlsHandshake(bytes: Buffer): boolean {
  return bytes.length >= 2 && bytes[0] === 0x16 && bytes[1] === 0x03;
}

function endsWithBareLf(bytes: Buffer): boolean {
  const n = bytes.length;
  return n > 0 && bytes[n - 1] === 0x0a && (n < 2 || bytes[n - 2] !== 0x0d);
}

const LINE_RFC: Readonly<Record<Protocol, string>> = { smtp: 'RFC 5321 §2.3.8', pop3: 'RFC 1939 §3', imap: 'RFC 9051 §2.2' };

export const hintNotes = {
  notBase64(text: string): Note {
    return encodeAdvice(text);
  },
  bareLf(protocol: Protocol): Note {
    const rfc = LINE_RFC[protocol];
    const smuggling = protocol === 'smtp';
    return note(
      `The client ends its lines with a bare LF, not CRLF (openssl s_client without -crlf?). ${rfc} requires CRLF${smuggling ? '; many servers now reject bare LF because of SMTP smuggling' : ''}: use \`openssl s_client -crlf\``,
      `El cliente termina las líneas con LF a secas, no con CRLF (¿openssl s_client sin -crlf?). ${rfc} exige CRLF${smuggling ? '; muchos servidores rechazan ya el LF suelto por el «SMTP smuggling»' : ''}: use \`openssl s_client -crlf\``,
    );
  },
  tlsOnPlaintext(protocol: Protocol): Note {
    const p = PORTS[protocol];
    return note(
      `The client started TLS at once (a TLS ClientHello) on a port where ${p.name} starts in plaintext: use \`openssl s_client ${p.starttls}\` here, or the implicit-TLS port (${p.implicit})`,
      `El cliente empezó TLS de entrada (un ClientHello de TLS) en un puerto donde ${p.name} empieza en claro: use \`openssl s_client ${p.starttls}\` aquí, o el puerto de TLS implícito (${p.implicit})`,
    );
  },
  wrongProtocol(here: Protocol, other: Protocol): Note {
    const h = PORTS[here];
    const o = PORTS[other];
    return note(
      `This port speaks ${h.name}, and that is a ${o.name} command: ${o.name} is on ${o.plain} (plaintext/STARTTLS) or ${o.implicit} (TLS)`,
      `Este puerto habla ${h.name} y eso es un comando ${o.name}: ${o.name} está en el ${o.plain} (en claro/STARTTLS) o en el ${o.implicit} (TLS)`,
    );
  },
  clearCredentials(protocol: Protocol, mechanism: string): Note {
    const p = PORTS[protocol];
    return note(
      `Credentials sent in clear (${mechanism} before TLS): anyone on the path can read them. Use STARTTLS first (\`openssl s_client ${p.starttls}\`) or the implicit-TLS port (${p.implicit})`,
      `Credenciales enviadas en claro (${mechanism} antes de TLS): cualquiera en el camino puede leerlas. Use antes STARTTLS (\`openssl s_client ${p.starttls}\`) o el puerto de TLS implícito (${p.implicit})`,
    );
  },
};

export interface HintContext {
  /** The client leg is inside TLS now. */
  clientTls: boolean;
}

export class MistakeSpotter {
  private readonly given = new Set<HintCode>();
  private firstClientBytes = true;

  constructor(private readonly protocol: Protocol) {}

  /** Hints for one codec event (usually none). */
  observe(ev: CodecEvent, ctx: HintContext): HintEvent[] {
    const out: HintEvent[] = [];
    if (ev.type === 'unit' && ev.side === 'client') {
      const first = this.firstClientBytes;
      this.firstClientBytes = false;
      if (first && !ctx.clientTls && isTlsHandshake(ev.bytes)) {
        this.give(out, 'tls-on-plaintext', hintNotes.tlsOnPlaintext(this.protocol));
        return out;
      }
      if (ev.kind === 'sasl') {
        const text = ev.bytes.toString('latin1').replace(/\r?\n$/, '');
        if (looksTypedInClear(text)) this.give(out, 'not-base64', hintNotes.notBase64(text), true);
      }
      if ((ev.kind === 'command' || ev.kind === 'sasl') && endsWithBareLf(ev.bytes)) this.give(out, 'bare-lf', hintNotes.bareLf(this.protocol));
      if (ev.kind === 'command' || ev.kind === 'raw') {
        const other = otherProtocolOf(this.protocol, ev.bytes);
        if (other) this.give(out, 'wrong-protocol', hintNotes.wrongProtocol(this.protocol, other));
      }
    } else if (ev.type === 'auth' && !ctx.clientTls && (ev.password !== undefined || ev.token !== undefined)) {
      this.give(out, 'clear-credentials', hintNotes.clearCredentials(this.protocol, ev.mechanism));
    }
    return out;
  }

  /** `repeat`: a mistake worth saying each time (every line typed in clear is a new one). */
  private give(out: HintEvent[], code: HintCode, n: Note, repeat = false): void {
    if (this.given.has(code) && !repeat) return;
    this.given.add(code);
    out.push({ type: 'hint', code, side: 'client', note: n });
  }
}
