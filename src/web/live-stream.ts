// Server-Sent Events for the web view, batched: the list page hears "something changed" at most
// every LIST_BATCH_MS and re-reads its page; a session page gets its transcript entries in
// batches every SESSION_BATCH_MS, built only then and only for a page that is open. With no page
// open the proxy's only cost is the store's bookkeeping. A slow browser is never buffered for:
// its cursor just waits for `drain`.

import type { ServerResponse } from 'node:http';
import type { Lang } from '../core/note.js';
import type { RecordEvent } from '../record/schema.js';
import { sealRecord, type SessionStore } from './store.js';
import { localizeSummary } from './summary.js';
import { TranscriptFeed, type WebEntry } from './transcript-feed.js';

export const LIST_BATCH_MS = 250;
export const SESSION_BATCH_MS = 100;
/** Events turned into entries per batch, so one batch never holds the event loop for long. */
export const EVENTS_PER_BATCH = 2000;
const HEARTBEAT_MS = 15_000;

export function openSse(res: ServerResponse): void {
  res.writeHead(200, { 'Content-Type': 'text/event-stream; charset=utf-8', Connection: 'keep-alive', 'X-Accel-Buffering': 'no' });
  res.write(': mailtap\n\n');
  const beat = setInterval(() => res.write(': beat\n\n'), HEARTBEAT_MS);
  beat.unref();
  res.on('close', () => clearInterval(beat));
}

function send(res: ServerResponse, event: string, data: unknown): boolean {
  return res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
}

/** The list page: one `changed` event per batch while sessions come and go. */
export function streamList(res: ServerResponse, store: SessionStore): void {
  openSse(res);
  let timer: NodeJS.Timeout | undefined;
  const unsubscribe = store.subscribe(() => {
    timer ??= setTimeout(() => {
      timer = undefined;
      send(res, 'changed', { version: store.version, total: store.size });
    }, LIST_BATCH_MS);
  });
  res.on('close', () => {
    unsubscribe();
    clearTimeout(timer);
  });
}

/**
 * One session page: the header entries, then every event's entries, in batches, live while the
 * session is open; `end` once it is closed and sent. `loadEvents` reads the recording when the
 * store holds no events for it (a file, or an old session).
 */
export function streamSession(res: ServerResponse, store: SessionStore, id: string, lang: Lang, loadEvents: () => Promise<RecordEvent[]>): void {
  const stored = store.get(id)!;
  const feed = new TranscriptFeed(lang);
  let events: readonly RecordEvent[] | null = stored.events;
  let cursor = 0;
  let timer: NodeJS.Timeout | undefined;
  let ended = false;
  let waitingDrain = false;
  openSse(res);
  send(res, 'entries', { entries: feed.header(stored.header), summary: localizeSummary(stored.summary, lang) });

  const flush = () => {
    timer = undefined;
    if (ended || waitingDrain || !events) return;
    const upto = Math.min(events.length, cursor + EVENTS_PER_BATCH);
    const entries: WebEntry[] = [];
    // Reading a record seals it: the store adds no more bytes to what this page has shown.
    for (; cursor < upto; cursor++) for (const e of feed.event(sealRecord(events[cursor]!))) entries.push(e);
    const caughtUp = cursor >= events.length;
    const closed = stored.summary.closed && caughtUp && stored.events === events;
    const fromFile = events !== stored.events && caughtUp;
    if (closed || fromFile) for (const e of feed.finish()) entries.push(e);
    const ok = entries.length === 0 ? true : send(res, 'entries', { entries, summary: localizeSummary(stored.summary, lang) });
    if (closed || fromFile) {
      send(res, 'end', { summary: localizeSummary(stored.summary, lang), cut: stored.eventsCut });
      finish();
      return;
    }
    if (!ok) {
      waitingDrain = true;
      res.once('drain', () => {
        waitingDrain = false;
        schedule(0);
      });
    } else if (!caughtUp) schedule(0);
  };
  const schedule = (ms: number) => {
    timer ??= setTimeout(flush, ms);
  };
  const unsubscribe = store.subscribe((changed) => {
    if (changed === id) schedule(SESSION_BATCH_MS);
  });
  const finish = () => {
    ended = true;
    unsubscribe();
    clearTimeout(timer);
    res.end();
  };
  res.on('close', () => {
    ended = true;
    unsubscribe();
    clearTimeout(timer);
  });

  if (events) schedule(0);
  else {
    loadEvents().then(
      (loaded) => {
        events = loaded;
        schedule(0);
      },
      (err: unknown) => {
        send(res, 'failure', { message: err instanceof Error ? err.message : String(err) });
        finish();
      },
    );
  }
}
