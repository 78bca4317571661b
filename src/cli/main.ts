#!/usr/bin/env node
// Entry point of the `mailtap` binary: the only place that reads argv and sets the exit code.

import { runCli } from './program.js';

const code = await runCli(process.argv.slice(2));
// Long-running commands (proxy, replay, demo) resolve only when they are done serving.
process.exitCode = code;
