// The root logger. Operational logs go to stderr: one human line per record on a terminal, pino
// JSON lines otherwise or with --log-format json (log-format.ts); stdout belongs to the live view
// and command output. Only the CLI creates it; libraries receive a child or nothing.

import { pino, type Logger } from 'pino';
import { terminalSafeJson } from '../core/bytes.js';
import { chooseLogFormat, prettyDestination, useColor, type LogFormat } from './log-format.js';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

export interface LoggerOptions {
  format?: LogFormat;
  /** false with --no-color. */
  color?: boolean;
}

export function createLogger(level: LogLevel = 'warn', options: LoggerOptions = {}): Logger {
  const tty = process.stderr.isTTY === true;
  // Log lines quote peers (greetings, EHLO names, reasons): C1 and bidi controls go out as \uNNNN.
  const base = { level, base: { app: 'mailtap' }, hooks: { streamWrite: terminalSafeJson } };
  if (chooseLogFormat(options.format, tty) === 'json') return pino(base, pino.destination({ fd: 2, sync: false }));
  return pino(base, prettyDestination(useColor(options.color, tty)));
}

export type { Logger };
