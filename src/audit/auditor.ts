// `mailtap audit`: one listener; each client connection is served the next case in the fixed
// order (or the one `--case`), through the ordinary proxy (session/) with the case's judge as
// its tap, in front of the real server (`--upstream`) or the built-in mock (`--mock`). The
// observer turns each session into the case's evidence; the verdicts make the report.

import type { Logger } from 'pino';
import { CertificateAuthority } from '../ca/index.js';
import type { Lang, Note } from '../core/note.js';
import { note } from '../core/note.js';
import { formatMailUrl, type MailEndpoint } from '../core/mail-url.js';
import type { RecordEvent } from '../record/schema.js';
import { TranscriptRenderer } from '../record/render-text.js';
import { startProxy, type ProxyHandle } from '../session/proxy.js';
import type { SessionTap } from '../session/tap.js';
import { AUDIT_CASES, CASE_INFO, notApplicable, type AuditCaseName } from './cases.js';
import { caseTlsOptions, oldTlsUnavailable } from './certificates.js';
import { CaseJudge, type Verdict } from './judge.js';
import { startMockServer, type MockServer } from './mock-server.js';
import { heldBackReply } from './rewrites.js';

export interface AuditOptions {
  listen: MailEndpoint;
  /** The real server; without it the built-in mock answers. */
  upstream?: MailEndpoint;
  /** Serve only this case, to one session. */
  only?: AuditCaseName;
  certs?: string;
  ca?: CertificateAuthority;
  recordings?: string | false;
  /** Mask passwords in recordings and evidence (default true: credentials caught in clear). */
  redact?: boolean;
  insecure?: boolean;
  upstreamCa?: string[];
  lang?: Lang;
  /** The live view; nothing printed without it. */
  out?: (line: string) => void;
  logger?: Logger;
  timeoutMs?: number;
}

export interface CaseResult {
  name: AuditCaseName;
  verdict: Verdict;
  reason: Note;
  evidence: { transcript: string[]; recording?: string };
}

export interface AuditReport {
  listen: string;
  upstream: string;
  protocol: string;
  cases: CaseResult[];
}

export interface AuditHandle {
  /** The listen URL with the bound port. */
  url: string;
  ca: CertificateAuthority;
  /** Resolves once every case has had its session. */
  done: Promise<AuditReport>;
  /** Cases not yet handed to a client connection. */
  readonly pending: number;
  /** Stop early: cases not yet served are reported n/a. */
  close(): Promise<AuditReport>;
}

export async function startAudit(options: AuditOptions): Promise<AuditHandle> {
  const lang = options.lang ?? 'en';
  const out = options.out ?? (() => undefined);
  const ca = options.ca ?? (await CertificateAuthority.loadOrInit(options.certs ?? 'certs')).ca;
  const { listen } = options;
  const results = new Map<AuditCaseName, CaseResult>();
  const queue: AuditCaseName[] = [];
  for (const name of options.only ? [options.only] : AUDIT_CASES) {
    let why = notApplicable(name, listen);
    if (!why && name === 'old-tls') {
      const reason = await oldTlsUnavailable(ca);
      if (reason) why = note(reason, `esta plataforma no puede ofrecer TLS 1.0/1.1: ${reason}`);
    }
    if (why) results.set(name, { name, verdict: 'n/a', reason: why, evidence: { transcript: [] } });
    else queue.push(name);
  }
  const order = options.only ? [options.only] : [...AUDIT_CASES];
  const total = queue.length;

  let mock: MockServer | undefined;
  if (!options.upstream) mock = await startMockServer({ protocol: listen.protocol, tls: listen.tls === 'implicit' ? 'implicit' : 'starttls', scheme: listen.scheme }, ca);
  const upstream = options.upstream ?? mock!.endpoint;
  const upstreamLabel = options.upstream ? formatMailUrl(options.upstream) : 'mock';

  const judges = new Map<string, { judge: CaseJudge; renderer: TranscriptRenderer; lines: string[] }>();
  let finishDone!: (r: AuditReport) => void;
  const done = new Promise<AuditReport>((r) => (finishDone = r));
  let proxy: ProxyHandle | undefined;
  let served = 0;
  const report = (): AuditReport => ({
    listen: proxy ? proxy.listeners[0]!.url : formatMailUrl(listen),
    upstream: upstreamLabel,
    protocol: listen.protocol,
    cases: order.map((name) => results.get(name) ?? { name, verdict: 'n/a', reason: note('not served: the audit stopped first', 'no servido: la auditoría terminó antes'), evidence: { transcript: [] } }),
  });
  const announce = () => {
    const next = queue[served];
    if (!next) return;
    out(`=== case ${served + 1}/${total} ${next}: ${CASE_INFO[next].trap[lang]}`);
    out(`=== ${lang === 'es' ? 'conecte el cliente ahora' : 'connect the client now'} (${proxy!.listeners[0]!.url})`);
  };
  const finishCase = (id: string, recording: string | undefined) => {
    const entry = judges.get(id);
    if (!entry) return;
    judges.delete(id);
    const tail = entry.renderer.finish();
    if (tail) entry.lines.push(...tail.replace(/\n$/, '').split('\n'));
    const outcome = entry.judge.outcome();
    const result: CaseResult = { ...outcome, evidence: { transcript: entry.lines, ...(recording ? { recording } : {}) } };
    results.set(outcome.name, result);
    const info = CASE_INFO[outcome.name];
    const mark = outcome.verdict === 'fail' ? '***' : '===';
    out(`${mark} ${outcome.verdict.toUpperCase()} ${outcome.name}: ${outcome.reason[lang]}`);
    if (outcome.verdict === 'fail') {
      out(`${mark}   ${lang === 'es' ? 'el atacante obtiene' : 'an attacker gains'}: ${info.attackerGains[lang]}`);
      out(`${mark}   ${lang === 'es' ? 'solución' : 'fix'}: ${info.fix[lang]}`);
    }
    if ([...queue].every((name) => results.has(name))) finishDone(report());
    else if (judges.size === 0 && served < queue.length) {
      out(`=== ${lang === 'es' ? 'ejecute el cliente otra vez para el siguiente caso' : 'run the client again for the next case'}`);
      announce();
    }
  };

  proxy = await startProxy({
    routes: [{ listen, upstream }],
    ca,
    recordings: options.recordings ?? 'recordings',
    redact: options.redact ?? true,
    insecure: options.insecure,
    // The mock's certificates come from our own CA.
    upstreamCa: options.upstream ? options.upstreamCa : [ca.info.certPath],
    limits: options.timeoutMs ? { idleTimeoutMs: options.timeoutMs } : {},
    logger: options.logger,
    tapFor: (id): SessionTap => {
      const name = queue[served];
      if (!name) return refusing(listen.protocol);
      served += 1;
      const judge = new CaseJudge(name, listen.protocol, listen.tls === 'implicit', caseTlsOptions(name, ca, listen.host, 15_000));
      judges.set(id, { judge, renderer: new TranscriptRenderer({ lang, color: false, redact: options.redact ?? true, notes: false }), lines: [] });
      return judge;
    },
    observer: {
      event: (id: string, ev: RecordEvent) => {
        const entry = judges.get(id);
        if (!entry) return;
        entry.judge.observe(ev);
        const text = entry.renderer.event(ev);
        if (!text) return;
        for (const line of text.replace(/\n$/, '').split('\n')) {
          entry.lines.push(line);
          out(`  ${line}`);
        }
      },
      end: (id, _close, path) => finishCase(id, path),
    },
  });
  out(`=== mailtap audit on ${proxy.listeners[0]!.url} → ${upstreamLabel === 'mock' ? (lang === 'es' ? 'servidor simulado' : 'mock server') : upstreamLabel}; CA ${ca.info.certPath}`);
  if (queue.length === 0) finishDone(report());
  else announce();

  let closed: Promise<AuditReport> | undefined;
  const close = (): Promise<AuditReport> =>
    (closed ??= (async () => {
      await proxy!.close();
      await mock?.close();
      return report();
    })());
  return {
    url: proxy.listeners[0]!.url,
    ca,
    done,
    close,
    get pending() {
      return queue.length - served;
    },
  };
}

/** Connections beyond the last case: nothing they send goes anywhere. */
function refusing(protocol: MailEndpoint['protocol']): SessionTap {
  const why = note('mailtap audit: every case has been served; this connection is not passed on', 'mailtap audit: ya se sirvieron todos los casos; esta conexión no se pasa al servidor');
  return { client: (unit) => ({ answer: heldBackReply(protocol, unit.tag), end: true, why }) };
}
