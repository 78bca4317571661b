#!/usr/bin/env -S node --max-semi-space-size=2
// Entry point of the `mailtap` binary: the only place that reads argv and sets the exit code.
// The shebang caps V8's young generation at 2 MiB per semi-space (16 by default): with 16
// concurrent sessions the default let it grow to ~30 MiB of mostly garbage, and peak RSS to
// 117–127 MiB; capped, 81–89 MiB for +0.06 ms of GC per session (docs/performance.md, round four).
// V8 fixes the size when the process starts (v8.setFlagsFromString here is too late), hence the
// shebang; `npm start` passes the same flag.

import { runCli } from './program.js';

const code = await runCli(process.argv.slice(2));
// Long-running commands (proxy, replay, demo) resolve only when they are done serving.
process.exitCode = code;
