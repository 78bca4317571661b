// The audit's test cases (SPEC "Second wave"), in the fixed order they are served, with what
// each one asks of the client, what an attacker gains when the client fails it, and the client
// settings known to fix it. Every text exists in English and Spanish.

import { note, type Note } from '../core/note.js';
import type { MailEndpoint } from '../core/mail-url.js';

export const AUDIT_CASES = [
  'starttls-stripped',
  'starttls-refused',
  'untrusted-cert',
  'wrong-name',
  'expired-cert',
  'response-injection',
  'old-tls',
  'plaintext-auth',
  'imap-preauth',
] as const;

export type AuditCaseName = (typeof AUDIT_CASES)[number];

export function isAuditCase(name: string): name is AuditCaseName {
  return (AUDIT_CASES as readonly string[]).includes(name);
}

export interface AuditCaseInfo {
  name: AuditCaseName;
  /** What the auditor does to the client, in one line. */
  trap: Note;
  /** What an attacker in this position gets from a client that fails. */
  attackerGains: Note;
  /** Client settings known to fix a FAIL. */
  fix: Note;
}

const STARTTLS_REQUIRED = note(
  'make TLS mandatory: curl --ssl-reqd (not --ssl), swaks --tls (not --tls-optional), nodemailer requireTLS: true, imapflow doSTARTTLS: true, Python: abort unless smtp.has_extn("starttls") and call starttls(context=ssl.create_default_context()), msmtp tls on + tls_starttls on, fetchmail --sslproto TLS1.2+ (never "auto"); or use implicit TLS (ports 465/993/995)',
  'haga obligatorio TLS: curl --ssl-reqd (no --ssl), swaks --tls (no --tls-optional), nodemailer requireTLS: true, imapflow doSTARTTLS: true, Python: aborte si no smtp.has_extn("starttls") y llame a starttls(context=ssl.create_default_context()), msmtp tls on + tls_starttls on, fetchmail --sslproto TLS1.2+ (nunca "auto"); o use TLS implícito (puertos 465/993/995)',
);

const VERIFY_CERTS = note(
  'verify certificates: curl without -k/--insecure, swaks --tls-verify, Python starttls(context=ssl.create_default_context()), openssl s_client -verify_return_error -verify_hostname NAME, nodemailer/imapflow without tls.rejectUnauthorized: false, msmtp tls_certcheck on, fetchmail --sslcertck',
  'verifique los certificados: curl sin -k/--insecure, swaks --tls-verify, Python starttls(context=ssl.create_default_context()), openssl s_client -verify_return_error -verify_hostname NOMBRE, nodemailer/imapflow sin tls.rejectUnauthorized: false, msmtp tls_certcheck on, fetchmail --sslcertck',
);

export const CASE_INFO: Readonly<Record<AuditCaseName, AuditCaseInfo>> = {
  'starttls-stripped': {
    name: 'starttls-stripped',
    trap: note('the capability list omits STARTTLS/STLS, as an attacker on the path would make it', 'la lista de capacidades omite STARTTLS/STLS, como haría un atacante en el camino'),
    attackerGains: note('the password and the mail, read in clear by anyone on the path', 'la contraseña y el correo, legibles en claro para cualquiera en el camino'),
    fix: STARTTLS_REQUIRED,
  },
  'starttls-refused': {
    name: 'starttls-refused',
    trap: note('STARTTLS/STLS is offered but refused (454 / -ERR / NO)', 'se ofrece STARTTLS/STLS pero se rechaza (454 / -ERR / NO)'),
    attackerGains: note('the password and the mail, read in clear by anyone on the path', 'la contraseña y el correo, legibles en claro para cualquiera en el camino'),
    fix: STARTTLS_REQUIRED,
  },
  'untrusted-cert': {
    name: 'untrusted-cert',
    trap: note('the certificate is signed by a throwaway CA nobody trusts', 'el certificado lo firma una CA desechable en la que nadie confía'),
    attackerGains: note('everything inside TLS: any machine in the middle can present its own certificate', 'todo lo que viaja dentro de TLS: cualquier equipo intermedio puede presentar su propio certificado'),
    fix: VERIFY_CERTS,
  },
  'wrong-name': {
    name: 'wrong-name',
    trap: note('the certificate is trusted but names another host (wrong-name.mailtap.invalid)', 'el certificado es de confianza pero nombra otro servidor (wrong-name.mailtap.invalid)'),
    attackerGains: note('everything inside TLS: any valid certificate for any other host is accepted', 'todo lo que viaja dentro de TLS: se acepta el certificado válido de cualquier otro servidor'),
    fix: note(
      `check the host name as well: Python ssl.create_default_context() (check_hostname=True), openssl s_client -verify_hostname NAME, curl and swaks --tls-verify with the server's real name; ${VERIFY_CERTS.en}`,
      `compruebe también el nombre: Python ssl.create_default_context() (check_hostname=True), openssl s_client -verify_hostname NOMBRE, curl y swaks --tls-verify con el nombre real del servidor; ${VERIFY_CERTS.es}`,
    ),
  },
  'expired-cert': {
    name: 'expired-cert',
    trap: note('the certificate is trusted but expired 30 days ago', 'el certificado es de confianza pero caducó hace 30 días'),
    attackerGains: note('a stolen or revoked old key keeps working against this client forever', 'una clave antigua robada o revocada sigue sirviendo contra este cliente para siempre'),
    fix: VERIFY_CERTS,
  },
  'response-injection': {
    name: 'response-injection',
    trap: note('a forged reply is pipelined in clear right after the STARTTLS acceptance', 'se encadena una respuesta falsificada en claro justo tras la aceptación de STARTTLS'),
    attackerGains: note('control of the dialogue inside TLS: forged capabilities or replies (CVE-2011-0411 family)', 'control del diálogo dentro de TLS: capacidades o respuestas falsificadas (familia de CVE-2011-0411)'),
    fix: note(
      'update the client: after STARTTLS it must discard anything read before the TLS handshake (RFC 3207 §4.2, RFC 2595 §3.1, RFC 9051 §6.2.1); or use implicit TLS',
      'actualice el cliente: tras STARTTLS debe descartar lo leído antes de la negociación TLS (RFC 3207 §4.2, RFC 2595 §3.1, RFC 9051 §6.2.1); o use TLS implícito',
    ),
  },
  'old-tls': {
    name: 'old-tls',
    trap: note('only TLS 1.0 and 1.1 are offered (RFC 8996 deprecates both)', 'solo se ofrecen TLS 1.0 y 1.1 (RFC 8996 los declara obsoletos)'),
    attackerGains: note('a session on broken protocol versions (BEAST, weak ciphers, downgrade)', 'una sesión con versiones de protocolo rotas (BEAST, cifrados débiles, degradación)'),
    fix: note(
      'require TLS 1.2 or later: curl --tlsv1.2, Python context.minimum_version = ssl.TLSVersion.TLSv1_2, nodemailer/imapflow tls.minVersion: "TLSv1.2", openssl s_client -tls1_2, fetchmail --sslproto TLS1.2+, msmtp tls_priorities',
      'exija TLS 1.2 o posterior: curl --tlsv1.2, Python context.minimum_version = ssl.TLSVersion.TLSv1_2, nodemailer/imapflow tls.minVersion: "TLSv1.2", openssl s_client -tls1_2, fetchmail --sslproto TLS1.2+, msmtp tls_priorities',
    ),
  },
  'plaintext-auth': {
    name: 'plaintext-auth',
    trap: note('AUTH PLAIN LOGIN (POP3 USER, IMAP AUTH=PLAIN without LOGINDISABLED) is offered before TLS', 'se ofrece AUTH PLAIN LOGIN (USER en POP3, AUTH=PLAIN sin LOGINDISABLED en IMAP) antes de TLS'),
    attackerGains: note('the password, read in clear by anyone on the path', 'la contraseña, legible en claro para cualquiera en el camino'),
    fix: STARTTLS_REQUIRED,
  },
  'imap-preauth': {
    name: 'imap-preauth',
    trap: note('the IMAP greeting is PREAUTH, which makes STARTTLS impossible (RFC 9051 §7.1.4)', 'el saludo IMAP es PREAUTH, que hace imposible STARTTLS (RFC 9051 §7.1.4)'),
    attackerGains: note('the mailbox, read and changed in clear', 'el buzón, leído y modificado en claro'),
    fix: note(
      'a client that requires TLS must close a connection greeted with PREAUTH (RFC 9051 §6.2.1); use implicit TLS on 993 (imaps)',
      'un cliente que exige TLS debe cerrar una conexión saludada con PREAUTH (RFC 9051 §6.2.1); use TLS implícito en el 993 (imaps)',
    ),
  },
};

/** Why a case cannot be served on this listener, or undefined when it can. */
export function notApplicable(name: AuditCaseName, listen: Pick<MailEndpoint, 'protocol' | 'tls'>): Note | undefined {
  const plainLeg = ['starttls-stripped', 'starttls-refused', 'response-injection', 'plaintext-auth', 'imap-preauth'].includes(name);
  if (name === 'imap-preauth' && listen.protocol !== 'imap') return note('PREAUTH exists only in IMAP', 'PREAUTH solo existe en IMAP');
  if (plainLeg && listen.tls === 'implicit') {
    return note('this listener is implicit TLS: there is no plaintext leg to attack', 'este puerto es TLS implícito: no hay tramo en claro que atacar');
  }
  return undefined;
}
