// `--config FILE`: the same settings as the command line, as JSON. Checked in full before
// anything starts, against the command's own option definitions: a key is valid only if a flag
// exists for it, and its value goes through that flag's parser. So the file can never accept
// what the command line refuses, and a new flag is a valid key the day it is added.

import { readFile } from 'node:fs/promises';
import type { Command, Option } from 'commander';
import { MailtapError } from '../core/errors.js';

/** Keys that only the file has: they name no flag. Each value is checked by its parser. */
export type ExtraKeys = Record<string, (value: unknown) => unknown>;

export async function readConfigFile(path: string, command: Command, extra: ExtraKeys = {}): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw usage(`cannot read --config ${path}: ${(err as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw usage(`--config ${path} is not valid: ${(err as Error).message}`);
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw usage(`--config ${path} is not valid: expected a JSON object`);
  return validateConfig(parsed as Record<string, unknown>, command, path, extra);
}

export function validateConfig(raw: Record<string, unknown>, command: Command, path: string, extra: ExtraKeys = {}): Record<string, unknown> {
  const options = new Map<string, Option>();
  for (const o of command.options) if (o.attributeName() !== 'config') options.set(o.attributeName(), o);
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(raw)) {
    const fail = (why: string) => usage(`--config ${path}: "${key}" ${why}`);
    const check = extra[key];
    if (check) {
      try {
        out[key] = check(value);
      } catch (err) {
        throw fail((err as Error).message);
      }
      continue;
    }
    const option = options.get(key);
    if (!option) {
      const known = [...options.keys(), ...Object.keys(extra)].sort().join(', ');
      throw usage(`--config ${path}: unknown setting "${key}" (known: ${known})`);
    }
    out[key] = optionValue(option, value, fail);
  }
  return out;
}

function optionValue(option: Option, value: unknown, fail: (why: string) => Error): unknown {
  const takesValue = option.required || option.optional;
  if (!takesValue) {
    if (typeof value !== 'boolean') throw fail(`must be true or false (flag ${option.long})`);
    return value;
  }
  const parse = (item: unknown, previous: unknown): unknown => {
    if (typeof item !== 'string' && typeof item !== 'number') throw fail(`must be a string or a number, like the value of ${option.long}`);
    const text = String(item);
    if (!option.parseArg) return text;
    try {
      return option.parseArg(text, previous);
    } catch (err) {
      throw fail((err as Error).message);
    }
  };
  // Repeatable flags (collected into a list) take a JSON list; each item through the parser.
  if (isRepeatable(option)) {
    if (!Array.isArray(value)) throw fail(`must be a list, e.g. ["…"] (flag ${option.long} is repeatable)`);
    let acc: unknown = undefined;
    for (const item of value) acc = parse(item, acc);
    return acc ?? [];
  }
  return parse(value, option.defaultValue);
}

function isRepeatable(option: Option): boolean {
  if (option.variadic) return true;
  // Our repeatable flags parse with `collect`, which turns (value, undefined) into [value].
  if (!option.parseArg) return false;
  try {
    return Array.isArray(option.parseArg('x', undefined));
  } catch {
    return false;
  }
}

function usage(message: string): MailtapError {
  return new MailtapError('E_USAGE', message, { side: 'user' });
}
