// `mailtap replay --client RECORDING --to URL`: re-sends the recorded client side to a live
// server, step by step, waiting for the server's answers as the recording did, and reports
// where the server's replies differ (status codes, capability lists). This is how an admin
// checks that a server upgrade changed nothing. Texts that always differ (greeting banners,
// queue ids, timestamps) are not compared; codes and capabilities are.

import type { Socket } from 'node:net';
import { MailtapError, describeError } from '../core/errors.js';
import { parseMailUrl } from '../core/mail-url.js';
import { protocolModule } from '../protocol/index.js';
import type { CodecEvent, UnitEvent } from '../protocol/types.js';
import { readRecording } from '../record/reader.js';
import { connectUpstream } from '../transport/connect.js';
import { wrapUpstream } from '../transport/tls-wrap.js';
import type { UpstreamTrust } from '../transport/upstream-trust.js';
import { buildScript, type ScriptedUnit } from './script.js';

export interface ClientReplayOptions {
  recording: string;
  to: string;
  trust: UpstreamTrust;
  /** Per-answer wait. */
  timeoutMs?: number;
}

export interface ReplyComparison {
  step: number;
  command: string;
  recorded: string;
  live: string;
  same: boolean;
  detail?: string;
}

export interface ClientReplayReport {
  comparisons: ReplyComparison[];
  differences: number;
  error?: string;
}

export async function replayClient(options: ClientReplayOptions): Promise<ClientReplayReport> {
  const rec = await readRecording(options.recording);
  const script = buildScript(rec);
  const target = parseMailUrl(options.to);
  if (target.protocol !== script.protocol) throw new MailtapError('E_USAGE', `--to ${options.to} speaks ${target.protocol} but the recording is ${script.protocol}`, { side: 'user' });
  const module = protocolModule(script.protocol);
  const timeoutMs = options.timeoutMs ?? 15_000;
  const conn = await connectUpstream(target, options.trust, timeoutMs);
  let socket: Socket = conn.tls ?? conn.raw;
  const codec = module.createCodec({ tls: !!conn.tls });
  const isAnchor = (u: { kind: string; tag?: string }) => u.kind === 'reply' && (script.protocol !== 'imap' || (u.tag !== undefined && u.tag !== '*'));
  // A POP3 RETR/TOP answer is a reply and its body: one answer, compared by its reply (as live).
  const recordedAnchors = script.server.filter((u) => isAnchor({ kind: u.kind, tag: u.tag ?? tagOf(u) }));
  const live: UnitEvent[] = [];
  const liveAnchors: UnitEvent[] = [];
  let upgrade = false;
  let closed = false;
  let wake: (() => void) | undefined;

  const onEvents = (events: CodecEvent[]) => {
    for (const ev of events) {
      if (ev.type === 'unit' && ev.side === 'server') {
        live.push(ev);
        if (isAnchor(ev)) liveAnchors.push(ev);
      } else if (ev.type === 'upgrade-tls') upgrade = true;
    }
    wake?.();
  };
  const listen = (s: Socket) => {
    s.on('data', (chunk: Buffer) => onEvents(codec.feed('server', chunk)));
    s.on('close', () => {
      closed = true;
      wake?.();
    });
    s.on('error', () => {});
  };
  listen(socket);

  const waitFor = async (anchors: number): Promise<boolean> => {
    const deadline = Date.now() + timeoutMs;
    while (liveAnchors.length < anchors && !closed && Date.now() < deadline) {
      await new Promise<void>((r) => {
        const t = setTimeout(r, Math.max(1, deadline - Date.now()));
        wake = () => {
          clearTimeout(t);
          r();
        };
      });
    }
    wake = undefined;
    return liveAnchors.length >= anchors;
  };

  const report: ClientReplayReport = { comparisons: [], differences: 0 };
  try {
    for (let k = 0; k <= script.steps.length; k++) {
      // Before step k, the recording had answered everything triggered by steps < k.
      const expected = recordedAnchors.filter((u) => u.trigger <= k).length;
      if (!(await waitFor(expected))) {
        report.error = closed ? `the server closed the connection before answering step ${k}` : `no answer from the server within ${timeoutMs} ms before step ${k}`;
        break;
      }
      if (upgrade) {
        upgrade = false;
        socket.removeAllListeners('data');
        socket.removeAllListeners('close');
        socket = await wrapUpstream(socket, { host: target.host, trust: options.trust, timeoutMs });
        listen(socket);
      }
      const step = script.steps[k];
      if (!step) break;
      for (const bytes of step.units ?? [step.head]) {
        socket.write(bytes);
        onEvents(codec.feed('client', bytes));
      }
    }
    await waitFor(recordedAnchors.length);
  } catch (err) {
    report.error = describeError(err);
  } finally {
    socket.destroy();
  }

  recordedAnchors.forEach((rec, i) => {
    const got = liveAnchors[i];
    const comparison = compareReply(rec, got, script.steps, script.protocol);
    report.comparisons.push(comparison);
    if (!comparison.same) report.differences += 1;
  });
  if (report.error) report.differences += 1;
  return report;
}

function tagOf(u: ScriptedUnit): string | undefined {
  const first = u.bytes.toString('latin1', 0, 40).split(' ')[0];
  return first === '*' || first === '+' ? first : u.tag;
}

function compareReply(rec: ScriptedUnit, got: UnitEvent | undefined, steps: { verb?: string }[], protocol: string): ReplyComparison {
  const recorded = firstLine(rec.bytes);
  const command = rec.verb ?? (rec.trigger === 0 ? 'greeting' : (steps[rec.trigger - 1]?.verb ?? 'reply'));
  if (!got) return { step: rec.trigger, command, recorded, live: '(no reply)', same: false };
  const live = firstLine(got.bytes);
  const status = (text: string) => (protocol === 'imap' ? text.split(' ')[1]?.toUpperCase() : text.slice(0, protocol === 'smtp' ? 3 : text.startsWith('+OK') ? 3 : text.startsWith('+') ? 1 : 4));
  if (status(recorded) !== status(live)) return { step: rec.trigger, command, recorded, live, same: false, detail: `status ${status(recorded)} → ${status(live)}` };
  const capsBefore = capabilities(rec.bytes);
  const capsAfter = capabilities(got.bytes);
  if (capsBefore && capsAfter) {
    const lost = [...capsBefore].filter((c) => !capsAfter.has(c));
    const gained = [...capsAfter].filter((c) => !capsBefore.has(c));
    if (lost.length || gained.length) {
      return { step: rec.trigger, command, recorded, live, same: false, detail: [lost.length ? `lost ${lost.join(', ')}` : '', gained.length ? `gained ${gained.join(', ')}` : ''].filter(Boolean).join('; ') };
    }
  }
  return { step: rec.trigger, command, recorded, live, same: true };
}

function firstLine(bytes: Buffer): string {
  return bytes.toString('latin1').split(/\r?\n/)[0]!.slice(0, 200);
}

/** EHLO keywords (RFC 5321 §4.1.1.1), CAPA lines (RFC 2449), CAPABILITY atoms (RFC 9051). */
function capabilities(bytes: Buffer): Set<string> | undefined {
  const text = bytes.toString('latin1');
  const lines = text.split(/\r?\n/).filter(Boolean);
  if (/^250-/.test(text)) return new Set(lines.slice(1).map((l) => l.slice(4).split(' ')[0]!.toUpperCase()));
  if (/^\+OK/.test(text) && lines.length > 2 && lines.at(-1) === '.') return new Set(lines.slice(1, -1).map((l) => l.split(' ')[0]!.toUpperCase()));
  const m = /CAPABILITY ([^\]\r\n]*)/i.exec(text);
  return m ? new Set(m[1]!.trim().toUpperCase().split(/\s+/)) : undefined;
}
