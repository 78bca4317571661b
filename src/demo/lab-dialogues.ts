// The lab guide's sessions (practica6-correo.md) as scripted dialogues: SMTP with STARTTLS and
// AUTH LOGIN, SMTP on 465, POP3 on 995 and IMAP on 993, typed the way the guide types them.
// The sample recordings were made with these against real servers, and `demo --self-test`
// plays them again through the proxy and the replay.

import { encodeLogin } from '../sasl/index.js';
import type { Dialogue } from './dialogue-client.js';

export interface LabAccount {
  user: string;
  password: string;
  /** Sender and recipient addresses. */
  from: string;
  to: string;
}

export const DEMO_ACCOUNT: LabAccount = {
  user: 'alice',
  password: 'alice-Secret1',
  from: 'alice@mailtap.test',
  to: 'alice@mailtap.test',
};

const MESSAGE = ['Subject: Asunto', '', 'Este mensaje es de prueba.', 'Probamos el protocolo SMTP.', '.'].join('\r\n');

export function smtpStartTlsDialogue(a: LabAccount): Dialogue {
  const b64 = encodeLogin(a.user, a.password);
  return {
    name: 'SMTP with STARTTLS (openssl s_client -starttls smtp)',
    protocol: 'smtp',
    tls: false,
    steps: [
      { send: 'EHLO pepito.es', expect: /^250/ },
      { send: 'STARTTLS', expect: /^220/, starttls: true },
      { send: 'EHLO pepito.es', expect: /^250/ },
      { send: 'AUTH LOGIN', expect: /^334 VXNlcm5hbWU6/ },
      { send: b64.user, expect: /^334 UGFzc3dvcmQ6/ },
      { send: b64.password, expect: /^235/ },
      { send: `MAIL FROM:<${a.from}>`, expect: /^250/ },
      { send: `RCPT TO:<${a.to}>`, expect: /^250/ },
      { send: 'DATA', expect: /^354/ },
      { send: MESSAGE, expect: /^250/ },
      { send: 'QUIT', expect: /^221/ },
    ],
  };
}

export function smtpsDialogue(a: LabAccount): Dialogue {
  const b64 = encodeLogin(a.user, a.password);
  return {
    name: 'SMTP over implicit TLS on 465 (openssl s_client -crlf -connect …:465)',
    protocol: 'smtp',
    tls: true,
    steps: [
      { send: 'ehlo usuario', expect: /^250/ },
      { send: 'auth login', expect: /^334/ },
      { send: b64.user, expect: /^334/ },
      { send: b64.password, expect: /^235/ },
      { send: `mail from: <${a.from}>`, expect: /^250/ },
      { send: `rcpt to:<${a.to}>`, expect: /^250/ },
      { send: 'data', expect: /^354/ },
      { send: ['subject: asunto', '', 'Cuerpo del mensaje', '.'].join('\r\n'), expect: /^250/ },
      { send: 'quit', expect: /^221/ },
    ],
  };
}

export function pop3sDialogue(a: LabAccount): Dialogue {
  return {
    name: 'POP3 over implicit TLS on 995 (openssl s_client -crlf -connect …:995)',
    protocol: 'pop3',
    tls: true,
    steps: [
      { send: `user ${a.user}`, expect: /^\+OK/ },
      { send: `pass ${a.password}`, expect: /^\+OK/ },
      { send: 'stat', expect: /^\+OK/ },
      { send: 'list', reply: 'pop3-multi', expect: /^\+OK/ },
      { send: 'retr 1', reply: 'pop3-multi', expect: /^\+OK/ },
      { send: 'dele 1', expect: /^\+OK/ },
      { send: 'quit', expect: /^\+OK/ },
    ],
  };
}

export function imapsDialogue(a: LabAccount): Dialogue {
  return {
    name: 'IMAP over implicit TLS on 993 (openssl s_client -crlf -connect …:993)',
    protocol: 'imap',
    tls: true,
    steps: [
      { send: `a login ${a.user} ${a.password}`, expect: /^a OK/m },
      { send: 'a list "" "*"', expect: /^a OK/m },
      { send: 'a select INBOX', expect: /^a OK/m },
      { send: 'a fetch 1 body[]', expect: /^a OK/m },
      { send: 'a search ALL', expect: /^a OK/m },
      { send: 'a store 1 +flags (\\Seen)', expect: /^a OK/m },
      { send: 'a copy 1 INBOX', expect: /^a OK/m },
      { send: 'a store 1 +flags (\\Deleted)', expect: /^a OK/m },
      { send: 'a expunge', expect: /^a OK/m },
      { send: 'a logout', expect: /^a OK/m },
    ],
  };
}

export const SAMPLE_FILES = {
  smtp: 'smtp-starttls-auth-login.jsonl',
  smtps: 'smtps-465.jsonl',
  pop3s: 'pop3s-995.jsonl',
  imaps: 'imaps-993.jsonl',
} as const;
