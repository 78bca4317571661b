#!/usr/bin/env node
// Part of `npm run build`: copies the web view's static files (HTML, CSS) next to the front end
// that tsc compiled into dist/web/client. The JavaScript comes from tsc, not from here.

import { copyFileSync, mkdirSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

const root = resolve(dirname(new URL(import.meta.url).pathname), '..');
const from = join(root, 'src/web/client');
const to = join(root, 'dist/web/client');
mkdirSync(to, { recursive: true });
for (const name of readdirSync(from)) if (/\.(html|css|svg|png)$/.test(name)) copyFileSync(join(from, name), join(to, name));
