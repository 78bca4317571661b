// The SMTP-shaped upstream for the benchmark, in its own process so that neither the client nor
// a relay pays for it: bench/lean-upstream.ts in implicit TLS and in STARTTLS mode (bytes counted,
// not kept or hashed). Prints `{"implicit":port,"starttls":port}`; `stats` over IPC gives the
// DATA body bytes and messages received so far, so the bench can prove every byte was delivered.

import { readFile } from 'node:fs/promises';
import { startLeanUpstream } from './lean-upstream.js';

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
const servers = [await startLeanUpstream('implicit', key, cert), await startLeanUpstream('starttls', key, cert)];

process.on('message', (m: { type: string }) => {
  if (m.type !== 'stats') return;
  const stats: UpstreamStats = { bytes: 0, messages: 0, sessions: 0 };
  for (const server of servers) {
    stats.bytes += server.stats.bytes;
    stats.messages += server.stats.messages;
    stats.sessions += server.stats.sessions;
  }
  process.send!(stats);
});
process.once('disconnect', () => process.exit(0));
process.once('SIGTERM', () => {
  void Promise.all(servers.map((s) => s.close())).finally(() => process.exit(0));
});
process.stdout.write(JSON.stringify({ implicit: servers[0]!.port, starttls: servers[1]!.port }) + '\n');
