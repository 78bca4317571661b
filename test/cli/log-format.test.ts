import { describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { chooseLogFormat, prettyDestination, prettyLogLine, useColor } from '../../src/cli/log-format.js';

describe('logs a person reads', () => {
  it('pretty on a terminal, JSON elsewhere, the option wins', () => {
    expect(chooseLogFormat(undefined, true)).toBe('pretty');
    expect(chooseLogFormat(undefined, false)).toBe('json');
    expect(chooseLogFormat('json', true)).toBe('json');
    expect(chooseLogFormat('pretty', false)).toBe('pretty');
  });

  it('colour only on a TTY, never with --no-color or NO_COLOR', () => {
    expect(useColor(undefined, true, {})).toBe(true);
    expect(useColor(undefined, false, {})).toBe(false);
    expect(useColor(false, true, {})).toBe(false);
    expect(useColor(undefined, true, { NO_COLOR: '1' })).toBe(false);
  });

  it('a pino record becomes one human line, no JSON', () => {
    const lines: string[] = [];
    const log = pino({ level: 'warn', base: { app: 'mailtap' } }, prettyDestination(false, (s) => lines.push(s)));
    log.warn({ session: 'a1b2', code: 'E_UPSTREAM_TLS', err: 'upstream TLS failed: self-signed certificate' }, 'upstream TLS failed: self-signed certificate');
    expect(lines).toEqual(['*** WARN #a1b2 E_UPSTREAM_TLS: upstream TLS failed: self-signed certificate\n']);
    expect(prettyLogLine('{"level":50,"msg":"x","port":25}', true)).toBe('\x1b[31m*** ERROR\x1b[0m: x (port=25)\n');
  });
});
