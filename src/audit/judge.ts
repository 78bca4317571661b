// One audit case played against one client session: a session tap (session/tap.ts) that edits
// the server's side as the case's attacker would, watches what the client sends and on which
// leg (the codec has framed it: AUTH/LOGIN/USER/PASS are credentials, MAIL/DATA and mailbox
// commands are mail), keeps back whatever the client exposes in a failing case, and gives the
// verdict with its reason once the session is over.

import { note, type Note } from '../core/note.js';
import type { Protocol, UnitEvent } from '../protocol/types.js';
import type { RecordEvent } from '../record/schema.js';
import type { SessionTap, TapDelay, TapHold } from '../session/tap.js';
import type { ClientTlsOptions } from '../transport/tls-wrap.js';
import type { AuditCaseName } from './cases.js';
import { forgedReply, heldBackReply, isStartTlsAcceptance, offerPlaintextAuth, preauthGreeting, refuseStartTls, stripStartTls } from './rewrites.js';

export type Verdict = 'pass' | 'fail' | 'n/a';

export interface CaseOutcome {
  name: AuditCaseName;
  verdict: Verdict;
  reason: Note;
}

type Exposure = 'credentials' | 'mail';

const NEUTRAL: Record<Protocol, ReadonlySet<string>> = {
  smtp: new Set(['EHLO', 'HELO', 'LHLO', 'STARTTLS', 'QUIT', 'NOOP', 'RSET', 'VRFY', 'EXPN', 'HELP']),
  pop3: new Set(['CAPA', 'STLS', 'QUIT', 'NOOP']),
  imap: new Set(['CAPABILITY', 'STARTTLS', 'LOGOUT', 'NOOP', 'ID', 'ENABLE', 'COMPRESS']),
};
/** How long the first command inside TLS is held in the response-injection case. */
export const INJECTION_WINDOW_MS = 1000;
const CREDENTIALS = new Set(['AUTH', 'AUTHENTICATE', 'LOGIN', 'USER', 'PASS', 'APOP']);

/** What a client unit gives away if read by someone else: its credentials, its mail, or nothing. */
export function exposure(protocol: Protocol, unit: Pick<UnitEvent, 'kind' | 'verb'>): Exposure | undefined {
  if (unit.kind === 'sasl') return 'credentials';
  if (unit.kind === 'body') return 'mail';
  if (unit.kind !== 'command' || !unit.verb) return undefined;
  if (CREDENTIALS.has(unit.verb)) return 'credentials';
  return NEUTRAL[protocol].has(unit.verb) ? undefined : 'mail';
}

const WHAT: Record<Exposure, Note> = {
  credentials: note('credentials', 'credenciales'),
  mail: note('mail or mailbox commands', 'correo u órdenes de buzón'),
};

export class CaseJudge implements SessionTap {
  private failed: Note | undefined;
  private exposed: Exposure | undefined;
  private handshake: { version: string } | undefined;
  private handshakeError: string | undefined;
  private askedForTls = false;
  private startTlsTag: string | undefined;
  /** Inside TLS: client commands sent and server replies the client got (response-injection). */
  private readonly inTls = { commands: 0, replies: 0 };
  readonly clientTls?: () => Promise<ClientTlsOptions>;

  constructor(
    readonly name: AuditCaseName,
    private readonly protocol: Protocol,
    implicitTls: boolean,
    clientTls?: () => Promise<ClientTlsOptions>,
  ) {
    if (clientTls) this.clientTls = clientTls;
    this.askedForTls = implicitTls;
  }

  // ── the tap ─────────────────────────────────────────────────────────────

  client(unit: UnitEvent, tls: boolean): TapHold | TapDelay | undefined {
    const { name, protocol } = this;
    if (unit.kind === 'command' && (unit.verb === 'STARTTLS' || unit.verb === 'STLS') && !tls) {
      this.askedForTls = true;
      this.startTlsTag = unit.tag;
      if (name === 'starttls-stripped' || name === 'starttls-refused') {
        const why = note('mailtap audit refused STARTTLS in the server\'s place (the case under test)', 'mailtap audit rechazó STARTTLS en lugar del servidor (el caso en prueba)');
        return { answer: refuseStartTls(protocol, unit.tag, name === 'starttls-refused'), end: false, why };
      }
      if (name === 'imap-preauth') {
        const why = note('after PREAUTH STARTTLS is not allowed (RFC 9051 §6.2.1): mailtap audit answered BAD', 'tras PREAUTH no se admite STARTTLS (RFC 9051 §6.2.1): mailtap audit respondió BAD');
        return { answer: Buffer.from(`${unit.tag ?? '*'} BAD STARTTLS is not allowed after PREAUTH\r\n`), end: false, why };
      }
    }
    if (tls && name === 'response-injection' && (unit.kind === 'command' || unit.kind === 'sasl')) {
      this.inTls.commands += 1;
      if (this.inTls.commands === 2 && this.inTls.replies === 0 && !this.failed) {
        this.failed = note(
          'inside TLS it sent its second command before the server had answered its first: it took the forged plaintext reply as the answer',
          'dentro de TLS envió su segunda orden antes de que el servidor respondiera a la primera: tomó la respuesta falsificada en claro como respuesta',
        );
      }
    }
    const exposed = exposure(protocol, unit);
    // The first command inside TLS reaches the server only after a pause: a client that acts on
    // the forged reply sends its next command within it, before any real reply could exist.
    if (tls && name === 'response-injection' && this.inTls.commands === 1 && !exposed) return { delayMs: INJECTION_WINDOW_MS };
    if (!exposed) return undefined;
    if (!this.failed) this.failed = this.judgeExposure(exposed, tls);
    if (!this.failed) return undefined;
    this.exposed ??= exposed;
    const why = note(
      `mailtap audit kept this back from the server: the case failed (${WHAT[exposed].en} exposed); the session ends`,
      `mailtap audit no lo pasó al servidor: el caso ha fallado (${WHAT[exposed].es} expuestas); la sesión termina`,
    );
    return { answer: heldBackReply(protocol, unit.tag), end: true, why };
  }

  /** Is sending this exposure, on this leg, in this case, a failure? Returns why, or undefined. */
  private judgeExposure(exposed: Exposure, tls: boolean): Note | undefined {
    const what = WHAT[exposed];
    if (!tls) {
      if (this.name === 'imap-preauth') {
        return note(`it used the PREAUTH session in clear: ${what.en} went unencrypted`, `usó la sesión PREAUTH en claro: ${what.es} sin cifrar`);
      }
      return note(`it sent ${what.en} in clear`, `envió ${what.es} en claro`);
    }
    switch (this.name) {
      case 'untrusted-cert':
        return note(`it accepted a certificate from an unknown CA and sent ${what.en}`, `aceptó un certificado de una CA desconocida y envió ${what.es}`);
      case 'wrong-name':
        return note(`it accepted a certificate for another host name and sent ${what.en}`, `aceptó un certificado de otro nombre de servidor y envió ${what.es}`);
      case 'expired-cert':
        return note(`it accepted an expired certificate and sent ${what.en}`, `aceptó un certificado caducado y envió ${what.es}`);
      case 'old-tls':
        return this.failed;
      default:
        return undefined;
    }
  }

  server(unit: UnitEvent, tls: boolean): UnitEvent {
    const { name, protocol } = this;
    if (tls) {
      if (name === 'response-injection' && unit.kind === 'reply' && this.completes(unit)) this.inTls.replies += 1;
      return unit;
    }
    let bytes: Buffer | undefined;
    let edit: Note | undefined;
    if (name === 'starttls-stripped') {
      // The attacker who strips STARTTLS offers the login the server kept for TLS, too.
      const stripped = stripStartTls(protocol, unit);
      bytes = stripped && (offerPlaintextAuth(protocol, { ...unit, bytes: stripped }) ?? stripped);
      edit = note('mailtap audit removed the STARTTLS offer and offered a plaintext login', 'mailtap audit quitó la oferta de STARTTLS y ofreció un login en claro');
    } else if (name === 'plaintext-auth' || name === 'starttls-refused') {
      bytes = offerPlaintextAuth(protocol, unit);
      edit = note('mailtap audit added a plaintext login offer', 'mailtap audit añadió una oferta de login en claro');
    } else if (name === 'imap-preauth' && protocol === 'imap' && !this.greeted) {
      this.greeted = true;
      bytes = preauthGreeting(unit);
      edit = note('mailtap audit turned the greeting into PREAUTH', 'mailtap audit convirtió el saludo en PREAUTH');
    } else if (name === 'response-injection' && isStartTlsAcceptance(unit)) {
      bytes = Buffer.concat([unit.bytes, forgedReply(protocol, this.startTlsTag)]);
      edit = note('mailtap audit pipelined a forged reply after the acceptance, in clear', 'mailtap audit encadenó una respuesta falsificada tras la aceptación, en claro');
    }
    if (!bytes || !edit) return unit;
    return { ...unit, bytes, note: { en: `${unit.note.en} [${edit.en}]`, es: `${unit.note.es} [${edit.es}]` } };
  }

  private greeted = false;

  /** A server unit that answers a client command (IMAP: a tagged completion or a continuation). */
  private completes(unit: UnitEvent): boolean {
    return this.protocol !== 'imap' || (unit.tag !== undefined && unit.tag !== '*');
  }

  // ── what the session reports ────────────────────────────────────────────

  observe(ev: RecordEvent): void {
    if (ev.type === 'tls' && (ev as { leg?: string }).leg === 'client') {
      const version = String((ev as { version?: string }).version ?? '');
      this.handshake = { version };
      if (this.name === 'old-tls' && !this.failed) {
        this.failed = note(`it completed a ${version} handshake, a version RFC 8996 forbids`, `completó un saludo ${version}, una versión que el RFC 8996 prohíbe`);
      }
    } else if (ev.type === 'error' && (ev as { code?: string }).code === 'E_CLIENT_TLS' && !this.handshake) {
      this.handshakeError = shortTlsError((ev as { message?: string }).message ?? 'handshake failed');
    }
  }

  outcome(): CaseOutcome {
    const { name } = this;
    if (this.failed) return { name, verdict: 'fail', reason: this.failed };
    const pass = (reason: Note): CaseOutcome => ({ name, verdict: 'pass', reason });
    const tlsTried = this.askedForTls || this.handshake || this.handshakeError;
    switch (name) {
      case 'starttls-stripped':
      case 'starttls-refused':
        return pass(note('it sent neither credentials nor mail in clear', 'no envió ni credenciales ni correo en claro'));
      case 'plaintext-auth':
        return pass(this.handshake ? note('it upgraded to TLS before authenticating', 'pasó a TLS antes de autenticarse') : note('it sent no credentials in clear', 'no envió credenciales en claro'));
      case 'imap-preauth':
        return pass(note('it did not use the PREAUTH session', 'no usó la sesión PREAUTH'));
      default:
        break;
    }
    if (!tlsTried) {
      return { name, verdict: 'n/a', reason: note('the client never started TLS and sent nothing sensitive, so the case was not reached', 'el cliente nunca inició TLS ni envió nada sensible: el caso no llegó a probarse') };
    }
    if (this.handshakeError && !this.handshake) {
      return pass(note(`it refused the TLS handshake (${this.handshakeError})`, `rechazó la negociación TLS (${this.handshakeError})`));
    }
    if (name === 'response-injection') return pass(note('it waited for the real reply inside TLS', 'esperó la respuesta real dentro de TLS'));
    return pass(note('it completed the handshake but left before sending credentials or mail', 'completó la negociación TLS pero se fue antes de enviar credenciales o correo'));
  }
}

/** `…:SSL routines:…:tlsv1 alert unknown ca:…` → `tlsv1 alert unknown ca`; other messages: the first line. */
function shortTlsError(message: string): string {
  const alert = /(tlsv1 alert [a-z ]+|sslv3 alert [a-z ]+|wrong version number|unsupported protocol|no protocols available|closed the connection during the TLS handshake|left during the TLS handshake after mailtap sent its certificate|left in the middle of its TLS hello|closed the connection without starting the TLS handshake)/i.exec(message);
  return alert ? alert[1]!.trim() : message.split('\n')[0]!.slice(0, 160);
}
