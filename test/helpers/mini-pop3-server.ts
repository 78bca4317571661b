// A small but real POP3 server for end-to-end tests (RFC 1939 with CAPA RFC 2449, STLS RFC 2595,
// AUTH RFC 5034). It serves the INBOX of a shared MailStore; pipelined commands are answered in
// order; deletions only happen in the UPDATE state, after QUIT (RFC 1939 §6).

import { createHash } from 'node:crypto';
import { lineText } from '../../src/core/bytes.js';
import {
  listenMiniServer,
  MailStore,
  type MiniConnection,
  type MiniServer,
  type MiniServerOptions,
  type StoredMessage,
} from './mailbox.js';

export type { MiniServer, MiniServerOptions } from './mailbox.js';

const MAX_LINE = 64 * 1024;

export async function startMiniPop3Server(options: MiniServerOptions): Promise<MiniServer> {
  const mailbox = new MailStore(options.messages);
  let sessions = 0;
  const listener = await listenMiniServer(options, (conn) => {
    new Pop3Session(conn, options, mailbox, ++sessions).greet();
  });
  return { port: listener.port, host: '127.0.0.1', close: listener.close, mailbox };
}

type Phase = 'authorization' | 'transaction' | 'closed';
type SaslStep =
  | { mech: 'PLAIN' }
  | { mech: 'LOGIN'; user?: string };

class Pop3Session {
  private phase: Phase = 'authorization';
  private user: string | undefined; // after USER, before PASS
  private sasl: SaslStep | undefined;
  private readonly timestamp: string;
  private drop: StoredMessage[] = [];
  private readonly deleted = new Set<number>(); // 0-based indexes into drop

  constructor(
    private readonly conn: MiniConnection,
    private readonly options: MiniServerOptions,
    private readonly store: MailStore,
    id: number,
  ) {
    this.timestamp = `<${process.pid}.${id}.${Date.now()}@mini-pop3>`;
    conn.onInput = () => this.pump();
  }

  greet(): void {
    // RFC 1939 §7: the APOP timestamp rides in the greeting.
    this.conn.write(`+OK mini-pop3 ready ${this.timestamp}\r\n`);
  }

  private pump(): void {
    while (this.phase !== 'closed') {
      const line = this.conn.queue.takeLine(MAX_LINE);
      if (!line) return;
      if (line.kind === 'overflow') {
        this.conn.write('-ERR line too long\r\n');
        this.close();
        return;
      }
      if (this.handle(lineText(line.bytes)) === 'stop') return;
    }
  }

  private ok(text: string): void {
    this.conn.write(`+OK ${text}\r\n`);
  }

  private err(text: string): void {
    this.conn.write(`-ERR ${text}\r\n`);
  }

  private close(): void {
    this.phase = 'closed';
    this.conn.end();
  }

  /** Returns 'stop' when the remaining queued input must not be read (STLS, QUIT). */
  private handle(text: string): 'stop' | void {
    if (this.sasl) return this.saslStep(text);
    const space = text.indexOf(' ');
    const verb = (space < 0 ? text : text.slice(0, space)).toUpperCase();
    const arg = space < 0 ? '' : text.slice(space + 1);
    const args = arg === '' ? [] : arg.split(' ');
    switch (verb) {
      case 'CAPA':
        return this.capa();
      case 'QUIT':
        return this.quit();
      case 'NOOP':
        return this.phase === 'transaction' ? this.ok('') : this.err('not logged in');
    }
    if (this.phase === 'authorization') {
      switch (verb) {
        case 'STLS':
          if (!this.conn.canStartTls) return this.err(this.conn.secure ? 'already in TLS' : 'STLS not offered');
          this.ok('begin TLS negotiation');
          this.conn.startTls();
          return 'stop';
        case 'USER':
          if (args.length !== 1) return this.err('usage: USER name');
          this.user = args[0];
          return this.ok('send PASS');
        case 'PASS':
          if (this.user === undefined) return this.err('USER first');
          return this.login(this.user, arg);
        case 'APOP': {
          if (args.length !== 2) return this.err('usage: APOP name digest');
          const pass = this.options.users[args[0]!];
          const digest = pass === undefined ? '' : createHash('md5').update(this.timestamp + pass).digest('hex');
          if (digest === '' || digest !== args[1]!.toLowerCase()) return this.err('[AUTH] authentication failed');
          return this.enterTransaction();
        }
        case 'AUTH':
          return this.auth(args);
      }
      return this.err(`${verb || 'empty command'} not valid in AUTHORIZATION state`);
    }
    return this.transaction(verb, args);
  }

  private capa(): void {
    const caps = ['TOP', 'UIDL', 'PIPELINING', 'RESP-CODES', 'AUTH-RESP-CODE'];
    if (this.phase === 'authorization') {
      caps.push('USER', 'SASL PLAIN LOGIN');
      if (this.conn.canStartTls) caps.push('STLS');
    }
    caps.push('IMPLEMENTATION mini-pop3');
    this.conn.write(`+OK capability list follows\r\n${caps.join('\r\n')}\r\n.\r\n`);
  }

  private login(user: string, pass: string): void {
    this.user = undefined;
    if (this.options.users[user] === undefined || this.options.users[user] !== pass) {
      return this.err('[AUTH] authentication failed');
    }
    this.enterTransaction();
  }

  private enterTransaction(): void {
    this.phase = 'transaction';
    this.drop = [...this.store.inbox.messages];
    this.ok(`maildrop has ${this.drop.length} messages`);
  }

  // RFC 5034 §4: "AUTH mech [initial-response]", "=" is an empty initial response, "*" cancels.
  private auth(args: string[]): void {
    const mech = (args[0] ?? '').toUpperCase();
    const initial = args[1];
    if (mech === 'PLAIN') {
      this.sasl = { mech: 'PLAIN' };
      if (initial === undefined) return this.conn.write('+ \r\n');
      this.saslStep(initial);
      return;
    }
    if (mech === 'LOGIN') {
      this.sasl = { mech: 'LOGIN' };
      if (initial === undefined) return this.conn.write(`+ ${b64('Username:')}\r\n`);
      this.saslStep(initial);
      return;
    }
    this.err('unsupported SASL mechanism');
  }

  private saslStep(text: string): void {
    const step = this.sasl!;
    if (text === '*') {
      this.sasl = undefined;
      return this.err('authentication cancelled');
    }
    const decoded = text === '=' ? '' : Buffer.from(text, 'base64').toString('utf8');
    if (step.mech === 'PLAIN') {
      this.sasl = undefined;
      const parts = decoded.split('\0');
      if (parts.length !== 3) return this.err('[AUTH] malformed PLAIN response');
      const [authz, authc, pass] = parts as [string, string, string];
      if (authz !== '' && authz !== authc) return this.err('[AUTH] authorization identity refused');
      return this.login(authc, pass);
    }
    if (step.user === undefined) {
      step.user = decoded;
      return this.conn.write(`+ ${b64('Password:')}\r\n`);
    }
    this.sasl = undefined;
    this.login(step.user, decoded);
  }

  private transaction(verb: string, args: string[]): void {
    switch (verb) {
      case 'STAT': {
        const live = this.live();
        return this.ok(`${live.length} ${live.reduce((n, [, m]) => n + m.raw.length, 0)}`);
      }
      case 'LIST':
      case 'UIDL': {
        const item = (i: number, m: StoredMessage): string =>
          `${i + 1} ${verb === 'LIST' ? m.raw.length : m.uid}`;
        if (args.length > 0) {
          const found = this.message(args[0]!);
          if (typeof found === 'string') return this.err(found);
          return this.ok(item(found[0], found[1]));
        }
        const lines = this.live().map(([i, m]) => `${item(i, m)}\r\n`);
        return this.conn.write(`+OK ${lines.length} messages\r\n${lines.join('')}.\r\n`);
      }
      case 'RETR':
      case 'TOP': {
        const found = this.message(args[0] ?? '');
        if (typeof found === 'string') return this.err(found);
        let raw = found[1].raw;
        if (verb === 'TOP') {
          const k = Number(args[1]);
          if (args.length !== 2 || !Number.isInteger(k) || k < 0) return this.err('usage: TOP msg n');
          raw = topLines(raw, k);
        }
        this.conn.write(`+OK ${found[1].raw.length} octets\r\n`);
        return this.conn.write(Buffer.concat([dotStuff(raw), Buffer.from('.\r\n')]));
      }
      case 'DELE': {
        const found = this.message(args[0] ?? '');
        if (typeof found === 'string') return this.err(found);
        this.deleted.add(found[0]);
        return this.ok(`message ${found[0] + 1} deleted`);
      }
      case 'RSET':
        this.deleted.clear();
        return this.ok(`maildrop has ${this.drop.length} messages`);
    }
    return this.err(`${verb || 'empty command'} not valid in TRANSACTION state`);
  }

  private live(): Array<[number, StoredMessage]> {
    return this.drop.map((m, i) => [i, m] as [number, StoredMessage]).filter(([i]) => !this.deleted.has(i));
  }

  private message(arg: string): [number, StoredMessage] | string {
    const n = Number(arg);
    if (!/^\d+$/.test(arg) || n < 1 || n > this.drop.length) return 'no such message';
    if (this.deleted.has(n - 1)) return 'message already deleted';
    return [n - 1, this.drop[n - 1]!];
  }

  private quit(): 'stop' {
    if (this.phase === 'transaction') {
      // UPDATE state (RFC 1939 §6): only now do deletions reach the store.
      if (this.store.inbox.remove([...this.deleted].map((i) => this.drop[i]!)) > 0) this.store.changed();
    }
    this.ok('bye');
    this.close();
    return 'stop';
  }
}

function b64(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64');
}

/** Byte-stuffs a message for a multi-line response (RFC 1939 §3), ending it with CRLF. */
export function dotStuff(raw: Buffer): Buffer {
  const parts: Buffer[] = [];
  let start = 0;
  let lineStart = 0;
  while (lineStart < raw.length) {
    if (raw[lineStart] === 0x2e) {
      parts.push(raw.subarray(start, lineStart), Buffer.from('.'));
      start = lineStart;
    }
    const lf = raw.indexOf(0x0a, lineStart);
    if (lf < 0) break;
    lineStart = lf + 1;
  }
  parts.push(raw.subarray(start));
  if (raw.length > 0 && raw[raw.length - 1] !== 0x0a) parts.push(Buffer.from('\r\n'));
  return Buffer.concat(parts);
}

/** Header, the blank line, and the first `k` body lines (RFC 1939 §7 TOP). */
function topLines(raw: Buffer, k: number): Buffer {
  const sep = raw.indexOf('\r\n\r\n');
  if (sep < 0) return raw;
  let end = sep + 4;
  for (let i = 0; i < k && end < raw.length; i++) {
    const lf = raw.indexOf(0x0a, end);
    end = lf < 0 ? raw.length : lf + 1;
  }
  return raw.subarray(0, end);
}
