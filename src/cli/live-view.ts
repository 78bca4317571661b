// The proxy's live view: turns session events into terminal lines (human transcript, one JSON
// object per line with --json, or just session start/end with --quiet). Writes to stdout only.

import type { SessionObserver } from '../session/session.js';
import { TranscriptRenderer } from '../record/render-text.js';
import { redactEvent } from '../record/redact.js';
import { escapeControl, terminalSafeJson } from '../core/bytes.js';
import { mailtapMessage } from '../record/messages-es.js';

/** The live view's own lines, in both languages. */
export const VIEW_WORDS = {
  en: { closed: 'closed', recording: 'recording', listening: 'listening on', ca: 'CA', trust: 'trust it: mailtap ca show', shuttingDown: 'shutting down: finishing sessions and recordings' },
  es: { closed: 'cerrada', recording: 'grabación', listening: 'escuchando en', ca: 'CA', trust: 'para confiar en ella: mailtap ca show', shuttingDown: 'cerrando: se terminan las sesiones y las grabaciones' },
};

export interface LiveViewOptions {
  mode: 'human' | 'json' | 'quiet';
  lang: 'en' | 'es';
  redact: boolean;
  color: boolean;
  out?: (text: string) => void;
}

const RECORDING = {
  en: {
    saved: (id: string, path: string) => `=== #${id} recording: ${path}`,
    incomplete: (id: string, path: string, why: string) => `*** #${id} recording incomplete (${path}): ${why}`,
    failed: (id: string, why: string) => `*** #${id} recording failed, the session was not recorded: ${why}`,
  },
  es: {
    saved: (id: string, path: string) => `=== #${id} grabación: ${path}`,
    incomplete: (id: string, path: string, why: string) => `*** #${id} grabación incompleta (${path}): ${why}`,
    failed: (id: string, why: string) => `*** #${id} no se pudo grabar la sesión: ${why}`,
  },
};

/** The line that says where the recording is, or that there is none (only when one was asked for). */
function recordingLine(lang: 'en' | 'es', id: string, path: string | undefined, error: string | undefined): string {
  const t = RECORDING[lang];
  if (path !== undefined) return error === undefined ? t.saved(id, path) : t.incomplete(id, path, error);
  return error === undefined ? '' : t.failed(id, error);
}

export function createLiveView(options: LiveViewOptions): SessionObserver {
  const out = options.out ?? ((text: string) => void process.stdout.write(text));
  const renderers = new Map<string, TranscriptRenderer>();
  const print = (text: string) => {
    if (text) out(text.endsWith('\n') ? text : `${text}\n`);
  };
  // Human lines built here (not by the renderer) quote peer-chosen text too.
  const printSafe = (text: string) => print(escapeControl(text));
  if (options.mode === 'json') {
    return {
      start: (_id, header) => print(terminalSafeJson(JSON.stringify(header))),
      event: (id, ev) => print(terminalSafeJson(JSON.stringify({ session: id, ...(options.redact ? redactEvent(ev) : ev) }))),
    };
  }
  if (options.mode === 'quiet') {
    return {
      start: (id, header) => printSafe(`=== #${id} ${header.client.address}:${header.client.port} → ${header.upstream}`),
      end: (id, close, path, error) => {
        printSafe(`=== #${id} ${VIEW_WORDS[options.lang].closed}: ${mailtapMessage(close.reason, options.lang)} (c2s ${close.bytes.c2s} B, s2c ${close.bytes.s2c} B)${path ? ` → ${path}` : ''}`);
        if (error !== undefined) printSafe(recordingLine(options.lang, id, path, error));
      },
    };
  }
  return {
    start: (id, header) => {
      const r = new TranscriptRenderer({ lang: options.lang, color: options.color, redact: options.redact, sessionLabel: `#${id} ` });
      renderers.set(id, r);
      print(r.header(header));
    },
    event: (id, ev) => {
      const r = renderers.get(id);
      if (r) print(r.event(ev));
    },
    end: (id, _close, path, error) => {
      renderers.delete(id);
      printSafe(recordingLine(options.lang, id, path, error));
    },
  };
}
