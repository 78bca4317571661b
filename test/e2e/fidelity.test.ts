// Byte fidelity: what the server receives is exactly what the client sent (after TLS), for a
// 20 MiB DATA body with 8-bit bytes, long lines and dot-stuffing, a pipelined batch and BDAT
// chunks, through STARTTLS and implicit TLS. Hashes of both streams are compared, and the
// recording's client stream too.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { makeTestPki, type TestPki } from '../helpers/pki.js';
import { startTestProxy } from '../helpers/proxy-harness.js';
import { startScriptedSmtpServer } from '../helpers/scripted-smtp-server.js';
import { LineClient } from '../helpers/line-client.js';
import { readRecording, streamBytes } from '../../src/record/reader.js';

let pki: TestPki;
beforeAll(async () => {
  pki = await makeTestPki();
});
afterAll(async () => {
  await pki?.cleanup();
});

/** A body of about `size` bytes: 8-bit bytes, a 100 KB line, dot-stuffed lines, bare CRs. */
function awkwardBody(size: number): Buffer {
  const parts: Buffer[] = [Buffer.from('Subject: fidelity\r\nContent-Type: application/octet-stream\r\n\r\n')];
  let total = parts[0]!.length;
  let i = 0;
  while (total < size) {
    let line: Buffer;
    if (i % 50 === 0) line = Buffer.from(`..stuffed line ${i}\r\n`);
    else if (i % 97 === 0) line = Buffer.concat([Buffer.alloc(100_000, 0x61), Buffer.from('\r\n')]);
    else {
      line = Buffer.alloc(76);
      for (let j = 0; j < 74; j++) line[j] = 0x80 + ((i * 31 + j * 7) % 0x7f);
      line[30] = 0x0d; // a bare CR inside a line
      line[74] = 0x0d;
      line[75] = 0x0a;
    }
    parts.push(line);
    total += line.length;
    i++;
  }
  return Buffer.concat(parts);
}

async function runSession(client: LineClient, starttls: boolean, body: Buffer): Promise<void> {
  expect(await client.smtpReply()).toMatch(/^220 /);
  await client.send('EHLO client.test\r\n');
  expect(await client.smtpReply()).toMatch(/250 /);
  if (starttls) {
    await client.send('STARTTLS\r\n');
    expect(await client.smtpReply()).toMatch(/^220 /);
    await client.startTls();
    await client.send('EHLO client.test\r\n');
    expect(await client.smtpReply()).toMatch(/250 /);
  }
  // A pipelined batch (RFC 2920): three commands in one write.
  await client.send('MAIL FROM:<a@example.com> BODY=8BITMIME\r\nRCPT TO:<b@example.com>\r\nDATA\r\n');
  expect(await client.smtpReply()).toMatch(/^250/);
  expect(await client.smtpReply()).toMatch(/^250/);
  expect(await client.smtpReply()).toMatch(/^354/);
  for (let off = 0; off < body.length; off += 256 * 1024) await client.send(body.subarray(off, off + 256 * 1024));
  await client.send('\r\n.\r\n');
  expect(await client.smtpReply(30_000)).toMatch(/^250/);
  // BDAT chunks with binary payloads that contain CRLF.CRLF (must not end anything).
  await client.send('MAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.com>\r\n');
  await client.smtpReply();
  await client.smtpReply();
  const chunk = Buffer.concat([Buffer.from('\r\n.\r\nQUIT\r\n'), Buffer.alloc(990, 0xff)]);
  await client.send(Buffer.concat([Buffer.from(`BDAT ${chunk.length}\r\n`), chunk]));
  expect(await client.smtpReply()).toMatch(/^250/);
  await client.send('BDAT 0 LAST\r\n');
  expect(await client.smtpReply()).toMatch(/^250/);
  await client.send('QUIT\r\n');
  expect(await client.smtpReply()).toMatch(/^221/);
  await client.close();
}

describe('byte fidelity through the proxy', () => {
  it.each([
    ['STARTTLS', 'smtp', 'starttls' as const, false],
    ['implicit TLS', 'smtps', 'implicit' as const, true],
  ])('%s: a 20 MiB awkward message, a pipelined batch and BDAT arrive byte for byte', async (_name, scheme, upstreamTls, clientTls) => {
    const upstream = await startScriptedSmtpServer({ tls: upstreamTls, key: pki.serverKey, cert: pki.serverCert });
    const proxy = await startTestProxy(pki, [`${scheme}://127.0.0.1:0=${scheme}://127.0.0.1:${upstream.port}`], { observer: undefined });
    try {
      const body = awkwardBody(Number(process.env.FIDELITY_MB ?? 20) * 1024 * 1024);
      const client = await LineClient.connect({ port: proxy.port(), tls: clientTls, ca: pki.mailtapCaPem });
      await runSession(client, !clientTls, body);
      const [log] = await proxy.ended(1);
      await new Promise((r) => setTimeout(r, 50));
      const received = upstream.sessions[0]!;
      expect(received.messages).toBe(2);
      expect(received.bytes).toBe(client.sentBytes);
      expect(received.sha256).toBe(client.sentSha256());

      const rec = await readRecording(log!.recordingPath!);
      const recorded = streamBytes(rec, 'c2s');
      expect(recorded.length).toBe(client.sentBytes);
      expect(createHash('sha256').update(recorded).digest('hex')).toBe(client.sentSha256());
      expect(streamBytes(rec, 's2c').toString('latin1')).toBe(client.received);
      expect(rec.events.at(-1)).toMatchObject({ type: 'close', bytes: { c2s: client.sentBytes, s2c: client.received.length } });
    } finally {
      await proxy.close();
      await upstream.close();
    }
  });
});
