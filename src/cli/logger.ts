// The root logger. Operational logs go to stderr as pino JSON lines; stdout belongs to the live
// view and command output. Only the CLI creates it; libraries receive a child or nothing.

import { pino, type Logger } from 'pino';
import { terminalSafeJson } from '../core/bytes.js';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

export function createLogger(level: LogLevel = 'warn'): Logger {
  // Log lines quote peers (greetings, EHLO names, reasons): C1 and bidi controls go out as \uNNNN.
  return pino({ level, base: { app: 'mailtap' }, hooks: { streamWrite: terminalSafeJson } }, pino.destination({ fd: 2, sync: false }));
}

export type { Logger };
