// The web view's memory and message extraction without a browser: bodies past the cap keep only
// their length (and the transcript still says how big they were), messages come back byte-exact
// without SMTP/POP3 dot-stuffing, and the MIME reader decodes what mail clients send.

import { describe, expect, it } from 'vitest';
import { BODY_BYTES_KEPT, SessionStore } from '../../src/web/store.js';
import { carriedBodies, unstuff } from '../../src/web/messages.js';
import { decodeWords, parseParams } from '../../src/web/mime-lite.js';
import { messageView } from '../../src/web/message-view.js';
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
    expect(s.events!.filter((e) => (e as { elided?: number }).elided === chunk.length)).toHaveLength(chunks - kept.length);
    expect(s.summary.bytes.c2s).toBe(6 + chunks * chunk.length);
    expect(s.summary.bodies).toBe(1);
    const feed = new TranscriptFeed('en');
    const entries = s.events!.flatMap((e) => feed.event(e));
    const bodyEntry = entries.find((e) => e.k === 'body')!;
    expect(bodyEntry.l[0]).toContain('1000.0 KiB');
    expect(bodyEntry.msg).toBe(0);
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
  it('undoes SMTP dot-stuffing and drops the final dot', () => {
    expect(unstuff(Buffer.from('Subject: a\r\n\r\n..dot\r\nx\r\n.\r\n')).toString()).toBe('Subject: a\r\n\r\n.dot\r\nx\r\n');
  });

  it('one message per body run, numbered as the transcript numbers body entries', () => {
    const m1 = Buffer.from('Subject: one\r\n\r\nhello\r\n.\r\n');
    const events = [
      { t: 1, dir: 'c2s', type: 'command', text: 'DATA\r\n', verb: 'DATA' },
      body(2, m1.subarray(0, 10), false),
      body(3, m1.subarray(10), true),
      { t: 4, dir: 's2c', type: 'reply', text: '250 ok\r\n' },
      { t: 5, dir: 'c2s', type: 'command', text: 'BDAT 5 LAST\r\n', verb: 'BDAT' },
      { ...body(6, Buffer.from('a\r\n.\r\n'), true), verb: 'BDAT' },
    ] as RecordEvent[];
    const bodies = carriedBodies('smtp', events);
    expect(bodies.map((b) => b.bytes.toString())).toEqual(['Subject: one\r\n\r\nhello\r\n', 'a\r\n.\r\n']);
    expect(bodies.map((b) => b.isMessage)).toEqual([true, false]);
  });

  it('decodes encoded words, RFC 2231 file names, and finds text and attachments', () => {
    expect(decodeWords('=?UTF-8?B?Q2Fmw6kg4piV?= =?ISO-8859-1?Q?_=F1and=FA?=')).toBe('Café ☕ ñandú');
    expect(parseParams(`attachment; filename*=UTF-8''inform%C3%A9.pdf`).params.filename).toBe('informé.pdf');
    expect(parseParams('text/plain; charset="utf-8"; format=flowed')).toEqual({ value: 'text/plain', params: { charset: 'utf-8', format: 'flowed' } });
    const raw = Buffer.from(
      'Subject: =?UTF-8?Q?caf=C3=A9?=\r\nContent-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\nContent-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nse=F1or=\r\n!\r\n--x\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename="a.bin"\r\nContent-Transfer-Encoding: base64\r\n\r\nAAECAw==\r\n--x--\r\n',
    );
    const view = messageView({ index: 0, dir: 'c2s', verb: 'DATA', t: 0, bytes: raw, isMessage: true });
    expect(view.subject).toBe('café');
    expect(view.text).toBe('señor!');
    expect(view.attachments).toEqual([{ path: '2', filename: 'a.bin', contentType: 'application/octet-stream', size: 4 }]);
    expect(view.tree.map((n) => n.contentType)).toEqual(['multipart/mixed', 'text/plain', 'application/octet-stream']);
  });
});
