// Backpressure: a 200 MiB POP3 RETR read by a client that keeps pausing. The proxy must read the
// server only as fast as the client drains, so its memory stays flat while the transfer crawls.
// The proxy runs in this process, so process RSS is the proxy's (plus the test's small client).

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect as netConnect } from 'node:net';
import { makeTestPki, type TestPki } from '../helpers/pki.js';
import { parseRoute } from '../../src/core/mail-url.js';
import { startProxy } from '../../src/session/proxy.js';
import { startStreamingPop3Server } from './support/streaming-pop3.js';

const MiB = 1024 * 1024;
const MESSAGE = 200 * MiB;

let pki: TestPki;
beforeAll(async () => {
  pki = await makeTestPki();
});
afterAll(async () => {
  await pki?.cleanup();
});

describe('a slow reader', () => {
  it('200 MiB RETR to a client that pauses: RSS stays within +100 MiB, every byte arrives', { timeout: 120_000 }, async () => {
    const server = await startStreamingPop3Server(MESSAGE);
    // Recording off and no observer (the test harness keeps every event, bodies included): this
    // measures socket backpressure; the recorder's own is covered by its tests.
    const proxy = await startProxy({ routes: [parseRoute(`pop3://127.0.0.1:0=pop3://127.0.0.1:${server.port}`)], ca: pki.mailtapCa, recordings: false });
    try {
      globalThis.gc?.();
      const baseline = process.memoryUsage().rss;
      let peak = baseline;
      let peakBuffers = 0;
      const sampler = setInterval(() => {
        const m = process.memoryUsage();
        peak = Math.max(peak, m.rss);
        peakBuffers = Math.max(peakBuffers, m.arrayBuffers);
      }, 50);
      const client = netConnect({ host: '127.0.0.1', port: proxy.listeners[0]!.port });
      let received = 0;
      let tail = '';
      let sinceBreath = 0;
      const done = new Promise<void>((resolve, reject) => {
        client.on('error', reject);
        client.on('data', (c: Buffer) => {
          received += c.length;
          tail = (tail + c.toString('latin1', Math.max(0, c.length - 16))).slice(-16);
          if (tail.endsWith('\r\n.\r\n') && received > MESSAGE) resolve();
          // Crawl: every 2 MiB, stop reading for 30 ms while the server keeps pushing.
          sinceBreath += c.length;
          if (sinceBreath > 2 * MiB) {
            sinceBreath = 0;
            client.pause();
            setTimeout(() => client.resume(), 30);
          }
        });
      });
      client.write('USER a\r\nPASS b\r\nRETR 1\r\n');
      await done;
      clearInterval(sampler);
      client.end('QUIT\r\n');
      const growth = (peak - baseline) / MiB;
      console.info(`slow reader: buffers peak ${(peakBuffers / MiB).toFixed(0)} MiB, ${(received / MiB).toFixed(1)} MiB through, peak RSS +${growth.toFixed(1)} MiB over ${(baseline / MiB).toFixed(0)} MiB`);
      expect(received).toBeGreaterThan(MESSAGE);
      expect(growth).toBeLessThan(100);
    } finally {
      await proxy.close();
      await server.close();
    }
  });
});
