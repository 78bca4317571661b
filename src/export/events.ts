// Reads a recording as a stream of events, one line at a time, so an export of a recording that
// carried a 64 MiB message never holds it whole (record/reader.ts keeps every event in memory,
// which suits `show`, not an export). A cut-off last line, as a crash leaves, is skipped.

import { createReadStream } from 'node:fs';
import { MailtapError, describeError } from '../core/errors.js';
import { PartialJoiner } from '../record/partials.js';
import { isRecordHeader, parseRecordLine, type RecordEvent, type RecordHeader } from '../record/schema.js';

export interface EventStream {
  header: RecordHeader;
  events: AsyncIterable<RecordEvent>;
}

/**
 * `partials: 'join'` (default): a line forwarded in pieces reads as the unit it became
 * (record/partials.ts); `keep`: as written, each piece at the time it went out (pcapng packets).
 */
export async function openEvents(path: string, options: { partials?: 'join' | 'keep' } = {}): Promise<EventStream> {
  const lines = readLines(path)[Symbol.asyncIterator]();
  let first: IteratorResult<{ text: string; terminated: boolean }>;
  try {
    first = await lines.next();
  } catch (err) {
    throw new MailtapError('E_RECORDING_INVALID', `cannot read ${path}: ${describeError(err)}`, { side: 'user', cause: err });
  }
  const parsed = first.done ? null : safeParse(first.value.text, 1);
  if (!parsed || !isRecordHeader(parsed)) throw new MailtapError('E_RECORDING_INVALID', `${path} is not a valid mailtap recording: no header line`, { side: 'user' });
  async function* events(): AsyncGenerator<RecordEvent> {
    let n = 1;
    for (let next = await lines.next(); !next.done; next = await lines.next()) {
      n++;
      const { text, terminated } = next.value;
      if (text.trim() === '') continue;
      if (!terminated) {
        const ev = safeParse(text, n);
        if (ev && !isRecordHeader(ev)) yield ev;
        return;
      }
      const ev = parseRecordLine(text, n);
      if (isRecordHeader(ev)) throw new MailtapError('E_RECORDING_INVALID', `${path}: line ${n}: a second header`, { side: 'user' });
      yield ev;
    }
  }
  return { header: parsed, events: options.partials === 'keep' ? events() : joined(events()) };
}

async function* joined(events: AsyncIterable<RecordEvent>): AsyncGenerator<RecordEvent> {
  const joiner = new PartialJoiner();
  for await (const ev of events) yield* joiner.push(ev);
  yield* joiner.flush();
}

function safeParse(text: string, n: number): RecordHeader | RecordEvent | null {
  try {
    return parseRecordLine(text, n);
  } catch {
    return null;
  }
}

async function* readLines(path: string): AsyncGenerator<{ text: string; terminated: boolean }> {
  let rest: Buffer = Buffer.alloc(0);
  for await (const chunk of createReadStream(path, { highWaterMark: 256 * 1024 })) {
    const buf = rest.length > 0 ? Buffer.concat([rest, chunk as Buffer]) : (chunk as Buffer);
    let from = 0;
    for (let nl = buf.indexOf(0x0a, from); nl >= 0; nl = buf.indexOf(0x0a, from)) {
      yield { text: buf.toString('utf8', from, nl), terminated: true };
      from = nl + 1;
    }
    rest = Buffer.from(buf.subarray(from));
  }
  if (rest.length > 0) yield { text: rest.toString('utf8'), terminated: false };
}
