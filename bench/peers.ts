// Reference relays for `npm run bench -- --peers`, started only where the Debian packages are
// installed: stunnel4 (no decoding: two services in one process, a TLS server and a TLS client
// joined by a plaintext loopback hop; protocol=smtp on both for STARTTLS) and sslsplit (a TLS
// interceptor; `ssl` for implicit TLS, `autossl` for STARTTLS). Their CPU and peak RSS are read
// from /proc for the whole process tree (sslsplit forks a privilege-separation parent).

import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import type { Ports } from './scenarios.js';

export interface PeerFiles {
  dir: string;
  /** The leaf (key and certificate) the relay shows clients: issued by the mailtap CA. */
  leafKeyFile: string;
  leafCertFile: string;
  /** The mailtap CA, for sslsplit, which forges its own leaves. */
  caKeyFile: string;
  caCertFile: string;
  upstreamCaFile: string;
}

export interface Peer {
  name: string;
  /** Its processes (each with its descendants). */
  pids: number[];
  ready: Ports;
  stop(): Promise<void>;
}

const TICK_US = 1_000_000 / 100; // USER_HZ is 100 on Linux

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

function which(names: string[]): string | undefined {
  for (const name of names) {
    for (const dir of (process.env.PATH ?? '/usr/bin:/usr/sbin').split(':')) {
      if (existsSync(join(dir, name))) return join(dir, name);
    }
  }
  return undefined;
}

/** The PIDs of `roots` and all their descendants. */
function tree(roots: number[]): number[] {
  const parent = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      parent.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // gone meanwhile
    }
  }
  const out = [...roots];
  for (let i = 0; i < out.length; i++) for (const [pid, ppid] of parent) if (ppid === out[i]) out.push(pid);
  return out;
}

/** CPU (user + system, all threads) and summed VmHWM of a process tree, from /proc. */
export function treeUsage(roots: number[]): { cpuUs: number; hwmKiB: number } {
  let cpuUs = 0;
  let hwmKiB = 0;
  for (const pid of tree(roots)) {
    try {
      const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const stat = text.slice(text.lastIndexOf(')') + 2).split(' ');
      cpuUs += (Number(stat[11]) + Number(stat[12])) * TICK_US;
      hwmKiB += Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
    } catch {
      // gone meanwhile
    }
  }
  return { cpuUs, hwmKiB };
}

export function resetTreePeak(roots: number[]): void {
  for (const pid of tree(roots)) {
    try {
      writeFileSync(`/proc/${pid}/clear_refs`, '5');
    } catch {
      // not ours to reset: the peak then spans scenarios
    }
  }
}

async function launch(name: string, bin: string, args: string[], ports: number[]): Promise<{ pid: number; stop(): Promise<void> }> {
  const child: ChildProcess = spawn(bin, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  // Ready when both ports accept connections (neither tool prints a machine-readable ready line).
  const deadline = Date.now() + 10_000;
  for (const port of ports) {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`${name} exited (${child.exitCode}): ${stderr.trim().slice(-400)}`);
      if (await accepts(port)) break;
      if (Date.now() > deadline) throw new Error(`${name} did not listen on ${port} within 10 s: ${stderr.trim().slice(-400)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  return {
    pid: child.pid!,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      process.kill(child.pid!, 'SIGTERM');
      const timer = setTimeout(() => child.exitCode === null && process.kill(child.pid!, 'SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

async function accepts(port: number): Promise<boolean> {
  const { connect } = await import('node:net');
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port }, () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

export async function startStunnel(files: PeerFiles, upstream: Ports): Promise<Peer | string> {
  const bin = which(['stunnel4', 'stunnel']);
  if (!bin) return 'stunnel4 is not installed';
  const [a, b, c, d] = [await freePort(), await freePort(), await freePort(), await freePort()];
  const server = `cert = ${files.leafCertFile}\nkey = ${files.leafKeyFile}\n`;
  const client = `client = yes\nCAfile = ${files.upstreamCaFile}\nverifyChain = yes\ncheckHost = localhost\nsni = localhost\n`;
  const conf = [
    'foreground = yes',
    'pid =',
    'syslog = no',
    'debug = 3',
    'socket = l:TCP_NODELAY=1',
    'socket = r:TCP_NODELAY=1',
    `[in-implicit]\naccept = 127.0.0.1:${a}\nconnect = 127.0.0.1:${b}\n${server}`,
    `[out-implicit]\naccept = 127.0.0.1:${b}\nconnect = 127.0.0.1:${upstream.implicit}\n${client}`,
    `[in-starttls]\naccept = 127.0.0.1:${c}\nconnect = 127.0.0.1:${d}\nprotocol = smtp\n${server}`,
    `[out-starttls]\naccept = 127.0.0.1:${d}\nconnect = 127.0.0.1:${upstream.starttls}\nprotocol = smtp\n${client}`,
  ].join('\n');
  const path = join(files.dir, 'stunnel.conf');
  await writeFile(path, conf + '\n');
  const p = await launch('stunnel4', bin, [path], [a, c]);
  return { name: 'stunnel4', pids: [p.pid], ready: { implicit: a, starttls: c }, stop: p.stop };
}

export async function startSslsplit(files: PeerFiles, upstream: Ports): Promise<Peer | string> {
  const bin = which(['sslsplit']);
  if (!bin) return 'sslsplit is not installed';
  const [a, c] = [await freePort(), await freePort()];
  // As root sslsplit drops to `nobody` unless told to stay (it must read the keys we wrote).
  const args = [...(process.getuid?.() === 0 ? ['-u', 'root'] : []), '-k', files.caKeyFile, '-c', files.caCertFile, '-K', files.leafKeyFile];
  // Two processes: sslsplit 0.5.5's autossl aborts the whole process on some connections
  // ("readcb called when other end not connected - aborting"), which must not take `ssl` down.
  const ssl = await launch('sslsplit', bin, [...args, 'ssl', '127.0.0.1', String(a), '127.0.0.1', String(upstream.implicit)], [a]);
  const auto = await launch('sslsplit', bin, [...args, 'autossl', '127.0.0.1', String(c), '127.0.0.1', String(upstream.starttls)], [c]);
  return {
    name: 'sslsplit',
    pids: [ssl.pid, auto.pid],
    ready: { implicit: a, starttls: c },
    stop: async () => {
      await ssl.stop();
      await auto.stop();
    },
  };
}
