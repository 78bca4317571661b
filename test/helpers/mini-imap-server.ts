// A small but real IMAP4rev1 server for end-to-end tests (RFC 3501/9051 subset: what imapflow and
// similar clients use). Commands are framed with synchronizing and LITERAL+ literals (RFC 7888),
// states are enforced (RFC 9051 §3), and each session keeps its own sequence-number view of the
// selected folder, so EXPUNGE/EXISTS are announced only where RFC 9051 §7.5.1 allows.

import { lineText } from '../../src/core/bytes.js';
import {
  listenMiniServer,
  MailStore,
  type MailFolder,
  type MiniConnection,
  type MiniServer,
  type MiniServerOptions,
  type StoredMessage,
} from './mailbox.js';
import {
  bad,
  CommandError,
  imapString,
  no,
  parseArgs,
  parseDateTime,
  parseSequenceSet,
  type Token,
} from './mini-imap-syntax.js';
import { fetchItems, fetchResponse } from './mini-imap-fetch.js';
import { compileSearch } from './mini-imap-search.js';

export type { MiniServer, MiniServerOptions } from './mailbox.js';

const MAX_LINE = 64 * 1024;
const MAX_LITERAL = 64 * 1024 * 1024;
const SYSTEM_FLAGS = ['\\Answered', '\\Flagged', '\\Deleted', '\\Seen', '\\Draft'];

export async function startMiniImapServer(options: MiniServerOptions): Promise<MiniServer> {
  const mailbox = new MailStore(options.messages);
  const listener = await listenMiniServer(options, (conn) => new ImapSession(conn, options, mailbox).greet());
  return { port: listener.port, host: '127.0.0.1', close: listener.close, mailbox };
}

type State = 'notauth' | 'auth' | 'selected' | 'logout';

class ImapSession {
  private state: State = 'notauth';
  private pending: Buffer[] = []; // lines and literals of the command being assembled
  private literalNeed = 0;
  /** Receives the next line instead of the command parser (AUTHENTICATE, IDLE). */
  private continuation: ((line: string) => void) | undefined;
  private folder: MailFolder | undefined;
  private readOnly = false;
  private view: StoredMessage[] = [];
  private unwatch: (() => void) | undefined;

  constructor(
    private readonly conn: MiniConnection,
    private readonly options: MiniServerOptions,
    private readonly store: MailStore,
  ) {
    conn.onInput = () => this.pump();
  }

  greet(): void {
    this.conn.write(`* OK [CAPABILITY ${this.capabilities()}] mini-imap ready\r\n`);
  }

  private capabilities(): string {
    const caps = ['IMAP4rev1', 'LITERAL+', 'SASL-IR', 'IDLE', 'MOVE', 'UIDPLUS', 'ENABLE', 'ID', 'NAMESPACE', 'UNSELECT'];
    if (this.state === 'notauth') {
      if (this.conn.canStartTls) caps.push('STARTTLS');
      caps.push('AUTH=PLAIN', 'AUTH=LOGIN');
    }
    if (this.options.compress && !this.conn.compressed) caps.push('COMPRESS=DEFLATE');
    return caps.join(' ');
  }

  private pump(): void {
    while (this.state !== 'logout') {
      if (this.literalNeed > 0) {
        if (this.conn.queue.length < this.literalNeed) return;
        this.pending.push(this.conn.queue.take(this.literalNeed));
        this.literalNeed = 0;
        continue;
      }
      const line = this.conn.queue.takeLine(MAX_LINE);
      if (!line) return;
      if (line.kind === 'overflow') {
        this.conn.write('* BYE line too long\r\n');
        return this.logout();
      }
      if (this.continuation) {
        this.continuation(lineText(line.bytes));
        continue;
      }
      this.pending.push(line.bytes);
      // RFC 7888 §3: "{n+}" is non-synchronizing; "{n}" waits for our go-ahead.
      const m = /\{(\d+)(\+?)\}\r?\n$/.exec(line.bytes.toString('latin1', Math.max(0, line.bytes.length - 24)));
      if (m) {
        this.literalNeed = Number(m[1]);
        if (this.literalNeed > MAX_LITERAL) {
          this.conn.write('* BYE literal too big\r\n');
          return this.logout();
        }
        if (m[2] !== '+') this.conn.write('+ Ready for literal data\r\n');
        continue;
      }
      const command = Buffer.concat(this.pending);
      this.pending = [];
      if (this.execute(command) === 'stop') return;
    }
  }

  private execute(command: Buffer): 'stop' | void {
    const head = /^([^\s(){%*"\\\]]+) ([A-Za-z]+)(?: ([A-Za-z]+))?/.exec(command.toString('latin1', 0, 64));
    if (!head) return this.conn.write('* BAD malformed command\r\n');
    const tag = head[1]!;
    let name = head[2]!.toUpperCase();
    let uid = false;
    let rest = head[0].length - (head[3] ? head[3].length + 1 : 0);
    if (name === 'UID' && head[3]) {
      uid = true;
      name = head[3].toUpperCase();
      rest = head[0].length;
    }
    try {
      const args = parseArgs(command, rest);
      const result = this.dispatch(tag, name, uid, args);
      if (result === 'async') return; // the command answers later (AUTHENTICATE, IDLE)
      if (result === 'stop') return 'stop';
      this.sync(!['FETCH', 'STORE', 'SEARCH'].includes(name) || uid);
      this.conn.write(`${tag} OK ${typeof result === 'string' ? result : `${uid ? 'UID ' : ''}${name} completed`}\r\n`);
    } catch (err) {
      // A bug in this helper must show up as a BAD in the test, not as an uncaught exception.
      const status = err instanceof CommandError ? err.status : 'BAD';
      this.conn.write(`${tag} ${status} ${err instanceof Error ? err.message : String(err)}\r\n`);
    }
  }

  /** Returns the tagged OK text, 'async' when the command finishes later, or 'stop'. */
  private dispatch(tag: string, name: string, uid: boolean, args: Token[]): string | void | 'async' | 'stop' {
    if (uid && !['FETCH', 'STORE', 'SEARCH', 'COPY', 'MOVE', 'EXPUNGE'].includes(name)) throw bad(`UID ${name} unknown`);
    switch (name) {
      case 'CAPABILITY':
        return void this.untagged(`CAPABILITY ${this.capabilities()}`);
      case 'NOOP':
      case 'CHECK':
        return;
      case 'LOGOUT':
        this.untagged('BYE logging out');
        this.conn.write(`${tag} OK LOGOUT completed\r\n`);
        this.logout();
        return 'stop';
      case 'ID':
        return void this.untagged('ID ("name" "mini-imap" "version" "1")');
    }
    if (this.state === 'notauth') return this.notAuthenticated(tag, name, args);
    switch (name) {
      case 'COMPRESS':
        // RFC 4978 §3: OK in clear, then both directions deflated from the next byte on.
        if (!this.options.compress || this.conn.compressed) throw no('[COMPRESSIONACTIVE] compression not available');
        if (args[0]?.t !== 'atom' || args[0].v.toUpperCase() !== 'DEFLATE') throw bad('only DEFLATE');
        this.conn.write(`${tag} OK DEFLATE active\r\n`);
        this.conn.startCompression();
        return 'async';
      case 'STARTTLS':
      case 'LOGIN':
      case 'AUTHENTICATE':
        throw bad('already authenticated');
      case 'ENABLE':
        return void this.untagged('ENABLED'); // nothing to enable; unknown names are ignored (RFC 5161 §3.1)
      case 'NAMESPACE':
        return void this.untagged('NAMESPACE (("" "/")) NIL NIL');
      case 'LIST':
      case 'LSUB':
        return this.list(name, args);
      case 'STATUS':
        return this.status(args);
      case 'SELECT':
      case 'EXAMINE':
        return this.select(name, args);
      case 'CREATE':
        if (!this.store.create(astring(args[0]))) throw no('mailbox exists');
        return;
      case 'DELETE':
        if (!this.store.delete(astring(args[0]))) throw no('no such mailbox');
        return;
      case 'RENAME': {
        const from = this.store.get(astring(args[0]));
        const to = astring(args[1]);
        if (!from || from.name === 'INBOX' || this.store.get(to)) throw no('cannot rename');
        this.store.folders.delete(from.name);
        from.name = to;
        this.store.folders.set(to, from);
        return;
      }
      case 'SUBSCRIBE':
      case 'UNSUBSCRIBE':
        this.mailbox(args[0]).subscribed = name === 'SUBSCRIBE';
        return;
      case 'APPEND':
        return this.append(args);
      case 'IDLE':
        return this.idle(tag);
    }
    if (this.state !== 'selected') throw bad(`${name} needs a selected mailbox or is unknown`);
    switch (name) {
      case 'FETCH':
        return this.fetch(uid, args);
      case 'STORE':
        return this.storeFlags(uid, args);
      case 'SEARCH': {
        const matches = this.view.filter(compileSearch(args, this.searchContext()));
        return void this.untagged(`SEARCH${matches.map((m) => ` ${uid ? m.uid : this.view.indexOf(m) + 1}`).join('')}`);
      }
      case 'COPY':
      case 'MOVE':
        return this.copy(name, uid, args);
      case 'EXPUNGE': {
        this.writable();
        const set = uid ? this.select_(args[0], true) : this.view;
        this.expunge(set.filter((m) => m.flags.has('\\Deleted')));
        return;
      }
      case 'CLOSE':
      case 'UNSELECT':
        if (name === 'CLOSE' && !this.readOnly) {
          this.folder!.remove(this.folder!.messages.filter((m) => m.flags.has('\\Deleted')));
          this.store.changed();
        }
        this.deselect();
        return;
    }
    throw bad(`${name} unknown`);
  }

  private notAuthenticated(tag: string, name: string, args: Token[]): string | 'async' | 'stop' {
    switch (name) {
      case 'STARTTLS':
        if (!this.conn.canStartTls) throw bad(this.conn.secure ? 'already in TLS' : 'STARTTLS not offered');
        this.conn.write(`${tag} OK Begin TLS negotiation now\r\n`);
        this.conn.startTls(); // drops any plaintext pipelined after the command (RFC 9051 §6.2.1)
        return 'stop';
      case 'LOGIN':
        return this.login(astring(args[0]), astring(args[1]));
      case 'AUTHENTICATE':
        return this.authenticate(tag, args);
    }
    throw bad(`${name} not allowed before authentication`);
  }

  private login(user: string, pass: string): string {
    if (this.options.users[user] === undefined || this.options.users[user] !== pass) {
      throw no('[AUTHENTICATIONFAILED] invalid credentials');
    }
    this.state = 'auth';
    return `[CAPABILITY ${this.capabilities()}] logged in`;
  }

  // RFC 9051 §6.2.2 with SASL-IR (RFC 4959): "=" is an empty initial response, "*" cancels.
  private authenticate(tag: string, args: Token[]): 'async' {
    const mech = atom(args[0]).toUpperCase();
    if (mech !== 'PLAIN' && mech !== 'LOGIN') throw no('unsupported mechanism');
    const answers: string[] = [];
    const finish = (): void => {
      this.continuation = undefined;
      try {
        const [user, pass] =
          mech === 'PLAIN' ? plainCredentials(answers[0]!) : [answers[0]!, answers[1]!];
        this.conn.write(`${tag} OK ${this.login(user, pass)}\r\n`);
      } catch (err) {
        if (!(err instanceof CommandError)) throw err;
        this.conn.write(`${tag} ${err.status} ${err.message}\r\n`);
      }
    };
    const needed = mech === 'PLAIN' ? 1 : 2;
    const prompt = (): void =>
      this.conn.write(`+ ${mech === 'PLAIN' ? '' : b64(answers.length === 0 ? 'Username:' : 'Password:')}\r\n`);
    const take = (line: string): void => {
      if (line === '*') {
        this.continuation = undefined;
        this.conn.write(`${tag} BAD authentication cancelled\r\n`);
        return;
      }
      answers.push(line === '=' ? '' : Buffer.from(line, 'base64').toString('utf8'));
      if (answers.length === needed) return finish();
      prompt();
    };
    this.continuation = take;
    if (args[1] !== undefined) take(atom(args[1]));
    else prompt();
    return 'async';
  }

  private list(name: 'LIST' | 'LSUB', args: Token[]): void {
    const reference = astring(args[0]);
    const pattern = astring(args[1]);
    if (pattern === '') return void this.untagged(`${name} (\\Noselect) "/" ""`);
    const regex = new RegExp(
      `^${(reference + pattern).replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/%/g, '[^/]*')}$`,
      'i',
    );
    for (const folder of this.store.folders.values()) {
      if (!regex.test(folder.name) || (name === 'LSUB' && !folder.subscribed)) continue;
      const attrs = ['\\HasNoChildren'];
      if (folder.name === 'Sent') attrs.push('\\Sent');
      if (folder.name === 'Trash') attrs.push('\\Trash');
      this.untagged(`${name} (${attrs.join(' ')}) "/" ${mailboxName(folder.name)}`);
    }
  }

  private status(args: Token[]): void {
    const folder = this.mailbox(args[0]);
    const items = list(args[1]).map((t) => atom(t).toUpperCase());
    const values: Record<string, number> = {
      MESSAGES: folder.messages.length,
      RECENT: 0,
      UIDNEXT: folder.uidNext,
      UIDVALIDITY: folder.uidValidity,
      UNSEEN: folder.messages.filter((m) => !m.flags.has('\\Seen')).length,
      SIZE: folder.messages.reduce((n, m) => n + m.raw.length, 0),
    };
    const out = items.map((item) => {
      if (values[item] === undefined) throw bad(`unknown STATUS item ${item}`);
      return `${item} ${values[item]}`;
    });
    this.untagged(`STATUS ${mailboxName(folder.name)} (${out.join(' ')})`);
  }

  private select(name: 'SELECT' | 'EXAMINE', args: Token[]): string {
    if (this.folder) this.untagged('OK [CLOSED] previous mailbox closed'); // RFC 9051 §7.1
    this.deselect();
    const folder = this.mailbox(args[0]);
    this.folder = folder;
    this.readOnly = name === 'EXAMINE';
    this.view = [...folder.messages];
    this.state = 'selected';
    this.untagged(`FLAGS (${SYSTEM_FLAGS.join(' ')})`);
    this.untagged(`${this.view.length} EXISTS`);
    this.untagged('0 RECENT');
    const unseen = this.view.findIndex((m) => !m.flags.has('\\Seen'));
    if (unseen >= 0) this.untagged(`OK [UNSEEN ${unseen + 1}] first unseen`);
    this.untagged(`OK [PERMANENTFLAGS (${this.readOnly ? '' : `${SYSTEM_FLAGS.join(' ')} \\*`})] flags`);
    this.untagged(`OK [UIDVALIDITY ${folder.uidValidity}] UIDs valid`);
    this.untagged(`OK [UIDNEXT ${folder.uidNext}] predicted next UID`);
    return `[${this.readOnly ? 'READ-ONLY' : 'READ-WRITE'}] ${name} completed`;
  }

  private deselect(): void {
    this.folder = undefined;
    this.view = [];
    if (this.state === 'selected') this.state = 'auth';
  }

  private append(args: Token[]): string {
    const folder = this.store.get(astring(args[0]));
    if (!folder) throw no('[TRYCREATE] no such mailbox');
    let i = 1;
    const flags = args[i]?.t === 'list' ? list(args[i++]).map(atom) : [];
    const date = args[i]?.t === 'string' && args[i + 1] !== undefined ? parseDateTime(astring(args[i++])) : new Date();
    const literal = args[i];
    if (literal?.t !== 'string' || args.length !== i + 1) throw bad('usage: APPEND mailbox [(flags)] [date] literal');
    const message = folder.append(literal.v, flags, date);
    this.store.changed();
    return `[APPENDUID ${folder.uidValidity} ${message.uid}] APPEND completed`;
  }

  private idle(tag: string): 'async' {
    this.conn.write('+ idling\r\n');
    this.unwatch = this.store.watch(() => this.sync(true));
    this.continuation = (line) => {
      this.continuation = undefined;
      this.unwatch?.();
      this.unwatch = undefined;
      this.sync(true);
      this.conn.write(line.toUpperCase() === 'DONE' ? `${tag} OK IDLE terminated\r\n` : `${tag} BAD expected DONE\r\n`);
    };
    return 'async';
  }

  private fetch(uid: boolean, args: Token[]): void {
    const messages = this.select_(args[0], uid);
    const items = fetchItems(args[1], uid);
    for (const message of messages) {
      this.conn.write(fetchResponse(message, this.view.indexOf(message) + 1, items, this.readOnly));
    }
  }

  private storeFlags(uid: boolean, args: Token[]): void {
    this.writable();
    const messages = this.select_(args[0], uid);
    const m = /^([+-]?)FLAGS(\.SILENT)?$/i.exec(atom(args[1]));
    if (!m) throw bad('usage: STORE set [+-]FLAGS[.SILENT] (flags)');
    const flags = args[2]?.t === 'list' ? list(args[2]).map(atom) : args.slice(2).map(atom);
    for (const message of messages) {
      if (m[1] === '') message.flags.clear();
      for (const flag of flags) {
        const canonical = SYSTEM_FLAGS.find((f) => f.toLowerCase() === flag.toLowerCase()) ?? flag;
        if (m[1] === '-') message.flags.delete(canonical);
        else message.flags.add(canonical);
      }
      if (!m[2]) {
        const uidPart = uid ? ` UID ${message.uid}` : '';
        this.untagged(`${this.view.indexOf(message) + 1} FETCH (FLAGS (${[...message.flags].join(' ')})${uidPart})`);
      }
    }
  }

  private copy(name: 'COPY' | 'MOVE', uid: boolean, args: Token[]): string {
    const messages = this.select_(args[0], uid);
    const target = this.store.get(astring(args[1]));
    if (!target) throw no('[TRYCREATE] no such mailbox');
    if (name === 'MOVE') this.writable();
    const copies = messages.map((m) => target.append(m.raw, [...m.flags].filter((f) => f !== '\\Recent'), m.internalDate));
    const code = messages.length
      ? `[COPYUID ${target.uidValidity} ${messages.map((m) => m.uid).join(',')} ${copies.map((m) => m.uid).join(',')}] `
      : '';
    if (name === 'COPY') {
      this.store.changed();
      return `${code}${uid ? 'UID ' : ''}COPY completed`;
    }
    // RFC 6851 §4.3: COPYUID goes in an untagged OK before the EXPUNGE responses.
    if (code) this.untagged(`OK ${code}moved`);
    this.expunge(messages);
    return `${uid ? 'UID ' : ''}MOVE completed`;
  }

  private expunge(messages: StoredMessage[]): void {
    if (this.folder!.remove(messages) > 0) this.store.changed();
    this.sync(true);
  }

  /**
   * Brings this session's sequence numbers in line with the folder: `* n EXPUNGE` for each
   * message gone (highest first, so each number is valid when sent), then `* n EXISTS`.
   */
  private sync(expungeAllowed: boolean): void {
    if (!this.folder) return;
    if (expungeAllowed) {
      const present = new Set(this.folder.messages);
      for (let i = this.view.length - 1; i >= 0; i--) {
        if (!present.has(this.view[i]!)) {
          this.view.splice(i, 1);
          this.untagged(`${i + 1} EXPUNGE`);
        }
      }
    }
    const known = new Set(this.view);
    const added = this.folder.messages.filter((m) => !known.has(m));
    if (added.length > 0) {
      this.view.push(...added);
      this.untagged(`${this.view.length} EXISTS`);
    }
  }

  /** Messages of the view named by a sequence or UID set, in sequence order. */
  private select_(token: Token | undefined, uid: boolean): StoredMessage[] {
    const set = parseSequenceSet(atom(token));
    if (!set) throw bad('invalid sequence set');
    if (uid) {
      const max = this.view.length ? this.view[this.view.length - 1]!.uid : 0;
      return this.view.filter((m) => set.has(m.uid, max));
    }
    if (set.maxExplicit() > this.view.length) throw bad('sequence number out of range');
    return this.view.filter((_m, i) => set.has(i + 1, this.view.length));
  }

  private searchContext() {
    const view = this.view;
    const maxUid = view.length ? view[view.length - 1]!.uid : 0;
    return { seqOf: (m: StoredMessage) => view.indexOf(m) + 1, maxSeq: view.length, maxUid };
  }

  private mailbox(token: Token | undefined): MailFolder {
    const folder = this.store.get(astring(token));
    if (!folder) throw no('[NONEXISTENT] no such mailbox');
    return folder;
  }

  private writable(): void {
    if (this.readOnly) throw no('[READ-ONLY] mailbox is read-only');
  }

  private untagged(text: string): void {
    this.conn.write(`* ${text}\r\n`);
  }

  private logout(): void {
    this.state = 'logout';
    this.unwatch?.();
    this.conn.end();
  }
}

function atom(token: Token | undefined): string {
  if (token?.t === 'atom') return token.v;
  if (token?.t === 'string') return token.v.toString('utf8');
  throw bad('missing or malformed argument');
}

/** An astring (atom, quoted or literal), as RFC 9051 §9 allows for names and credentials. */
function astring(token: Token | undefined): string {
  return atom(token);
}

function list(token: Token | undefined): Token[] {
  if (token?.t !== 'list') throw bad('expected a parenthesized list');
  return token.v;
}

function mailboxName(name: string): string {
  return /^[A-Za-z0-9_.\-/]+$/.test(name) ? name : imapString(name);
}

function plainCredentials(decoded: string): [string, string] {
  const parts = decoded.split('\0');
  if (parts.length !== 3) throw bad('malformed PLAIN response');
  if (parts[0] !== '' && parts[0] !== parts[1]) throw no('[AUTHORIZATIONFAILED] authzid refused');
  return [parts[1]!, parts[2]!];
}

function b64(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64');
}
