// Renders the bench results as one Markdown table: each number next to its goal from issue 7
// and a ✓/✗, plus the machine it ran on. Goals live here, in one list, so the table and the
// docs cannot disagree about them.

import type { CodecResult } from './codecs.js';
import type { SessionRateResult, ThroughputResult } from './scenarios.js';

export const GOALS = {
  throughputRatio: 0.4,
  sessionRatio: 0.45,
  p99Ratio: 2.5,
  cpuMsPerMiB: 4.0,
  cpuMsPerSession: 2.5,
  peakRssMiB: 100,
  flatRssMiB: 10,
  firstLeafMs: 5,
  cachedLeafMs: 0.05,
  codecMiBs: 500,
} as const;

export interface BenchReport {
  quick: boolean;
  machine: string;
  idleRssMiB: number;
  throughput: ThroughputResult[];
  sessions: SessionRateResult[];
  flat?: { sizeMiB: number; peakRssMiB: number; baseSizeMiB: number; basePeakRssMiB: number };
  certificates: { firstIssueMsMedian: number; cachedMsMedian: number };
  codecs: CodecResult;
}

type Row = [scenario: string, metric: string, measured: string, goal: string, ok: boolean | null];

const f = (n: number, digits = 2) => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a');
const tlsName = (mode: string) => (mode === 'implicit' ? 'implicit TLS (smtps)' : 'STARTTLS (smtp)');

export function renderTable(r: BenchReport): string {
  const rows: Row[] = [];
  for (const t of r.throughput) {
    const s = `${f(t.sizeMiB, 0)} MiB message, ${tlsName(t.mode)}`;
    rows.push([s, 'MiB/s direct / through mailtap', `${f(t.directMiBs, 0)} / ${f(t.relayMiBs, 0)}`, '—', null]);
    rows.push([s, `relay ÷ direct (median of ${t.pairs} pairs)`, f(t.ratio), `≥ ${GOALS.throughputRatio} (stunnel 0.57)`, t.ratio >= GOALS.throughputRatio]);
    rows.push([s, 'mailtap CPU ms per MiB', f(t.cpuMsPerMiB), `≤ ${GOALS.cpuMsPerMiB}`, t.cpuMsPerMiB <= GOALS.cpuMsPerMiB]);
    rows.push([s, 'mailtap peak RSS MiB', f(t.peakRssMiB, 0), `≤ ${GOALS.peakRssMiB}`, t.peakRssMiB <= GOALS.peakRssMiB]);
  }
  for (const t of r.sessions) {
    const s = `${t.clients}×${t.perClient} sessions of 2 KiB, ${tlsName(t.mode)}`;
    rows.push([s, 'sessions/s direct / through mailtap', `${f(t.directPerS, 0)} / ${f(t.relayPerS, 0)}`, '—', null]);
    rows.push([s, `relay ÷ direct (median of ${t.pairs} pairs)`, f(t.ratio), `≥ ${GOALS.sessionRatio}`, t.ratio >= GOALS.sessionRatio]);
    rows.push([s, 'p50 ms direct / through mailtap', `${f(t.directP50, 1)} / ${f(t.relayP50, 1)}`, '—', null]);
    rows.push([s, 'p99 ms direct / through mailtap', `${f(t.directP99, 1)} / ${f(t.relayP99, 1)}`, '—', null]);
    rows.push([s, 'p99 relay ÷ p99 direct', f(t.p99Ratio), `≤ ${GOALS.p99Ratio}`, t.p99Ratio <= GOALS.p99Ratio]);
    rows.push([s, 'mailtap CPU ms per session', f(t.cpuMsPerSession), `≤ ${GOALS.cpuMsPerSession}`, t.cpuMsPerSession <= GOALS.cpuMsPerSession]);
    rows.push([s, 'mailtap peak RSS MiB', f(t.peakRssMiB, 0), `≤ ${GOALS.peakRssMiB}`, t.peakRssMiB <= GOALS.peakRssMiB]);
  }
  if (r.flat) {
    const d = r.flat.peakRssMiB - r.flat.basePeakRssMiB;
    rows.push([
      `${f(r.flat.sizeMiB, 0)} MiB message, STARTTLS`,
      `mailtap peak RSS MiB vs the ${f(r.flat.baseSizeMiB, 0)} MiB run`,
      `${f(r.flat.peakRssMiB, 0)} vs ${f(r.flat.basePeakRssMiB, 0)} (${d >= 0 ? '+' : ''}${f(d, 0)})`,
      `± ${GOALS.flatRssMiB}`,
      Math.abs(d) <= GOALS.flatRssMiB,
    ]);
  } else rows.push(['256 MiB message', 'peak RSS flatness', 'skipped (--quick)', `± ${GOALS.flatRssMiB}`, null]);
  const c = r.certificates;
  rows.push(['leaf certificate', 'first issuance, median ms', f(c.firstIssueMsMedian, 2), `≤ ${GOALS.firstLeafMs}`, c.firstIssueMsMedian <= GOALS.firstLeafMs]);
  rows.push(['leaf certificate', 'cached, median ms', f(c.cachedMsMedian, 4), `≤ ${GOALS.cachedLeafMs}`, c.cachedMsMedian <= GOALS.cachedLeafMs]);
  const k = r.codecs;
  const cs = `codec alone, ${f(k.sizeMiB, 0)} MiB in 64 KiB chunks`;
  rows.push([cs, 'SMTP DATA body MiB/s (median of 5)', f(k.smtpDataMiBs, 0), `≥ ${GOALS.codecMiBs}`, k.smtpDataMiBs >= GOALS.codecMiBs]);
  rows.push([cs, 'IMAP literal MiB/s (median of 5)', f(k.imapLiteralMiBs, 0), `≥ ${GOALS.codecMiBs}`, k.imapLiteralMiBs >= GOALS.codecMiBs]);
  rows.push([cs, 'SMTP DATA + recording encoding MiB/s (context)', f(k.smtpWithRecordEncodingMiBs, 0), '—', null]);

  const lines = [
    `mailtap bench (${r.quick ? 'quick' : 'full'}): ${r.machine}; mailtap idle RSS ${f(r.idleRssMiB, 0)} MiB (child process, built dist/ under node)`,
    '',
    '| scenario | metric | measured | goal | |',
    '| --- | --- | --- | --- | --- |',
    ...rows.map(([s, m, v, g, ok]) => `| ${s} | ${m} | ${v} | ${g} | ${ok === null ? '' : ok ? '✓' : '✗'} |`),
  ];
  const missed = rows.filter((row) => row[4] === false).length;
  lines.push('', missed ? `${missed} goal(s) missed.` : 'Every goal met.');
  return lines.join('\n') + '\n';
}
