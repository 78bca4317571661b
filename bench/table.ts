// Renders the bench results as Markdown: one table with every relay side by side (direct first,
// absolute numbers; relays with their ratio to the direct run of the same round), then mailtap's
// goals from issue 18, each with its number and a ✓/✗. Goals live here, in one list, so the
// table and the docs cannot disagree about them.

import type { CodecResult } from './codecs.js';
import { WARM_MESSAGES, type SessionRateResult, type SessionRow, type ThroughputResult, type ThroughputRow } from './scenarios.js';
import { WEB_BROWSER, WEB_NO_BROWSER } from './web.js';

export const GOALS = {
  throughputRatio: 0.4,
  cpuMsPerMiB: 5.0,
  /** mailtap's CPU per MiB at most this many times the bare Node relay's. */
  cpuVsBare: 1.1,
  sessionRatio: 0.4,
  cpuMsPerSession: 4.0,
  p99Ratio: 2.5,
  peakRssMiB: 100,
  flatRssMiB: 10,
  firstLeafMs: 5,
  cachedLeafMs: 0.05,
  codecMiBs: 500,
  /** Issue 16: relay with --web ÷ relay without, no browser open / chromium watching. */
  webNoBrowser: 0.95,
  webBrowser: 0.85,
} as const;

export const MAILTAP_ROW = 'mailtap';
export const BARE_ROW = 'bare Node TLS relay';

export interface BenchReport {
  quick: boolean;
  machine: string;
  loadBefore: string;
  loadAfter: string;
  idleRssMiB: number;
  skipped: string[];
  throughput: ThroughputResult[];
  sessions: SessionRateResult[];
  /** The --web rounds: plain mailtap and the --web relays against the same direct runs. */
  web?: ThroughputResult & { followed: number };
  flat?: { sizeMiB: number; peakRssMiB: number; baseSizeMiB: number; basePeakRssMiB: number };
  certificates?: { firstIssueMsMedian: number; cachedMsMedian: number };
  codecs?: CodecResult;
}

type Row = [scenario: string, metric: string, measured: string, goal: string, ok: boolean | null];

const f = (n: number | undefined, digits = 2) => (n !== undefined && Number.isFinite(n) ? n.toFixed(digits) : 'n/a');
const tlsName = (mode: string) => (mode === 'implicit' ? 'implicit TLS' : 'STARTTLS');

function relaysTable(r: BenchReport): string[] {
  const ti = r.throughput.find((x) => x.mode === 'implicit');
  const ts = r.throughput.find((x) => x.mode === 'starttls');
  const si = r.sessions.find((x) => x.mode === 'implicit');
  const ss = r.sessions.find((x) => x.mode === 'starttls');
  const names = [...new Set([...(ti?.rows ?? []), ...(si?.rows ?? [])].map((x) => x.relay))];
  const size = ti ? `${f(ti.sizeMiB, 0)} MiB` : '';
  const shape = si ? `${si.clients}×${si.perClient}` : '';
  const out = [
    `| relay | ${size} MiB/s implicit (×direct) | ${size} MiB/s STARTTLS (×direct) | CPU ms/MiB impl. / STARTTLS | ${shape} sessions/s implicit (×direct) | sessions/s STARTTLS (×direct) | CPU ms/session impl. / STARTTLS | p99 ms impl. / STARTTLS (×direct) | peak RSS MiB (max) |`,
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    `| direct (lean upstream) | ${f(ti?.directMiBs, 0)} | ${f(ts?.directMiBs, 0)} | — | ${f(si?.directPerS, 0)} | ${f(ss?.directPerS, 0)} | — | ${f(si?.directP99, 1)} / ${f(ss?.directP99, 1)} | — |`,
  ];
  for (const name of names) {
    const a = ti?.rows.find((x) => x.relay === name);
    const b = ts?.rows.find((x) => x.relay === name);
    const c = si?.rows.find((x) => x.relay === name);
    const d = ss?.rows.find((x) => x.relay === name);
    const mibs = (t?: ThroughputRow) => (t && !t.error ? `${f(t.relayMiBs, 0)} (${f(t.ratio)})` : 'failed');
    const rate = (t?: SessionRow) => (t && !t.error ? `${f(t.perS, 0)} (${f(t.ratio)})` : 'failed');
    const ok = <T extends { error?: string }>(t: T | undefined, v: (t: T) => number, digits = 2) => (t && !t.error ? f(v(t), digits) : 'n/a');
    const peaks = [a, b, c, d].filter((x) => x && !x.error).map((x) => x!.peakRssMiB);
    const bold = name === MAILTAP_ROW ? '**' : '';
    out.push(
      `| ${bold}${name}${bold} | ${ti ? mibs(a) : ''} | ${ts ? mibs(b) : ''} | ${ok(a, (t) => t.cpuMsPerMiB)} / ${ok(b, (t) => t.cpuMsPerMiB)} | ` +
        `${si ? rate(c) : ''} | ${ss ? rate(d) : ''} | ${ok(c, (t) => t.cpuMsPerSession)} / ${ok(d, (t) => t.cpuMsPerSession)} | ` +
        `${ok(c, (t) => t.p99, 1)} / ${ok(d, (t) => t.p99, 1)} (${ok(c, (t) => t.p99Ratio)} / ${ok(d, (t) => t.p99Ratio)}) | ${peaks.length ? f(Math.max(...peaks), 0) : 'n/a'} |`,
    );
  }
  const errors = [...(r.throughput as { rows: { relay: string; error?: string }[] }[]), ...r.sessions].flatMap((x) => x.rows.filter((y) => y.error).map((y) => `${y.relay}: ${y.error}`));
  for (const e of [...new Set(errors)]) out.push('', `failed: ${e}`);
  return out;
}

function goalRows(r: BenchReport): Row[] {
  const rows: Row[] = [];
  for (const t of r.throughput) {
    const s = `${f(t.sizeMiB, 0)} MiB message, ${tlsName(t.mode)}`;
    const m = t.rows.find((x) => x.relay === MAILTAP_ROW);
    const bare = t.rows.find((x) => x.relay === BARE_ROW);
    if (!m) continue;
    rows.push([s, `relay ÷ direct (median of ${t.rounds} rounds)`, f(m.ratio), `≥ ${GOALS.throughputRatio}`, m.ratio >= GOALS.throughputRatio]);
    rows.push([s, 'mailtap CPU ms per MiB', f(m.cpuMsPerMiB), `≤ ${GOALS.cpuMsPerMiB}`, m.cpuMsPerMiB <= GOALS.cpuMsPerMiB]);
    if (bare && !bare.error) {
      const x = m.cpuMsPerMiB / bare.cpuMsPerMiB;
      rows.push([s, 'mailtap CPU per MiB ÷ bare Node relay', `${f(x)} (${f(m.cpuMsPerMiB)} / ${f(bare.cpuMsPerMiB)})`, `≤ ${GOALS.cpuVsBare}`, x <= GOALS.cpuVsBare]);
    }
    rows.push([s, 'mailtap peak RSS MiB', f(m.peakRssMiB, 0), `≤ ${GOALS.peakRssMiB}`, m.peakRssMiB <= GOALS.peakRssMiB]);
  }
  if (r.web) {
    const plain = r.web.rows.find((x) => x.relay === MAILTAP_ROW);
    for (const [name, goal] of [[WEB_NO_BROWSER, GOALS.webNoBrowser], [WEB_BROWSER, GOALS.webBrowser]] as const) {
      const w = r.web.rows.find((x) => x.relay === name);
      const s = `${f(r.web.sizeMiB, 0)} MiB message, ${tlsName(r.web.mode)}, ${name}`;
      if (!w || !plain || w.error) {
        rows.push([s, 'relay with --web ÷ without', w?.error ? `failed: ${w.error}` : 'not run', `≥ ${goal}`, null]);
        continue;
      }
      const x = w.ratio / plain.ratio;
      const watched = name === WEB_BROWSER ? `; session page opened live in ${r.web.followed} of ${r.web.rounds + WARM_MESSAGES} runs, warm-up included` : '';
      rows.push([s, `MiB/s with ÷ without --web (same ${r.web.rounds} rounds${watched})`, `${f(x)} (${f(w.relayMiBs, 0)} / ${f(plain.relayMiBs, 0)})`, `≥ ${goal}`, x >= goal]);
      // CPU time is what the web view costs; MiB/s on a shared 2-core machine swings with the load.
      const cpu = w.cpuMsPerMiB / plain.cpuMsPerMiB;
      rows.push([s, 'CPU ms per MiB with ÷ without --web', `${f(cpu)} (${f(w.cpuMsPerMiB)} / ${f(plain.cpuMsPerMiB)})`, `≤ ${f(2 - goal)}`, cpu <= 2 - goal]);
    }
  }
  for (const t of r.sessions) {
    const s = `${t.clients}×${t.perClient} sessions of 2 KiB, ${tlsName(t.mode)}`;
    const m = t.rows.find((x) => x.relay === MAILTAP_ROW);
    if (!m) continue;
    rows.push([s, `relay ÷ direct (median of ${t.rounds} rounds)`, f(m.ratio), `≥ ${GOALS.sessionRatio}`, m.ratio >= GOALS.sessionRatio]);
    rows.push([s, 'p99 relay ÷ p99 direct', `${f(m.p99Ratio)} (${f(m.p99, 1)} / ${f(t.directP99, 1)} ms)`, `≤ ${GOALS.p99Ratio}`, m.p99Ratio <= GOALS.p99Ratio]);
    rows.push([s, 'mailtap CPU ms per session', f(m.cpuMsPerSession), `≤ ${GOALS.cpuMsPerSession}`, m.cpuMsPerSession <= GOALS.cpuMsPerSession]);
    rows.push([s, 'mailtap peak RSS MiB', f(m.peakRssMiB, 0), `≤ ${GOALS.peakRssMiB}`, m.peakRssMiB <= GOALS.peakRssMiB]);
  }
  if (r.flat) {
    const d = r.flat.peakRssMiB - r.flat.basePeakRssMiB;
    rows.push([
      `${f(r.flat.sizeMiB, 0)} MiB message, STARTTLS`,
      `mailtap peak RSS MiB vs the ${f(r.flat.baseSizeMiB, 0)} MiB run`,
      `${f(r.flat.peakRssMiB, 0)} vs ${f(r.flat.basePeakRssMiB, 0)} (${d >= 0 ? '+' : ''}${f(d, 0)})`,
      `± ${GOALS.flatRssMiB}`,
      Math.abs(d) <= GOALS.flatRssMiB && r.flat.peakRssMiB <= GOALS.peakRssMiB,
    ]);
  } else rows.push(['256 MiB message', 'peak RSS flatness', 'skipped', `± ${GOALS.flatRssMiB}`, null]);
  const c = r.certificates;
  if (c) {
    rows.push(['leaf certificate', 'first issuance, median ms', f(c.firstIssueMsMedian, 2), `≤ ${GOALS.firstLeafMs}`, c.firstIssueMsMedian <= GOALS.firstLeafMs]);
    rows.push(['leaf certificate', 'cached, median ms', f(c.cachedMsMedian, 4), `≤ ${GOALS.cachedLeafMs}`, c.cachedMsMedian <= GOALS.cachedLeafMs]);
  }
  const k = r.codecs;
  if (k) {
    const cs = `codec alone, ${f(k.sizeMiB, 0)} MiB in 64 KiB chunks`;
    rows.push([cs, 'SMTP DATA body MiB/s (median of 5)', f(k.smtpDataMiBs, 0), `≥ ${GOALS.codecMiBs}`, k.smtpDataMiBs >= GOALS.codecMiBs]);
    rows.push([cs, 'IMAP literal MiB/s (median of 5)', f(k.imapLiteralMiBs, 0), `≥ ${GOALS.codecMiBs}`, k.imapLiteralMiBs >= GOALS.codecMiBs]);
    rows.push([cs, 'SMTP DATA + recording encoding MiB/s (context)', f(k.smtpWithRecordEncodingMiBs, 0), '—', null]);
  }
  return rows;
}

export function renderTable(r: BenchReport): string {
  const rows = goalRows(r);
  const lines = [
    `mailtap bench (${r.quick ? 'quick' : 'full'}): ${r.machine}; load average ${r.loadBefore} before, ${r.loadAfter} after; ` +
      `mailtap idle RSS ${f(r.idleRssMiB, 0)} MiB (built dist/ under node)`,
    '',
    ...relaysTable(r),
    ...(r.skipped.length ? ['', ...r.skipped.map((s) => `not run: ${s}`)] : []),
    '',
    'mailtap (decoding and recording on) against the goals of issue 18:',
    '',
    '| scenario | metric | measured | goal | |',
    '| --- | --- | --- | --- | --- |',
    ...rows.map(([s, m, v, g, ok]) => `| ${s} | ${m} | ${v} | ${g} | ${ok === null ? '' : ok ? '✓' : '✗'} |`),
  ];
  const missed = rows.filter((row) => row[4] === false).length;
  lines.push('', missed ? `${missed} goal(s) missed.` : 'Every goal met.');
  return lines.join('\n') + '\n';
}
