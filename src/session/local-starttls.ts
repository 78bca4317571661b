// The client asked for STARTTLS/STLS but the upstream leg is already TLS (implicit): mailtap
// answers the request itself and upgrades only the client leg. These bytes come from mailtap,
// not the server; the recording's note says so.

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
