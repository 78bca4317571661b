// Placeholder: the `base64` command family is being built (see the issue tracker). It says so
// plainly and exits non-zero rather than pretending.

import type { Command } from 'commander';
import { MailtapError } from '../../core/errors.js';

export function register(program: Command): void {
  program
    .command('decode')
    .description('base64 (not implemented yet)')
    .allowUnknownOption()
    .argument('[args...]')
    .action(() => {
      throw new MailtapError('E_USAGE', '"base64" is not implemented yet in this build');
    });
}
