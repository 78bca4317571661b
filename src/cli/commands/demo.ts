// Placeholder: the `demo` command family is being built (see the issue tracker). It says so
// plainly and exits non-zero rather than pretending.

import type { Command } from 'commander';
import { MailtapError } from '../../core/errors.js';

export function register(program: Command): void {
  program
    .command('demo')
    .description('demo (not implemented yet)')
    .allowUnknownOption()
    .argument('[args...]')
    .action(() => {
      throw new MailtapError('E_USAGE', '"demo" is not implemented yet in this build');
    });
}
