// Streams one session's recording to disk: header first, then events in order, batched into one
// fs write per FLUSH_MS (or per 64 KiB) so a session costs few fs operations: each one is a trip
// to libuv's thread pool and back, which a short session felt more than its JSON. Only whole lines are
// written, one batch at a time, so a crash leaves a valid prefix. A disk error never throws into
// the session: it is reported once and the writer drops (and counts) everything after it.
// A batch goes to the file as one writev of its lines' buffers: no concat copy per write.
// The file is a plain descriptor with fs's callback API, not a FileHandle: each FileHandle call
// is two async layers (ref/unref, a promise per layer) around the same syscall, and a short
// session makes four of them (open, header, batch, close).

import { EventEmitter } from 'node:events';
import { close as closeFd, open as openFd, write as writeFd, writev as writevFd } from 'node:fs';
import { privateDir } from '../core/private-dir.js';
import { join } from 'node:path';
import { MailtapError, describeError } from '../core/errors.js';
import { Redactor, redactHeader } from './redact.js';
import { formatBytes } from '../core/bytes.js';
import { SESSION_ID_PATTERN, type CloseEvent, type NotRecorded, type RecordEvent, type RecordHeader } from './schema.js';

/** Base64 payloads longer than this are written without JSON.stringify. */
const LARGE_B64 = 4096;
const LINE_END = Buffer.from('"}\n');

/** A batch is written as soon as this many bytes are pending, without waiting for the timer. */
const BATCH_BYTES = 64 * 1024;
/**
 * Lines wait at most this long before they are written. A short session's dozen events (greeting,
 * EHLO, STARTTLS, the envelope, QUIT) then take a write or two instead of one per round trip.
 */
export const FLUSH_MS = 50;
/** Pending bytes above which `needsDrain` asks the session to pause its sockets. */
const DEFAULT_HIGH_WATER_MARK = 1024 * 1024;

export interface RecordingWriterOptions {
  highWaterMark?: number;
  /** Called once with the first disk error (also emitted as 'error' when someone listens). */
  onError?: (err: MailtapError) => void;
  /** --redact: mask secrets in every event and mark the header `redacted: true`. */
  redact?: boolean;
  /**
   * Bytes of recording (header included) after which events are counted, not stored; the event
   * that crosses it is still whole, so a file may pass it by one event. The close event is
   * always stored and says what was left out. Default: no cap.
   */
  maxBytes?: number;
}

/** `<YYYYMMDD-HHMMSS>-<protocol>-<session>.jsonl`, from the header's start time in UTC. */
export function recordingFileName(header: RecordHeader): string {
  const start = new Date(header.start);
  const d = Number.isNaN(start.getTime()) ? new Date() : start;
  const p = (n: number) => String(n).padStart(2, '0');
  const stamp = `${d.getUTCFullYear()}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}-${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}`;
  return `${stamp}-${header.protocol}-${header.session}.jsonl`;
}

export class RecordingWriter extends EventEmitter {
  readonly path: string;
  /** The file exists (it was created, header written); false when even that failed. */
  readonly created: boolean;
  /** The file's descriptor; null once closed (or never opened). */
  private fd: number | null;
  private readonly highWaterMark: number;
  private readonly onError: ((err: MailtapError) => void) | undefined;
  /** Encoded lines (a line may span several buffers), written together with one writev. */
  private pending: Buffer[] = [];
  private pendingEvents = 0;
  private pendingBytes = 0;
  /** Bytes handed to fs but not yet confirmed written. */
  private inflightBytes = 0;
  private flushing: Promise<void> | null = null;
  private scheduled = false;
  private timer: NodeJS.Timeout | null = null;
  private drainWanted = false;
  private closing: Promise<void> | null = null;
  private failure: MailtapError | null = null;
  private readonly redactor: Redactor | null;
  /** Events dropped after a failure or after close. */
  dropped = 0;
  private readonly maxBytes: number;
  /** Bytes of lines encoded so far (header included). */
  private recordedBytes = 0;
  /** Past the cap: what was counted instead of stored. */
  private notRecorded: NotRecorded | null = null;
  /** Unit bytes recorded per direction (decoded), handy for the close event. */
  readonly unitBytes = { c2s: 0, s2c: 0 };

  private constructor(path: string, fd: number | null, opts: RecordingWriterOptions) {
    super();
    this.path = path;
    this.fd = fd;
    this.created = fd !== null;
    this.highWaterMark = opts.highWaterMark ?? DEFAULT_HIGH_WATER_MARK;
    this.onError = opts.onError;
    this.redactor = opts.redact ? new Redactor() : null;
    this.maxBytes = opts.maxBytes ?? Number.POSITIVE_INFINITY;
  }

  /**
   * Creates `dir` (0700) if missing, or tightens it to 0700 when it is ours and open to others;
   * then the file with mode 0600 and flag 'wx' (never overwrites).
   * Rejects only on a bad session id; a disk error resolves a failed writer and reports it once.
   */
  static async open(dir: string, header: RecordHeader, opts: RecordingWriterOptions = {}): Promise<RecordingWriter> {
    if (!SESSION_ID_PATTERN.test(header.session)) {
      throw new MailtapError('E_RECORDING_WRITE', `invalid session id ${JSON.stringify(header.session)}: only letters, digits, "_" and "-" are allowed`);
    }
    const path = join(dir, recordingFileName(header));
    let fd: number | null = null;
    let headerBytes = 0;
    try {
      fd = await openInPrivateDir(dir, path);
      const line = Buffer.from(JSON.stringify(opts.redact ? redactHeader(header) : header) + '\n', 'utf8');
      await writeAll(fd, [line]);
      headerBytes = line.length;
    } catch (err) {
      const writer = new RecordingWriter(path, null, opts);
      if (fd !== null) await closeFile(fd).catch(() => undefined);
      writer.fail(err, 'cannot create the recording');
      return writer;
    }
    const writer = new RecordingWriter(path, fd, opts);
    writer.recordedBytes = headerBytes;
    return writer;
  }

  get failed(): boolean {
    return this.failure !== null;
  }

  get error(): MailtapError | null {
    return this.failure;
  }

  /** Bytes accepted by write() and not yet confirmed on disk (bounded when callers honour needsDrain). */
  get bufferedBytes(): number {
    return this.pendingBytes + this.inflightBytes;
  }

  get needsDrain(): boolean {
    return this.pendingBytes + this.inflightBytes > this.highWaterMark;
  }

  write(input: RecordEvent): void {
    if (this.failure || this.closing) {
      this.dropped++;
      return;
    }
    let event = this.redactor ? this.redactor.event(input) : input;
    let bytes = 0;
    if (event.dir !== 'proxy' && 'text' in event && event.text !== undefined) bytes = Buffer.byteLength(event.text, 'utf8');
    else if (event.dir !== 'proxy' && 'b64' in event && event.b64 !== undefined) bytes = base64Length(event.b64);
    if (event.dir !== 'proxy') this.unitBytes[event.dir] += bytes;
    if (event.type === 'close' && this.notRecorded) event = { ...event, notRecorded: this.notRecorded };
    else if (this.recordedBytes >= this.maxBytes && event.type !== 'close') {
      this.count(event, bytes);
      return;
    }
    const before = this.pendingBytes;
    this.encode(event);
    this.recordedBytes += this.pendingBytes - before;
    if (this.needsDrain) this.drainWanted = true;
    if (this.pendingBytes >= BATCH_BYTES) this.kick();
    else if (!this.scheduled) {
      this.scheduled = true;
      if (this.timer) this.timer.refresh();
      else this.timer = setTimeout(this.onTimer, FLUSH_MS);
    }
  }

  private readonly onTimer = (): void => {
    this.scheduled = false;
    this.kick();
  };

  /** Past the cap: the first event left out brings one `info` line saying so; the rest are counted. */
  private count(event: RecordEvent, bytes: number): void {
    if (!this.notRecorded) {
      this.notRecorded = { cap: this.maxBytes, units: 0, c2s: 0, s2c: 0, events: 0 };
      const cap = formatBytes(this.maxBytes);
      this.encode({
        t: event.t,
        dir: 'proxy',
        type: 'info',
        code: 'E_LIMIT',
        message: `recording cap of ${cap} reached (--max-recording-size): from here on units are counted, not stored; the close event has the counts`,
        note: `Recording cap of ${cap} reached: the rest of the session is counted, not stored`,
        note_es: `Alcanzado el límite de grabación de ${formatBytes(this.maxBytes, 'es')}: el resto de la sesión se cuenta, no se guarda`,
      });
    }
    if (event.dir === 'proxy') this.notRecorded.events++;
    else {
      this.notRecorded.units++;
      this.notRecorded[event.dir] += bytes;
    }
  }

  /** Writes the close event and closes the file; resolves when every line is written. Never rejects. */
  close(closeEvent: CloseEvent): Promise<void> {
    if (this.closing) return this.closing;
    this.write(closeEvent);
    this.closing = (async () => {
      await this.flushAll();
      if (this.timer) clearTimeout(this.timer);
      const fd = this.fd;
      this.fd = null;
      if (fd !== null) await closeFile(fd).catch((err: unknown) => this.fail(err, 'cannot close the recording'));
    })();
    return this.closing;
  }

  private kick(): void {
    if (!this.flushing && this.pendingBytes > 0) this.flushing = this.flushLoop();
  }

  private async flushAll(): Promise<void> {
    while (this.flushing || (this.pendingBytes > 0 && !this.failure)) {
      this.kick();
      await this.flushing;
    }
  }

  /**
   * A large base64 payload is spliced in as latin1 bytes instead of going through JSON.stringify
   * and a UTF-8 encode (base64 needs no escaping): on a big message that was a third of the CPU.
   */
  private encode(event: RecordEvent): void {
    const b64 = (event as { b64?: string }).b64;
    if (b64 !== undefined && b64.length > LARGE_B64) {
      const { b64: _payload, ...rest } = event as RecordEvent & { b64: string };
      const head = JSON.stringify(rest);
      this.push(Buffer.from(`${head.slice(0, -1)},"b64":"`, 'utf8'));
      this.push(Buffer.from(b64, 'latin1'));
      this.push(LINE_END);
    } else this.push(Buffer.from(`${JSON.stringify(event)}\n`, 'utf8'));
    this.pendingEvents += 1;
  }

  private push(buf: Buffer): void {
    this.pending.push(buf);
    this.pendingBytes += buf.length;
  }

  /** One batch in flight at a time keeps lines in order. */
  private async flushLoop(): Promise<void> {
    try {
      while (this.pendingBytes > 0 && !this.failure && this.fd !== null) {
        const batchEvents = this.pendingEvents;
        const batch = this.pending;
        this.pending = [];
        this.inflightBytes = this.pendingBytes;
        this.pendingEvents = 0;
        this.pendingBytes = 0;
        try {
          await writeAll(this.fd, batch);
        } catch (err) {
          this.dropped += batchEvents;
          this.fail(err, 'cannot write the recording');
        }
        this.inflightBytes = 0;
        this.maybeDrain();
      }
    } finally {
      this.flushing = null;
    }
  }

  private maybeDrain(): void {
    if (this.drainWanted && !this.needsDrain) {
      this.drainWanted = false;
      this.emit('drain');
    }
  }

  private fail(err: unknown, what: string): void {
    if (this.failure) return;
    this.failure = new MailtapError('E_RECORDING_WRITE', `${what} ${this.path}: ${describeError(err)}`, { cause: err });
    this.dropped += this.pendingEvents;
    this.pending = [];
    this.pendingEvents = 0;
    this.pendingBytes = 0;
    const failure = this.failure;
    if (this.onError) this.onError(failure);
    // An 'error' event with no listener would throw; the promise of "never throws" wins.
    if (this.listenerCount('error') > 0) this.emit('error', failure);
    else if (!this.onError) setImmediate(() => { if (this.listenerCount('error') > 0) this.emit('error', failure); });
    // A paused session must not wait forever for a drain that a dead file will never give.
    this.inflightBytes = 0;
    this.maybeDrain();
  }
}

/**
 * Directories made private (created 0700, or tightened) by this process: checked once, not once
 * per session (a mkdir and a stat per recording were a third of the file work of a short session).
 */
const privateDirs = new Map<string, Promise<unknown>>();

/** Opens `path` 'wx' 0600 in `dir`, making `dir` private first if this process has not yet. */
async function openInPrivateDir(dir: string, path: string): Promise<number> {
  let secured = privateDirs.get(dir);
  const known = secured !== undefined;
  if (!secured) {
    secured = privateDir(dir);
    privateDirs.set(dir, secured);
    secured.catch(() => privateDirs.delete(dir));
  }
  await secured;
  try {
    return await new Promise<number>((resolve, reject) => openFd(path, 'wx', 0o600, (err, fd) => (err ? reject(err) : resolve(fd))));
  } catch (err) {
    // Removed since it was checked: make it again, once.
    if (!known || (err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    privateDirs.delete(dir);
    return openInPrivateDir(dir, path);
  }
}

/** One write(2) for a one-buffer batch, one writev(2) otherwise; short writes are resumed. */
async function writeAll(fd: number, bufs: Buffer[]): Promise<void> {
  let rest = bufs;
  while (rest.length > 0) {
    let written = await writeSome(fd, rest);
    let i = 0;
    while (i < rest.length && written >= rest[i]!.length) written -= rest[i++]!.length;
    rest = rest.slice(i);
    if (written > 0) rest[0] = rest[0]!.subarray(written);
  }
}

/** One write(2) or writev(2) at the file's offset: bytes written. */
function writeSome(fd: number, bufs: Buffer[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const done = (err: NodeJS.ErrnoException | null, written: number) => (err ? reject(err) : resolve(written));
    if (bufs.length === 1) writeFd(fd, bufs[0]!, 0, bufs[0]!.length, null, done);
    else writevFd(fd, bufs, null, done);
  });
}

function closeFile(fd: number): Promise<void> {
  return new Promise((resolve, reject) => closeFd(fd, (err) => (err ? reject(err) : resolve())));
}

function base64Length(b64: string): number {
  const pad = b64.endsWith('==') ? 2 : b64.endsWith('=') ? 1 : 0;
  return Math.floor((b64.length * 3) / 4) - pad;
}
