// The NSS key log (the SSLKEYLOGFILE format curl, Firefox and Chrome write): one line per TLS
// secret, from Node's 'keylog' event on both legs of every session, so Wireshark or tshark can
// decrypt a capture. One writer per process, mode 0600, appended; lines are queued and written
// in order by a single stream, so a slow disk never blocks the relay (a full queue drops lines
// and says so once, rather than holding memory).

import { createWriteStream, chmodSync, type WriteStream } from 'node:fs';
import { resolve } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { MailtapError } from '../core/errors.js';

/** Bytes queued for the disk before lines are dropped (a line is about 200 bytes). */
const MAX_QUEUED_BYTES = 4 * 1024 * 1024;

export class KeylogSink {
  private dropped = 0;
  private failed: Error | null = null;
  private readonly warn: (message: string) => void;

  private constructor(
    readonly path: string,
    private readonly stream: WriteStream,
    warn?: (message: string) => void,
  ) {
    this.warn = warn ?? (() => {});
    stream.on('error', (err) => {
      if (!this.failed) this.warn(`key log ${path}: ${err.message}; no more keys are written`);
      this.failed = err;
    });
  }

  /** Opens (creating it 0600 if missing) the file to append to. */
  static open(path: string, warn?: (message: string) => void): Promise<KeylogSink> {
    return new Promise((resolveOpen, reject) => {
      const stream = createWriteStream(path, { flags: 'a', mode: 0o600 });
      stream.once('error', (err) => reject(new MailtapError('E_KEYLOG', `cannot open the key log ${path}: ${err.message}`, { side: 'user', cause: err })));
      stream.once('open', () => {
        // `mode` applies only when the file is created; a key log must never be readable by others.
        try {
          chmodSync(path, 0o600);
        } catch {
          // Not ours to chmod (another user's file we may append to): leave it.
        }
        resolveOpen(new KeylogSink(path, stream, warn));
      });
    });
  }

  /** One key log line (Node gives it with its newline). Never blocks; drops when the disk lags far behind. */
  write(line: Buffer): void {
    if (this.failed) return;
    if (this.stream.writableLength > MAX_QUEUED_BYTES) {
      if (this.dropped++ === 0) this.warn(`key log ${this.path}: the disk lags behind; key lines are being dropped`);
      return;
    }
    this.stream.write(line);
  }

  /** Logs the keys of `socket` (either leg) from now on; call before its handshake starts. */
  attach(socket: TLSSocket): void {
    socket.on('keylog', (line: Buffer) => this.write(line));
  }

  close(): Promise<void> {
    return new Promise((done) => this.stream.end(done));
  }
}

let active: KeylogSink | null = null;
let opening: Promise<KeylogSink> | null = null;

/**
 * The process's key log: opened on the first call, the same sink afterwards. Asking for a
 * different file than the one already open is a mistake (one writer per process).
 */
export async function useKeylog(path: string, warn?: (message: string) => void): Promise<KeylogSink> {
  const full = resolve(path);
  if (opening) {
    const sink = await opening;
    if (sink.path !== full) throw new MailtapError('E_KEYLOG', `a key log is already open (${sink.path}); one per process`);
    return sink;
  }
  opening = KeylogSink.open(full, warn);
  try {
    active = await opening;
  } catch (err) {
    opening = null;
    throw err;
  }
  return active;
}

/** The open key log, if any: tls-wrap attaches every TLS socket it makes to it. */
export function activeKeylog(): KeylogSink | null {
  return active;
}

/** Closes the process's key log (tests, shutdown). */
export async function closeKeylog(): Promise<void> {
  const sink = active;
  active = null;
  opening = null;
  await sink?.close();
}
