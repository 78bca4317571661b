// The ESMTP extensions an EHLO reply advertises (RFC 5321 §4.1.1.1: one keyword per line after
// the first) and what each lets the client do. SIZE carries the limit (RFC 1870 §4), AUTH the
// mechanisms (RFC 4954 §3).

import { formatBytes } from '../../core/bytes.js';

type Pair = [string, string];

const KEYWORDS: Record<string, Pair> = {
  PIPELINING: ['PIPELINING: commands may be sent in batches without waiting for each reply (RFC 2920)', 'PIPELINING: se pueden enviar comandos en lote sin esperar cada respuesta (RFC 2920)'],
  '8BITMIME': ['8BITMIME: 8-bit message bodies accepted (BODY=8BITMIME, RFC 6152)', '8BITMIME: se aceptan cuerpos de 8 bits (BODY=8BITMIME, RFC 6152)'],
  BINARYMIME: ['BINARYMIME: binary bodies with BDAT (RFC 3030)', 'BINARYMIME: cuerpos binarios con BDAT (RFC 3030)'],
  ENHANCEDSTATUSCODES: ['ENHANCEDSTATUSCODES: replies carry x.y.z enhanced codes (RFC 2034)', 'ENHANCEDSTATUSCODES: las respuestas llevan códigos mejorados x.y.z (RFC 2034)'],
  DSN: ['DSN: delivery status notifications (NOTIFY=, RET=, ENVID=, ORCPT=; RFC 3461)', 'DSN: notificaciones del estado de entrega (NOTIFY=, RET=, ENVID=, ORCPT=; RFC 3461)'],
  ETRN: ['ETRN: the client may ask the server to flush queued mail for a domain (RFC 1985)', 'ETRN: el cliente puede pedir que se envíe el correo en cola de un dominio (RFC 1985)'],
  ATRN: ['ATRN: authenticated TURN, roles reverse to deliver queued mail (RFC 2645)', 'ATRN: TURN autenticado, se invierten los roles para entregar el correo en cola (RFC 2645)'],
  TURN: ['TURN: client and server may swap roles (RFC 821, obsolete)', 'TURN: cliente y servidor pueden intercambiar los roles (RFC 821, obsoleto)'],
  CHUNKING: ['CHUNKING: message may be sent in BDAT chunks instead of DATA (RFC 3030)', 'CHUNKING: el mensaje puede enviarse en fragmentos BDAT en lugar de DATA (RFC 3030)'],
  SMTPUTF8: ['SMTPUTF8: UTF-8 addresses and headers accepted (RFC 6531)', 'SMTPUTF8: se aceptan direcciones y cabeceras UTF-8 (RFC 6531)'],
  STARTTLS: ['STARTTLS: the connection can be upgraded to TLS (RFC 3207)', 'STARTTLS: la conexión puede pasar a TLS (RFC 3207)'],
  VRFY: ['VRFY: mailbox verification allowed', 'VRFY: se permite verificar buzones'],
  EXPN: ['EXPN: mailing-list expansion allowed', 'EXPN: se permite expandir listas de correo'],
  HELP: ['HELP: help available', 'HELP: hay ayuda disponible'],
  DELIVERBY: ['DELIVERBY: deliver-by deadline supported (RFC 2852)', 'DELIVERBY: se admite plazo de entrega (RFC 2852)'],
  REQUIRETLS: ['REQUIRETLS: the message may require TLS on every hop (RFC 8689)', 'REQUIRETLS: el mensaje puede exigir TLS en cada salto (RFC 8689)'],
  MTRK: ['MTRK: message tracking (RFC 3885)', 'MTRK: seguimiento de mensajes (RFC 3885)'],
  'NO-SOLICITING': ['NO-SOLICITING: solicitation keywords (RFC 3865)', 'NO-SOLICITING: palabras clave de solicitud (RFC 3865)'],
  'X-EXPS': ['X-EXPS: vendor authentication extension', 'X-EXPS: extensión de autenticación del fabricante'],
};

/** Note text for one EHLO keyword line, e.g. `SIZE 35882577`, `AUTH LOGIN PLAIN`. */
export function describeKeyword(line: string): Pair {
  const [rawKey = '', ...params] = line.trim().split(/\s+/);
  const key = rawKey.toUpperCase();
  if (key === 'SIZE') {
    const n = Number(params[0]);
    if (params.length === 0 || n === 0) return ['SIZE: message size declared with SIZE=, no fixed limit (RFC 1870)', 'SIZE: tamaño declarado con SIZE=, sin límite fijo (RFC 1870)'];
    if (Number.isFinite(n)) return [`SIZE ${params[0]}: max message size ${formatBytes(n)} (RFC 1870)`, `SIZE ${params[0]}: tamaño máximo del mensaje ${formatBytes(n, 'es')} (RFC 1870)`];
  }
  if (key === 'AUTH' || key.startsWith('AUTH=')) {
    const mechs = key.startsWith('AUTH=') ? [key.slice(5), ...params] : params;
    const list = mechs.join(' ');
    const legacy = key.startsWith('AUTH=') ? ' (legacy AUTH= form)' : '';
    const legacyEs = key.startsWith('AUTH=') ? ' (forma antigua AUTH=)' : '';
    return [`AUTH ${list}: login mechanisms offered${legacy} (RFC 4954)`, `AUTH ${list}: mecanismos de autenticación ofrecidos${legacyEs} (RFC 4954)`];
  }
  const known = KEYWORDS[key];
  if (known) return params.length ? [`${known[0]} [${params.join(' ')}]`, `${known[1]} [${params.join(' ')}]`] : known;
  return [`${line.trim()}: extension not known to mailtap`, `${line.trim()}: extensión que mailtap no conoce`];
}

/** Advertised keywords, upper-case, from the text of each EHLO reply line after the first. */
export function keywordsOf(texts: string[]): string[] {
  return texts.slice(1).map((t) => (t.trim().split(/\s+/)[0] ?? '').toUpperCase()).filter(Boolean);
}
