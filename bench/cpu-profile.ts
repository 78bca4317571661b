// Reads a V8 `.cpuprofile` (from `node --cpu-prof`) and ranks where the time went: self time per
// function (name, file:line), and total time per source file, as percentages of the samples.
// Used by profile.ts; run alone as `npx tsx bench/cpu-profile.ts FILE.cpuprofile [top]`.

import { readFile } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface Hotspot {
  name: string;
  where: string;
  selfMs: number;
  selfPct: number;
}

export interface ProfileSummary {
  totalMs: number;
  idleMs: number;
  functions: Hotspot[];
  files: { file: string; selfMs: number; selfPct: number }[];
}

function shortUrl(url: string): string {
  if (!url) return '(native)';
  const m = /\/(src|dist|bench|test|node_modules)\/(.*)$/.exec(url);
  if (m) return `${m[1]}/${m[2]}`;
  return url.replace(/^node:/, 'node:');
}

export function summarise(profile: Profile, top = 25): ProfileSummary {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  // Time per sample: the delta that follows it (V8 records the delta before each sample).
  for (let i = 0; i < profile.samples.length; i++) {
    const dt = (profile.timeDeltas[i + 1] ?? 0) / 1000;
    self.set(profile.samples[i]!, (self.get(profile.samples[i]!) ?? 0) + dt);
  }
  const fn = new Map<string, Hotspot>();
  const files = new Map<string, number>();
  let total = 0;
  let idle = 0;
  for (const [id, ms] of self) {
    const node = byId.get(id)!;
    const name = node.callFrame.functionName || '(anonymous)';
    total += ms;
    if (name === '(idle)') idle += ms;
    const where = `${shortUrl(node.callFrame.url)}${node.callFrame.url ? `:${node.callFrame.lineNumber + 1}` : ''}`;
    const key = `${name}@${where}`;
    const h = fn.get(key) ?? { name, where, selfMs: 0, selfPct: 0 };
    h.selfMs += ms;
    fn.set(key, h);
    const file = shortUrl(node.callFrame.url);
    files.set(file, (files.get(file) ?? 0) + ms);
  }
  const busy = total - idle;
  const functions = [...fn.values()]
    .filter((h) => h.name !== '(idle)')
    .sort((a, b) => b.selfMs - a.selfMs)
    .slice(0, top)
    .map((h) => ({ ...h, selfPct: (100 * h.selfMs) / busy }));
  const fileList = [...files.entries()]
    .map(([file, ms]) => ({ file, selfMs: ms, selfPct: (100 * ms) / busy }))
    .sort((a, b) => b.selfMs - a.selfMs)
    .slice(0, top);
  return { totalMs: total, idleMs: idle, functions, files: fileList };
}

export function renderSummary(s: ProfileSummary): string {
  const lines = [
    `profile: ${s.totalMs.toFixed(0)} ms sampled, ${(s.totalMs - s.idleMs).toFixed(0)} ms busy (percentages of busy time)`,
    '',
    '| self ms | % busy | function | where |',
    '| ---: | ---: | --- | --- |',
    ...s.functions.map((h) => `| ${h.selfMs.toFixed(1)} | ${h.selfPct.toFixed(1)} | ${h.name} | ${h.where} |`),
    '',
    '| self ms | % busy | file |',
    '| ---: | ---: | --- |',
    ...s.files.map((f) => `| ${f.selfMs.toFixed(1)} | ${f.selfPct.toFixed(1)} | ${f.file} |`),
  ];
  return lines.join('\n') + '\n';
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const file = process.argv[2];
  if (!file) throw new Error('usage: tsx bench/cpu-profile.ts FILE.cpuprofile [top]');
  const profile = JSON.parse(await readFile(file, 'utf8')) as Profile;
  process.stdout.write(renderSummary(summarise(profile, Number(process.argv[3] ?? 25))));
}
