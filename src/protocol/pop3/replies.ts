// The replies mailtap itself sends to a POP3 client (RFC 1939 §3 `-ERR`, RFC 3206 §4 `[SYS/TEMP]`
// for trouble that may pass). The reason is flattened to one line so it cannot forge a second one.

function oneLine(reason: string): string {
  return reason.replace(/[\r\n]+/g, ' ');
}

export function upstreamFailure(reason: string): Buffer {
  return Buffer.from(`-ERR [SYS/TEMP] mailtap: upstream unavailable: ${oneLine(reason)}\r\n`);
}

export function serviceUnavailable(reason: string): Buffer {
  return Buffer.from(`-ERR [SYS/TEMP] mailtap: service unavailable: ${oneLine(reason)}\r\n`);
}

/** Sent instead of the server's STLS `+OK` when the upstream TLS handshake fails. */
export function stlsRefusal(reason: string): Buffer {
  return Buffer.from(`-ERR mailtap: TLS not available: ${oneLine(reason)}\r\n`);
}
