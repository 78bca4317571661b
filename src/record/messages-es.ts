// mailtap's own messages (info, error and close events, violations) are recorded in English, as
// the format has always had them; this table says each one in Spanish for `--lang es`, so every
// line on the screen is in the chosen language, for old recordings too. Details a message quotes
// (OpenSSL's reason, a host, a server's reply) stay as they were: they are data, not prose.
// A message with no pattern here stays English; test/record/spanish-screen.test.ts fails on it.

type Rule = [RegExp, (...groups: string[]) => string];

const side = (s: string): string => (s === 'client' ? 'el cliente' : 'el servidor');
const Side = (s: string): string => (s === 'client' ? 'El cliente' : 'El servidor');

const RULES: Rule[] = [
  [/^(.*): the (client|server) stream is no longer decoded, only relayed$/s, (m, s) => `${mailtapMessage(m, 'es')}: el flujo ${s === 'client' ? 'del cliente' : 'del servidor'} ya no se descodifica, solo se reenvía`],
  [/^COMPRESS=(\S+) active: units from here hold the inflated bytes$/, (a) => `COMPRESS=${a} activo: a partir de aquí las unidades llevan los bytes descomprimidos`],
  [/^one compressed read inflated past (\d+) bytes \(a deflate bomb\?\)$/, (n) => `una lectura comprimida superó los ${n} bytes al descomprimirse (¿una bomba de descompresión?)`],
  [/^the compressed stream is not valid DEFLATE: (.*)$/s, (e) => `el flujo comprimido no es DEFLATE válido: «${e}»`],
  [/^client (\S+) → (\S+)$/, (a, u) => `cliente ${a} → ${u}`],
  [/^(STARTTLS|STLS) accepted: upgrading both legs to TLS$/, (c) => `${c} aceptado: se pasan a TLS los dos tramos`],
  [/^mailtap answers this STARTTLS itself: the server leg is already TLS$/, () => 'mailtap responde a este STARTTLS: el tramo del servidor ya va en TLS'],
  [/^mailtap upgraded the server leg with STARTTLS itself:\s(.*)$/s, (t) => `mailtap pasó a TLS el tramo del servidor con STARTTLS:${t.includes('\n') ? '\n' : ' '}${t.replace(/mailtap → server:/g, 'mailtap → servidor:').replace(/server → mailtap:/g, 'servidor → mailtap:')}`],
  [/^(client|server) closed the connection right after the TLS handshake without a word: .*$/s, (s) => `${Side(s)} cerró la conexión justo tras la negociación TLS sin decir nada: si rechazó el certificado de mailtap, confíe en la CA de mailtap (ejecute \`mailtap ca show\`)`],
  [/^(client|server) connection reset right after the TLS handshake without a word: .*$/s, (s) => `${Side(s)} cortó la conexión justo tras la negociación TLS sin decir nada: si rechazó el certificado de mailtap, confíe en la CA de mailtap (ejecute \`mailtap ca show\`)`],
  [/^(client|server) closed the connection$/, (s) => `${Side(s)} cerró la conexión`],
  [/^(client|server) connection reset$/, (s) => `${Side(s)} cortó la conexión de golpe (RST)`],
  [/^(client|server) closed the connection after its goodbye$/, (s) => `${Side(s)} cerró la conexión tras la despedida`],
  [/^(client|server) error: (.*)$/s, (s, e) => `error en ${side(s)}: «${e}»`],
  [/^both sides closed$/, () => 'los dos extremos cerraron la conexión'],
  [/^idle for (\d+) ms$/, (n) => `inactiva durante ${n} ms`],
  [/^mailtap is shutting down$/, () => 'mailtap se está cerrando'],
  [/^the client spoke plaintext to an implicit-TLS port$/, () => 'el cliente habló en claro a un puerto de TLS implícito'],
  [/^timed out: the server sent no greeting within (\d+) ms$/, (n) => `tiempo agotado: el servidor no saludó en ${n} ms`],
  [/^the server (closed the connection|reset the connection) before its greeting$/, (w) => `el servidor ${w === 'closed the connection' ? 'cerró' : 'cortó'} la conexión antes de saludar`],
  [/^the server closed the connection before TLS$/, () => 'el servidor cerró la conexión antes de TLS'],
  [/^the server refused STARTTLS: (.*)$/s, (r) => `el servidor rechazó STARTTLS: «${r}»`],
  [/^the server did not answer within (\d+) ms$/, (n) => `el servidor no respondió en ${n} ms`],
  [/^upstream TLS failed: (.*?)( \(use --upstream-ca FILE to trust its CA, or --insecure\))?$/s, (e, fix) => `falló TLS con el servidor: «${e}»${fix ? ' (use `--upstream-ca FICHERO` para confiar en su CA, o `--insecure`)' : ''}`],
  [/^cannot connect to upstream (\S+): (.*)$/s, (h, e) => `no se puede conectar con el servidor ${h}: «${e}»`],
  [/^upstream (\S+) did not accept the connection within (\d+) ms$/, (h, n) => `el servidor ${h} no aceptó la conexión en ${n} ms`],
  [/^client rejected the mailtap certificate \((.*)\); trust the mailtap CA: .*$/s, (e) => `el cliente rechazó el certificado de mailtap («${e}»); confíe en la CA de mailtap: ejecute \`mailtap ca show\` para ver los pasos`],
  [/^the client left during the TLS handshake after mailtap sent its certificate, without an alert: .*$/s, () => 'el cliente se fue durante la negociación TLS, después de recibir el certificado de mailtap y sin enviar ninguna alerta: si no confiaba en ese certificado, confíe en la CA de mailtap (ejecute `mailtap ca show`)'],
  [/^client TLS handshake failed: (.*)$/s, (e) => `falló la negociación TLS con el cliente: «${e}»`],
  [/^TLS handshake with the (client|server) timed out after (\d+) ms$/, (s, n) => `la negociación TLS con ${side(s)} agotó el tiempo (${n} ms)`],
  [/^the client closed the connection without starting the TLS handshake$/, () => 'el cliente cerró la conexión sin empezar la negociación TLS'],
  [/^the client left in the middle of its TLS hello, before the TLS handshake was done(?: \((.*)\))?$/s, (e) => `el cliente se fue a mitad de su saludo TLS (ClientHello), antes de terminar la negociación${e ? `: «${e}»` : ''}`],
  [/^(client|server) closed the connection without sending a byte \(a port probe\?\)$/, (s) => `${Side(s)} cerró la conexión sin enviar ni un byte (¿un sondeo de puertos?)`],
  [/^(client|server) connection reset without sending a byte \(a port probe\?\)$/, (s) => `${Side(s)} cortó la conexión sin enviar ni un byte (¿un sondeo de puertos?)`],
  [/^the client reset the connection before mailtap accepted it$/, () => 'el cliente cortó la conexión antes de que mailtap la aceptara'],
  [/^the client closed the connection during the TLS handshake$/, () => 'el cliente cerró la conexión durante la negociación TLS'],
  [/^line longer than (\d+) bytes$/, (n) => `línea de más de ${n} bytes`],
  [/^multi-line reply longer than (\d+) bytes$/, (n) => `respuesta multilínea de más de ${n} bytes`],
  [/^more than (\d+) bytes sent while (STARTTLS|STLS) was pending$/, (n, c) => `más de ${n} bytes enviados con ${c} pendiente`],
  [/^more than (\d+) bytes sent before the reply to (.*)$/s, (n, v) => `más de ${n} bytes enviados antes de la respuesta a ${v}`],
  [/^response line is neither \+OK nor -ERR$/, () => 'la línea de respuesta no es ni +OK ni -ERR'],
  [/^not an SMTP reply line: (.*)$/s, (t) => `no es una línea de respuesta SMTP: «${t}»`],
  [/^not an IMAP command line \(tag SP verb\)$/, () => 'no es una línea de comando IMAP (etiqueta ESPACIO verbo)'],
  [/^not an IMAP response line \(\*, \+ or tag\)$/, () => 'no es una línea de respuesta IMAP (*, + o etiqueta)'],
  [/^the server sent over 64 KiB before TLS$/, () => 'el servidor envió más de 64 KiB antes de TLS'],
  // replay (replay/mismatch.ts, steps.ts), as `replay --web` shows its sessions.
  [/^the dialogue matched the recording to its end$/, () => 'el diálogo coincidió con la grabación hasta el final'],
  [/^the dialogue did not match the recording$/, () => 'el diálogo no coincidió con la grabación'],
  [/^the recording has ended, got (.*)$/s, (g) => `la grabación ya había terminado y llegó ${replayStep(g)}`],
  [/^expected (.*), got (.*)$/s, (e, g) => `se esperaba ${replayStep(e)} y llegó ${replayStep(g)}`],
];

/** A step as replay's describeStep names it. */
function replayStep(text: string): string {
  const fixed: Record<string, string> = {
    'the end of the session': 'el final de la sesión',
    'the rest of a command after its literal': 'el resto de un comando tras su literal',
    'an authentication response': 'una respuesta de autenticación',
    'a message body': 'el cuerpo de un mensaje',
  };
  const line = /^the line (".*")$/s.exec(text);
  return fixed[text] ?? (line ? `la línea ${line[1]}` : text);
}

/** Protocol states as `state` events name them (IMAP RFC 9051 §3, SMTP and POP3 phases). */
const STATES: Record<string, string> = {
  'not-authenticated': 'sin autenticar',
  authenticated: 'autenticado',
  selected: 'buzón seleccionado',
  logout: 'cierre de sesión',
  tls: 'TLS',
  'roles-reversed': 'roles invertidos',
  'roles-restored': 'roles restaurados',
  AUTHORIZATION: 'AUTORIZACIÓN',
  TRANSACTION: 'TRANSACCIÓN',
  UPDATE: 'ACTUALIZACIÓN',
};

/** A state name in the chosen language. */
export function stateName(state: string, lang: 'en' | 'es'): string {
  return lang === 'es' ? (STATES[state] ?? state) : state;
}

/** `text` in the chosen language: English as recorded, or its Spanish form when one is known. */
export function mailtapMessage(text: string, lang: 'en' | 'es'): string {
  if (lang === 'en') return text;
  for (const [re, say] of RULES) {
    const m = re.exec(text);
    if (m) return say(...m.slice(1).map((g) => g ?? ''));
  }
  return text;
}
