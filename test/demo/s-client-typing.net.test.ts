// The demo's printed instructions, typed as printed: each listener's `openssl s_client` command is
// run for real and fed its "then type" lines one by one, as a student would; the session must
// reach its goodbye and the replayed session must match. (Issue: `-starttls smtp` had already sent
// STARTTLS, and s_client ate `RCPT TO` as renegotiate and `QUIT` as its own quit.)

import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startDemo, type Demo, type DemoListener } from '../../src/demo/demo.js';

const hasOpenssl = spawnSync('openssl', ['version']).status === 0;
let demo: Demo;
let dir: string;

beforeAll(async () => {
  if (!hasOpenssl) return;
  dir = await mkdtemp(join(tmpdir(), 'mailtap-demo-typing-'));
  demo = await startDemo({ certs: dir, recordings: false, ephemeralPorts: true });
});
afterAll(async () => {
  await demo?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** Runs the printed command and types the printed lines (⏎ splits a line the guide types in parts). */
function typeAsPrinted(l: DemoListener): Promise<string> {
  const [cmd, ...args] = l.command.split(' ');
  const child = spawn(cmd!, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString('latin1')));
  child.stderr.on('data', (d: Buffer) => (out += d.toString('latin1')));
  const lines = l.typing.flatMap((t) => t.split(' ⏎ '));
  return new Promise((resolve, reject) => {
    const killer = setTimeout(() => {
      child.kill();
      reject(new Error(`s_client did not finish; it printed:\n${out}`));
    }, 20_000);
    child.on('exit', () => {
      clearTimeout(killer);
      resolve(out);
    });
    let i = 0;
    const next = () => {
      if (i < lines.length) child.stdin.write(`${lines[i++]}\n`);
      if (i < lines.length) setTimeout(next, 250);
    };
    setTimeout(next, 600);
  });
}

describe.skipIf(!hasOpenssl)('the demo, typed into openssl s_client as printed', () => {
  test('the printed lines start after what s_client does itself, and use -ign_eof', () => {
    const smtp = demo.listeners.find((l) => l.url.startsWith('smtp://'))!;
    expect(smtp.command).toContain('-starttls smtp');
    expect(smtp.typing.some((t) => /^starttls$/i.test(t))).toBe(false);
    for (const l of demo.listeners) expect(l.command).toContain('-ign_eof');
  });

  test('every listener completes its lab dialogue and the replay matches', async () => {
    const goodbye: Record<string, RegExp> = { smtp: /^221 /m, smtps: /^221 /m, pop3s: /^\+OK Logging out/im, imaps: /^a OK Logout/im };
    const outputs = await Promise.all(demo.listeners.map(typeAsPrinted));
    demo.listeners.forEach((l, i) => {
      const scheme = l.url.split(':')[0]!;
      expect(outputs[i], `${l.name}:\n${outputs[i]}`).toMatch(goodbye[scheme] ?? /^$/);
    });
    const deadline = Date.now() + 5000;
    while (demo.outcomes.length < demo.listeners.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(demo.outcomes.map((o) => [o.recording.split('/').pop(), o.matched, o.mismatches])).toEqual(
      demo.outcomes.map((o) => [o.recording.split('/').pop(), true, []]),
    );
    expect(demo.outcomes).toHaveLength(demo.listeners.length);
  }, 40_000);
});
