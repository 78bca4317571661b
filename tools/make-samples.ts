// Records the bundled sample sessions (recordings/samples/) by running the lab dialogues through
// mailtap against real servers — by default the interop suite's Postfix and Dovecot
// (`bash test/interop/setup.sh` first). Usage: npx tsx tools/make-samples.ts [ENV_JSON]

import { copyFile, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CertificateAuthority } from '../src/ca/index.js';
import { parseRoute } from '../src/core/mail-url.js';
import { startProxy } from '../src/session/proxy.js';
import { runDialogue, type Dialogue } from '../src/demo/dialogue-client.js';
import { DEMO_ACCOUNT, SAMPLE_FILES, imapsDialogue, pop3sDialogue, smtpStartTlsDialogue, smtpsDialogue } from '../src/demo/lab-dialogues.js';

interface InteropEnv {
  ca: string;
  urls: Record<'submission' | 'smtps' | 'pop3s' | 'imaps', string>;
}

const envPath = process.argv[2] ?? '/tmp/mailtap-interop/env.json';
const env = JSON.parse(await readFile(envPath, 'utf8')) as InteropEnv;
const work = await mkdtemp(join(tmpdir(), 'mailtap-samples-'));
const ca = await CertificateAuthority.init(join(work, 'ca'), { cn: 'mailtap samples CA' });
const sessions: { dialogue: Dialogue; file: string; route: string }[] = [
  { dialogue: smtpStartTlsDialogue(DEMO_ACCOUNT), file: SAMPLE_FILES.smtp, route: `smtp://127.0.0.1:0=${env.urls.submission}` },
  { dialogue: smtpsDialogue(DEMO_ACCOUNT), file: SAMPLE_FILES.smtps, route: `smtps://127.0.0.1:0=${env.urls.smtps}` },
  { dialogue: imapsDialogue(DEMO_ACCOUNT), file: SAMPLE_FILES.imaps, route: `imaps://127.0.0.1:0=${env.urls.imaps}` },
  { dialogue: pop3sDialogue(DEMO_ACCOUNT), file: SAMPLE_FILES.pop3s, route: `pop3s://127.0.0.1:0=${env.urls.pop3s}` },
];
await mkdir('recordings/samples', { recursive: true });
try {
  for (const s of sessions) {
    let path: string | undefined;
    let endResolve!: () => void;
    const ended = new Promise<void>((resolve) => (endResolve = resolve));
    const proxy = await startProxy({
      routes: [parseRoute(s.route)],
      ca,
      upstreamCa: [env.ca],
      recordings: join(work, 'rec'),
      observer: { end: (_id, _close, p) => ((path = p), endResolve()) },
    });
    const transcript = await runDialogue(s.dialogue, { host: '127.0.0.1', port: proxy.listeners[0]!.port, ca: ca.certPem });
    await ended;
    await proxy.close();
    await copyFile(path!, join('recordings/samples', s.file));
    console.log(`${s.file}: ${transcript.lines.length} lines`);
    // Let Postfix hand the messages to Dovecot before the mailbox sessions.
    if (s.dialogue.protocol === 'smtp') await new Promise((r) => setTimeout(r, 1500));
  }
} finally {
  await rm(work, { recursive: true, force: true });
}
