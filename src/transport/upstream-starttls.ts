// When the client speaks implicit TLS but the server only offers STARTTLS/STLS, mailtap upgrades
// the upstream itself before the client says a word (as stunnel's `protocol =` does): read the
// greeting, ask for TLS, check the answer. The greeting is handed back so the client still gets
// the server's own. RFC 3207 §4 (SMTP, after EHLO), RFC 2595 §4 (POP3 STLS), RFC 9051 §6.2.1.

import type { Socket } from 'node:net';
import { hostname } from 'node:os';
import { MailtapError } from '../core/errors.js';
import type { Protocol } from '../protocol/types.js';

export interface UpstreamStartTlsResult {
  greeting: Buffer;
  /** What mailtap said and heard, one line each, for the recording's notes. */
  transcript: string[];
}

export async function negotiateUpstreamStartTls(raw: Socket, protocol: Protocol, timeoutMs: number): Promise<UpstreamStartTlsResult> {
  const reader = new LineReader(raw, timeoutMs);
  const transcript: string[] = [];
  const say = (line: string) => {
    transcript.push(`mailtap → server: ${line}`);
    raw.write(`${line}\r\n`);
  };
  const hear = (reply: Buffer) => {
    // One entry per reply line, so a multi-line reply keeps each line's own prefix (250-…, 250 …).
    for (const line of reply.toString('latin1').trimEnd().split('\r\n')) transcript.push(`server → mailtap: ${line}`);
    return reply.toString('latin1');
  };
  try {
    switch (protocol) {
      case 'smtp': {
        const greeting = await reader.smtpReply();
        hear(greeting);
        say(`EHLO ${hostname() || 'mailtap'}`);
        const ehlo = hear(await reader.smtpReply());
        if (!ehlo.startsWith('250')) throw refused(ehlo);
        say('STARTTLS');
        const answer = hear(await reader.smtpReply());
        if (!answer.startsWith('220')) throw refused(answer);
        return { greeting, transcript };
      }
      case 'pop3': {
        const greeting = await reader.line();
        hear(greeting);
        say('STLS');
        const answer = hear(await reader.line());
        if (!answer.startsWith('+OK')) throw refused(answer);
        return { greeting, transcript };
      }
      case 'imap': {
        const greeting = await reader.line();
        hear(greeting);
        say('MT1 STARTTLS');
        let answer = hear(await reader.line());
        while (answer.startsWith('* ')) answer = hear(await reader.line());
        if (!/^MT1 OK/i.test(answer)) throw refused(answer);
        return { greeting, transcript };
      }
    }
  } finally {
    reader.release();
  }
}

function refused(reply: string): MailtapError {
  return new MailtapError('E_UPSTREAM_TLS', `the server refused STARTTLS: ${reply.trim().split(/\r?\n/).pop()}`, { side: 'server' });
}

/** Reads whole lines from a socket until released; bytes past the last line must not exist (the server waits for us). */
class LineReader {
  private buffer = Buffer.alloc(0);
  private waiter: (() => void) | undefined;
  private failure: Error | undefined;
  private readonly onData = (chunk: Buffer) => {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    if (this.buffer.length > 64 * 1024) this.failure = new MailtapError('E_PROTOCOL', 'the server sent over 64 KiB before TLS', { side: 'server' });
    this.waiter?.();
  };
  private readonly onEnd = () => {
    this.failure = new MailtapError('E_UPSTREAM_CLOSED', 'the server closed the connection before TLS', { side: 'server' });
    this.waiter?.();
  };

  constructor(
    private readonly socket: Socket,
    private readonly timeoutMs: number,
  ) {
    socket.on('data', this.onData);
    socket.on('end', this.onEnd);
    socket.on('error', this.onEnd);
  }

  release(): void {
    this.socket.removeListener('data', this.onData);
    this.socket.removeListener('end', this.onEnd);
    this.socket.removeListener('error', this.onEnd);
    this.socket.pause();
  }

  async line(): Promise<Buffer> {
    for (;;) {
      const lf = this.buffer.indexOf(0x0a);
      if (lf >= 0) {
        const line = this.buffer.subarray(0, lf + 1);
        this.buffer = this.buffer.subarray(lf + 1);
        return line;
      }
      await this.wait();
    }
  }

  /** A whole SMTP reply: `ddd-` lines up to the `ddd ` line (RFC 5321 §4.2.1). */
  async smtpReply(): Promise<Buffer> {
    const lines: Buffer[] = [];
    for (;;) {
      const line = await this.line();
      lines.push(line);
      if (line[3] !== 0x2d) return Buffer.concat(lines);
    }
  }

  private wait(): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiter = undefined;
        reject(new MailtapError('E_UPSTREAM_TIMEOUT', `the server did not answer within ${this.timeoutMs} ms`, { side: 'server' }));
      }, this.timeoutMs);
      this.waiter = () => {
        clearTimeout(timer);
        this.waiter = undefined;
        if (this.failure) reject(this.failure);
        else resolve();
      };
    });
  }
}
