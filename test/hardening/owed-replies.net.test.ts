// A server that reads every command and answers none (a sink), and a client that pipelines far
// past limits.maxPendingCommands: mailtap must stop reading the client at the cap (so the client's
// writes stall), keep its memory flat, and record why. Before the cap, 68 MB of NOOP took the
// proxy to 1.5 GB RSS. The proxy runs in this process (vitest forks one per file), so RSS is its.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestPki, type TestPki } from '../helpers/pki.js';
import { startTestProxy } from '../helpers/proxy-harness.js';
import { readRecording } from '../../src/record/reader.js';
import { DEFAULT_LIMITS } from '../../src/core/limits.js';
import type { Protocol } from '../../src/protocol/types.js';
import { startLifecycleUpstream } from './support/lifecycle-upstream.js';
import { rawConnect, reader } from './support/lifecycle-client.js';

const MiB = 1024 * 1024;
/** What the client tries to push: ~2.8 million commands, 2,800 times the cap. */
const PUSH = 16 * MiB;

let pki: TestPki;
beforeAll(async () => {
  pki = await makeTestPki();
});
afterAll(async () => {
  await pki?.cleanup();
});

const NOOP: Record<Protocol, string> = { smtp: 'NOOP\r\n', pop3: 'NOOP\r\n', imap: 'a NOOP\r\n' };
const GREETING: Record<Protocol, RegExp> = { smtp: /^220 /, pop3: /^\+OK/, imap: /^\* OK/ };

describe('a sink server and a pipelining client', () => {
  it.each(['smtp', 'pop3', 'imap'] as const)('%s: mailtap stops reading the client at maxPendingCommands; memory stays flat', { timeout: 60_000 }, async (protocol) => {
    const sink = await startLifecycleUpstream({ protocol, key: pki.serverKey, cert: pki.serverCert, sink: true });
    const proxy = await startTestProxy(pki, [`${protocol}://127.0.0.1:0=${protocol}://127.0.0.1:${sink.port}`]);
    try {
      const client = await rawConnect(proxy.port());
      const read = reader(client);
      await read.until(GREETING[protocol]);
      globalThis.gc?.();
      const before = process.memoryUsage().rss;
      let peak = before;
      const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);
      // Write 64 KiB at a time while the socket takes it; stop when it has stalled for a second.
      const block = Buffer.from(NOOP[protocol].repeat(Math.floor(65536 / NOOP[protocol].length)));
      let pushed = 0;
      while (pushed < PUSH) {
        if (!client.write(block)) {
          const drained = await Promise.race([new Promise<boolean>((r) => client.once('drain', () => r(true))), new Promise<boolean>((r) => setTimeout(() => r(false), 1000))]);
          if (!drained) break;
        }
        pushed += block.length;
      }
      // Let the proxy finish what it read: it forwards at most the cap's worth of commands.
      await new Promise((r) => setTimeout(r, 2000));
      clearInterval(sampler);
      const growth = (peak - before) / MiB;
      const serverGot = sink.connections[0]!.received;
      console.info(`${protocol} sink: client pushed ${(pushed / MiB).toFixed(2)} MiB before stalling, server received ${serverGot} bytes, RSS ${(before / MiB).toFixed(0)} → peak ${(peak / MiB).toFixed(0)} MiB (+${growth.toFixed(1)})`);
      // The client stalled long before its 16 MiB: mailtap stopped reading it (kernel buffers hold a few MiB).
      expect(pushed).toBeLessThan(PUSH / 2);
      // The server got about the cap's worth of commands, not everything.
      expect(serverGot).toBeLessThan(DEFAULT_LIMITS.maxPendingCommands * NOOP[protocol].length + 256 * 1024);
      expect(growth).toBeLessThan(64);
      // A paused socket hears no reset from its peer (nothing reads it): the server leaving ends it.
      client.destroy();
      sink.connections[0]!.socket.destroy();
      const [log] = await proxy.ended(1);
      const rec = await readRecording(log!.recordingPath!);
      expect(rec.complete).toBe(true);
      const why = rec.events.find((e) => e.type === 'info' && (e as { code?: string }).code === 'E_LIMIT') as { message?: string; note_es?: string } | undefined;
      expect(why?.message).toMatch(new RegExp(`limit ${DEFAULT_LIMITS.maxPendingCommands}`));
      expect(why?.note_es).toMatch(/deja de leerlo/);
    } finally {
      await proxy.close();
      await sink.close();
    }
  });
});
