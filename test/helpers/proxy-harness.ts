// Starts a real mailtap proxy on 127.0.0.1 port 0 for a test, collecting every session's events
// through the observer, and closing everything afterwards.

import { parseRoute } from '../../src/core/mail-url.js';
import { startProxy, type ProxyHandle, type ProxyOptions } from '../../src/session/proxy.js';
import type { CloseEvent, RecordEvent, RecordHeader } from '../../src/record/schema.js';
import { makeTempDir, type TestPki } from './pki.js';

export interface SessionLog {
  header: RecordHeader;
  events: RecordEvent[];
  close?: CloseEvent;
  recordingPath?: string;
}

export interface TestProxy {
  handle: ProxyHandle;
  port(index?: number): number;
  recordingsDir: string;
  sessions: Map<string, SessionLog>;
  /** Resolves when `count` sessions have ended. */
  ended(count?: number): Promise<SessionLog[]>;
  close(): Promise<void>;
}

export async function startTestProxy(pki: TestPki, routes: string[], options: Partial<ProxyOptions> = {}): Promise<TestProxy> {
  const recordings = await makeTempDir('mailtap-rec-');
  const sessions = new Map<string, SessionLog>();
  const waiters: { count: number; resolve: (s: SessionLog[]) => void }[] = [];
  const endedLogs: SessionLog[] = [];
  const handle = await startProxy({
    routes: routes.map(parseRoute),
    ca: pki.mailtapCa,
    upstreamCa: [pki.upstreamCaFile],
    recordings: recordings.dir,
    ...options,
    observer: {
      start: (id, header) => sessions.set(id, { header, events: [] }),
      event: (id, ev) => sessions.get(id)?.events.push(ev),
      end: (id, close, path) => {
        const log = sessions.get(id)!;
        log.close = close;
        log.recordingPath = path;
        endedLogs.push(log);
        for (const w of [...waiters]) {
          if (endedLogs.length >= w.count) {
            waiters.splice(waiters.indexOf(w), 1);
            w.resolve(endedLogs.slice(0, w.count));
          }
        }
      },
    },
  });
  return {
    handle,
    port: (i = 0) => handle.listeners[i]!.port,
    recordingsDir: recordings.dir,
    sessions,
    ended: (count = 1) =>
      endedLogs.length >= count ? Promise.resolve(endedLogs.slice(0, count)) : new Promise((resolve) => waiters.push({ count, resolve })),
    async close() {
      await handle.close();
      await recordings.cleanup();
    },
  };
}

/** The units of one direction joined: what travelled that way. */
export function unitText(log: SessionLog, dir: 'c2s' | 's2c'): string {
  return log.events
    .filter((e) => e.dir === dir && 'text' in e)
    .map((e) => (e as { text: string }).text)
    .join('');
}
