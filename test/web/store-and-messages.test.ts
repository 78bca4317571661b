// The web view's memory and messages without a browser: bodies past the cap keep only their
// length (and the transcript still says how big they were); messages come from the export's
// extraction (numbered from 1, byte-exact, no dot-stuffing) and are read by src/mime.

import { describe, expect, it } from 'vitest';
import { BODY_BYTES_KEPT, SessionStore, sealRecord } from '../../src/web/store.js';
import { messageView } from '../../src/web/message-view.js';
import { sessionMessage, sessionMessages } from '../../src/web/session-messages.js';
import { messagesInEvents } from '../../src/export/messages.js';
import { TranscriptFeed } from '../../src/web/transcript-feed.js';
import { fanOut } from '../../src/session/fan-out.js';
import type { RecordEvent, RecordHeader } from '../../src/record/schema.js';

const header: RecordHeader = {
  format: 'mailtap-recording', version: 1, protocol: 'smtp', session: 's1', start: '2026-01-01T00:00:00.000Z',
  client: { address: '127.0.0.1', port: 5000 }, listen: 'smtp://127.0.0.1:2525', upstream: 'smtp://127.0.0.1:25',
  clientTls: 'starttls', upstreamTls: 'starttls', mailtap: '0.1.0',
};

const body = (t: number, bytes: Buffer, final: boolean): RecordEvent => ({ t, dir: 'c2s', type: 'body', b64: bytes.toString('base64'), verb: 'DATA', final }) as RecordEvent;

describe('SessionStore', () => {
  it('keeps body bytes up to the cap, then only lengths; the summary and transcript still count every byte', () => {
    const store = new SessionStore();
    store.start('s1', header);
    const chunk = Buffer.alloc(100 * 1024, 0x61);
    const chunks = 10;
    store.event('s1', { t: 1, dir: 'c2s', type: 'command', text: 'DATA\r\n', verb: 'DATA' } as RecordEvent);
    for (let i = 0; i < chunks; i++) store.event('s1', body(2 + i, chunk, i === chunks - 1));
    const s = store.get('s1')!;
    const kept = s.events!.filter((e) => e.type === 'body' && (e as { b64: string }).b64 !== '');
    expect(kept.length * chunk.length).toBeLessThanOrEqual(BODY_BYTES_KEPT);
    expect(kept.length).toBeGreaterThan(0);
    // No page watches: the elided chunks of the run add up in one record.
    const elided = s.events!.filter((e) => (e as { elided?: number }).elided !== undefined);
    expect(elided).toHaveLength(1);
    expect(elided[0]).toMatchObject({ elided: (chunks - kept.length) * chunk.length, final: true, b64: '' });
    expect(s.summary.bytes.c2s).toBe(6 + chunks * chunk.length);
    expect(s.summary.bodies).toBe(1);
    const feed = new TranscriptFeed('en');
    feed.header(header);
    const entries = s.events!.flatMap((e) => feed.event(e));
    const bodyEntry = entries.find((e) => e.k === 'body')!;
    expect(bodyEntry.l[0]).toContain('1000.0 KiB');
    expect(bodyEntry.msg).toBe(1);
  });

  it('a record a page has read is sealed: the next chunks add up in a new one', () => {
    const store = new SessionStore();
    store.start('s1', header);
    const chunk = Buffer.alloc(100 * 1024, 0x61);
    store.event('s1', { t: 1, dir: 'c2s', type: 'command', text: 'DATA\r\n', verb: 'DATA' } as RecordEvent);
    for (let i = 0; i < 4; i++) store.event('s1', body(2 + i, chunk, false));
    const s = store.get('s1')!;
    // A page reads every record so far (live-stream.ts seals what it reads).
    s.events!.forEach(sealRecord);
    for (let i = 0; i < 3; i++) store.event('s1', body(6 + i, chunk, i === 2));
    const elided = s.events!.filter((e) => (e as { elided?: number }).elided !== undefined).map((e) => (e as unknown as { elided: number }).elided);
    expect(elided).toEqual([2 * chunk.length, 3 * chunk.length]);
    expect(s.summary.bytes.c2s).toBe(6 + 7 * chunk.length);
  });

  it('status: injection beats error beats closed; the AUTH user is the list user', () => {
    const store = new SessionStore();
    store.start('s1', header);
    store.event('s1', { t: 1, dir: 'proxy', type: 'auth', mechanism: 'PLAIN', username: 'alice', password: 'x', result: 'success' } as RecordEvent);
    expect(store.list()[0]).toMatchObject({ user: 'alice', status: 'open' });
    store.event('s1', { t: 2, dir: 'proxy', type: 'error', code: 'E_CLIENT', message: 'x' } as RecordEvent);
    expect(store.list()[0]!.status).toBe('error');
    store.event('s1', { t: 3, dir: 'proxy', type: 'injection', from: 'client', length: 4, dropped: 'QUJDRA==' } as RecordEvent);
    store.event('s1', { t: 4, dir: 'proxy', type: 'close', reason: 'done', bytes: { c2s: 1, s2c: 2 } } as RecordEvent);
    expect(store.list()[0]).toMatchObject({ status: 'injection', closed: true, bytes: { c2s: 1, s2c: 2 } });
  });

  it('fanOut: every observer hears every event, and one that throws does not stop the others', () => {
    const heard: string[] = [];
    const errors: unknown[] = [];
    const obs = fanOut([{ event: () => { throw new Error('boom'); } }, { event: (id) => heard.push(id) }, undefined], (e) => errors.push(e))!;
    obs.event!('a', { t: 0, dir: 'proxy', type: 'info' } as RecordEvent);
    expect(heard).toEqual(['a']);
    expect(errors).toHaveLength(1);
  });
});

describe('messages', () => {
  const m1 = Buffer.from('Subject: one\r\n\r\n..dot\r\nhello\r\n.\r\n');
  const events = [
    { t: 1, dir: 'c2s', type: 'command', text: 'DATA\r\n', verb: 'DATA' },
    body(2, m1.subarray(0, 10), false),
    body(3, m1.subarray(10), true),
    { t: 4, dir: 's2c', type: 'reply', text: '250 ok\r\n' },
    { t: 5, dir: 'c2s', type: 'command', text: 'BDAT 5\r\n', verb: 'BDAT' },
    { ...body(6, Buffer.from('a\r\n'), true), verb: 'BDAT' },
    { t: 7, dir: 's2c', type: 'reply', text: '250 ok\r\n' },
    { t: 8, dir: 'c2s', type: 'command', text: 'BDAT 3 LAST\r\n', verb: 'BDAT' },
    { ...body(9, Buffer.from('b\r\n'), true), verb: 'BDAT' },
  ] as RecordEvent[];

  it('numbered from 1 as the .eml export numbers them, dot-stuffing undone, BDAT chunks one message', async () => {
    const store = new SessionStore();
    store.start('s1', header);
    for (const e of events) store.event('s1', e);
    const stored = store.get('s1')!;
    const metas = await sessionMessages(stored);
    expect(metas.map((m) => [m.n, m.name])).toEqual([
      [1, 's1-001-smtp-data'],
      [2, 's1-002-smtp-bdat'],
    ]);
    expect((await sessionMessage(stored, 1))!.bytes.toString()).toBe('Subject: one\r\n\r\n.dot\r\nhello\r\n');
    expect((await sessionMessage(stored, 2))!.bytes.toString()).toBe('a\r\nb\r\n');
    expect(await sessionMessage(stored, 0)).toBeNull();
    expect(await sessionMessage(stored, 3)).toBeNull();
  });

  it('the transcript links each body summary to the message the export gives that number', () => {
    const feed = new TranscriptFeed('en');
    feed.header(header);
    const links = [...events, { t: 10, dir: 'proxy', type: 'close', reason: 'done', bytes: { c2s: 1, s2c: 1 } } as RecordEvent]
      .flatMap((e) => feed.event(e))
      .filter((e) => e.k === 'body' && e.m !== '===')
      .map((e) => e.msg);
    // The two BDAT chunks are one message, as in the export.
    expect(links).toEqual([1, 2, 2]);
    expect(messagesInEvents(header, events).metas.map((m) => m.n)).toEqual([1, 2]);
  });

  it('a body that is not a message (an IMAP literal of a LIST) gets no link', () => {
    const imap = { ...header, protocol: 'imap' } as RecordHeader;
    const feed = new TranscriptFeed('en');
    feed.header(imap);
    const entries = [
      { t: 1, dir: 'c2s', type: 'command', text: 'a LOGIN {5}\r\n', verb: 'LOGIN' },
      { t: 2, dir: 'c2s', type: 'body', text: 'alice', final: true },
      { t: 3, dir: 's2c', type: 'reply', text: 'a OK\r\n' },
    ].flatMap((e) => feed.event(e as RecordEvent));
    expect(entries.filter((e) => e.k === 'body' && e.msg !== undefined)).toEqual([]);
  });

  it('the message view (src/mime): decoded subject and text, the attachment, the whole MIME tree', async () => {
    const raw = Buffer.from(
      'Subject: =?UTF-8?Q?caf=C3=A9?=\r\nContent-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\nContent-Type: multipart/alternative; boundary=y\r\n\r\n--y\r\nContent-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nse=F1or=\r\n!\r\n--y\r\nContent-Type: text/html\r\n\r\n<p>hi</p>\r\n--y--\r\n--x\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename*=UTF-8\'\'inform%C3%A9.bin\r\nContent-Transfer-Encoding: base64\r\n\r\nAAECAw==\r\n--x--\r\n',
    );
    const meta = messagesInEvents(header, [{ t: 1, dir: 'c2s', type: 'command', text: 'DATA\r\n', verb: 'DATA' } as RecordEvent, body(2, Buffer.concat([raw, Buffer.from('.\r\n')]), true)]).metas[0]!;
    const { view, parsed } = await messageView(meta, raw);
    expect(view.n).toBe(1);
    expect(view.subject).toBe('café');
    expect(view.text).toBe('señor!');
    expect(view.html).toBe(true);
    expect(parsed.html).toContain('<p>hi</p>');
    expect(view.attachments).toEqual([{ index: 0, filename: 'informé.bin', contentType: 'application/octet-stream', size: 4 }]);
    expect((await parsed.attachments[0]!.content()).equals(Buffer.from([0, 1, 2, 3]))).toBe(true);
    expect(view.tree.map((n) => [n.path, n.depth, n.contentType])).toEqual([
      ['', 0, 'multipart/mixed'],
      ['1', 1, 'multipart/alternative'],
      ['1.1', 2, 'text/plain'],
      ['1.2', 2, 'text/html'],
      ['2', 1, 'application/octet-stream'],
    ]);
  });
});
