// The SMTP-shaped upstream for the benchmark, in its own process so that neither the client nor
// mailtap pays for it: the scripted server in implicit TLS and in STARTTLS mode (bytes hashed and
// counted, not kept). Prints `{"implicit":port,"starttls":port}`; `stats` over IPC gives the
// bytes and messages received so far, so the bench can prove every byte was delivered.

import { readFile } from 'node:fs/promises';
import { startScriptedSmtpServer } from '../test/helpers/scripted-smtp-server.js';

export interface UpstreamChildConfig {
  keyFile: string;
  certFile: string;
}

export interface UpstreamStats {
  bytes: number;
  messages: number;
  sessions: number;
}

const config = JSON.parse(process.argv[2] ?? '{}') as UpstreamChildConfig;
const key = await readFile(config.keyFile, 'utf8');
const cert = await readFile(config.certFile, 'utf8');
const servers = [await startScriptedSmtpServer({ tls: 'implicit', key, cert }), await startScriptedSmtpServer({ tls: 'starttls', key, cert })];

process.on('message', (m: { type: string }) => {
  if (m.type !== 'stats') return;
  const stats: UpstreamStats = { bytes: 0, messages: 0, sessions: 0 };
  for (const server of servers) {
    for (const s of server.sessions) {
      stats.bytes += s.bytes;
      stats.messages += s.messages;
      stats.sessions += 1;
    }
  }
  process.send!(stats);
});
process.once('disconnect', () => process.exit(0));
process.once('SIGTERM', () => {
  void Promise.all(servers.map((s) => s.close())).finally(() => process.exit(0));
});
process.stdout.write(JSON.stringify({ implicit: servers[0]!.port, starttls: servers[1]!.port }) + '\n');
