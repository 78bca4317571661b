// What the web view (issue 16) costs the relay: two more mailtap processes with --web, in the
// same rounds as plain mailtap: one with no browser (the store's bookkeeping only), one with
// Debian's chromium showing the live list and opening the session page of each message while it
// passes (SSE batches, the transcript built for an open page). Reported as the --web relay's
// ratio ÷ plain mailtap's, each against the same direct runs.

import { access } from 'node:fs/promises';
import type { Browser, Page } from 'playwright-core';
import { startChild, type BenchChild } from './child-process.js';
import type { ProxyChildConfig } from './proxy-protocol.js';
import type { Ports, Relay } from './scenarios.js';

export const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
export const WEB_NO_BROWSER = 'mailtap --web (no browser)';
export const WEB_BROWSER = 'mailtap --web (chromium watching)';

export interface WebRelays {
  relays: Relay[];
  skipped: string[];
  /** Runs whose session page the browser opened while the message passed. */
  followed(): number;
  stop(): Promise<void>;
}

type NodeRelay = (name: string, child: BenchChild<Ports>, afterRun?: () => Promise<void>) => Relay;

async function launchChromium(): Promise<Browser> {
  await access(CHROMIUM);
  const { chromium } = await import('playwright-core');
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

export async function startWebRelays(config: ProxyChildConfig, nodeRelay: NodeRelay, afterRun?: () => Promise<void>, nodeFlags: string[] = []): Promise<WebRelays> {
  const stops: (() => Promise<void>)[] = [];
  const skipped: string[] = [];
  let followed = 0;
  const stop = async () => {
    for (const s of stops.reverse()) await s();
  };
  try {
    const quiet = await startChild<Ports>('./proxy-child.mjs', { ...config, web: true }, nodeFlags);
    stops.push(() => quiet.stop());
    const relays = [nodeRelay(WEB_NO_BROWSER, quiet, afterRun)];
    const watched = await startChild<Ports>('./proxy-child.mjs', { ...config, web: true }, nodeFlags);
    stops.push(() => watched.stop());
    let browser: Browser | undefined;
    try {
      browser = await launchChromium();
    } catch (err) {
      skipped.push(`${WEB_BROWSER}: no browser (${CHROMIUM}: ${(err as Error).message})`);
    }
    if (browser) {
      const b = browser;
      stops.push(() => b.close());
      const openUrl = watched.ready.web!;
      const base = new URL(openUrl);
      const token = base.searchParams.get('token')!;
      const context = await b.newContext({ viewport: { width: 1366, height: 860 } });
      const list = await context.newPage();
      await list.goto(openUrl);
      await list.waitForSelector('#sessions');
      const follower: Page = await context.newPage();
      const relay = nodeRelay(WEB_BROWSER, watched, afterRun);
      // As a person watching would: as soon as the run's session is open, open its page.
      relay.beforeRun = async () => {
        let done = false;
        const following = (async () => {
          while (!done) {
            const res = await fetch(new URL(`/api/sessions?status=open&limit=1&token=${token}`, base));
            const id = ((await res.json()) as { items: { id: string }[] }).items[0]?.id;
            if (id) {
              await follower.goto(new URL(`/#/s/${id}`, base).href);
              followed++;
              return;
            }
            await new Promise((r) => setTimeout(r, 5));
          }
        })();
        return async () => {
          done = true;
          await following;
        };
      };
      relays.push(relay);
    }
    return { relays, skipped, followed: () => followed, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
