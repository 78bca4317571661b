// A small IMAP tokenizer for what mailtap annotates: tags, verbs, atoms, quoted strings (with
// `\"` and `\\` escapes, RFC 9051 §4.3), parenthesised lists and literal placeholders. It never
// throws and never copies more than the tokens it returns; a token budget bounds its work.

const SP = 0x20;
const DQUOTE = 0x22;
const BACKSLASH = 0x5c;
const LPAREN = 0x28;
const RPAREN = 0x29;
const LBRACKET = 0x5b;
const RBRACKET = 0x5d;

/** A client argument: atom, quoted string, literal (its bytes when captured) or list punctuation. */
export type Token =
  | { kind: 'atom'; value: Buffer }
  | { kind: 'quoted'; value: Buffer }
  | { kind: 'literal'; size: number; value?: Buffer }
  | { kind: 'open' }
  | { kind: 'close' };

/** Tokens kept per command: notes need the first few arguments, never thousands. */
export const MAX_TOKENS = 256;

/** Tokenize `line[from, to)`. Unterminated quoted strings end at `to` (lenient: the peer is annotated, not judged). */
export function tokenize(line: Buffer, from = 0, to = line.length, budget = MAX_TOKENS): Token[] {
  const out: Token[] = [];
  let i = from;
  while (i < to && out.length < budget) {
    const b = line[i]!;
    if (b === SP) {
      i++;
    } else if (b === LPAREN) {
      out.push({ kind: 'open' });
      i++;
    } else if (b === RPAREN) {
      out.push({ kind: 'close' });
      i++;
    } else if (b === DQUOTE) {
      const r = readQuoted(line, i + 1, to);
      out.push({ kind: 'quoted', value: r.value });
      i = r.next;
    } else {
      const start = i;
      let depth = 0;
      // `BODY[HEADER.FIELDS (From To)]` is one fetch item: spaces inside brackets do not split it.
      while (i < to) {
        const c = line[i]!;
        if (c === LBRACKET) depth++;
        else if (c === RBRACKET && depth > 0) depth--;
        else if (depth === 0 && (c === SP || c === LPAREN || c === RPAREN || c === DQUOTE)) break;
        i++;
      }
      out.push({ kind: 'atom', value: line.subarray(start, i) });
    }
  }
  return out;
}

function readQuoted(line: Buffer, from: number, to: number): { value: Buffer; next: number } {
  // Fast path: no escapes, the value is a view.
  let i = from;
  let escaped = false;
  while (i < to && line[i] !== DQUOTE) {
    if (line[i] === BACKSLASH) {
      escaped = true;
      i += 2;
    } else i++;
  }
  const stop = Math.min(i, to);
  if (!escaped) return { value: line.subarray(from, stop), next: stop + 1 };
  const bytes: number[] = [];
  for (let j = from; j < stop; j++) {
    if (line[j] === BACKSLASH && j + 1 < stop) j++;
    bytes.push(line[j]!);
  }
  return { value: Buffer.from(bytes), next: stop + 1 };
}

/**
 * RFC 9051 §9 `tag`: 1*<any ASTRING-CHAR except "+">, i.e. printable ASCII without
 * `(){%*"\` and `+`, space or controls.
 */
export function isTagByte(b: number): boolean {
  if (b <= 0x20 || b >= 0x7f) return false;
  return !(b === LPAREN || b === RPAREN || b === 0x7b || b === 0x25 || b === 0x2a || b === DQUOTE || b === BACKSLASH || b === 0x2b);
}

/** Reads `tag SP` at the start of a line; returns the tag and the index after the space, or null. */
export function readTag(line: Buffer, end: number): { tag: string; next: number } | null {
  let i = 0;
  while (i < end && isTagByte(line[i]!)) i++;
  if (i === 0 || i >= end || line[i] !== SP) return null;
  return { tag: line.toString('latin1', 0, i), next: i + 1 };
}

/** Reads an alphabetic word (verb, status, data name) at `from`: letters, digits, `-`, `.`, `_`. */
export function readWord(line: Buffer, from: number, end: number): { word: string; next: number } | null {
  let i = from;
  while (i < end) {
    const c = line[i]!;
    const ok = (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c === 0x2d || c === 0x2e || c === 0x5f;
    if (!ok) break;
    i++;
  }
  if (i === from) return null;
  return { word: line.toString('latin1', from, i), next: i };
}

/** An astring/nstring argument as text for notes (UTF-8, as IMAP4rev2 sends mailbox names, RFC 9051 §5.1). */
export function tokenText(t: Token | undefined): string | undefined {
  if (!t) return undefined;
  if (t.kind === 'atom' || t.kind === 'quoted') return t.value.toString('utf8');
  if (t.kind === 'literal') return t.value?.toString('utf8');
  return undefined;
}

export interface ParsedCommand {
  tag: string;
  verb: string;
  argsFrom: number;
  args: Token[];
}

/** `tag SP verb [SP args]`; `UID` takes its sub-verb into the verb (`UID FETCH`). */
export function parseCommand(line: Buffer, end: number): ParsedCommand | null {
  const t = readTag(line, end);
  if (!t) return null;
  const w = readWord(line, t.next, end);
  if (!w || (w.next < end && line[w.next] !== 0x20)) return null;
  let verb = w.word.toUpperCase();
  let next = w.next;
  if (verb === 'UID' && line[next] === 0x20) {
    const sub = readWord(line, next + 1, end);
    if (sub && (sub.next >= end || line[sub.next] === 0x20)) {
      verb = `UID ${sub.word.toUpperCase()}`;
      next = sub.next;
    }
  }
  return { tag: t.tag, verb, argsFrom: next < end ? next + 1 : end, args: [] };
}
