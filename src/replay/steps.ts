// Client "steps": the units a server answers. A replay matches the live client step by step
// against the recorded one, and sends each recorded server unit once enough steps have arrived.
// The same tracker runs over recorded units and live codec units, so both sides count alike.
//
// A step completes at: a command line (an IMAP line part after a literal too), a SASL line, the
// end of an SMTP/POP3 body (DATA, and BDAT whose reply follows its payload, RFC 3030 §2), or a
// raw line. IMAP literals complete with the line part that follows them.

import type { Protocol, Side, UnitKind } from '../protocol/types.js';

export interface UnitLike {
  side: Side;
  kind: UnitKind;
  bytes: Buffer;
  verb?: string;
  tag?: string;
  status?: string;
  final?: boolean;
  continued?: boolean;
}

export type StepKind = 'command' | 'continuation' | 'sasl' | 'body' | 'raw';

export interface ClientStep {
  kind: StepKind;
  verb?: string;
  tag?: string;
  /** The step's first line (or the first bytes of a body), for strict matching and messages. */
  head: Buffer;
  /** Every client unit of the step, in order (filled by the script builder, for client replay). */
  units?: Buffer[];
}

const BDAT_SIZE = /^BDAT\s+(\d+)/i;

export class ClientStepTracker {
  private pendingBdat: ClientStep | undefined;
  private bodyHead: Buffer | undefined;

  constructor(private readonly protocol: Protocol) {}

  /** Feed one client unit; returns the step it completes, if any. */
  push(unit: UnitLike): ClientStep | undefined {
    switch (unit.kind) {
      case 'command': {
        if (this.protocol === 'imap' && unit.continued) {
          this.bodyHead = undefined;
          return { kind: 'continuation', verb: unit.verb, tag: unit.tag, head: unit.bytes };
        }
        const step: ClientStep = { kind: 'command', verb: unit.verb, tag: unit.tag, head: unit.bytes };
        if (this.protocol === 'smtp' && unit.verb === 'BDAT') {
          const size = BDAT_SIZE.exec(unit.bytes.toString('latin1'));
          if (size && Number(size[1]) > 0) {
            this.pendingBdat = step;
            return undefined;
          }
        }
        return step;
      }
      case 'sasl':
        return { kind: 'sasl', head: unit.bytes };
      case 'body': {
        this.bodyHead ??= unit.bytes.subarray(0, 200);
        if (this.protocol === 'imap' || !unit.final) return undefined;
        const head = this.bodyHead;
        this.bodyHead = undefined;
        if (this.pendingBdat) {
          const step = this.pendingBdat;
          this.pendingBdat = undefined;
          return step;
        }
        return { kind: 'body', head };
      }
      case 'raw':
        return unit.bytes[unit.bytes.length - 1] === 0x0a ? { kind: 'raw', head: unit.bytes } : undefined;
      case 'reply':
        return undefined;
    }
  }
}

/** A short description of a step for mismatch messages: `MAIL`, `a1 LOGIN`, `a message body`. */
export function describeStep(step: ClientStep | undefined, verb = step?.verb): string {
  if (!step) return 'the end of the session';
  switch (step.kind) {
    case 'command':
      return verb ? `"${verb}"` : `the line "${printable(step.head)}"`;
    case 'continuation':
      return 'the rest of a command after its literal';
    case 'sasl':
      return 'an authentication response';
    case 'body':
      return 'a message body';
    case 'raw':
      return `the line "${printable(step.head)}"`;
  }
}

function printable(bytes: Buffer): string {
  return bytes
    .toString('latin1')
    .replace(/\r?\n$/, '')
    .replace(/[^\x20-\x7e]/g, '.')
    .slice(0, 60);
}
