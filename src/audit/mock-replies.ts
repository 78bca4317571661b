// What the audit's mock server answers: a permissive, well-configured mail server (STARTTLS
// offered on the plain leg, AUTH only inside TLS like Postfix's smtpd_tls_auth_only and
// Dovecot's disable_plaintext_auth, every login accepted, an empty mailbox). Sans-IO: it is
// given the units the codec framed and returns the bytes to send. The audit's tap, not this
// file, plays the attacker.

import type { Protocol, UnitEvent } from '../protocol/types.js';

export interface MockAnswer {
  reply: string;
  /** Close the connection after the reply (QUIT, LOGOUT). */
  close?: boolean;
}

export const MOCK_HOST = 'mock.mailtap.test';

export interface MockResponder {
  greeting(): string;
  /** The answer to one client unit (undefined: nothing to say yet, e.g. a body chunk). */
  answer(unit: UnitEvent): MockAnswer | undefined;
  /** The client leg is now TLS. */
  secured(): void;
}

export function mockResponder(protocol: Protocol, implicitTls: boolean): MockResponder {
  switch (protocol) {
    case 'smtp':
      return new SmtpMock(implicitTls);
    case 'pop3':
      return new Pop3Mock(implicitTls);
    case 'imap':
      return new ImapMock(implicitTls);
  }
}

function lineOf(unit: UnitEvent): string {
  return unit.bytes.toString('latin1').replace(/\r?\n$/, '');
}

/** Words of a command line after the verb (IMAP: after tag and verb). */
function args(unit: UnitEvent, skip: number): string[] {
  return lineOf(unit).split(' ').slice(skip);
}

class SmtpMock implements MockResponder {
  /** SASL lines still expected in an AUTH exchange. */
  private saslLeft = 0;
  constructor(private tls: boolean) {}

  greeting(): string {
    return `220 ${MOCK_HOST} ESMTP mailtap audit mock\r\n`;
  }

  secured(): void {
    this.tls = true;
  }

  answer(unit: UnitEvent): MockAnswer | undefined {
    if (unit.kind === 'body') return unit.final ? { reply: '250 2.0.0 Ok: queued by the mailtap audit mock\r\n' } : undefined;
    if (unit.kind === 'sasl') {
      if (lineOf(unit) === '*') return (this.saslLeft = 0), { reply: '501 5.7.0 Authentication cancelled\r\n' };
      this.saslLeft -= 1;
      return this.saslLeft > 0 ? { reply: '334 UGFzc3dvcmQ6\r\n' } : { reply: '235 2.7.0 Authentication successful\r\n' };
    }
    if (unit.kind !== 'command') return { reply: '500 5.5.2 Syntax error\r\n' };
    switch (unit.verb) {
      case 'EHLO': {
        const lines = [MOCK_HOST, 'PIPELINING', 'SIZE 10240000', '8BITMIME', 'ENHANCEDSTATUSCODES'];
        lines.push(this.tls ? 'AUTH PLAIN LOGIN' : 'STARTTLS');
        return { reply: lines.map((l, i) => `250${i === lines.length - 1 ? ' ' : '-'}${l}\r\n`).join('') };
      }
      case 'HELO':
        return { reply: `250 ${MOCK_HOST}\r\n` };
      case 'STARTTLS':
        return this.tls ? { reply: '554 5.5.1 Error: TLS already active\r\n' } : { reply: '220 2.0.0 Ready to start TLS\r\n' };
      case 'AUTH': {
        const [mech, initial] = args(unit, 1);
        const m = (mech ?? '').toUpperCase();
        if (m === 'PLAIN') return initial ? { reply: '235 2.7.0 Authentication successful\r\n' } : ((this.saslLeft = 1), { reply: '334 \r\n' });
        if (m === 'LOGIN') {
          if (initial) return (this.saslLeft = 1), { reply: '334 UGFzc3dvcmQ6\r\n' };
          return (this.saslLeft = 2), { reply: '334 VXNlcm5hbWU6\r\n' };
        }
        return { reply: '504 5.5.4 Unrecognized authentication type\r\n' };
      }
      case 'MAIL':
      case 'RCPT':
      case 'RSET':
      case 'NOOP':
        return { reply: '250 2.0.0 Ok\r\n' };
      case 'DATA':
        return { reply: '354 End data with <CR><LF>.<CR><LF>\r\n' };
      case 'VRFY':
        return { reply: '252 2.0.0 Cannot VRFY user\r\n' };
      case 'QUIT':
        return { reply: '221 2.0.0 Bye\r\n', close: true };
      default:
        return { reply: '502 5.5.2 Error: command not recognized\r\n' };
    }
  }
}

class Pop3Mock implements MockResponder {
  constructor(private tls: boolean) {}

  greeting(): string {
    return '+OK mailtap audit mock ready\r\n';
  }

  secured(): void {
    this.tls = true;
  }

  answer(unit: UnitEvent): MockAnswer | undefined {
    if (unit.kind === 'sasl') {
      return lineOf(unit) === '*' ? { reply: '-ERR Authentication cancelled\r\n' } : { reply: '+OK Logged in\r\n' };
    }
    if (unit.kind !== 'command') return { reply: '-ERR Unknown command\r\n' };
    switch (unit.verb) {
      case 'CAPA': {
        const caps = ['TOP', 'UIDL', 'RESP-CODES', 'PIPELINING'];
        if (this.tls) caps.push('USER', 'SASL PLAIN');
        else caps.push('STLS');
        return { reply: `+OK Capability list follows\r\n${caps.map((c) => `${c}\r\n`).join('')}.\r\n` };
      }
      case 'STLS':
        return this.tls ? { reply: '-ERR TLS already active\r\n' } : { reply: '+OK Begin TLS negotiation\r\n' };
      case 'USER':
        return { reply: '+OK\r\n' };
      case 'PASS':
      case 'APOP':
        return { reply: '+OK Logged in\r\n' };
      case 'AUTH': {
        const [mech, initial] = args(unit, 1);
        if ((mech ?? '').toUpperCase() !== 'PLAIN') return { reply: '-ERR Unsupported authentication mechanism\r\n' };
        return initial ? { reply: '+OK Logged in\r\n' } : { reply: '+ \r\n' };
      }
      case 'STAT':
        return { reply: '+OK 0 0\r\n' };
      case 'LIST':
      case 'UIDL':
        return { reply: '+OK 0 messages\r\n.\r\n' };
      case 'NOOP':
      case 'RSET':
        return { reply: '+OK\r\n' };
      case 'QUIT':
        return { reply: '+OK Logging out\r\n', close: true };
      default:
        return { reply: '-ERR Unknown command\r\n' };
    }
  }
}

class ImapMock implements MockResponder {
  private authTag: string | undefined;
  private idleTag: string | undefined;
  constructor(private tls: boolean) {}

  private capabilities(): string {
    return this.tls ? 'IMAP4rev1 AUTH=PLAIN ID ENABLE IDLE NAMESPACE UIDPLUS' : 'IMAP4rev1 STARTTLS LOGINDISABLED ID';
  }

  greeting(): string {
    return `* OK [CAPABILITY ${this.capabilities()}] mailtap audit mock ready\r\n`;
  }

  secured(): void {
    this.tls = true;
  }

  answer(unit: UnitEvent): MockAnswer | undefined {
    if (unit.kind === 'sasl') {
      const tag = this.authTag ?? '*';
      this.authTag = undefined;
      return lineOf(unit) === '*' ? { reply: `${tag} BAD Authentication cancelled\r\n` } : { reply: `${tag} OK [CAPABILITY ${this.capabilities()}] Logged in\r\n` };
    }
    if (unit.kind === 'body') return undefined;
    if (unit.kind !== 'command') return { reply: '* BAD Unknown input\r\n' };
    const line = lineOf(unit);
    // A synchronizing literal follows: say go on (RFC 9051 §4.3); LITERAL+ `{n+}` needs no answer.
    if (/\{\d+\}$/.test(line)) return { reply: '+ Ready for literal data\r\n' };
    if (/\{\d+\+\}$/.test(line)) return undefined;
    const tag = unit.tag ?? '*';
    const ok = (text: string, untagged = '') => ({ reply: `${untagged}${tag} OK ${text}\r\n` });
    switch (unit.verb) {
      case 'CAPABILITY':
        return ok('Capability completed', `* CAPABILITY ${this.capabilities()}\r\n`);
      case 'STARTTLS':
        return this.tls ? { reply: `${tag} BAD TLS already active\r\n` } : ok('Begin TLS negotiation now');
      case 'LOGIN':
        return ok(`[CAPABILITY ${this.capabilities()}] Logged in`);
      case 'AUTHENTICATE': {
        const [mech, initial] = args(unit, 2);
        if ((mech ?? '').toUpperCase() !== 'PLAIN') return { reply: `${tag} NO Unsupported authentication mechanism\r\n` };
        if (initial) return ok(`[CAPABILITY ${this.capabilities()}] Logged in`);
        this.authTag = tag;
        return { reply: '+ \r\n' };
      }
      case 'SELECT':
      case 'EXAMINE':
        return ok(`[${unit.verb === 'SELECT' ? 'READ-WRITE' : 'READ-ONLY'}] ${unit.verb} completed`, '* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)\r\n* 0 EXISTS\r\n* 0 RECENT\r\n* OK [UIDVALIDITY 1] UIDs valid\r\n* OK [UIDNEXT 1] Predicted next UID\r\n');
      case 'LIST':
        return ok('List completed', '* LIST (\\HasNoChildren) "/" INBOX\r\n');
      case 'NAMESPACE':
        return ok('Namespace completed', '* NAMESPACE (("" "/")) NIL NIL\r\n');
      case 'ID':
        return ok('ID completed', '* ID ("name" "mailtap audit mock")\r\n');
      case 'LOGOUT':
        return { reply: `* BYE Logging out\r\n${tag} OK Logout completed\r\n`, close: true };
      case 'IDLE':
        this.idleTag = tag;
        return { reply: '+ idling\r\n' };
      case 'DONE':
        return { reply: `${this.idleTag ?? '*'} OK IDLE terminated\r\n` };
      default:
        return ok(`${unit.verb ?? 'command'} completed`);
    }
  }
}
