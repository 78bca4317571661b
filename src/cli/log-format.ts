// How logs and colours reach a terminal (SPEC second wave): on a TTY, one human line per log
// record, as swaks prints its own trouble; JSON (pino's own lines) when stderr is a file or a
// pipe, or with --log-format json. Colour only on a TTY, never with --no-color or NO_COLOR
// (https://no-color.org: any non-empty value).

import { InvalidArgumentError, type Command } from 'commander';
import { escapeControl } from '../core/bytes.js';

export type LogFormat = 'pretty' | 'json';

export function parseLogFormat(value: string): LogFormat {
  if (value !== 'pretty' && value !== 'json') throw new InvalidArgumentError('expected pretty or json');
  return value;
}

/** `--log-format` and `--no-color`, worded as every command that logs words them. */
export function addLogFormatOptions(command: Command): Command {
  return command
    .option('--log-format <format>', 'logs on stderr: pretty (default on a terminal) or json (default otherwise)', parseLogFormat)
    .option('--no-color', 'no ANSI colours (also when NO_COLOR is set; colour is only ever used on a terminal)');
}

/** The format actually used: the option when given, else pretty on a terminal and JSON elsewhere. */
export function chooseLogFormat(option: LogFormat | undefined, stderrIsTty: boolean): LogFormat {
  return option ?? (stderrIsTty ? 'pretty' : 'json');
}

/** Colour for a stream: only a TTY, and neither --no-color (`color: false`) nor NO_COLOR. */
export function useColor(option: boolean | undefined, isTty: boolean | undefined, env: NodeJS.ProcessEnv = process.env): boolean {
  return option !== false && isTty === true && !env.NO_COLOR;
}

const LEVELS: Record<number, [string, string]> = {
  10: ['TRACE', '2'],
  20: ['DEBUG', '2'],
  30: ['INFO', '36'],
  40: ['WARN', '33'],
  50: ['ERROR', '31'],
  60: ['FATAL', '1;31'],
};
const SKIP = new Set(['level', 'time', 'pid', 'hostname', 'app', 'msg', 'v']);

/** One pino JSON record as a human line: `*** WARN #a1b2 E_UPSTREAM_TLS: message`. */
export function prettyLogLine(json: string, color: boolean): string {
  let rec: Record<string, unknown>;
  try {
    rec = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json.endsWith('\n') ? json : `${json}\n`;
  }
  const [name, code] = LEVELS[rec.level as number] ?? ['LOG', '0'];
  const paint = (c: string, s: string) => (color ? `\x1b[${c}m${s}\x1b[0m` : s);
  const session = typeof rec.session === 'string' ? ` #${rec.session}` : '';
  const errCode = typeof rec.code === 'string' ? ` ${rec.code}` : '';
  const msg = String(rec.msg ?? '');
  const extra: string[] = [];
  for (const [k, v] of Object.entries(rec)) {
    if (SKIP.has(k) || k === 'session' || k === 'code') continue;
    // The message usually says the error already: do not print it twice.
    if (k === 'err' && typeof v === 'string' && msg.includes(v)) continue;
    extra.push(`${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`);
  }
  const tail = extra.length ? ` (${extra.join(', ')})` : '';
  // Log records quote peers: control characters never reach the terminal raw.
  return `${paint(code, `*** ${name}`)}${escapeControl(`${session}${errCode}: ${msg}${tail}`)}\n`;
}

/** A pino destination that writes pretty lines to stderr, synchronously (one line per write). */
export function prettyDestination(color: boolean, write: (s: string) => void = (s) => void process.stderr.write(s)): { write(chunk: string): void } {
  return {
    write(chunk: string) {
      for (const line of chunk.split('\n')) if (line) write(prettyLogLine(line, color));
    },
  };
}
