// One SASL exchange as seen on the wire (RFC 4422 §3): an optional initial response, then server
// challenges and client responses alternating, until the protocol's verdict. Every input is
// base64 text as it appeared on the line; nothing here throws, whatever a peer sends.

import { note, type Note } from '../core/note.js';
import { decodeBase64, looksTypedInClear } from './base64.js';
import type { MechanismContext, MechanismReader } from './mechanism.js';
import { readerFor } from './registry.js';
import type { SaslCredentials } from './types.js';

/** A printable excerpt of wire text for notes (bounded: peers may send megabytes). */
function excerpt(text: string): string {
  return JSON.stringify(text.length > 80 ? `${text.slice(0, 80)}…` : text);
}

export class SaslExchange {
  readonly mechanism: string;
  /** The note for the initial response given to the constructor, if there was one. */
  readonly initialNote: Note | undefined;
  private readonly reader: MechanismReader;
  private readonly creds: SaslCredentials = {};
  private readonly ctx: MechanismContext;
  private challenges = 0;
  private responses = 0;
  private isCancelled = false;

  /**
   * `mechanism` as the client named it (any case); `initialResponse` is the base64 text sent on
   * the AUTH/AUTHENTICATE line (RFC 4954 §4, RFC 4959, RFC 5034); `=` means an empty response.
   */
  constructor(mechanism: string, initialResponse?: string) {
    this.mechanism = mechanism.trim().toUpperCase();
    this.reader = readerFor(this.mechanism);
    const creds = this.creds;
    this.ctx = {
      creds,
      keepUndecoded(b64: string) {
        (creds.undecoded ??= []).push(b64);
      },
    };
    this.initialNote = initialResponse === undefined ? undefined : this.response(initialResponse);
  }

  get cancelled(): boolean {
    return this.isCancelled;
  }

  /** A server challenge: the text after `334 ` (SMTP) or `+ ` (POP3/IMAP). */
  challenge(b64: string): Note {
    const index = this.challenges++;
    const data = decodeBase64(b64.trim());
    if (!data) {
      return note(`Server challenge is not base64: ${excerpt(b64)}`, `El desafío del servidor no está en base64: ${excerpt(b64)}`);
    }
    try {
      return this.reader.challenge(data, index, this.ctx);
    } catch {
      return note('Server challenge could not be decoded', 'No se pudo decodificar el desafío del servidor');
    }
  }

  /** A client response line without CRLF; `*` cancels (RFC 4954 §4). */
  response(b64: string): Note {
    const text = b64.trim();
    if (text === '*') {
      this.isCancelled = true;
      return note('Client cancels the authentication (*)', 'El cliente cancela la autenticación (*)');
    }
    const index = this.responses++;
    // `alicepw` typed after AUTH LOGIN "decodes" leniently into garbage: never show that as a password.
    const data = looksTypedInClear(text) ? null : decodeBase64(text);
    if (!data) {
      this.ctx.keepUndecoded(b64);
      return note(`Client response is not base64 (typed in clear?): ${excerpt(b64)}`, `La respuesta del cliente no está en base64 (¿escrita en claro?): ${excerpt(b64)}`);
    }
    try {
      return this.reader.response(data, index, this.ctx, text);
    } catch {
      this.ctx.keepUndecoded(text);
      return note('Client response could not be decoded', 'No se pudo decodificar la respuesta del cliente');
    }
  }

  /** Everything decoded so far (a copy). */
  credentials(): SaslCredentials {
    const out: SaslCredentials = { ...this.creds };
    if (this.creds.undecoded) out.undecoded = [...this.creds.undecoded];
    return out;
  }
}
