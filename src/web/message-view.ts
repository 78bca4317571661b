// What the message page shows of one carried message: decoded headers, the MIME tree, the text
// part (capped), whether there is an HTML part, and the attachments. The bytes themselves are
// served on demand (raw .eml, one part, the HTML in a sandbox), never pushed to the browser.

import type { CarriedBody } from './messages.js';
import { charsetDecode, leaves, parseMime, type MimePart } from './mime-lite.js';

/** Text part characters sent to the page; the rest is in the .eml download. */
export const TEXT_SHOWN = 256 * 1024;

export interface MessageView {
  index: number;
  dir: 'c2s' | 's2c';
  verb: string;
  size: number;
  isMessage: boolean;
  headers: { name: string; value: string }[];
  subject?: string;
  from?: string;
  to?: string;
  date?: string;
  tree: { path: string; depth: number; contentType: string; filename?: string; size: number; disposition?: string }[];
  text?: string;
  textCut?: boolean;
  html?: { path: string };
  attachments: { path: string; filename: string; contentType: string; size: number }[];
}

export function messageView(body: CarriedBody): MessageView {
  const root = parseMime(body.bytes);
  const header = (n: string) => root.headers.find((h) => h.name.toLowerCase() === n)?.value;
  const view: MessageView = {
    index: body.index,
    dir: body.dir,
    verb: body.verb,
    size: body.bytes.length,
    isMessage: body.isMessage,
    headers: root.headers,
    tree: [],
    attachments: [],
  };
  for (const [k, n] of [['subject', 'subject'], ['from', 'from'], ['to', 'to'], ['date', 'date']] as const) {
    const v = header(n);
    if (v !== undefined) view[k] = v;
  }
  const walk = (p: MimePart, depth: number) => {
    const node: MessageView['tree'][number] = { path: p.path || '1', depth, contentType: p.contentType, size: p.size };
    if (p.filename) node.filename = p.filename;
    if (p.disposition) node.disposition = p.disposition;
    view.tree.push(node);
    for (const c of p.children) walk(c, depth + 1);
  };
  walk(root, 0);
  for (const leaf of leaves(root)) {
    const isAttachment = leaf.disposition === 'attachment' || (leaf.filename !== undefined && leaf.disposition !== 'inline') || !/^(text\/|message\/)/.test(leaf.contentType) && leaf.contentType !== 'multipart/alternative';
    if (!isAttachment && leaf.contentType === 'text/plain' && view.text === undefined) {
      const text = charsetDecode(leaf.body ?? Buffer.alloc(0), leaf.params.charset ?? 'utf-8');
      view.text = text.length > TEXT_SHOWN ? text.slice(0, TEXT_SHOWN) : text;
      if (text.length > TEXT_SHOWN) view.textCut = true;
    } else if (!isAttachment && leaf.contentType === 'text/html' && view.html === undefined) {
      view.html = { path: leaf.path || '1' };
    } else if (isAttachment) {
      view.attachments.push({ path: leaf.path || '1', filename: leaf.filename ?? `part-${leaf.path || '1'}`, contentType: leaf.contentType, size: leaf.size });
    }
  }
  return view;
}

/** One leaf by its path ("1" for a single-part message). */
export function findPart(raw: Buffer, path: string): MimePart | undefined {
  const root = parseMime(raw);
  if (root.children.length === 0) return path === '1' || path === '' ? root : undefined;
  let part: MimePart | undefined = root;
  for (const n of path.split('.')) {
    part = part?.children[Number(n) - 1];
    if (!part) return undefined;
  }
  return part;
}

export function htmlOf(part: MimePart): string {
  return charsetDecode(part.body ?? Buffer.alloc(0), part.params.charset ?? 'utf-8');
}
