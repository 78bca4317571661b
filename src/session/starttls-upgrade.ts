// STARTTLS/STLS accepted by the server, both legs upgraded: hold the server's acceptance,
// handshake with the server first (so a failure can still be answered in-protocol, and the
// server's names go into our leaf), then release the acceptance and wrap the client's socket in
// the same tick (RFC 3207 §4.2, RFC 2595 §4, RFC 9051 §6.2.1). Either peer may leave at any await:
// the session's legs keep reporting closes and errors throughout (leg.ts), and after each await
// this flow checks the session is still alive before touching a socket.

import type { TLSSocket } from 'node:tls';
import { describeError } from '../core/errors.js';
import { note, type Note } from '../core/note.js';
import type { CodecEvent, UnitEvent, UpgradeTlsEvent } from '../protocol/types.js';
import type { RecordEvent } from '../record/schema.js';
import { wrapClient, wrapUpstream, type ClientTlsOptions, type UpstreamTlsOptions } from '../transport/tls-wrap.js';
import { tlsInfoOf } from '../transport/tls-info.js';
import type { Leg } from './leg.js';
import { unsentBytes } from './unframed.js';

/** What the upgrade needs from its session. */
export interface UpgradeHost {
  client: Leg;
  upstream: Leg;
  upstreamTlsOptions: UpstreamTlsOptions;
  /** The session has ended (a peer left, a timeout): stop, close what this flow opened. */
  isFinished(): boolean;
  setUpgrading(on: boolean): void;
  record(ev: CodecEvent): void;
  /** What the client gets of a server unit (mailtap audit's tap; the unit itself otherwise). */
  tapServer(ev: UnitEvent): UnitEvent;
  emit(ev: RecordEvent): void;
  noteUpstreamTls(socket: TLSSocket): void;
  clientTlsOptions(): Promise<ClientTlsOptions>;
  /** The client's handshake completed: from here a silent hang-up hints at an untrusted leaf. */
  clientSecured(): void;
  /** Answer the client in-protocol, record why, end the session. */
  refuse(reply: Buffer, cause: unknown): void;
  /** The client's handshake failed: record it and end the session. */
  clientTlsFailed(err: unknown): void;
}

export async function upgradeBothLegs(host: UpgradeHost, events: CodecEvent[], upgrade: UpgradeTlsEvent): Promise<void> {
  const { client, upstream } = host;
  host.setUpgrading(true);
  client.detach();
  upstream.detach();
  const held: Buffer[] = [];
  let seenUpgrade = false;
  for (let ev of events) {
    if (ev === upgrade) {
      // Recorded once the server leg is in TLS: if that fails the client gets a refusal, not this.
      seenUpgrade = true;
      continue;
    }
    if (ev.type === 'unit') {
      if (ev.side === 'server') ev = host.tapServer(ev);
      if (ev.side === 'server' && !seenUpgrade) held.push(unsentBytes(ev));
      else (ev.side === 'client' ? upstream : client).write(unsentBytes(ev));
    }
    host.record(ev);
  }
  if (upstream.tls) {
    // The server leg is TLS already (implicit, or mailtap answered this STARTTLS itself).
    upstream.attach(upstream.tls, upstream.tls);
  } else {
    let upstreamTls: TLSSocket;
    try {
      upstreamTls = await wrapUpstream(upstream.raw, host.upstreamTlsOptions);
    } catch (err) {
      host.setUpgrading(false);
      if (host.isFinished()) return;
      host.refuse(upgrade.refusal(oneLine(describeError(err))), err);
      upstream.destroy();
      return;
    }
    if (host.isFinished()) {
      upstreamTls.destroy();
      return;
    }
    upstream.attach(upstreamTls, upstreamTls);
    host.noteUpstreamTls(upstreamTls);
  }
  host.record(upgrade);
  let tlsOptions: ClientTlsOptions;
  try {
    tlsOptions = await host.clientTlsOptions();
  } catch (err) {
    host.setUpgrading(false);
    if (!host.isFinished()) host.refuse(upgrade.refusal('mailtap could not issue a certificate'), err);
    return;
  }
  if (host.isFinished()) return;
  // The client has not been sent the go-ahead yet, so nothing it sent meanwhile can be its TLS
  // hello: it is plaintext aimed past the upgrade. Dropped here, it never reaches the TLS layer.
  const early = client.takeBuffered();
  if (early.length) host.record({ type: 'injection', side: 'client', bytes: early, note: earlyPlaintextNote(upgrade.command) });
  for (const bytes of held) client.write(bytes);
  // The acceptance must leave in plaintext, before TLS takes the socket over (Leg.write corks).
  client.flush();
  const { socket, secure } = wrapClient(client.raw, tlsOptions, client.bytesIn);
  client.attach(socket, socket);
  host.setUpgrading(false);
  try {
    await secure;
    host.clientSecured();
    host.emit({ type: 'tls', dir: 'proxy', ...tlsInfoOf(socket, 'client') } as RecordEvent);
  } catch (err) {
    host.clientTlsFailed(err);
  }
}

export function oneLine(text: string): string {
  return text.replace(/[\r\n]+/g, ' ').slice(0, 300);
}

function earlyPlaintextNote(command: 'STARTTLS' | 'STLS'): Note {
  return note(
    `Plaintext the client sent after ${command} before it could read the server's go-ahead: dropped, never carried into TLS (STARTTLS command injection)`,
    `Texto en claro que el cliente envió tras ${command} antes de poder leer la aceptación del servidor: descartado, nunca entra en TLS (inyección de órdenes STARTTLS)`,
  );
}
