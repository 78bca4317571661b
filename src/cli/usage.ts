// Helpers for option parsing: every bad argument becomes a MailtapError('E_USAGE'), which the
// program turns into one line on stderr and exit code 2.

import { InvalidArgumentError } from 'commander';
import { LOG_LEVELS, type LogLevel } from './logger.js';

export function parsePositiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError(`expected a positive whole number, got "${value}"`);
  return n;
}

export function parseLogLevel(value: string): LogLevel {
  if (!(LOG_LEVELS as readonly string[]).includes(value)) throw new InvalidArgumentError(`expected one of ${LOG_LEVELS.join(', ')}`);
  return value as LogLevel;
}

export function parseLang(value: string): 'en' | 'es' {
  if (value !== 'en' && value !== 'es') throw new InvalidArgumentError('expected en or es');
  return value;
}

/** Default annotation language from the environment's locale (LC_ALL, LC_MESSAGES, LANG). */
export function langFromEnv(env: NodeJS.ProcessEnv = process.env): 'en' | 'es' {
  const locale = env.LC_ALL || env.LC_MESSAGES || env.LANG || '';
  return /^es([_.-]|$)/i.test(locale) ? 'es' : 'en';
}

export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}
