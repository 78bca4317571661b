// Reads a recording back: validates every line, accepts a cut-off last line (the prefix a crash
// leaves) and says whether the session was closed. Lines are split on raw bytes as the file
// streams in, so a large recording is never held as one string; a line longer than
// `maxRecordingLineBytes` is refused before it is buffered whole (a hostile file, not ours).

import { createReadStream } from 'node:fs';
import { formatBytes } from '../core/bytes.js';
import { MailtapError, describeError, isMailtapError } from '../core/errors.js';
import { DEFAULT_LIMITS } from '../core/limits.js';
import { joinPartials } from './partials.js';
import { isRecordHeader, isUnitRecord, parseRecordLine, type RecordEvent, type RecordHeader } from './schema.js';
import { unitBytes } from './unit-bytes.js';

export interface Recording {
  path: string;
  header: RecordHeader;
  events: RecordEvent[];
  /** The last event is `close`. */
  complete: boolean;
  /** The last line was cut off (a crash or a kill mid-write) and was left out. */
  truncated: boolean;
}

export interface ReadOptions {
  /** Longest line accepted (default `DEFAULT_LIMITS.maxRecordingLineBytes`). */
  maxLineBytes?: number;
  /**
   * `join` (default): a line forwarded in pieces before it was complete reads as the one unit it
   * became (partials.ts). `keep`: the events exactly as recorded.
   */
  partials?: 'join' | 'keep';
}

export async function readRecording(path: string, options: ReadOptions = {}): Promise<Recording> {
  const maxLineBytes = options.maxLineBytes ?? DEFAULT_LIMITS.maxRecordingLineBytes;
  const invalid = (why: string, cause?: unknown, whyEs?: string) =>
    new MailtapError('E_RECORDING_INVALID', `${path} is not a valid mailtap recording: ${why}`, {
      side: 'user',
      cause,
      ...(whyEs ? { es: `${path} no es una grabación de mailtap válida: ${whyEs}` } : {}),
    });
  let header: RecordHeader | null = null;
  const events: RecordEvent[] = [];
  let lineNo = 0;
  const take = (text: string): void => {
    lineNo++;
    // A whole line (it ended in a newline) must be valid; only the unterminated tail may be cut off.
    if (text.trim() !== '') accept({ text, n: lineNo });
  };
  const accept = ({ text, n }: { text: string; n: number }): void => {
    const parsed = parseRecordLine(text, n);
    if (header === null) {
      if (!isRecordHeader(parsed)) throw invalid(`line ${n}: the first line is not a recording header`);
      header = parsed;
    } else if (isRecordHeader(parsed)) {
      throw invalid(`line ${n}: a second header`);
    } else {
      events.push(parsed);
    }
  };

  // The start of the current line, as the chunks it came in: each byte is searched once and
  // copied once (when the line ends), so reading is linear in the file size whatever the lines.
  let parts: Buffer[] = [];
  let partsLength = 0;
  const tooLong = () =>
    invalid(
      `line ${lineNo + 1} is longer than ${formatBytes(maxLineBytes)} (the reader's limit; mailtap never writes lines that long)`,
      undefined,
      `la línea ${lineNo + 1} supera ${formatBytes(maxLineBytes, 'es')} (el límite del lector; mailtap nunca escribe líneas tan largas)`,
    );
  try {
    for await (const data of createReadStream(path)) {
      const chunk = data as Buffer;
      let from = 0;
      for (let nl = chunk.indexOf(0x0a, from); nl >= 0; nl = chunk.indexOf(0x0a, from)) {
        if (partsLength + (nl - from) > maxLineBytes) throw tooLong();
        if (partsLength === 0) take(chunk.toString('utf8', from, nl));
        else {
          parts.push(chunk.subarray(from, nl));
          take(Buffer.concat(parts, partsLength + (nl - from)).toString('utf8'));
          parts = [];
          partsLength = 0;
        }
        from = nl + 1;
      }
      if (from < chunk.length) {
        partsLength += chunk.length - from;
        if (partsLength > maxLineBytes) throw tooLong();
        parts.push(chunk.subarray(from));
      }
    }
  } catch (err) {
    if (isMailtapError(err)) throw err.code === 'E_RECORDING_INVALID' && !err.message.startsWith(path) ? invalid(err.message, err, err.messageEs) : err;
    throw invalid(`cannot read it (${describeError(err)})`, err);
  }

  let truncated = false;
  try {
    if (partsLength > 0) {
      lineNo++;
      try {
        accept({ text: Buffer.concat(parts, partsLength).toString('utf8'), n: lineNo });
      } catch (err) {
        // A cut-off last line is what a crash leaves; but a file that is nothing but one bad line is not a recording.
        if (header === null) throw err;
        truncated = true;
      }
    }
  } catch (err) {
    throw isMailtapError(err) && err.message.startsWith(path) ? err : invalid(isMailtapError(err) ? err.message : describeError(err), err, isMailtapError(err) ? err.messageEs : undefined);
  }
  if (header === null) throw invalid(lineNo === 0 ? 'the file is empty' : 'no header line');
  const last = events[events.length - 1];
  const read = options.partials === 'keep' ? events : joinPartials(events);
  return { path, header, events: read, complete: last?.type === 'close', truncated };
}

export { unitBytes };

/** The exact byte stream of one direction (its unit bytes, concatenated in order). */
export function streamBytes(rec: Recording, dir: 'c2s' | 's2c'): Buffer {
  const parts: Buffer[] = [];
  for (const ev of rec.events) if (ev.dir === dir && isUnitRecord(ev)) parts.push(unitBytes(ev));
  return Buffer.concat(parts);
}
