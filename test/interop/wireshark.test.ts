// --keylog against a real capture: tshark sniffs loopback while curl talks SMTPS, IMAPS and POP3S
// to Postfix/Dovecot through mailtap; with the key log mailtap wrote, tshark decrypts both legs
// (client → mailtap, mailtap → server) and finds on each the commands the recording holds.
// Needs root (capture on lo) and tshark; skipped with the reason otherwise, outside CI.

import { spawn, execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { closeKeylog, useKeylog } from '../../src/transport/keylog.js';
import { isUnitRecord } from '../../src/record/schema.js';
import { interopSuite } from './harness.js';
import type { InteropService } from './interop-env.js';
import { runCli } from './run-cli.js';

const run = promisify(execFile);
const canCapture = process.getuid?.() === 0 && (await run('tshark', ['-v']).then(() => true, () => false));
if (!canCapture && process.env.MAILTAP_INTEROP_REQUIRED === '1') throw new Error('the key log interop test needs root and tshark (MAILTAP_INTEROP_REQUIRED=1)');

const DISSECTOR: Record<string, { name: string; field: string }> = {
  smtps: { name: 'smtp', field: 'smtp.req.command' },
  imaps: { name: 'imap', field: 'imap.request' },
  pop3s: { name: 'pop', field: 'pop.request.command' },
};

interopSuite('--keylog: tshark decrypts both legs of a live capture', (ctx) => {
  let keylog = '';
  beforeAll(async () => {
    keylog = join(ctx.pki.dir, 'keys.log');
    await useKeylog(keylog);
  });
  afterAll(async () => {
    await closeKeylog();
  });

  it.skipIf(!canCapture).each(['smtps', 'imaps', 'pop3s'] as InteropService[])('%s: the commands on both decrypted legs are the recorded ones', async (service) => {
    const { alice, bob } = ctx.env.users;
    const listen = ctx.port(service);
    const upstream = Number(new URL(ctx.env.urls[service]).port);
    const cap = join(ctx.pki.dir, `${service}.pcapng`);
    const tshark = spawn('tshark', ['-i', 'lo', '-f', `tcp port ${listen} or tcp port ${upstream}`, '-w', cap], { stdio: ['ignore', 'ignore', 'pipe'] });
    await new Promise<void>((resolve, reject) => {
      tshark.stderr.on('data', (d: Buffer) => {
        if (/Capturing on/.test(d.toString())) resolve();
      });
      tshark.once('exit', (code) => reject(new Error(`tshark exited ${code}`)));
    });
    // "Capturing on" can come a moment before dumpcap's filter sees packets; a ClientHello lost
    // then leaves a leg undecryptable (seen once in CI: the imaps client leg came back empty).
    await new Promise((r) => setTimeout(r, 1000));
    const done = ctx.begin();
    const curl = ['-sS', '--max-time', '20', '--cacert', ctx.mailtapCaFile, '--user', `${alice.login}:${alice.password}`];
    let result;
    if (service === 'smtps') {
      const file = join(ctx.pki.dir, 'keylog-msg.eml');
      writeFileSync(file, `From: ${alice.email}\r\nTo: ${bob.email}\r\nSubject: keylog\r\n\r\nhola\r\n`);
      result = await runCli('curl', [...curl, '--mail-from', alice.email, '--mail-rcpt', bob.email, '--upload-file', file, `smtps://127.0.0.1:${listen}`]);
    } else {
      result = await runCli('curl', [...curl, `${service}://127.0.0.1:${listen}/`]);
    }
    expect(result.code, result.stderr).toBe(0);
    const [log] = await done(1);
    await new Promise((r) => setTimeout(r, 500));
    tshark.kill('SIGINT');
    await new Promise((r) => tshark.once('exit', r));

    const d = DISSECTOR[service]!;
    const out = await run('tshark', ['-r', cap, '-o', `tls.keylog_file:${keylog}`, '-d', `tcp.port==${listen},tls`, '-d', `tls.port==${listen},${d.name}`, '-d', `tls.port==${upstream},${d.name}`, '-Y', d.field, '-T', 'fields', '-e', 'tcp.dstport', '-e', d.field], { maxBuffer: 16 * 1024 * 1024 });
    const legs = { client: [] as string[], upstream: [] as string[] };
    for (const line of out.stdout.split('\n').filter(Boolean)) {
      const [port, cmd] = line.split('\t');
      (Number(port) === listen ? legs.client : legs.upstream).push(cmd!.toUpperCase());
    }
    // IMAP and POP dissectors show a SASL response line (AUTHENTICATE/AUTH continuation) as a request too.
    const kinds = service === 'smtps' ? ['command'] : ['command', 'sasl'];
    const recorded = log!.events
      .filter((e) => isUnitRecord(e) && e.dir === 'c2s' && kinds.includes(e.type))
      .map((e) => {
        if (!isUnitRecord(e)) return '';
        const line = (e.text ?? '').replace(/\r?\n$/, '');
        if (service === 'imaps') return line.toUpperCase();
        if (service === 'pop3s') return (e.type === 'sasl' ? line.split(' ')[0]! : (e.verb ?? '')).toUpperCase();
        return (e.verb ?? '').toUpperCase().slice(0, 4);
      });
    expect(recorded.length).toBeGreaterThan(1);
    expect(legs.client, 'client leg (curl → mailtap), decrypted').toEqual(recorded);
    expect(legs.upstream, 'upstream leg (mailtap → server), decrypted').toEqual(recorded);
  });
});
