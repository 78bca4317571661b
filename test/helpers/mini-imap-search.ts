// SEARCH criteria of the test-only mini IMAP server (RFC 9051 §6.4.4), compiled to a predicate.
// Top-level keys are ANDed; string keys match case-insensitive substrings; dates compare days
// in UTC. Unknown keys are a BAD, as a real server answers them.

import type { StoredMessage } from './mailbox.js';
import { bad, mimeTree, parseSequenceSet, type Token } from './mini-imap-syntax.js';

export interface SearchContext {
  seqOf(m: StoredMessage): number;
  maxSeq: number;
  maxUid: number;
}

type Predicate = (m: StoredMessage) => boolean;

const FLAG_KEYS: Record<string, [string, boolean]> = {
  ANSWERED: ['\\Answered', true],
  DELETED: ['\\Deleted', true],
  DRAFT: ['\\Draft', true],
  FLAGGED: ['\\Flagged', true],
  SEEN: ['\\Seen', true],
  UNANSWERED: ['\\Answered', false],
  UNDELETED: ['\\Deleted', false],
  UNDRAFT: ['\\Draft', false],
  UNFLAGGED: ['\\Flagged', false],
  UNSEEN: ['\\Seen', false],
};
const HEADER_KEYS = new Set(['FROM', 'TO', 'CC', 'BCC', 'SUBJECT']);

export function compileSearch(args: Token[], ctx: SearchContext): Predicate {
  let i = 0;
  // RFC 9051 §6.4.4: an optional CHARSET comes first; only US-ASCII and UTF-8 are understood.
  if (args[0]?.t === 'atom' && args[0].v.toUpperCase() === 'CHARSET') {
    const charset = text(args[1]).toUpperCase();
    if (charset !== 'UTF-8' && charset !== 'US-ASCII') throw bad('[BADCHARSET (UTF-8 US-ASCII)] unsupported charset');
    i = 2;
  }
  const keys: Predicate[] = [];
  while (i < args.length) {
    const [p, next] = compileKey(args, i, ctx);
    keys.push(p);
    i = next;
  }
  if (keys.length === 0) throw bad('empty search');
  return (m) => keys.every((k) => k(m));
}

function compileKey(args: Token[], i: number, ctx: SearchContext): [Predicate, number] {
  const token = args[i];
  if (token === undefined) throw bad('search key missing');
  if (token.t === 'list') {
    const inner = token.v.length ? compileSearch(token.v, ctx) : undefined;
    if (!inner) throw bad('empty parenthesized search');
    return [inner, i + 1];
  }
  const key = text(token).toUpperCase();
  const flag = FLAG_KEYS[key];
  if (flag) return [(m) => m.flags.has(flag[0]) === flag[1], i + 1];
  if (HEADER_KEYS.has(key)) return [headerContains(key.toLowerCase(), text(args[i + 1])), i + 2];
  switch (key) {
    case 'ALL':
    case 'OLD':
      return [() => true, i + 1];
    case 'NEW':
    case 'RECENT':
      return [() => false, i + 1]; // this server never reports \Recent
    case 'NOT': {
      const [p, next] = compileKey(args, i + 1, ctx);
      return [(m) => !p(m), next];
    }
    case 'OR': {
      const [a, mid] = compileKey(args, i + 1, ctx);
      const [b, next] = compileKey(args, mid, ctx);
      return [(m) => a(m) || b(m), next];
    }
    case 'KEYWORD':
    case 'UNKEYWORD': {
      const word = text(args[i + 1]);
      return [(m) => m.flags.has(word) === (key === 'KEYWORD'), i + 2];
    }
    case 'HEADER':
      return [headerContains(text(args[i + 1]).toLowerCase(), text(args[i + 2])), i + 3];
    case 'BODY':
    case 'TEXT': {
      const needle = text(args[i + 1]).toLowerCase();
      return [(m) => (key === 'BODY' ? mimeTree(m.raw).body : m.raw).toString('utf8').toLowerCase().includes(needle), i + 2];
    }
    case 'LARGER':
    case 'SMALLER': {
      const n = Number(text(args[i + 1]));
      if (!Number.isInteger(n)) throw bad(`${key} needs a number`);
      return [(m) => (key === 'LARGER' ? m.raw.length > n : m.raw.length < n), i + 2];
    }
    case 'BEFORE':
    case 'ON':
    case 'SINCE':
    case 'SENTBEFORE':
    case 'SENTON':
    case 'SENTSINCE': {
      const day = searchDay(text(args[i + 1]));
      const sent = key.startsWith('SENT');
      const cmp = key.replace('SENT', '');
      return [
        (m) => {
          const date = sent ? new Date(headerValue(m, 'date') ?? NaN) : m.internalDate;
          if (Number.isNaN(date.getTime())) return false;
          const d = Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate());
          return cmp === 'BEFORE' ? d < day : cmp === 'ON' ? d === day : d >= day;
        },
        i + 2,
      ];
    }
    case 'UID': {
      const set = parseSequenceSet(text(args[i + 1]));
      if (!set) throw bad('invalid UID set');
      return [(m) => set.has(m.uid, ctx.maxUid), i + 2];
    }
  }
  const set = parseSequenceSet(key);
  if (set) return [(m) => set.has(ctx.seqOf(m), ctx.maxSeq), i + 1];
  throw bad(`unknown search key ${key}`);
}

function text(token: Token | undefined): string {
  if (token?.t === 'atom') return token.v;
  if (token?.t === 'string') return token.v.toString('utf8');
  throw bad('search argument missing');
}

function headerValue(m: StoredMessage, name: string): string | undefined {
  return mimeTree(m.raw).fields.find(([n]) => n === name)?.[1];
}

function headerContains(name: string, needle: string): Predicate {
  const lower = needle.toLowerCase();
  return (m) =>
    mimeTree(m.raw).fields.some(([n, v]) => n === name && v.toLowerCase().includes(lower));
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

/** "1-Feb-1994" as a UTC day timestamp. */
function searchDay(value: string): number {
  const m = /^(\d{1,2})-([A-Za-z]{3})-(\d{4})$/.exec(value);
  const month = m ? MONTHS.indexOf(m[2]!.toLowerCase()) : -1;
  if (!m || month < 0) throw bad(`invalid date ${value}`);
  return Date.UTC(Number(m[3]), month, Number(m[1]));
}
