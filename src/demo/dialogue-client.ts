// A scripted mail client for the demo's self-test and for making the sample recordings: it
// types the lab guide's lines, reads each answer the way its protocol frames it (SMTP replies,
// POP3 single and multi-line answers, IMAP lines with literals up to the tagged completion),
// and upgrades to TLS after STARTTLS/STLS. Real sockets, real TLS.

import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import type { Protocol } from '../protocol/types.js';

export type ReplyShape = 'smtp' | 'line' | 'pop3-multi' | 'imap';

export interface DialogueStep {
  send: string;
  /** How to read the answer; default per protocol. */
  reply?: ReplyShape;
  /** Upgrade to TLS after this step's answer. */
  starttls?: boolean;
  /** The answer must match, or the dialogue fails naming the step. */
  expect?: RegExp;
}

export interface Dialogue {
  name: string;
  protocol: Protocol;
  /** Implicit TLS from the first byte. */
  tls: boolean;
  steps: DialogueStep[];
}

export interface DialogueTarget {
  host: string;
  port: number;
  ca?: string | string[];
  servername?: string;
  timeoutMs?: number;
}

export interface DialogueTranscript {
  lines: string[];
}

export async function runDialogue(dialogue: Dialogue, target: DialogueTarget): Promise<DialogueTranscript> {
  const conn = await Connection.open(dialogue.tls, target);
  const lines: string[] = [];
  try {
    lines.push(`<- ${(await conn.read(dialogue.protocol === 'smtp' ? 'smtp' : 'line')).trimEnd()}`);
    for (const [i, step] of dialogue.steps.entries()) {
      await conn.write(`${step.send}\r\n`);
      lines.push(`-> ${step.send.split('\r\n')[0]}`);
      const shape = step.reply ?? (dialogue.protocol === 'smtp' ? 'smtp' : dialogue.protocol === 'imap' ? 'imap' : 'line');
      const answer = await conn.read(shape, step.send);
      lines.push(`<- ${answer.trimEnd().split('\r\n').slice(0, 3).join(' | ')}`);
      if (step.expect && !step.expect.test(answer)) {
        throw new Error(`${dialogue.name}, step ${i + 1} (${step.send.split('\r\n')[0]}): expected ${step.expect}, got ${JSON.stringify(answer.slice(0, 200))}`);
      }
      if (step.starttls) await conn.startTls();
    }
  } finally {
    conn.close();
  }
  return { lines };
}

class Connection {
  private buffer = Buffer.alloc(0);
  private wake: (() => void) | undefined;
  private closed = false;

  private constructor(
    private socket: Socket,
    private readonly target: DialogueTarget,
  ) {
    this.listen(socket);
  }

  static async open(tls: boolean, target: DialogueTarget): Promise<Connection> {
    const socket = await new Promise<Socket>((resolve, reject) => {
      const s = tls
        ? tlsConnect({ host: target.host, port: target.port, ca: target.ca, servername: target.servername ?? 'localhost' }, () => resolve(s))
        : netConnect({ host: target.host, port: target.port }, () => resolve(s));
      s.once('error', reject);
    });
    return new Connection(socket, target);
  }

  private listen(socket: Socket): void {
    socket.on('data', (chunk: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, chunk]);
      this.wake?.();
    });
    socket.on('close', () => {
      this.closed = true;
      this.wake?.();
    });
    socket.on('error', () => {});
  }

  write(text: string): Promise<void> {
    return new Promise((resolve) => this.socket.write(text, () => resolve()));
  }

  async startTls(): Promise<void> {
    const raw = this.socket;
    raw.removeAllListeners('data');
    raw.removeAllListeners('close');
    this.socket = await new Promise<Socket>((resolve, reject) => {
      const s = tlsConnect({ socket: raw, ca: this.target.ca, servername: this.target.servername ?? 'localhost' }, () => resolve(s));
      s.once('error', reject);
    });
    this.listen(this.socket);
  }

  /** Reads one answer of the given shape; `sent` is the command (for IMAP's tag and POP3's multi-line verbs). */
  async read(shape: ReplyShape, sent = ''): Promise<string> {
    const tag = sent.split(' ')[0] ?? '';
    const deadline = Date.now() + (this.target.timeoutMs ?? 15_000);
    for (;;) {
      const n = answerLength(this.buffer, shape, tag);
      if (n >= 0) {
        const answer = this.buffer.subarray(0, n).toString('latin1');
        this.buffer = this.buffer.subarray(n);
        return answer;
      }
      if (this.closed) throw new Error(`connection closed while waiting for an answer to ${JSON.stringify(sent)}`);
      if (Date.now() > deadline) throw new Error(`no answer to ${JSON.stringify(sent)} in time; got ${JSON.stringify(this.buffer.toString('latin1').slice(0, 200))}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.max(1, deadline - Date.now()));
        this.wake = () => {
          clearTimeout(t);
          this.wake = undefined;
          resolve();
        };
      });
    }
  }

  close(): void {
    this.socket.end();
    setTimeout(() => this.socket.destroy(), 1000).unref();
  }
}

/** Bytes that form one complete answer at the front of `buf`, or -1. */
function answerLength(buf: Buffer, shape: ReplyShape, tag: string): number {
  let pos = 0;
  for (;;) {
    const lf = buf.indexOf(0x0a, pos);
    if (lf < 0) return -1;
    const line = buf.toString('latin1', pos, lf + 1);
    const end = lf + 1;
    switch (shape) {
      case 'line':
        return end;
      case 'smtp':
        if (line[3] !== '-') return end;
        break;
      case 'pop3-multi':
        if (pos === 0 && line.startsWith('-ERR')) return end;
        if (pos > 0 && (line === '.\r\n' || line === '.\n')) return end;
        break;
      case 'imap': {
        const literal = /\{(\d+)\+?\}\r?\n$/.exec(line);
        if (literal) {
          pos = end + Number(literal[1]);
          if (pos > buf.length) return -1;
          continue;
        }
        if (line.startsWith(`${tag} `) || line.startsWith('+ ') || line === '+\r\n') return end;
        break;
      }
    }
    pos = end;
  }
}
