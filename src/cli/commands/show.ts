// Placeholder: the `show` command family is being built (see the issue tracker). It says so
// plainly and exits non-zero rather than pretending.

import type { Command } from 'commander';
import { MailtapError } from '../../core/errors.js';

export function register(program: Command): void {
  program
    .command('show')
    .description('show (not implemented yet)')
    .allowUnknownOption()
    .argument('[args...]')
    .action(() => {
      throw new MailtapError('E_USAGE', '"show" is not implemented yet in this build');
    });
}
