// The recording format (docs/recording-format.md): one JSONL file per session, a header line then
// one event per line. Only unit events carry bytes (`text` or `b64`), so concatenating them per
// direction gives back the exact byte streams. This file is the one place that knows the shapes.

import { MailtapError } from '../core/errors.js';
import { DEFAULT_LIMITS } from '../core/limits.js';
import type { AuthResult, Protocol, Side, UnitKind } from '../protocol/types.js';
import type { TlsInfo } from '../core/tls-facts.js';

export const RECORDING_FORMAT = 'mailtap-recording';
export const RECORDING_VERSION = 1;
/** Session ids end up in file names: nothing that could leave the directory. */
export const SESSION_ID_PATTERN = /^[A-Za-z0-9_-]{1,128}$/;

export type TlsMode = 'implicit' | 'starttls' | 'none';
export type Dir = 'c2s' | 's2c' | 'proxy';

export interface RecordHeader {
  format: typeof RECORDING_FORMAT;
  version: typeof RECORDING_VERSION;
  protocol: Protocol;
  session: string;
  /** ISO 8601 start time; event `t` values count from here. */
  start: string;
  client: { address: string; port: number };
  listen: string;
  upstream: string;
  clientTls: TlsMode;
  upstreamTls: TlsMode;
  /** mailtap version that wrote the file. */
  mailtap: string;
  /** Secrets were masked: the byte streams are no longer exact. */
  redacted?: boolean;
}

interface EventBase {
  /** Milliseconds since `start`, integer or 0.1 ms precision. */
  t: number;
  dir: Dir;
}

export interface UnitRecord extends EventBase {
  type: UnitKind;
  dir: 'c2s' | 's2c';
  /** The bytes as UTF-8 text when printable, else `b64`; exactly one of the two is present. */
  text?: string;
  b64?: string;
  note?: string;
  note_es?: string;
  verb?: string;
  tag?: string;
  status?: string;
  enhanced?: string;
  final?: boolean;
  continued?: boolean;
  /** The unit travelled inside TLS. */
  tls?: boolean;
  /**
   * A `raw` piece of a line forwarded before the line was complete (no byte waits for a CRLF).
   * The next unit of the same `dir` completes it; `ahead` there says how many bytes the pieces hold.
   */
  partial?: boolean;
  /** The first `ahead` bytes of this unit went out earlier, as `partial` pieces of the same dir. */
  ahead?: number;
}

export interface TlsRecord extends EventBase, TlsInfo {
  type: 'tls';
  dir: 'proxy';
}

export interface AuthRecord extends EventBase {
  type: 'auth';
  dir: 'proxy';
  mechanism: string;
  username?: string;
  password?: string;
  token?: string;
  authzid?: string;
  proof?: string;
  undecoded?: string[];
  result: AuthResult;
  verdict?: string;
  note?: string;
  note_es?: string;
}

export interface InjectionRecord extends EventBase {
  type: 'injection';
  dir: 'proxy';
  from: Side;
  length: number;
  /** Base64 of the dropped bytes (never part of the forwarded streams). */
  dropped: string;
  note?: string;
  note_es?: string;
}

/** mailtap's own events. Fields beyond these are kept as written. */
export interface NoticeRecord extends EventBase {
  type: 'connect' | 'error' | 'violation' | 'state' | 'info' | 'compress';
  dir: 'proxy';
  /** `compress`: the algorithm (`DEFLATE`, RFC 4978); units after it hold inflated bytes. */
  algorithm?: string;
  message?: string;
  code?: string;
  state?: string;
  side?: Side;
  command?: string;
  note?: string;
  note_es?: string;
}

/**
 * mailtap explains a mistake of the person at the keyboard (typed in clear after AUTH, bare LF,
 * TLS on a plaintext port, the wrong protocol, credentials before TLS…). `code` names the kind.
 */
export interface HintRecord extends EventBase {
  type: 'hint';
  dir: 'proxy';
  code: string;
  side?: Side;
  note: string;
  note_es?: string;
}

export interface CloseRecord extends EventBase {
  type: 'close';
  dir: 'proxy';
  reason: string;
  bytes: { c2s: number; s2c: number };
  /** The recording reached its size cap: what was counted and not stored after it. */
  notRecorded?: NotRecorded;
}

export interface NotRecorded {
  /** The cap, in bytes of recording. */
  cap: number;
  /** Unit events not stored, and their bytes per direction. */
  units: number;
  c2s: number;
  s2c: number;
  /** Other events (notes, violations, ...) not stored. */
  events: number;
}

export type CloseEvent = CloseRecord;
export type RecordEvent = UnitRecord | TlsRecord | AuthRecord | InjectionRecord | NoticeRecord | HintRecord | CloseRecord;

export const UNIT_TYPES: readonly UnitKind[] = ['command', 'reply', 'body', 'sasl', 'raw'];
const PROTOCOLS: readonly Protocol[] = ['smtp', 'pop3', 'imap'];
const TLS_MODES: readonly TlsMode[] = ['implicit', 'starttls', 'none'];
const AUTH_RESULTS: readonly AuthResult[] = ['success', 'failure', 'cancelled', 'incomplete'];
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

export function isUnitRecord(ev: RecordEvent): ev is UnitRecord {
  return (UNIT_TYPES as readonly string[]).includes(ev.type);
}

export function isRecordHeader(x: RecordHeader | RecordEvent): x is RecordHeader {
  return (x as RecordHeader).format === RECORDING_FORMAT;
}

/** Parses and validates one line (without its newline). `lineNumber` counts from 1, for messages. */
export function parseRecordLine(line: string, lineNumber = 1): RecordHeader | RecordEvent {
  const fail = (why: string, es?: string): never => {
    throw new MailtapError('E_RECORDING_INVALID', `line ${lineNumber}: ${why}`, { side: 'user', ...(es ? { es: `línea ${lineNumber}: ${es}` } : {}) });
  };
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return fail('not JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return fail('not a JSON object');
  // JSON.parse takes any depth, but printing it again (show --format json) recurses: refuse here.
  if (deeperThan(value, DEFAULT_LIMITS.maxRecordingDepth)) return fail(`nested deeper than ${DEFAULT_LIMITS.maxRecordingDepth} levels`, `anidada en más de ${DEFAULT_LIMITS.maxRecordingDepth} niveles`);
  const o = value as Record<string, unknown>;
  if ('format' in o) return checkHeader(o, fail);
  return checkEvent(o, fail);
}

type Fail = (why: string) => never;

/** Whether a parsed JSON value nests objects/arrays more than `max` levels; iterative, so any depth is safe. */
function deeperThan(root: unknown, max: number): boolean {
  const stack: [unknown, number][] = [[root, 1]];
  while (stack.length > 0) {
    const [value, depth] = stack.pop()!;
    if (typeof value !== 'object' || value === null) continue;
    if (depth > max) return true;
    for (const child of Array.isArray(value) ? value : Object.values(value)) {
      if (typeof child === 'object' && child !== null) stack.push([child, depth + 1]);
    }
  }
  return false;
}

function str(o: Record<string, unknown>, key: string, fail: Fail, optional = false): void {
  if (o[key] === undefined && optional) return;
  if (typeof o[key] !== 'string') fail(`"${key}" must be a string`);
}

function oneOf<T>(o: Record<string, unknown>, key: string, allowed: readonly T[], fail: Fail): void {
  if (!allowed.includes(o[key] as T)) fail(`"${key}" must be one of ${allowed.join(', ')}`);
}

function count(o: Record<string, unknown>, key: string, fail: Fail): void {
  const n = o[key];
  if (typeof n !== 'number' || !Number.isFinite(n) || n < 0) fail(`"${key}" must be a non-negative number`);
}

function checkHeader(o: Record<string, unknown>, fail: Fail): RecordHeader {
  if (o.format !== RECORDING_FORMAT) fail(`"format" is not "${RECORDING_FORMAT}"`);
  if (o.version !== RECORDING_VERSION) fail(`unsupported version ${JSON.stringify(o.version)} (this mailtap reads version ${RECORDING_VERSION})`);
  oneOf(o, 'protocol', PROTOCOLS, fail);
  str(o, 'session', fail);
  if (!SESSION_ID_PATTERN.test(o.session as string)) fail('"session" must be letters, digits, "_" or "-"');
  str(o, 'start', fail);
  if (Number.isNaN(Date.parse(o.start as string))) fail('"start" is not an ISO date');
  const client = o.client as Record<string, unknown> | undefined;
  if (typeof client !== 'object' || client === null) return fail('"client" must be an object');
  str(client, 'address', fail);
  count(client, 'port', fail);
  str(o, 'listen', fail);
  str(o, 'upstream', fail);
  oneOf(o, 'clientTls', TLS_MODES, fail);
  oneOf(o, 'upstreamTls', TLS_MODES, fail);
  str(o, 'mailtap', fail);
  if (o.redacted !== undefined && typeof o.redacted !== 'boolean') fail('"redacted" must be a boolean');
  return o as unknown as RecordHeader;
}

function checkEvent(o: Record<string, unknown>, fail: Fail): RecordEvent {
  count(o, 't', fail);
  oneOf(o, 'dir', ['c2s', 's2c', 'proxy'], fail);
  str(o, 'type', fail);
  const type = o.type as string;
  if ((UNIT_TYPES as readonly string[]).includes(type)) {
    if (o.dir === 'proxy') fail(`a "${type}" unit needs dir c2s or s2c`);
    const hasText = typeof o.text === 'string';
    const hasB64 = typeof o.b64 === 'string';
    if (hasText === hasB64) fail(`a "${type}" unit needs exactly one of "text" or "b64"`);
    if (hasB64 && !BASE64.test(o.b64 as string)) fail('"b64" is not base64');
    for (const k of ['note', 'note_es', 'verb', 'tag', 'status', 'enhanced']) str(o, k, fail, true);
    if (o.ahead !== undefined) count(o, 'ahead', fail);
    if (o.partial !== undefined && o.partial !== true) fail('"partial" must be true when present');
    return o as unknown as UnitRecord;
  }
  if (o.dir !== 'proxy') fail(`a "${type}" event needs dir proxy`);
  if ('text' in o || 'b64' in o) fail(`only unit events carry "text" or "b64", not "${type}"`);
  switch (type) {
    case 'tls':
      oneOf(o, 'leg', ['client', 'upstream'], fail);
      break;
    case 'auth':
      str(o, 'mechanism', fail);
      oneOf(o, 'result', AUTH_RESULTS, fail);
      break;
    case 'injection':
      oneOf(o, 'from', ['client', 'server'], fail);
      count(o, 'length', fail);
      str(o, 'dropped', fail);
      if (!BASE64.test(o.dropped as string)) fail('"dropped" is not base64');
      break;
    case 'hint':
      str(o, 'code', fail);
      str(o, 'note', fail);
      str(o, 'note_es', fail, true);
      break;
    case 'close': {
      str(o, 'reason', fail);
      const bytes = o.bytes as Record<string, unknown> | undefined;
      if (typeof bytes !== 'object' || bytes === null) return fail('"bytes" must be an object');
      count(bytes, 'c2s', fail);
      count(bytes, 's2c', fail);
      if (o.notRecorded !== undefined) {
        const n = o.notRecorded as Record<string, unknown>;
        if (typeof n !== 'object' || n === null) return fail('"notRecorded" must be an object');
        for (const k of ['cap', 'units', 'c2s', 's2c', 'events']) count(n, k, fail);
      }
      break;
    }
    default:
      // connect, error, violation, state, info, compress, and any type a later version-1 writer
      // adds: readers ignore what they do not know (SPEC, "Recording format additions").
      break;
  }
  return o as unknown as RecordEvent;
}
