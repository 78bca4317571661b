// `mailtap demo`: the bundled sample recordings served by replay servers, with proxy listeners
// in front of them on the default local ports, so the lab guide's `openssl s_client` lines work
// offline and show annotated. `selfTest` drives the lab dialogues through every listener.

import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { CertificateAuthority } from '../ca/index.js';
import { parseRoute } from '../core/mail-url.js';
import { startProxy, type ProxyHandle } from '../session/proxy.js';
import type { SessionObserver } from '../session/session.js';
import { startReplay, type ReplayHandle } from '../replay/server.js';
import type { ReplayOutcome } from '../replay/replay-session.js';
import { runDialogue, type Dialogue } from './dialogue-client.js';
import { DEMO_ACCOUNT, SAMPLE_FILES, imapsDialogue, pop3sDialogue, smtpStartTlsDialogue, smtpsDialogue } from './lab-dialogues.js';

/** recordings/samples/ beside src/ or dist/ (two levels up from this module). */
export const SAMPLES_DIR = fileURLToPath(new URL('../../recordings/samples/', import.meta.url));

interface DemoService {
  name: string;
  sample: string;
  scheme: 'smtp' | 'smtps' | 'pop3s' | 'imaps';
  localPort: number;
  dialogue: Dialogue;
  /** What to type, after connecting. */
  connect: (caFile: string, port: number) => string;
}

const SERVICES: DemoService[] = [
  { name: 'SMTP + STARTTLS', sample: SAMPLE_FILES.smtp, scheme: 'smtp', localPort: 2525, dialogue: smtpStartTlsDialogue(DEMO_ACCOUNT), connect: (ca, p) => `openssl s_client -starttls smtp -crlf -ign_eof -connect 127.0.0.1:${p} -CAfile ${ca}` },
  { name: 'SMTPS (465)', sample: SAMPLE_FILES.smtps, scheme: 'smtps', localPort: 2465, dialogue: smtpsDialogue(DEMO_ACCOUNT), connect: (ca, p) => `openssl s_client -crlf -ign_eof -connect 127.0.0.1:${p} -CAfile ${ca}` },
  { name: 'POP3S (995)', sample: SAMPLE_FILES.pop3s, scheme: 'pop3s', localPort: 2995, dialogue: pop3sDialogue(DEMO_ACCOUNT), connect: (ca, p) => `openssl s_client -crlf -ign_eof -connect 127.0.0.1:${p} -CAfile ${ca}` },
  { name: 'IMAPS (993)', sample: SAMPLE_FILES.imaps, scheme: 'imaps', localPort: 2993, dialogue: imapsDialogue(DEMO_ACCOUNT), connect: (ca, p) => `openssl s_client -crlf -ign_eof -connect 127.0.0.1:${p} -CAfile ${ca}` },
];

export interface DemoOptions {
  certs: string;
  recordings: string | false;
  /** Bind the proxy listeners to free ports instead of 2525/2465/2995/2993. */
  ephemeralPorts?: boolean;
  observer?: SessionObserver;
  logger?: Logger;
  samplesDir?: string;
}

export interface DemoListener {
  name: string;
  url: string;
  port: number;
  command: string;
  typing: string[];
  dialogue: Dialogue;
}

export interface Demo {
  ca: CertificateAuthority;
  listeners: DemoListener[];
  outcomes: ReplayOutcome[];
  close(): Promise<void>;
}

export async function startDemo(options: DemoOptions): Promise<Demo> {
  const { ca } = await CertificateAuthority.loadOrInit(options.certs);
  const samples = options.samplesDir ?? SAMPLES_DIR;
  const outcomes: ReplayOutcome[] = [];
  const replays: ReplayHandle[] = [];
  let proxy: ProxyHandle | undefined;
  try {
    for (const s of SERVICES) {
      replays.push(await startReplay({ recordings: [join(samples, s.sample)], listen: `${s.scheme}://127.0.0.1:0`, ca, logger: options.logger, onOutcome: (o) => outcomes.push(o) }));
    }
    proxy = await startProxy({
      routes: SERVICES.map((s, i) => parseRoute(`${s.scheme}://127.0.0.1:${options.ephemeralPorts ? 0 : s.localPort}=${s.scheme}://localhost:${replays[i]!.listeners[0]!.port}`)),
      ca,
      upstreamCa: [ca.info.certPath],
      recordings: options.recordings,
      observer: options.observer,
      logger: options.logger,
    });
  } catch (err) {
    await Promise.all(replays.map((r) => r.close()));
    throw err;
  }
  const started = proxy;
  return {
    ca,
    outcomes,
    listeners: SERVICES.map((s, i) => ({
      name: s.name,
      url: started.listeners[i]!.url,
      port: started.listeners[i]!.port,
      command: s.connect(ca.info.certPath, started.listeners[i]!.port),
      typing: linesToType(s.dialogue),
      dialogue: s.dialogue,
    })),
    async close() {
      await started.close();
      await Promise.all(replays.map((r) => r.close()));
    },
  };
}

/**
 * What a person types into the printed `openssl s_client` line. `-starttls smtp` has already sent
 * EHLO and STARTTLS itself, so typing starts after the upgrade; `-ign_eof` in the command keeps
 * s_client from reading a line that starts with R (renegotiate) or Q (quit) as its own command.
 */
export function linesToType(dialogue: Dialogue): string[] {
  const afterUpgrade = dialogue.steps.findIndex((step) => step.starttls) + 1;
  return dialogue.steps.slice(afterUpgrade).map((step) => step.send.split('\r\n').join(' ⏎ '));
}

export interface SelfTestResult {
  name: string;
  ok: boolean;
  error?: string;
}

/** Plays each lab dialogue through its listener; every replayed session must match. */
export async function selfTest(demo: Demo): Promise<SelfTestResult[]> {
  const results: SelfTestResult[] = [];
  for (const l of demo.listeners) {
    try {
      await runDialogue(l.dialogue, { host: '127.0.0.1', port: l.port, ca: demo.ca.certPem, servername: 'localhost' });
      results.push({ name: l.name, ok: true });
    } catch (err) {
      results.push({ name: l.name, ok: false, error: (err as Error).message });
    }
  }
  // Each replay session reports when its client has gone.
  const deadline = Date.now() + 5000;
  while (demo.outcomes.length < demo.listeners.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  for (const o of demo.outcomes) {
    if (!o.matched) results.push({ name: `replay of ${o.recording}`, ok: false, error: o.mismatches.join('; ') });
  }
  if (demo.outcomes.length < demo.listeners.length) results.push({ name: 'replay', ok: false, error: `${demo.outcomes.length} of ${demo.listeners.length} replay sessions finished` });
  return results;
}
