// `mailtap show RECORDING`: prints a recording as an annotated text transcript (colored on a
// terminal), a Markdown document, or a JSON array (header + events). --redact masks secrets in
// every format. A file that is not a recording is one line on stderr and exit code 1.

import { Option, type Command } from 'commander';
import { readRecording } from '../../record/reader.js';
import { collectSecrets, Redactor, redactHeader } from '../../record/redact.js';
import { renderMarkdown } from '../../record/render-md.js';
import { TranscriptRenderer } from '../../record/render-text.js';
import { langFromEnv, parseLang } from '../usage.js';
import { terminalSafeJson } from '../../core/bytes.js';

interface ShowOptions {
  format: 'text' | 'md' | 'json';
  lang?: 'en' | 'es';
  redact?: boolean;
  color?: boolean;
}

export function register(program: Command): void {
  program
    .command('show')
    .description('print the annotated transcript of a recording')
    .argument('<recording>', 'a recording file (.jsonl) written by mailtap proxy')
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'md', 'json']).default('text'))
    .option('--lang <lang>', 'annotation language: en or es (default from the locale)', parseLang)
    .option('--redact', 'mask passwords, tokens and proofs')
    .option('--no-color', 'never use ANSI colors (text format)')
    .action(async (file: string, opts: ShowOptions) => {
      await show(file, opts);
    });
}

async function show(file: string, opts: ShowOptions): Promise<void> {
  const rec = await readRecording(file);
  const lang = opts.lang ?? langFromEnv();
  const redact = opts.redact === true;
  const out = process.stdout;
  if (opts.format === 'md') {
    out.write(renderMarkdown(rec, { lang, redact }));
    return;
  }
  if (opts.format === 'json') {
    const redactor = redact ? new Redactor(collectSecrets(rec.events)) : null;
    const items = [redact ? redactHeader(rec.header) : rec.header, ...rec.events.map((ev) => (redactor ? redactor.event(ev) : ev))];
    out.write(`[\n${items.map((item) => terminalSafeJson(JSON.stringify(item))).join(',\n')}\n]\n`);
    return;
  }
  const color = opts.color !== false && out.isTTY === true && !process.env.NO_COLOR;
  const renderer = new TranscriptRenderer({ lang, color, redact, ...(redact ? { secrets: collectSecrets(rec.events) } : {}) });
  // One write per event keeps memory flat on long recordings.
  out.write(renderer.header(rec.header));
  for (const ev of rec.events) {
    const text = renderer.event(ev);
    if (text) out.write(text);
  }
  out.write(renderer.finish());
}
