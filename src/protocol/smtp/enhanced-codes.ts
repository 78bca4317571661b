// Enhanced mail system status codes (RFC 3463 §3, with RFC 4954 §6, RFC 5248 registry, RFC 6531
// and RFC 7372 additions): `class.subject.detail`. Known codes get their registered meaning,
// others the meaning of their subject.

import { note, type Note } from '../../core/note.js';

const CLASS: Record<string, [string, string]> = {
  '2': ['success', 'éxito'],
  '4': ['temporary failure', 'fallo temporal'],
  '5': ['permanent failure', 'fallo permanente'],
};

const SUBJECT: Record<string, [string, string]> = {
  '0': ['other or undefined status', 'estado indefinido'],
  '1': ['addressing status', 'estado de la dirección'],
  '2': ['mailbox status', 'estado del buzón'],
  '3': ['mail system status', 'estado del sistema de correo'],
  '4': ['network and routing status', 'estado de red y encaminamiento'],
  '5': ['mail delivery protocol status', 'estado del protocolo de entrega'],
  '6': ['message content or media status', 'estado del contenido del mensaje'],
  '7': ['security or policy status', 'estado de seguridad o política'],
};

// Codes whose meaning depends on the class: class.subject.detail → [en, es]. RFC 4954 §6 uses
// 2.7.0 for "authentication succeeded"; 4.7.0/5.7.0 say nothing of the kind.
const FULL: Record<string, [string, string]> = {
  '2.7.0': ['authentication succeeded (or other security status)', 'autenticación correcta (u otro estado de seguridad)'],
};

// subject.detail → [en, es]
const DETAIL: Record<string, [string, string]> = {
  '0.0': ['other undefined status', 'otro estado sin definir'],
  '1.0': ['other address status (sender/recipient address OK)', 'otro estado de dirección (dirección correcta)'],
  '1.1': ['bad destination mailbox address', 'dirección de buzón de destino incorrecta'],
  '1.2': ['bad destination system address', 'sistema de destino incorrecto'],
  '1.3': ['bad destination mailbox address syntax', 'sintaxis de la dirección de destino incorrecta'],
  '1.4': ['destination mailbox address ambiguous', 'dirección de destino ambigua'],
  '1.5': ['destination address valid', 'dirección de destino válida'],
  '1.6': ['destination mailbox has moved, no forwarding address', 'el buzón de destino se ha movido, sin dirección de reenvío'],
  '1.7': ['bad sender\'s mailbox address syntax', 'sintaxis de la dirección del remitente incorrecta'],
  '1.8': ['bad sender\'s system address', 'sistema del remitente incorrecto'],
  '1.9': ['message relayed to non-compliant mailer', 'mensaje reenviado a un servidor no conforme'],
  '1.10': ['recipient address has null MX', 'el destinatario tiene MX nulo'],
  '2.0': ['other or undefined mailbox status', 'otro estado del buzón'],
  '2.1': ['mailbox disabled, not accepting messages', 'buzón desactivado, no acepta mensajes'],
  '2.2': ['mailbox full', 'buzón lleno'],
  '2.3': ['message length exceeds administrative limit', 'el mensaje supera el límite administrativo'],
  '2.4': ['mailing list expansion problem', 'problema al expandir la lista de correo'],
  '3.0': ['other or undefined mail system status', 'otro estado del sistema de correo'],
  '3.1': ['mail system full', 'sistema de correo lleno'],
  '3.2': ['system not accepting network messages', 'el sistema no acepta mensajes de la red'],
  '3.3': ['system not capable of selected features', 'el sistema no admite las funciones pedidas'],
  '3.4': ['message too big for system', 'mensaje demasiado grande para el sistema'],
  '3.5': ['system incorrectly configured', 'sistema mal configurado'],
  '3.6': ['requested priority was changed', 'se cambió la prioridad pedida'],
  '4.0': ['other or undefined network or routing status', 'otro estado de red o encaminamiento'],
  '4.1': ['no answer from host', 'el servidor no responde'],
  '4.2': ['bad connection', 'conexión defectuosa'],
  '4.3': ['directory server failure', 'fallo del servidor de directorio'],
  '4.4': ['unable to route', 'no se puede encaminar'],
  '4.5': ['mail system congestion', 'congestión del sistema de correo'],
  '4.6': ['routing loop detected', 'bucle de encaminamiento detectado'],
  '4.7': ['delivery time expired', 'tiempo de entrega agotado'],
  '5.0': ['other or undefined protocol status', 'otro estado del protocolo'],
  '5.1': ['invalid command', 'comando no válido'],
  '5.2': ['syntax error', 'error de sintaxis'],
  '5.3': ['too many recipients', 'demasiados destinatarios'],
  '5.4': ['invalid command arguments', 'argumentos del comando no válidos'],
  '5.5': ['wrong protocol version', 'versión de protocolo incorrecta'],
  '5.6': ['authentication exchange line is too long', 'línea del intercambio de autenticación demasiado larga'],
  '6.0': ['other or undefined media error', 'otro error del contenido'],
  '6.1': ['media not supported', 'tipo de contenido no admitido'],
  '6.2': ['conversion required and prohibited', 'conversión necesaria pero prohibida'],
  '6.3': ['conversion required but not supported', 'conversión necesaria pero no admitida'],
  '6.4': ['conversion with loss performed', 'conversión realizada con pérdida'],
  '6.5': ['conversion failed', 'la conversión falló'],
  '6.6': ['message content not available', 'contenido del mensaje no disponible'],
  '6.7': ['non-ASCII addresses not permitted for that sender/recipient (SMTPUTF8)', 'direcciones no ASCII no permitidas (SMTPUTF8)'],
  '6.8': ['UTF-8 string reply is required, but not permitted by the client', 'se requiere respuesta UTF-8 pero el cliente no la permite'],
  '6.9': ['UTF-8 header message cannot be transferred to one or more recipients', 'un mensaje con cabeceras UTF-8 no puede entregarse a algún destinatario'],
  '7.0': ['other or undefined security or policy status', 'otro estado de seguridad o política'],
  '7.1': ['delivery not authorized, message refused', 'entrega no autorizada, mensaje rechazado'],
  '7.2': ['mailing list expansion prohibited', 'expansión de lista prohibida'],
  '7.3': ['security conversion required but not possible', 'conversión de seguridad necesaria pero imposible'],
  '7.4': ['security features not supported', 'funciones de seguridad no admitidas'],
  '7.5': ['cryptographic failure', 'fallo criptográfico'],
  '7.6': ['cryptographic algorithm not supported', 'algoritmo criptográfico no admitido'],
  '7.7': ['message integrity failure', 'fallo de integridad del mensaje'],
  '7.8': ['authentication credentials invalid (bad user name or password)', 'credenciales de autenticación no válidas (usuario o contraseña incorrectos)'],
  '7.9': ['authentication mechanism is too weak', 'mecanismo de autenticación demasiado débil'],
  '7.10': ['encryption needed', 'se requiere cifrado'],
  '7.11': ['encryption required for requested authentication mechanism', 'el mecanismo de autenticación pedido requiere cifrado'],
  '7.12': ['a password transition is needed', 'se necesita cambiar la contraseña'],
  '7.13': ['user account disabled', 'cuenta de usuario desactivada'],
  '7.14': ['trust relationship required', 'se requiere una relación de confianza'],
  '7.15': ['priority level is too low', 'prioridad demasiado baja'],
  '7.16': ['message is too big for the specified priority', 'mensaje demasiado grande para la prioridad indicada'],
  '7.17': ['mailbox owner has changed', 'el propietario del buzón ha cambiado'],
  '7.18': ['domain owner has changed', 'el propietario del dominio ha cambiado'],
  '7.19': ['RRVS test cannot be completed', 'no se puede completar la prueba RRVS'],
  '7.20': ['no passing DKIM signature found', 'no hay firma DKIM válida'],
  '7.21': ['no acceptable DKIM signature found', 'no hay firma DKIM aceptable'],
  '7.22': ['no valid author-matched DKIM signature found', 'no hay firma DKIM válida del autor'],
  '7.23': ['SPF validation failed', 'la validación SPF falló'],
  '7.24': ['SPF validation error', 'error en la validación SPF'],
  '7.25': ['reverse DNS validation failed', 'la validación de DNS inverso falló'],
  '7.26': ['multiple authentication checks failed', 'fallaron varias comprobaciones de autenticación'],
  '7.27': ['sender address has null MX', 'el remitente tiene MX nulo'],
  '7.28': ['mail flood detected', 'inundación de correo detectada'],
  '7.29': ['ARC validation failure', 'fallo de validación ARC'],
  '7.30': ['REQUIRETLS support required', 'se requiere soporte de REQUIRETLS'],
};

/** `5.7.8` → "5.7.8 permanent failure: authentication credentials invalid …". */
export function describeEnhanced(code: string): Note {
  const [cls = '', subject = '', detail = ''] = code.split('.');
  const c = CLASS[cls] ?? ['status', 'estado'];
  const d = FULL[code] ?? DETAIL[`${subject}.${detail}`] ?? SUBJECT[subject] ?? ['unregistered status', 'estado no registrado'];
  return note(`${code} ${c[0]}: ${d[0]}`, `${code} ${c[1]}: ${d[1]}`);
}
