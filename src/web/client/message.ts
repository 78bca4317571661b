// One message a session carried: headers, MIME tree, text part, the HTML part in a sandboxed
// iframe (no allow-scripts, no allow-same-origin; the server's CSP on that response blocks
// scripts and remote loads too), attachments to download.

import { clear, formatBytes, getJson, h } from './dom.js';
import type { Strings } from './i18n.js';
import type { Page } from './list.js';
import type { MessageView } from './types.js';

export function renderMessage(root: HTMLElement, id: string, n: number, t: Strings): Page {
  clear(root);
  const base = `/api/sessions/${encodeURIComponent(id)}/messages/${n}`;
  root.append(h('p', {}, h('a', { href: `#/s/${encodeURIComponent(id)}`, id: 'back' }, `← ${id}`)));
  let disposed = false;
  getJson<MessageView>(base).then(
    (m) => {
      if (!disposed) show(root, m, base, t);
    },
    (err: Error) => root.append(h('p', { class: 'warn' }, `${t.error}: ${err.message}`)),
  );
  return { dispose: () => (disposed = true) };
}

function show(root: HTMLElement, m: MessageView, base: string, t: Strings): void {
  root.append(h('h1', { id: 'message-subject' }, m.subject ?? t.message(m.n)));
  if (!m.isMessage) root.append(h('p', { class: 'warn' }, t.notMessage));
  const main = h('dl', { class: 'main-headers' });
  for (const [label, value] of [[t.from, m.from], [t.to, m.to], [t.date, m.date]] as const) if (value) main.append(h('dt', {}, label), h('dd', {}, value));
  main.append(h('dt', {}, t.bytes), h('dd', {}, `${formatBytes(m.size)} · ${m.command ?? m.kind} · ${m.dir === 'c2s' ? '→' : '←'}${m.partial ? ` · ${t.partial}` : ''}`));
  root.append(main, h('p', {}, h('a', { href: `${base}/raw.eml`, download: `${m.name}.eml`, id: 'dl-eml' }, t.raw)));

  const all = h('table', { class: 'headers' }, h('tbody', {}, ...m.headers.map((x) => h('tr', {}, h('th', { scope: 'row' }, x.name), h('td', {}, x.value)))));
  root.append(h('details', {}, h('summary', {}, t.allHeaders, ` (${m.headers.length})`), all));

  const tree = h('ul', { class: 'mime-tree', id: 'mime-tree' });
  for (const n of m.tree) {
    tree.append(h('li', { class: `depth-${Math.min(n.depth, 6)}` }, `${n.path ? `${n.path} ` : ''}${n.contentType}`, n.filename ? ` “${n.filename}”` : '', n.size !== undefined ? ` ${formatBytes(n.size)}` : ''));
  }
  root.append(h('h2', {}, t.mime), tree);

  const atts = h('ul', { class: 'attachments', id: 'attachments' });
  for (const a of m.attachments) {
    atts.append(h('li', {}, h('a', { href: `${base}/attachments/${a.index}`, download: a.filename, class: 'attachment' }, a.filename), ` ${a.contentType}, ${formatBytes(a.size)}`));
  }
  root.append(h('h2', {}, t.attachments), m.attachments.length ? atts : h('p', { class: 'muted' }, t.noAttachments));

  if (m.text !== undefined) {
    root.append(h('h2', {}, t.text), h('pre', { class: 'message-text', id: 'message-text', tabindex: '0' }, m.text));
    if (m.textCut) root.append(h('p', { class: 'muted' }, t.cut));
  }
  if (m.html) {
    // sandbox="" : no scripts, no same-origin, no forms, no popups, no top navigation.
    const frame = h('iframe', { sandbox: '', src: `${base}/html`, title: t.html, id: 'message-html', referrerpolicy: 'no-referrer', loading: 'lazy' });
    root.append(h('h2', {}, t.html), frame);
  }
}
