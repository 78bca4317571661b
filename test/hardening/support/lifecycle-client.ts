// The client half of the lifecycle tests: one protocol's words (greeting, STARTTLS, a harmless
// command, goodbye) and a raw socket a test can reset or half-close at an exact moment.

import { connect as netConnect, type Socket } from 'node:net';
import type { Protocol } from '../../../src/protocol/types.js';
import { LineClient } from '../../helpers/line-client.js';

export const WORDS: Record<Protocol, { startTls: string[]; noop: string; quit: string; capa: string }> = {
  smtp: { startTls: ['EHLO lifecycle\r\n', 'STARTTLS\r\n'], noop: 'NOOP\r\n', quit: 'QUIT\r\n', capa: 'EHLO lifecycle\r\n' },
  pop3: { startTls: ['STLS\r\n'], noop: 'NOOP\r\n', quit: 'QUIT\r\n', capa: 'CAPA\r\n' },
  imap: { startTls: ['a1 STARTTLS\r\n'], noop: 'a2 NOOP\r\n', quit: 'a3 LOGOUT\r\n', capa: 'a0 CAPABILITY\r\n' },
};

/** Reads one whole reply of `protocol` (SMTP multi-line, POP3 CAPA listing, IMAP up to the tagged line). */
export function readReply(client: LineClient, protocol: Protocol, command?: string, timeoutMs = 10_000): Promise<string> {
  if (protocol === 'smtp') return client.smtpReply(timeoutMs);
  if (protocol === 'pop3') {
    if (command === 'CAPA\r\n') return client.readUntil((t) => (t.startsWith('+OK') ? endOf(t, '\r\n.\r\n') : t.indexOf('\r\n') < 0 ? -1 : t.indexOf('\r\n') + 2), timeoutMs);
    return client.line(timeoutMs);
  }
  const tag = command?.split(' ')[0];
  if (!tag) return client.line(timeoutMs);
  return client.readUntil((t) => {
    const m = new RegExp(`(^|\\r\\n)${tag} [^\\r\\n]*\\r\\n`).exec(t);
    return m ? m.index + m[0].length : -1;
  }, timeoutMs);
}

function endOf(text: string, marker: string): number {
  const i = text.indexOf(marker);
  return i < 0 ? -1 : i + marker.length;
}

/** A whole, well-behaved session: greeting, STARTTLS, TLS, a command, goodbye. */
export async function completeDialogue(protocol: Protocol, port: number, ca: string): Promise<void> {
  const c = await LineClient.connect({ port, ca });
  try {
    await readReply(c, protocol);
    const w = WORDS[protocol];
    for (const cmd of w.startTls) {
      await c.send(cmd);
      await readReply(c, protocol, cmd);
    }
    await c.startTls();
    await c.send(w.noop);
    await readReply(c, protocol, w.noop);
    await c.send(w.quit);
    const bye = await readReply(c, protocol, w.quit);
    if (!/^(221|\+OK|\* BYE)/.test(bye)) throw new Error(`${protocol}: no goodbye, got ${JSON.stringify(bye)}`);
  } finally {
    await c.close();
  }
}

export function rawConnect(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = netConnect({ host: '127.0.0.1', port, allowHalfOpen: true }, () => resolve(s));
    s.once('error', reject);
  });
}

/** Abort with a TCP RST (the raw socket under any TLS layer). */
export function resetSocket(socket: Socket): void {
  const tcp = ((socket as Socket & { _parent?: Socket })._parent ?? socket) as Socket & { resetAndDestroy(): void };
  if (!tcp.destroyed) tcp.resetAndDestroy();
}

/** Collects what a raw socket reads; `until` waits for a pattern. */
export function reader(socket: Socket): { text: () => string; until: (re: RegExp, timeoutMs?: number) => Promise<void>; closed: Promise<void> } {
  let text = '';
  const waiters = new Set<() => void>();
  socket.on('data', (c: Buffer) => {
    text += c.toString('latin1');
    for (const w of waiters) w();
  });
  socket.on('error', () => {});
  const closed = new Promise<void>((r) => socket.once('close', () => r()));
  return {
    text: () => text,
    closed,
    until: (re, timeoutMs = 10_000) =>
      new Promise<void>((resolve, reject) => {
        const check = () => {
          if (!re.test(text)) return;
          waiters.delete(check);
          clearTimeout(timer);
          resolve();
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`timed out waiting for ${re}; got ${JSON.stringify(text.slice(-200))}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      }),
  };
}
