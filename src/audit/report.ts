// The audit scorecard as text (the live view's last word), Markdown and JSON (SPEC: `{"cases":
// [{"name","verdict","evidence"}]}`), in the chosen language. Every FAIL names what an attacker
// gains and the client settings that fix it.

import type { Lang } from '../core/note.js';
import type { AuditReport } from './auditor.js';
import { CASE_INFO } from './cases.js';

export type ReportFormat = 'text' | 'md' | 'json';

const WORDS = {
  en: { title: 'mailtap audit scorecard', listen: 'listener', upstream: 'server', case: 'case', verdict: 'verdict', why: 'why', gains: 'an attacker gains', fix: 'fix', evidence: 'evidence', recording: 'recording', summary: (p: number, f: number, n: number) => `${p} pass, ${f} fail, ${n} n/a` },
  es: { title: 'resultados de mailtap audit', listen: 'escucha', upstream: 'servidor', case: 'caso', verdict: 'veredicto', why: 'motivo', gains: 'el atacante obtiene', fix: 'solución', evidence: 'evidencia', recording: 'grabación', summary: (p: number, f: number, n: number) => `${p} superados, ${f} fallidos, ${n} n/a` },
} as const;

function counts(report: AuditReport): [number, number, number] {
  const c = (v: string) => report.cases.filter((x) => x.verdict === v).length;
  return [c('pass'), c('fail'), c('n/a')];
}

/** Exit status: 0 when no case failed. */
export function auditExitCode(report: AuditReport): number {
  return report.cases.some((c) => c.verdict === 'fail') ? 1 : 0;
}

export function renderReport(report: AuditReport, format: ReportFormat, lang: Lang): string {
  switch (format) {
    case 'json':
      return `${JSON.stringify(
        {
          listen: report.listen,
          upstream: report.upstream,
          protocol: report.protocol,
          cases: report.cases.map((c) => ({
            name: c.name,
            verdict: c.verdict,
            reason: c.reason[lang],
            ...(c.verdict === 'fail' ? { attackerGains: CASE_INFO[c.name].attackerGains[lang], fix: CASE_INFO[c.name].fix[lang] } : {}),
            evidence: c.evidence,
          })),
        },
        null,
        2,
      )}\n`;
    case 'md':
      return markdown(report, lang);
    case 'text':
      return text(report, lang);
  }
}

function text(report: AuditReport, lang: Lang): string {
  const w = WORDS[lang];
  const width = Math.max(...report.cases.map((c) => c.name.length));
  const lines = [`${w.title} — ${report.protocol} ${report.listen} (${w.upstream}: ${report.upstream})`];
  for (const c of report.cases) {
    lines.push(`  ${c.verdict === 'fail' ? 'FAIL' : c.verdict === 'pass' ? 'pass' : 'n/a '}  ${c.name.padEnd(width)}  ${c.reason[lang]}`);
    if (c.verdict === 'fail') {
      lines.push(`        ${''.padEnd(width)}  ${w.gains}: ${CASE_INFO[c.name].attackerGains[lang]}`);
      lines.push(`        ${''.padEnd(width)}  ${w.fix}: ${CASE_INFO[c.name].fix[lang]}`);
    }
  }
  lines.push(`  ${w.summary(...counts(report))}`);
  return `${lines.join('\n')}\n`;
}

function markdown(report: AuditReport, lang: Lang): string {
  const w = WORDS[lang];
  const cell = (s: string) => s.replace(/\|/g, '\\|');
  const out = [`# ${w.title}`, '', `${report.protocol} · ${w.listen} \`${report.listen}\` · ${w.upstream}: ${report.upstream} · ${w.summary(...counts(report))}`, ''];
  out.push(`| ${w.case} | ${w.verdict} | ${w.why} |`, '| --- | --- | --- |');
  for (const c of report.cases) out.push(`| \`${c.name}\` | ${c.verdict === 'fail' ? '**FAIL**' : c.verdict} | ${cell(c.reason[lang])} |`);
  for (const c of report.cases) {
    if (c.verdict === 'n/a' && c.evidence.transcript.length === 0) continue;
    out.push('', `## ${c.name}: ${c.verdict === 'fail' ? 'FAIL' : c.verdict}`, '', c.reason[lang]);
    if (c.verdict === 'fail') out.push('', `- ${w.gains}: ${CASE_INFO[c.name].attackerGains[lang]}`, `- ${w.fix}: ${CASE_INFO[c.name].fix[lang]}`);
    if (c.evidence.recording) out.push('', `${w.recording}: \`${c.evidence.recording}\``);
    if (c.evidence.transcript.length) out.push('', '```', ...c.evidence.transcript, '```');
  }
  return `${out.join('\n')}\n`;
}
