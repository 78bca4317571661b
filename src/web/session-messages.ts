// The messages of one session for the web view, through the export's extraction
// (export/messages.ts), so the page's message N is the .eml export's message N (1-based) and the
// bytes are the same. Events still whole in memory are scanned there; a session whose bodies the
// store only counted (or that came from a file) is read from its recording, streamed.

import { listMessages, messagesInEvents, readMessage, type MessageMeta } from '../export/messages.js';
import type { RecordEvent } from '../record/schema.js';
import type { StoredSession } from './store.js';

export class NotKeptError extends Error {}

/** The session's events when every byte of them is in memory, else null. */
export function wholeEvents(stored: StoredSession): readonly RecordEvent[] | null {
  return !stored.events || stored.eventsCut || stored.elided ? null : stored.events;
}

function recordingOf(stored: StoredSession): string {
  if (!stored.recordingPath) throw new NotKeptError('this session was not recorded (--no-record) and its bytes were not kept in memory');
  return stored.recordingPath;
}

export async function sessionMessages(stored: StoredSession): Promise<MessageMeta[]> {
  const events = wholeEvents(stored);
  return events ? messagesInEvents(stored.header, events).metas : listMessages(recordingOf(stored));
}

/** Message `n` (1-based) with its bytes, or null when the session has no such message. */
export async function sessionMessage(stored: StoredSession, n: number): Promise<{ meta: MessageMeta; bytes: Buffer } | null> {
  const events = wholeEvents(stored);
  if (!events) return readMessage(recordingOf(stored), n);
  const { metas, bytes } = messagesInEvents(stored.header, events, n);
  const meta = metas.find((m) => m.n === n);
  return meta && bytes ? { meta, bytes } : null;
}
