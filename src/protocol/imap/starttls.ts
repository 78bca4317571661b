// The STARTTLS boundary (RFC 9051 §6.2.1, RFC 2595 §3.1): client bytes that follow the STARTTLS
// line are held until the server's verdict. Accepted: they were plaintext pipelined into what
// will be a TLS session (the command-injection flaw) and are dropped. Refused: released as usual.
// The hold is bounded by maxPendingBytes; past it, bytes are dropped as they come.

import { note } from '../../core/note.js';
import type { CodecEvent, InjectionEvent, Side } from '../types.js';

export class StartTlsGate {
  private held: Buffer[] = [];
  private size = 0;
  private overflowed = false;

  constructor(
    readonly tag: string,
    private readonly maxPendingBytes: number,
  ) {}

  /** Keep client bytes until the verdict; over the limit they become a violation plus injection. */
  hold(bytes: Buffer, out: CodecEvent[]): void {
    if (bytes.length === 0) return;
    if (this.overflowed) {
      out.push(injection('client', bytes));
      return;
    }
    if (this.size + bytes.length > this.maxPendingBytes) {
      this.overflowed = true;
      out.push({
        type: 'violation',
        side: 'client',
        code: 'E_LIMIT',
        message: `more than ${this.maxPendingBytes} bytes sent while STARTTLS was pending`,
        note: note('The client kept sending while STARTTLS was pending: the bytes are dropped, not forwarded', 'El cliente siguió enviando con STARTTLS pendiente: los bytes se descartan, no se reenvían'),
      });
      out.push(injection('client', Buffer.concat([...this.held, bytes])));
      this.held = [];
      this.size = 0;
      return;
    }
    this.held.push(bytes);
    this.size += bytes.length;
  }

  /** Everything held (empty when nothing is), and forget it. */
  release(): Buffer {
    const out = this.held.length === 1 ? this.held[0]! : Buffer.concat(this.held);
    this.held = [];
    this.size = 0;
    return out;
  }
}

export function injection(side: Side, bytes: Buffer): InjectionEvent {
  return side === 'client'
    ? {
        type: 'injection',
        side,
        bytes,
        note: note(
          'Plaintext the client pipelined after STARTTLS: dropped, never carried into the TLS session (STARTTLS command injection, RFC 2595 §3.1, RFC 8314 §4)',
          'Texto en claro que el cliente envió tras STARTTLS: descartado, nunca entra en la sesión TLS (inyección de comandos STARTTLS, RFC 2595 §3.1, RFC 8314 §4)',
        ),
      }
    : {
        type: 'injection',
        side,
        bytes,
        note: note(
          'Plaintext the server sent after accepting STARTTLS: dropped, it cannot belong to the TLS session (RFC 9051 §6.2.1)',
          'Texto en claro que el servidor envió tras aceptar STARTTLS: descartado, no puede pertenecer a la sesión TLS (RFC 9051 §6.2.1)',
        ),
      };
}

/** One line of text safe to put in a protocol reply: no CR, LF or other control bytes. */
export function oneLine(reason: string): string {
  return reason.replace(/[\x00-\x1f\x7f]+/g, ' ').trim();
}

/** `tag NO [UNAVAILABLE] …` for a client whose STARTTLS mailtap could not complete upstream. */
export function starttlsRefusal(tag: string): (reason: string) => Buffer {
  return (reason) => Buffer.from(`${tag} NO [UNAVAILABLE] mailtap: TLS not available: ${oneLine(reason)}\r\n`);
}
