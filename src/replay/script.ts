// Turns a recording into a replay script: the recorded client steps, and every recorded server
// unit with its trigger — how many client steps must have arrived before it may be sent.
//
// The trigger is where the unit stood in the recording, pulled earlier when the protocol shows
// which step it answers: SMTP and POP3 answer steps one reply each, in order (RFC 2920 §3,
// RFC 2449 §6.6), IMAP completes a command by its tag (RFC 9051 §2.2.2). So a recording made
// by a pipelining client still replays to one that waits for each reply, and the other way round.

import { MailtapError } from '../core/errors.js';
import type { Protocol, UnitKind } from '../protocol/types.js';
import type { Recording } from '../record/reader.js';
import { unitBytes } from '../record/reader.js';
import { isUnitRecord, type TlsMode, type UnitRecord } from '../record/schema.js';
import { ClientStepTracker, type ClientStep } from './steps.js';

export interface ScriptedUnit {
  bytes: Buffer;
  /** `reply`, or the `body` of a multi-line POP3 answer / an IMAP literal, ... */
  kind: UnitKind;
  trigger: number;
  /** IMAP tag of a tagged response, rewritten to the live client's tag when sent. */
  tag?: string;
  verb?: string;
}

export interface ReplayScript {
  name: string;
  protocol: Protocol;
  clientTls: TlsMode;
  steps: ClientStep[];
  server: ScriptedUnit[];
  /** The server ended the session after its last unit (its reply to QUIT/LOGOUT). */
  serverCloses: boolean;
}

const CLOSING_VERBS = new Set(['QUIT', 'LOGOUT']);

export function buildScript(rec: Recording): ReplayScript {
  const protocol = rec.header.protocol;
  const tracker = new ClientStepTracker(protocol);
  const steps: ClientStep[] = [];
  const server: (ScriptedUnit & { anchor: number | undefined })[] = [];
  const lastStepOfTag = new Map<string, number>();
  let replies = 0;
  let lastTag: string | undefined;
  let stepUnits: Buffer[] = [];
  let lastServer: UnitRecord | undefined;

  for (const ev of rec.events) {
    if (!isUnitRecord(ev)) continue;
    const bytes = unitBytes(ev);
    if (ev.dir === 'c2s') {
      stepUnits.push(bytes);
      const step = tracker.push({ side: 'client', kind: ev.type, bytes, verb: ev.verb, tag: ev.tag, final: ev.final, continued: ev.continued });
      if (step) {
        step.units = stepUnits;
        stepUnits = [];
        steps.push(step);
        // SASL lines, literal continuations and IDLE's DONE (RFC 2177 §3) belong to the command
        // in progress: its completion is not sent before them.
        if (step.tag) lastTag = step.tag;
        const tag = step.tag ?? (step.kind !== 'command' || step.verb === 'DONE' ? lastTag : undefined);
        if (tag) lastStepOfTag.set(tag, steps.length);
      }
      continue;
    }
    lastServer = ev;
    const at = steps.length;
    let anchor: number | undefined;
    if (protocol === 'imap') {
      if (ev.type === 'reply' && ev.tag === '+') anchor = at;
      else if (ev.type === 'reply' && ev.tag && ev.tag !== '*' && bytes.toString('latin1').startsWith(`${ev.tag} `)) {
        anchor = Math.min(at, lastStepOfTag.get(ev.tag) ?? at);
      }
    } else if (ev.type === 'reply') {
      anchor = Math.min(at, replies);
      replies += 1;
    }
    const tag = protocol === 'imap' && ev.tag && ev.tag !== '*' && ev.tag !== '+' ? ev.tag : undefined;
    server.push({ bytes, kind: ev.type, trigger: at, anchor, tag, verb: ev.verb });
  }
  if (!rec.header || steps.length + server.length === 0) {
    throw new MailtapError('E_RECORDING_INVALID', `${rec.path} holds no dialogue to replay`, { side: 'user' });
  }

  // SMTP/POP3: units without an anchor (a RETR body) go with the reply before them.
  // IMAP: untagged data goes with the completion that follows it.
  if (protocol === 'imap') {
    let next = Infinity;
    for (let i = server.length - 1; i >= 0; i--) {
      const u = server[i]!;
      if (u.anchor !== undefined) next = u.anchor;
      u.trigger = u.anchor ?? Math.min(u.trigger, next);
    }
  } else {
    let previous = 0;
    for (const u of server) {
      u.trigger = u.anchor ?? previous;
      previous = u.trigger;
    }
  }
  // A unit is never sent before the ones recorded ahead of it.
  let floor = 0;
  for (const u of server) floor = u.trigger = Math.max(floor, u.trigger);

  return {
    name: rec.path,
    protocol,
    clientTls: rec.header.clientTls,
    steps,
    server: server.map(({ anchor: _anchor, ...u }) => u),
    serverCloses: !!lastServer?.verb && CLOSING_VERBS.has(lastServer.verb),
  };
}
