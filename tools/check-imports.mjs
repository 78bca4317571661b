#!/usr/bin/env node
// Keeps the architecture honest (STYLE.md): imports flow downward, codecs and SASL are sans-IO
// (no sockets, files, timers' modules or loggers), node-forge lives only in src/ca, and one
// codec never imports a sibling. Exits 1 naming each offending import.

import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, dirname, resolve } from 'node:path';

const SRC = resolve(dirname(new URL(import.meta.url).pathname), '..', 'src');

/** Which top-level modules each module may import from (besides itself). */
const ALLOWED = {
  core: [],
  mime: ['core'],
  sasl: ['core'],
  protocol: ['mime', 'sasl', 'core'],
  ca: ['core'],
  record: ['protocol', 'mime', 'sasl', 'core'],
  transport: ['protocol', 'core'],
  export: ['record', 'protocol', 'mime', 'sasl', 'core'],
  session: ['transport', 'record', 'protocol', 'mime', 'ca', 'sasl', 'core'],
  replay: ['transport', 'record', 'protocol', 'mime', 'ca', 'sasl', 'core'],
  audit: ['replay', 'session', 'mime', 'transport', 'record', 'protocol', 'ca', 'sasl', 'core'],
  demo: ['replay', 'session', 'mime', 'transport', 'record', 'protocol', 'ca', 'sasl', 'core'],
  web: ['export', 'mime', 'session', 'record', 'protocol', 'core'],
  cli: ['audit', 'web', 'export', 'mime', 'demo', 'replay', 'session', 'transport', 'record', 'protocol', 'ca', 'sasl', 'core'],
  'index.ts': ['audit', 'web', 'export', 'mime', 'demo', 'replay', 'session', 'transport', 'record', 'protocol', 'ca', 'sasl', 'core', 'cli'],
};
const SANS_IO = new Set(['protocol', 'sasl', 'mime']);
const IO_MODULES = /^(node:)?(net|tls|fs|fs\/promises|dgram|http|https|child_process|timers)$|^pino$/;
const PROTOCOLS = new Set(['smtp', 'pop3', 'imap']);

function files(dir) {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}

const problems = [];
for (const file of files(SRC)) {
  const rel = relative(SRC, file);
  const parts = rel.split('/');
  const layer = parts.length === 1 ? parts[0] : parts[0];
  const text = readFileSync(file, 'utf8');
  for (const m of text.matchAll(/^\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]/gm)) {
    const spec = m[1];
    const typeOnly = /^\s*(?:import|export)\s+type\s/.test(m[0]);
    if (spec.startsWith('.')) {
      const target = relative(SRC, resolve(dirname(file), spec));
      if (target.startsWith('..')) {
        problems.push(`${rel}: imports ${spec}, outside src/`);
        continue;
      }
      const tparts = target.split('/');
      const tlayer = tparts.length === 1 ? tparts[0].replace(/\.js$/, '.ts') : tparts[0];
      if (tlayer !== layer && !(ALLOWED[layer] ?? []).includes(tlayer)) problems.push(`${rel}: ${layer} may not import ${tlayer} (${spec})`);
      // A codec never imports a sibling protocol; the registry (protocol/index.ts) knows them all.
      if (layer === 'protocol' && parts.length > 2 && tlayer === 'protocol' && tparts.length > 2 && PROTOCOLS.has(parts[1]) && PROTOCOLS.has(tparts[1]) && parts[1] !== tparts[1]) {
        problems.push(`${rel}: the ${parts[1]} codec imports the ${tparts[1]} codec (${spec})`);
      }
    } else {
      if (SANS_IO.has(layer) && IO_MODULES.test(spec) && !typeOnly) problems.push(`${rel}: sans-IO module imports ${spec}`);
      if (spec === 'node-forge' && layer !== 'ca') problems.push(`${rel}: node-forge belongs in src/ca only`);
    }
  }
}
if (problems.length) {
  console.error(`import rules broken (${problems.length}):\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  process.exit(1);
}
console.log('import rules: ok');
