// What every proxied run must prove, as reusable checks: the message arrived byte-identical (hash
// compared after removing only the trace headers Postfix and Dovecot prepend), the recording
// has both TLS legs, the decoded credentials and a note on every command, and it renders as
// Markdown. Every assertion message names the client and the step.
import { createHash, randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { readRecording } from '../../src/record/reader.js';
import { renderMarkdown } from '../../src/record/render-md.js';
import { startReplay } from '../../src/replay/server.js';
import type { ReplayOutcome } from '../../src/replay/replay-session.js';
import type { CertificateAuthority } from '../../src/ca/index.js';
import type { AuthRecord, TlsRecord, UnitRecord } from '../../src/record/schema.js';
import type { SessionLog } from '../helpers/proxy-harness.js';
import { withTimeout } from './harness.js';
import type { InteropUser } from './interop-env.js';

export interface TestMessage {
  token: string;
  subject: string;
  /** The exact RFC 5322 message (CRLF line ends, no dot-stuffing). */
  bytes: Buffer;
}

/** A complete message (Date, Message-ID, qualified addresses) so Postfix adds nothing to it. */
export function makeMessage(client: string, from: string, to: string, extraBody = ''): TestMessage {
  const token = `${client.replace(/[^a-z0-9]+/gi, '-')}-${randomUUID()}`;
  const subject = `interop ${token}`;
  const lines = [
    `From: <${from}>`,
    `To: <${to}>`,
    `Subject: ${subject}`,
    `Date: ${new Date().toUTCString().replace('GMT', '+0000')}`,
    `Message-ID: <${token}@mailtap.test>`,
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=us-ascii',
    '',
    `Sent by ${client} through mailtap.`,
    '.a line that starts with a dot (dot-stuffed on the wire)',
    'Tabs\tand  spaces  kept.  ',
    ...(extraBody ? [extraBody] : []),
    `token ${token}`,
    '',
  ];
  return { token, subject, bytes: Buffer.from(lines.join('\r\n'), 'latin1') };
}

export const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

const TRACE = /^(received|return-path|delivered-to|x-original-to):/i;

/** Removes the leading trace headers (and their folded lines) that delivery prepends. */
export function stripTraceHeaders(msg: Buffer): Buffer {
  const text = msg.toString('latin1');
  let pos = 0;
  for (;;) {
    const eol = text.indexOf('\n', pos);
    if (eol < 0 || !TRACE.test(text.slice(pos, eol))) break;
    pos = eol + 1;
    while (text[pos] === ' ' || text[pos] === '\t') pos = text.indexOf('\n', pos) + 1;
  }
  return Buffer.from(text.slice(pos), 'latin1');
}

/** Waits (bounded) for the maildir file carrying `token` and returns its bytes. */
export async function waitDelivered(user: InteropUser, token: string, who: string): Promise<Buffer> {
  const needle = Buffer.from(token);
  for (let i = 0; i < 150; i++) {
    for (const sub of ['new', 'cur']) {
      const dir = join(user.maildir, sub);
      for (const f of readdirSync(dir)) {
        const bytes = readFileSync(join(dir, f));
        if (bytes.includes(needle)) return bytes;
      }
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${who}: message ${token} never reached ${user.maildir} (15 s)`);
}

/** Delivery stores LF line ends (Dovecot maildir); everything else must be byte-identical. */
export async function expectDeliveredIdentical(user: InteropUser, msg: TestMessage, who: string): Promise<Buffer> {
  const stored = stripTraceHeaders(await waitDelivered(user, msg.token, who));
  const sentLf = Buffer.from(msg.bytes.toString('latin1').replace(/\r\n/g, '\n'), 'latin1');
  expect(sha256(stored), `${who}: delivered file (minus trace headers) differs from what was sent:\n${stored.toString('latin1')}`).toBe(sha256(sentLf));
  return stored;
}

/** What a read-back through the proxy returned (CRLF as on the wire) must equal what was sent. */
export function expectReadBackIdentical(readBack: Buffer, msg: TestMessage, who: string): void {
  const got = stripTraceHeaders(readBack);
  expect(sha256(got), `${who}: message read back through mailtap differs from what was sent:\n${got.toString('latin1')}`).toBe(sha256(msg.bytes));
}

export interface RecordingExpectations {
  who: string;
  /** Both TLS legs must appear (default true). */
  tls?: boolean;
  /** An auth event with these decoded credentials and a success result. */
  auth?: { username: string; password?: string; mechanism?: string };
}

/** Checks one session's recording (observer events and the JSONL file) and its Markdown. */
export async function expectGoodRecording(log: SessionLog, want: RecordingExpectations): Promise<string> {
  const who = `${want.who} [${log.header.protocol} session ${log.header.session}]`;
  const ev = log.events;
  expect(log.close, `${who}: no close event`).toBeDefined();
  if (want.tls !== false) {
    const tls = ev.filter((e): e is TlsRecord => e.type === 'tls');
    const client = tls.find((e) => e.leg === 'client');
    const upstream = tls.find((e) => e.leg === 'upstream');
    expect(client, `${who}: recording has no client-leg TLS event`).toBeDefined();
    expect(upstream, `${who}: recording has no upstream-leg TLS event`).toBeDefined();
    expect(upstream!.verified, `${who}: upstream TLS not verified: ${upstream!.reason ?? ''}`).toBe(true);
    expect(client!.version, `${who}: client TLS version`).toMatch(/^TLSv1\.[23]$/);
  }
  const auths = ev.filter((e): e is AuthRecord => e.type === 'auth');
  if (want.auth) {
    const a = auths.find((x) => x.username === want.auth!.username);
    expect(a, `${who}: no auth event for ${want.auth.username}; got ${JSON.stringify(auths)}`).toBeDefined();
    if (want.auth.password !== undefined) expect(a!.password, `${who}: decoded password`).toBe(want.auth.password);
    if (want.auth.mechanism) expect(a!.mechanism.toUpperCase(), `${who}: auth mechanism`).toBe(want.auth.mechanism);
    expect(a!.result, `${who}: auth result`).toBe('success');
  }
  const commands = ev.filter((e): e is UnitRecord => e.type === 'command');
  expect(commands.length, `${who}: no command units recorded`).toBeGreaterThan(0);
  const bare = commands.filter((c) => !c.note || c.note.trim() === '');
  expect(bare.map((c) => c.text ?? c.b64), `${who}: commands without a note`).toEqual([]);

  expect(log.recordingPath, `${who}: no recording file`).toBeTruthy();
  const rec = await readRecording(log.recordingPath!);
  expect(rec.complete, `${who}: recording file not complete`).toBe(true);
  expect(rec.events.length, `${who}: recording file vs observer events`).toBe(ev.length);
  const md = renderMarkdown(rec, { lang: 'en', redact: false });
  expect(md, `${who}: markdown title`).toMatch(/^# (SMTP|POP3|IMAP) session/);
  if (want.auth) {
    expect(md, `${who}: markdown shows the user name`).toContain(want.auth.username);
    if (want.auth.password) expect(md, `${who}: markdown shows the password`).toContain(want.auth.password);
    const redacted = renderMarkdown(rec, { lang: 'es', redact: true });
    if (want.auth.password) expect(redacted, `${who}: redacted markdown hides the password`).not.toContain(want.auth.password);
  }
  for (const c of commands.slice(0, 5)) {
    const firstWords = c.note!.split('\n')[0]!.slice(0, 30);
    expect(md, `${who}: markdown carries the note of ${c.verb ?? c.text}`).toContain(firstWords.replace(/\|/g, '\\|').slice(0, 20));
  }
  return md;
}

/** Serves one recording once (mailtap CA) and runs `client` against it. */
export async function replayOnce<T>(
  recordingPath: string,
  scheme: string,
  ca: CertificateAuthority,
  client: (port: number) => Promise<T>,
): Promise<{ result: T; outcome: ReplayOutcome }> {
  const replay = await startReplay({ recordings: [recordingPath], listen: `${scheme}://127.0.0.1:0`, ca, once: true });
  try {
    const result = await client(replay.listeners[0]!.port);
    const [outcome] = await withTimeout(replay.finished, 15_000, 'for the replay session to finish');
    return { result, outcome: outcome! };
  } finally {
    await replay.close();
  }
}

export function expectReplayMatched(outcome: ReplayOutcome, who: string): void {
  expect(outcome.mismatches, `${who}: replay mismatches`).toEqual([]);
  expect(outcome.matched, `${who}: replay matched ${outcome.stepsMatched}/${outcome.stepsExpected} steps`).toBe(true);
}
