// `mailtap export --eml DIR`: writes each message of each recording as `<name>.eml`, byte-exact,
// with a `<name>.json` sidecar (envelope, user, session, time, what carried it). Bytes go to disk
// as they are read, so memory stays flat whatever the message size.

import { closeSync, mkdirSync, openSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { scanMessages, type MessageMeta } from './messages.js';

export interface EmlResult {
  recording: string;
  messages: Array<MessageMeta & { file: string }>;
}

export async function exportEml(recordings: string[], dir: string): Promise<EmlResult[]> {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const results: EmlResult[] = [];
  for (const recording of recordings) {
    const result: EmlResult = { recording, messages: [] };
    let fd = -1;
    const header = await scanMessages(recording, {
      begin: (m) => {
        // Recorded mail may hold secrets: owner-only, like the recordings themselves.
        fd = openSync(join(dir, `${m.name}.eml`), 'w', 0o600);
      },
      data: (_m, chunk) => {
        for (let off = 0; off < chunk.length; ) off += writeSync(fd, chunk, off);
      },
      end: (m) => {
        closeSync(fd);
        fd = -1;
        const file = join(dir, `${m.name}.eml`);
        result.messages.push({ ...m, file });
      },
    });
    for (const m of result.messages) {
      const sidecar = { ...m, file: `${m.name}.eml`, recording, client: header.client, upstream: header.upstream };
      writeFileSync(join(dir, `${m.name}.json`), `${JSON.stringify(sidecar, null, 2)}\n`, { mode: 0o600 });
    }
    results.push(result);
  }
  return results;
}
