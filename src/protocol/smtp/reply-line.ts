// Framing facts about one SMTP reply line (RFC 5321 §4.2): `ddd SP text`, `ddd-text` for a
// continuation, or a bare `ddd`. The enhanced status code (RFC 2034 §4, RFC 3463 §2) is read
// when its class matches the reply's first digit, as those RFCs require.

export interface ReplyLine {
  code: string;
  /** False for `ddd-` continuation lines. */
  last: boolean;
  /** The text after the code and separator, without CRLF. */
  text: string;
}

function isDigit(b: number | undefined): boolean {
  return b !== undefined && b >= 0x30 && b <= 0x39;
}

/** Null when the line is not shaped like a reply line. */
export function parseReplyLine(line: Buffer): ReplyLine | null {
  if (!isDigit(line[0]) || !isDigit(line[1]) || !isDigit(line[2])) return null;
  const sep = line[3];
  // A bare "250\r\n" (or "250\n") is a valid last line with no text.
  if (sep === undefined || sep === 0x0d || sep === 0x0a) return { code: line.toString('latin1', 0, 3), last: true, text: '' };
  if (sep !== 0x20 && sep !== 0x2d) return null;
  let end = line.length;
  if (end > 0 && line[end - 1] === 0x0a) end--;
  if (end > 4 && line[end - 1] === 0x0d) end--;
  return { code: line.toString('latin1', 0, 3), last: sep === 0x20, text: line.toString('latin1', 4, Math.max(4, end)) };
}

const ENHANCED = /^([245])\.(\d{1,3})\.(\d{1,3})(?![\d])/;

/** `2.1.0` from `2.1.0 Sender OK`, when its class equals the reply class. */
export function parseEnhanced(code: string, text: string): string | undefined {
  const m = ENHANCED.exec(text);
  if (!m || m[1] !== code[0]) return undefined;
  return `${m[1]}.${m[2]}.${m[3]}`;
}
