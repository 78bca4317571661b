// What an SMTP reply code means (RFC 5321 §4.2.2-4.2.3, RFC 4954 §6 for AUTH, RFC 3030 for
// BDAT, RFC 2645 for ATRN), and what it means for the command it answers: "250 to MAIL" is
// "sender accepted", "250 to a message body" is "message accepted for delivery".

type Pair = [string, string];

const CODES: Record<string, Pair> = {
  '211': ['system status', 'estado del sistema'],
  '214': ['help message', 'mensaje de ayuda'],
  '220': ['service ready', 'servicio preparado'],
  '221': ['service closing the connection', 'el servicio cierra la conexión'],
  '235': ['authentication succeeded', 'autenticación correcta'],
  '250': ['requested action completed', 'acción completada'],
  '251': ['user not local; will forward', 'usuario no local; se reenviará'],
  '252': ['cannot verify the user, but will accept the message', 'no se puede verificar el usuario, pero se acepta el mensaje'],
  '253': ['OK, pending messages for the node are being started (ATRN)', 'OK, se inicia el envío de los mensajes pendientes (ATRN)'],
  '334': ['authentication challenge (base64)', 'desafío de autenticación (base64)'],
  '354': ['start mail input; end with <CRLF>.<CRLF>', 'empiece el mensaje; termine con <CRLF>.<CRLF>'],
  '421': ['service not available, closing the connection', 'servicio no disponible, se cierra la conexión'],
  '432': ['a password transition is needed', 'se necesita cambiar la contraseña'],
  '450': ['mailbox unavailable (busy or temporarily blocked)', 'buzón no disponible (ocupado o bloqueado temporalmente)'],
  '451': ['local error in processing, try again later', 'error local, inténtelo más tarde'],
  '452': ['insufficient system storage (or too many recipients)', 'almacenamiento insuficiente (o demasiados destinatarios)'],
  '453': ['no mail pending for the node (ATRN)', 'no hay correo pendiente para el nodo (ATRN)'],
  '454': ['temporary authentication failure / TLS not available', 'fallo temporal de autenticación / TLS no disponible'],
  '455': ['server unable to accommodate parameters', 'el servidor no puede atender los parámetros'],
  '458': ['unable to queue messages for the node (ETRN)', 'no se pueden encolar mensajes para el nodo (ETRN)'],
  '459': ['node not allowed (ETRN)', 'nodo no permitido (ETRN)'],
  '500': ['syntax error, command unrecognised (or line too long)', 'error de sintaxis, comando no reconocido (o línea demasiado larga)'],
  '501': ['syntax error in parameters or arguments', 'error de sintaxis en los parámetros'],
  '502': ['command not implemented', 'comando no implementado'],
  '503': ['bad sequence of commands', 'secuencia de comandos incorrecta'],
  '504': ['command parameter not implemented', 'parámetro no implementado'],
  '521': ['host does not accept mail', 'el servidor no acepta correo'],
  '523': ['encryption needed', 'se requiere cifrado'],
  '530': ['authentication required', 'se requiere autenticación'],
  '534': ['authentication mechanism is too weak', 'mecanismo de autenticación demasiado débil'],
  '535': ['authentication credentials invalid', 'credenciales de autenticación no válidas'],
  '538': ['encryption required for the requested authentication mechanism', 'el mecanismo de autenticación requiere cifrado'],
  '550': ['mailbox unavailable or action refused by policy', 'buzón no disponible o acción rechazada por política'],
  '551': ['user not local', 'usuario no local'],
  '552': ['exceeded storage allocation (message too big)', 'espacio excedido (mensaje demasiado grande)'],
  '553': ['mailbox name not allowed', 'nombre de buzón no permitido'],
  '554': ['transaction failed (or no SMTP service here)', 'transacción fallida (o no hay servicio SMTP)'],
  '555': ['MAIL FROM/RCPT TO parameters not recognised or not implemented', 'parámetros de MAIL FROM/RCPT TO no reconocidos'],
  '556': ['domain does not accept mail', 'el dominio no acepta correo'],
};

const CLASS: Record<string, Pair> = {
  '2': ['success', 'éxito'],
  '3': ['intermediate: more input expected', 'intermedia: se espera más información'],
  '4': ['temporary failure: try again later', 'fallo temporal: reintentar más tarde'],
  '5': ['permanent failure', 'fallo permanente'],
};

// What a command's usual positive reply means for that command: verb → the one code the sentence
// is about, and [en, es]. A sentence applies to that exact code only: any other code (VRFY's 252
// "cannot verify", RFC 5321 §3.5.3) keeps the generic meaning of CODES, which is always right.
const SUCCESS: Record<string, { code: string; text: Pair }> = {
  GREETING: { code: '220', text: ['server greeting: ready to talk SMTP', 'saludo del servidor: listo para hablar SMTP'] },
  HELO: { code: '250', text: ['server identified itself and accepts the client', 'el servidor se identifica y acepta al cliente'] },
  EHLO: { code: '250', text: ['server identified itself and lists its ESMTP extensions', 'el servidor se identifica y enumera sus extensiones ESMTP'] },
  MAIL: { code: '250', text: ['envelope sender accepted', 'remitente del sobre aceptado'] },
  RCPT: { code: '250', text: ['recipient accepted', 'destinatario aceptado'] },
  DATA: { code: '354', text: ['go ahead: send the message, end it with a line holding only "."', 'adelante: envíe el mensaje y termínelo con una línea que contenga solo "."'] },
  BODY: { code: '250', text: ['message accepted for delivery (queued)', 'mensaje aceptado para su entrega (en cola)'] },
  BDAT: { code: '250', text: ['chunk received', 'fragmento recibido'] },
  'BDAT LAST': { code: '250', text: ['last chunk received: message accepted for delivery (queued)', 'último fragmento recibido: mensaje aceptado para su entrega (en cola)'] },
  RSET: { code: '250', text: ['transaction reset', 'transacción anulada'] },
  VRFY: { code: '250', text: ['mailbox exists', 'el buzón existe'] },
  EXPN: { code: '250', text: ['mailing list expanded', 'lista de correo expandida'] },
  HELP: { code: '214', text: ['help text', 'texto de ayuda'] },
  NOOP: { code: '250', text: ['nothing done, connection alive', 'no se hace nada, la conexión sigue viva'] },
  QUIT: { code: '221', text: ['server closes the connection', 'el servidor cierra la conexión'] },
  STARTTLS: { code: '220', text: ['ready to start TLS: the TLS handshake follows', 'preparado para TLS: sigue la negociación TLS'] },
  AUTH: { code: '235', text: ['authentication succeeded', 'autenticación correcta'] },
  TURN: { code: '250', text: ['roles reversed: the server now sends its mail to the client', 'roles invertidos: ahora el servidor envía su correo al cliente'] },
  ATRN: { code: '250', text: ['roles reversed: the server now delivers the queued mail for the domains', 'roles invertidos: el servidor entrega ahora el correo en cola de los dominios'] },
  ETRN: { code: '250', text: ['queue run started for the node', 'se inicia el envío de la cola del nodo'] },
};

export function describeCode(code: string): Pair {
  return CODES[code] ?? CLASS[code[0] ?? ''] ?? ['unknown reply code', 'código de respuesta desconocido'];
}

/** What `code` means as the answer to `verb`, when the table has a sentence for exactly that code. */
export function successMeaning(verb: string, code: string): Pair | undefined {
  const s = SUCCESS[verb];
  return s && s.code === code ? s.text : undefined;
}

export function replyClass(code: string): Pair {
  return CLASS[code[0] ?? ''] ?? ['unknown class', 'clase desconocida'];
}
