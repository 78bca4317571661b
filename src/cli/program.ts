// Builds the `mailtap` command tree. Each command family lives in ./commands/<name>.ts and
// exports `register(program)`. Errors: commander usage errors and MailtapError('E_USAGE') exit 2
// with one line; other MailtapErrors exit 1 with one line; anything else is a bug (stack shown).

import { Command, CommanderError, type HelpContext } from 'commander';
import { MailtapError } from '../core/errors.js';
import { MAILTAP_VERSION } from '../core/version.js';
import { langFromEnv } from './usage.js';
import { register as registerCa } from './commands/ca.js';
import { register as registerProxy } from './commands/proxy.js';
import { register as registerReplay } from './commands/replay.js';
import { register as registerShow } from './commands/show.js';
import { register as registerBase64 } from './commands/base64.js';
import { register as registerDemo } from './commands/demo.js';
import { register as registerExport } from './commands/export.js';
import { register as registerWeb } from './commands/web.js';
import { register as registerAudit } from './commands/audit.js';

/**
 * Commander answers a missing subcommand (`mailtap`, `mailtap ca`) with the whole help on stderr
 * and a "help" exit that runCli used to report as 0. Here it is a usage error like any other:
 * one line naming the commands, exit code 2. `--help` itself is untouched.
 */
class MailtapCommand extends Command {
  override createCommand(name?: string): Command {
    return new MailtapCommand(name);
  }

  // Commander's deprecated overload takes a callback; pass anything but an error context through.
  override help(context?: HelpContext | ((str: string) => string)): never {
    if (typeof context !== 'object' || !context.error) return super.help(context as HelpContext);
    const path: string[] = [];
    for (let c: Command | null = this; c; c = c.parent) path.unshift(c.name());
    const names = this.commands.map((c) => c.name()).filter((n) => n !== 'help');
    throw new MailtapError('E_USAGE', `${path.join(' ')} needs a command: ${names.join(', ')} (see ${path.join(' ')} --help)`, { side: 'user' });
  }
}

export function buildProgram(): Command {
  const program = new MailtapCommand('mailtap')
    .description('TLS-aware intercepting proxy, recorder and replayer for SMTP, POP3 and IMAP')
    .version(MAILTAP_VERSION)
    .showHelpAfterError(false)
    .configureOutput({
      // One clear line for usage errors, not a wall of help.
      outputError: (str, write) => write(`mailtap: ${str.replace(/^error: /, '').split('\n')[0]}\n`),
    })
    .exitOverride();
  for (const registerCommands of [registerCa, registerProxy, registerReplay, registerShow, registerBase64, registerDemo, registerExport, registerWeb, registerAudit]) {
    registerCommands(program);
  }
  for (const sub of program.commands) applyExitOverride(sub);
  return program;
}

function applyExitOverride(cmd: Command): void {
  cmd.exitOverride().configureOutput({
    outputError: (str, write) => write(`mailtap: ${str.replace(/^error: /, '').split('\n')[0]}\n`),
  });
  for (const sub of cmd.commands) applyExitOverride(sub);
}

/** Runs the CLI and returns the exit code (never calls process.exit itself). */
export async function runCli(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return 0;
      return 2;
    }
    if (err instanceof MailtapError) {
      process.stderr.write(`mailtap: ${langFromEnv() === 'es' && err.messageEs ? err.messageEs : err.message}\n`);
      return err.code === 'E_USAGE' ? 2 : 1;
    }
    process.stderr.write(`mailtap: internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    return 70;
  }
}
