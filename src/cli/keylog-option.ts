// `--keylog FILE` (proxy, replay, and any command that makes TLS) and the SSLKEYLOGFILE
// environment variable curl, Firefox and Chrome honour: opens the process's key log so that
// every TLS socket, on both legs, appends its secrets. The flag wins over the variable.

import type { Command } from 'commander';
import type { Logger } from 'pino';
import { useKeylog, type KeylogSink } from '../transport/keylog.js';

export const KEYLOG_HELP = 'append the TLS secrets of both legs to FILE (NSS key log, mode 0600) so Wireshark/tshark can decrypt a capture; default: $SSLKEYLOGFILE';

export function addKeylogOption(command: Command): Command {
  return command.option('--keylog <file>', KEYLOG_HELP);
}

/** Opens the key log named by `--keylog` or SSLKEYLOGFILE, if any; returns it, or null. */
export async function openKeylog(flag: string | undefined, logger?: Pick<Logger, 'warn'>): Promise<KeylogSink | null> {
  const path = flag ?? (process.env.SSLKEYLOGFILE || undefined);
  if (!path) return null;
  return useKeylog(path, (message) => logger?.warn(message));
}

/** The line printed at start, so nobody forgets the file holds keys. */
export function keylogBanner(sink: KeylogSink, lang: 'en' | 'es'): string {
  return lang === 'es'
    ? `=== registro de claves: ${sink.path} (secretos TLS de los dos tramos: quien lo tenga puede descifrar las sesiones capturadas)\n`
    : `=== key log: ${sink.path} (TLS secrets of both legs: whoever has it can decrypt the captured sessions)\n`;
}
