// What the message page shows of one carried message, read by src/mime (mailparser): decoded
// headers, the MIME tree, the text part (capped), whether there is an HTML part, and the
// attachments. The bytes themselves are served on demand (raw .eml, one attachment, the HTML in
// a sandbox), never pushed to the browser.

import type { MessageMeta } from '../export/messages.js';
import { parseMessage, type ParsedMessage } from '../mime/index.js';

/** Text part characters sent to the page; the rest is in the .eml download. */
export const TEXT_SHOWN = 256 * 1024;

export interface MessageView {
  /** 1-based, as `mailtap export --eml` numbers them. */
  n: number;
  /** The export's file name without `.eml`. */
  name: string;
  kind: MessageMeta['kind'];
  dir: 'c2s' | 's2c';
  command?: string;
  partial: boolean;
  size: number;
  /** It starts with a header block. */
  isMessage: boolean;
  headers: { name: string; value: string }[];
  subject?: string;
  from?: string;
  to?: string;
  date?: string;
  tree: { path: string; depth: number; contentType: string; filename?: string; size?: number }[];
  text?: string;
  textCut?: boolean;
  html: boolean;
  /** `index` is the download's: GET …/messages/N/attachments/INDEX. */
  attachments: { index: number; filename: string; contentType: string; size: number }[];
}

export async function messageView(meta: MessageMeta, bytes: Buffer): Promise<{ view: MessageView; parsed: ParsedMessage }> {
  const parsed = await parseMessage(bytes);
  const view: MessageView = {
    n: meta.n,
    name: meta.name,
    kind: meta.kind,
    dir: meta.direction,
    partial: meta.partial,
    size: bytes.length,
    isMessage: parsed.headers.length > 0,
    headers: parsed.headers,
    tree: treeOf(parsed),
    html: parsed.html !== undefined,
    attachments: parsed.attachments.map((a) => ({ index: a.index, filename: a.name ?? `attachment-${a.index + 1}`, contentType: a.type, size: a.size })),
  };
  if (meta.command !== undefined) view.command = meta.command;
  for (const k of ['subject', 'from', 'to', 'date'] as const) if (parsed[k] !== undefined) view[k] = parsed[k];
  if (parsed.text !== undefined) {
    view.text = parsed.text.length > TEXT_SHOWN ? parsed.text.slice(0, TEXT_SHOWN) : parsed.text;
    if (parsed.text.length > TEXT_SHOWN) view.textCut = true;
  }
  return { view, parsed };
}

/** Containers and leaves in tree order (IMAP part numbers sort that way), each with its depth. */
function treeOf(parsed: ParsedMessage): MessageView['tree'] {
  const depth = (path: string) => (path === '' ? 0 : path.split('.').length);
  const nodes: (MessageView['tree'][number] & { key: number[] })[] = [];
  for (const m of parsed.multiparts) nodes.push({ path: m.path, depth: depth(m.path), contentType: m.contentType, key: keyOf(m.path) });
  const single = parsed.multiparts.length === 0;
  for (const p of parsed.parts) {
    const node: (typeof nodes)[number] = { path: p.path, depth: single ? 0 : depth(p.path), contentType: p.contentType, size: p.size, key: keyOf(p.path) };
    if (p.filename !== undefined) node.filename = p.filename;
    nodes.push(node);
  }
  nodes.sort((a, b) => compareKeys(a.key, b.key));
  return nodes.map(({ key: _k, ...n }) => n);
}

function keyOf(path: string): number[] {
  return path === '' ? [] : path.split('.').map(Number);
}

function compareKeys(a: number[], b: number[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}
