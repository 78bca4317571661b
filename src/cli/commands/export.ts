// `mailtap export RECORDING... --eml DIR | --pcapng OUT`: hands what mailtap saw to other tools —
// every message as a byte-exact .eml with a JSON sidecar, and/or a pcapng Wireshark dissects
// (one decrypted TCP stream per session, mailtap's notes as packet comments).

import type { Command } from 'commander';
import { MailtapError } from '../../core/errors.js';
import { exportEml } from '../../export/eml.js';
import { exportPcapng } from '../../export/pcapng.js';
import { langFromEnv } from '../usage.js';

interface ExportOptions {
  eml?: string;
  pcapng?: string;
}

export function register(program: Command): void {
  program
    .command('export')
    .description('write recordings out as .eml messages (--eml DIR) and/or a pcapng for Wireshark (--pcapng OUT)')
    .argument('<recording...>', 'recording files (JSONL)')
    .option('--eml <dir>', 'write every message the sessions carried as <session>-<n>-<kind>.eml, byte-exact, with a .json sidecar (envelope, user, session, time)')
    .option('--pcapng <file>', 'write one decrypted TCP stream per session, with the recorded addresses, ports and times and mailtap\'s notes as packet comments')
    .action(async (recordings: string[], opts: ExportOptions) => {
      if (!opts.eml && !opts.pcapng) throw new MailtapError('E_USAGE', 'export needs --eml DIR and/or --pcapng OUT (see mailtap export --help)', { side: 'user' });
      const es = langFromEnv() === 'es';
      if (opts.eml) {
        const results = await exportEml(recordings, opts.eml);
        for (const r of results) {
          for (const m of r.messages) process.stdout.write(`${m.file}  ${m.size} B${m.partial ? (es ? '  (parcial)' : '  (partial)') : ''}\n`);
        }
        const total = results.reduce((n, r) => n + r.messages.length, 0);
        process.stdout.write(es ? `=== ${total} mensaje(s) escritos en ${opts.eml}\n` : `=== ${total} message(s) written to ${opts.eml}\n`);
      }
      if (opts.pcapng) {
        const stats = await exportPcapng(recordings, opts.pcapng, { lang: es ? 'es' : 'en' });
        process.stdout.write(
          es
            ? `=== ${opts.pcapng}: ${stats.sessions} sesión(es), ${stats.packets} paquetes\n`
            : `=== ${opts.pcapng}: ${stats.sessions} session(s), ${stats.packets} packets\n`,
        );
      }
    });
}
