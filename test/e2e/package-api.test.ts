// The package as a project uses it: the license package.json names is there, the bundled
// samples are reachable as `mailtap/samples/...`, and `upstreamCa` takes PEM text as well as paths.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { makeTestPki, type TestPki } from '../helpers/pki.js';
import { startTestProxy } from '../helpers/proxy-harness.js';
import { startScriptedSmtpServer } from '../helpers/scripted-smtp-server.js';
import { LineClient } from '../helpers/line-client.js';
import type { Lang } from '../../src/index.js';

let pki: TestPki;
beforeAll(async () => {
  pki = await makeTestPki();
});
afterAll(async () => {
  await pki?.cleanup();
});

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { license: string; files: string[]; exports: Record<string, unknown> };

describe('the published package', () => {
  it('ships the LICENSE its package.json promises', () => {
    expect(pkg.license).toBe('MIT');
    const license = readFileSync(new URL('../../LICENSE', import.meta.url), 'utf8');
    expect(license).toMatch(/^MIT License/);
    expect(pkg.files).toContain('LICENSE');
  });

  it('exports the bundled samples as mailtap/samples/...', () => {
    const target = pkg.exports['./samples/*'];
    expect(target).toBe('./recordings/samples/*');
    expect(existsSync(new URL(`../../${String(target).replace('*', 'imaps-993.jsonl')}`, import.meta.url))).toBe(true);
    const lang: Lang = 'es';
    expect(lang).toBe('es');
  });

  it('upstreamCa accepts PEM text as well as a path', async () => {
    const upstream = await startScriptedSmtpServer({ tls: 'implicit', key: pki.serverKey, cert: pki.serverCert });
    const proxy = await startTestProxy(pki, [`smtps://127.0.0.1:0=smtps://127.0.0.1:${upstream.port}`], { upstreamCa: [pki.upstreamCaPem] });
    try {
      const client = await LineClient.connect({ port: proxy.port(), tls: true, ca: pki.mailtapCaPem });
      expect(await client.smtpReply()).toMatch(/^220 /);
      await client.send('QUIT\r\n');
      await client.smtpReply();
      const [log] = await proxy.ended(1);
      expect(log!.events.find((e) => e.type === 'tls' && (e as { leg: string }).leg === 'upstream')).toMatchObject({ verified: true });
    } finally {
      await proxy.close();
      await upstream.close();
    }
  });
});
