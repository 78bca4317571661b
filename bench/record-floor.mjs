// `node --max-semi-space-size=2 bench/record-floor.mjs [--mib 64] [--runs 7] [--dir DIR]`: the
// least CPU any writer of recording format version 1 can spend on a message body, with no codec,
// no events and no sockets: each 16 KiB chunk (what a TLS read carries) base64-encoded, the string
// copied to bytes, the bytes written to a file (1.33 bytes per body byte). Next to it the same
// body written raw, which is what a format keeping body bytes as they are would pay. CPU ms per MiB
// (process.cpuUsage, the lowest and the median of N runs). docs/performance.md compares these
// floors with the bare relay's CPU to show which goals of issue 18 no writer can meet.

import { closeSync, openSync, unlinkSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

function option(name, fallback) {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

const mib = Number(option('--mib', '64'));
const runs = Number(option('--runs', '7'));
const path = join(option('--dir', tmpdir()), `mailtap-record-floor-${process.pid}`);
const chunk = Buffer.alloc(16 * 1024);
for (let i = 0; i < chunk.length; i++) chunk[i] = 32 + ((i * 7) % 90);
const chunks = mib * 64;

function cpuPerMiB(work) {
  const all = [];
  for (let r = 0; r < runs; r++) {
    const c0 = process.cpuUsage();
    work();
    const c = process.cpuUsage(c0);
    all.push((c.user + c.system) / 1000 / mib);
  }
  all.sort((a, b) => a - b);
  return `min ${all[0].toFixed(2)} median ${all[Math.floor(all.length / 2)].toFixed(2)}`;
}

function toFile(bytesOf) {
  return () => {
    const fd = openSync(path, 'w');
    try {
      for (let i = 0; i < chunks; i++) writeSync(fd, bytesOf(chunk));
    } finally {
      closeSync(fd);
    }
  };
}

const rows = [
  ['base64 only', () => { for (let i = 0; i < chunks; i++) chunk.toString('base64'); }],
  ['base64 + copy to bytes', () => { for (let i = 0; i < chunks; i++) Buffer.from(chunk.toString('base64'), 'latin1'); }],
  ['raw bytes to a file', toFile((c) => c)],
  ['format v1: base64 + copy + file', toFile((c) => Buffer.from(c.toString('base64'), 'latin1'))],
];
process.stdout.write(`recording floor, ${mib} MiB in 16 KiB chunks, ${runs} runs, file in ${path}\n`);
try {
  for (const [name, work] of rows) process.stdout.write(`${name.padEnd(34)} CPU ms/MiB ${cpuPerMiB(work)}\n`);
} finally {
  try {
    unlinkSync(path);
  } catch {
    // base64-only rows make no file
  }
}
