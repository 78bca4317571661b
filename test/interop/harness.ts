// The frame every proxied interop test file shares: decides at collection time whether the real
// Dovecot + Postfix are usable (skip with the reason, or fail when MAILTAP_INTEROP_REQUIRED=1),
// then runs one mailtap proxy with a listener in front of every real service for the file.
// Invariant: clients are only ever given the mailtap CA; mailtap alone trusts the env's CA.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { makeTestPki, type TestPki } from '../helpers/pki.js';
import { startTestProxy, type SessionLog, type TestProxy } from '../helpers/proxy-harness.js';
import { ensureInteropEnv, interopEnvIsUp, loadInteropEnv, stopInteropEnv, type InteropEnv, type InteropService } from './interop-env.js';

export const SERVICES: InteropService[] = ['smtp', 'submission', 'smtps', 'imap', 'imaps', 'pop3', 'pop3s'];

type Gate = { ok: true; env: InteropEnv; startedHere: boolean } | { ok: false; reason: string };

let cachedGate: Gate | undefined;

/** Brings the env up once per test file (setup.sh is idempotent: ~0.5 s when already up). */
function openGate(): Gate {
  if (cachedGate) return cachedGate;
  const wasUp = interopEnvIsUp();
  const isRoot = process.getuid?.() === 0;
  try {
    if (!isRoot) {
      // A developer's running env is usable without root; setting one up needs root.
      if (!wasUp) return (cachedGate = { ok: false, reason: 'not root and no interop env running: setup.sh needs root (run `sudo test/interop/setup.sh`)' });
      return (cachedGate = { ok: true, env: loadInteropEnv(), startedHere: false });
    }
    return (cachedGate = { ok: true, env: ensureInteropEnv(), startedHere: !wasUp });
  } catch (err) {
    return (cachedGate = { ok: false, reason: (err as Error).message.split('\n').slice(0, 6).join(' | ') });
  }
}

export interface InteropContext {
  env: InteropEnv;
  pki: TestPki;
  /** File holding the mailtap CA PEM: the only thing clients trust. */
  mailtapCaFile: string;
  proxy: TestProxy;
  /** Port of the mailtap listener in front of a real service (same scheme on both legs). */
  port(service: InteropService): number;
  /**
   * Call before a client runs; the returned function waits for the first `count` sessions
   * that started after this call to end. Robust to earlier tests leaving sessions behind.
   */
  begin(): (count?: number) => Promise<SessionLog[]>;
}

/**
 * Declares a suite that needs the real servers. When the env is unusable, declares one skipped
 * test whose name is the reason, or one failing test when MAILTAP_INTEROP_REQUIRED=1 (CI).
 * `env` is usable inside hooks and tests only.
 */
export function withInteropEnv(title: string, define: (env: InteropEnv) => void): void {
  const gate = openGate();
  describe(title, () => {
    if (!gate.ok) {
      const reason = gate.reason;
      if (process.env['MAILTAP_INTEROP_REQUIRED'] === '1') {
        it('needs the interop env (MAILTAP_INTEROP_REQUIRED=1)', () => {
          throw new Error(`interop env unavailable: ${reason}`);
        });
      } else {
        console.warn(`[interop] ${title}: SKIPPED: ${reason}`);
        it.skip(`SKIPPED (interop env unavailable): ${reason}`, () => {});
      }
      return;
    }
    // Leave no daemons behind, unless they were running before (a developer's env).
    afterAll(() => {
      if (gate.startedHere) stopInteropEnv();
    });
    define(gate.env);
  });
}

/** A `withInteropEnv` suite with one mailtap proxy in front of every real service. */
export function interopSuite(title: string, define: (ctx: InteropContext) => void): void {
  withInteropEnv(title, (env) => {
    const ctx = { env } as InteropContext;
    beforeAll(async () => {
      ctx.pki = await makeTestPki();
      ctx.mailtapCaFile = join(ctx.pki.dir, 'mailtap-ca.pem');
      writeFileSync(ctx.mailtapCaFile, ctx.pki.mailtapCaPem);
      const routes = SERVICES.map((s) => `${env.urls[s].split(':')[0]}://127.0.0.1:0=${env.urls[s]}`);
      ctx.proxy = await startTestProxy(ctx.pki, routes, { upstreamCa: [env.ca] });
      ctx.port = (service) => ctx.proxy.port(SERVICES.indexOf(service));
      ctx.begin = () => {
        const mark = ctx.proxy.sessions.size;
        return async (count = 1) => {
          for (let i = 0; i < 1000; i++) {
            const mine = [...ctx.proxy.sessions.values()].slice(mark, mark + count);
            if (mine.length === count && mine.every((l) => l.close)) return mine;
            await new Promise((r) => setTimeout(r, 20));
          }
          throw new Error(`timed out waiting for ${count} mailtap session(s) to end`);
        };
      };
    });
    afterAll(async () => {
      await ctx.proxy?.close();
      await ctx.pki?.cleanup();
    });
    define(ctx);
  });
}

export function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms ${what}`)), ms);
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}
