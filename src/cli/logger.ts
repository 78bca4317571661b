// The root logger. Operational logs go to stderr as pino JSON lines; stdout belongs to the live
// view and command output. Only the CLI creates it; libraries receive a child or nothing.

import { pino, type Logger } from 'pino';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

export function createLogger(level: LogLevel = 'warn'): Logger {
  return pino({ level, base: { app: 'mailtap' } }, pino.destination({ fd: 2, sync: false }));
}

export type { Logger };
