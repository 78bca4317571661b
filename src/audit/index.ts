// Public face of the audit room: the auditor, its cases and its report.

export { startAudit } from './auditor.js';
export type { AuditOptions, AuditHandle, AuditReport, CaseResult } from './auditor.js';
export { AUDIT_CASES, CASE_INFO, isAuditCase } from './cases.js';
export type { AuditCaseName } from './cases.js';
export type { Verdict } from './judge.js';
export { renderReport, auditExitCode } from './report.js';
export type { ReportFormat } from './report.js';
