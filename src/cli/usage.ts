// Helpers for option parsing: every bad argument becomes a MailtapError('E_USAGE'), which the
// program turns into one line on stderr and exit code 2.

import { InvalidArgumentError } from 'commander';
import { LOG_LEVELS, type LogLevel } from './logger.js';

export function parsePositiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError(`expected a positive whole number, got "${value}"`);
  return n;
}

/** A size like `64M`, `1G`, `512K`, `1.5GiB` or plain bytes (powers of 1024). */
export function parseSize(value: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(?:i?b)?\s*$/i.exec(value);
  const unit = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 }[(m?.[2] ?? '').toLowerCase() as '' | 'k' | 'm' | 'g' | 't'];
  const n = m ? Math.floor(Number(m[1]) * unit) : NaN;
  if (!Number.isSafeInteger(n) || n <= 0) throw new InvalidArgumentError(`expected a size such as 64M, 1G or 1048576, got "${value}"`);
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
