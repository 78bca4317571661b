// The ESMTP parameters of MAIL FROM and RCPT TO (RFC 5321 §4.1.2 esmtp-param), explained one by
// one: SIZE (RFC 1870), BODY (RFC 6152, RFC 3030), SMTPUTF8 (RFC 6531), RET/ENVID/NOTIFY/ORCPT
// (RFC 3461 §4), AUTH (RFC 4954 §5). xtext values (`+2B`) are decoded for display.

import { formatBytes } from '../../core/bytes.js';

type Pair = [string, string];

/** RFC 3461 §4: xtext encodes "+" and "=" and controls as `+HH`. */
export function decodeXtext(text: string): string {
  return text.replace(/\+([0-9A-Fa-f]{2})/g, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

function describeParam(raw: string): Pair {
  const eq = raw.indexOf('=');
  const key = (eq < 0 ? raw : raw.slice(0, eq)).toUpperCase();
  const value = eq < 0 ? '' : raw.slice(eq + 1);
  switch (key) {
    case 'SIZE': {
      const n = Number(value);
      const size = (lang: 'en' | 'es') => (Number.isFinite(n) ? ` (${formatBytes(n, lang)})` : '');
      return [`SIZE=${value}: declared message size ${value} bytes${size('en')}`, `SIZE=${value}: tamaño declarado del mensaje ${value} bytes${size('es')}`];
    }
    case 'BODY': {
      const v = value.toUpperCase();
      if (v === '8BITMIME') return ['BODY=8BITMIME: the body may contain 8-bit bytes', 'BODY=8BITMIME: el cuerpo puede contener bytes de 8 bits'];
      if (v === 'BINARYMIME') return ['BODY=BINARYMIME: binary body, sent with BDAT', 'BODY=BINARYMIME: cuerpo binario, enviado con BDAT'];
      return [`BODY=${value}: body is plain 7-bit ASCII`, `BODY=${value}: el cuerpo es ASCII de 7 bits`];
    }
    case 'SMTPUTF8':
      return ['SMTPUTF8: addresses and headers may be UTF-8', 'SMTPUTF8: direcciones y cabeceras pueden ir en UTF-8'];
    case 'RET':
      return value.toUpperCase() === 'HDRS'
        ? ['RET=HDRS: a delivery status notification returns only the headers', 'RET=HDRS: la notificación de entrega devuelve solo las cabeceras']
        : [`RET=${value}: a delivery status notification returns the full message`, `RET=${value}: la notificación de entrega devuelve el mensaje completo`];
    case 'ENVID':
      return [`ENVID=${value}: envelope id "${decodeXtext(value)}" echoed in delivery notifications`, `ENVID=${value}: identificador del sobre "${decodeXtext(value)}" que repiten las notificaciones`];
    case 'NOTIFY': {
      const v = value.toUpperCase();
      if (v === 'NEVER') return ['NOTIFY=NEVER: never send a delivery notification', 'NOTIFY=NEVER: no enviar nunca notificación de entrega'];
      const en = v.split(',').map((w) => ({ SUCCESS: 'success', FAILURE: 'failure', DELAY: 'delay' })[w] ?? w).join(', ');
      const es = v.split(',').map((w) => ({ SUCCESS: 'éxito', FAILURE: 'fallo', DELAY: 'retraso' })[w] ?? w).join(', ');
      return [`NOTIFY=${value}: send a delivery notification on ${en}`, `NOTIFY=${value}: enviar notificación de entrega en caso de ${es}`];
    }
    case 'ORCPT':
      return [`ORCPT=${value}: original recipient ${decodeXtext(value.replace(/^[^;]*;/, ''))}`, `ORCPT=${value}: destinatario original ${decodeXtext(value.replace(/^[^;]*;/, ''))}`];
    case 'AUTH':
      return value === '<>'
        ? ['AUTH=<>: the submitter is not known to be authenticated', 'AUTH=<>: no consta que quien envía esté autenticado']
        : [`AUTH=${value}: message submitted by authenticated ${decodeXtext(value)}`, `AUTH=${value}: mensaje enviado por el usuario autenticado ${decodeXtext(value)}`];
    case 'BY':
      return [`BY=${value}: deliver-by deadline (RFC 2852)`, `BY=${value}: plazo de entrega (RFC 2852)`];
    case 'REQUIRETLS':
      return ['REQUIRETLS: every hop must use TLS (RFC 8689)', 'REQUIRETLS: todos los saltos deben usar TLS (RFC 8689)'];
    default:
      return [`${raw}: parameter not known to mailtap`, `${raw}: parámetro que mailtap no conoce`];
  }
}

export function describeParams(params: string[]): Pair {
  const parts = params.filter(Boolean).map(describeParam);
  if (parts.length === 0) return ['', ''];
  return [`; ${parts.map((p) => p[0]).join('; ')}`, `; ${parts.map((p) => p[1]).join('; ')}`];
}
