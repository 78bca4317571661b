// The session list: newest first, filtered and paginated by the server (thousands of sessions
// stay smooth: the page holds PAGE rows), re-read when the live stream says something changed.

import { clear, formatBytes, formatDuration, getJson, h } from './dom.js';
import type { Strings } from './i18n.js';
import type { SessionSummary, TlsFacts } from './types.js';

const PAGE = 100;

interface ListState {
  protocol: string;
  user: string;
  status: string;
  q: string;
  offset: number;
}

const state: ListState = { protocol: '', user: '', status: '', q: '', offset: 0 };

export interface Page {
  dispose(): void;
}

export function renderList(root: HTMLElement, t: Strings): Page {
  clear(root);
  const protocol = h('select', { id: 'f-protocol', name: 'protocol' }, h('option', { value: '' }, t.any), ...['smtp', 'pop3', 'imap'].map((p) => h('option', { value: p }, p.toUpperCase())));
  const status = h('select', { id: 'f-status', name: 'status' }, h('option', { value: '' }, t.any), ...['open', 'closed', 'error', 'injection'].map((s) => h('option', { value: s }, t.statuses[s] ?? s)));
  const user = h('input', { id: 'f-user', name: 'user', type: 'text', autocomplete: 'off' });
  const q = h('input', { id: 'f-q', name: 'q', type: 'search', placeholder: t.searchHint, autocomplete: 'off' });
  protocol.value = state.protocol;
  status.value = state.status;
  user.value = state.user;
  q.value = state.q;
  const filters = h(
    'form',
    { class: 'filters', role: 'search' },
    h('label', {}, t.protocol, ' ', protocol),
    h('label', {}, t.filterUser, ' ', user),
    h('label', {}, t.status, ' ', status),
    h('label', { class: 'grow' }, t.search, ' ', q),
  );
  const tbody = h('tbody', { id: 'sessions-body' });
  const table = h(
    'table',
    { class: 'sessions', id: 'sessions' },
    h('thead', {}, h('tr', {}, ...[t.time, t.protocol, t.route, t.tls, t.user, t.status, t.bytes, t.duration].map((c) => h('th', { scope: 'col' }, c)))),
    tbody,
  );
  const pager = h('nav', { class: 'pager', 'aria-label': t.pages });
  const empty = h('p', { class: 'empty', id: 'sessions-empty', hidden: true });
  root.append(h('h1', {}, t.sessions), filters, table, empty, pager);

  let disposed = false;
  let loading = false;
  let again = false;
  const load = async () => {
    if (loading) {
      again = true;
      return;
    }
    loading = true;
    try {
      const params = new URLSearchParams({ offset: String(state.offset), limit: String(PAGE), lang: t.code });
      for (const k of ['protocol', 'user', 'status', 'q'] as const) if (state[k]) params.set(k, state[k]);
      const page = await getJson<{ total: number; all: number; items: SessionSummary[] }>(`/api/sessions?${params}`);
      if (disposed) return;
      const focused = document.activeElement instanceof HTMLAnchorElement && tbody.contains(document.activeElement) ? document.activeElement.getAttribute('href') : null;
      clear(tbody);
      for (const s of page.items) tbody.append(row(s, t));
      if (focused) (tbody.querySelector(`a[href="${CSS.escape(focused)}"]`) as HTMLElement | null)?.focus();
      empty.hidden = page.items.length > 0;
      empty.textContent = page.all === 0 ? t.noSessions : t.noMatch;
      clear(pager);
      if (page.total > PAGE) {
        const prev = h('button', { type: 'button', disabled: state.offset === 0 }, t.prev);
        const next = h('button', { type: 'button', disabled: state.offset + PAGE >= page.total }, t.next);
        prev.addEventListener('click', () => move(-PAGE));
        next.addEventListener('click', () => move(PAGE));
        pager.append(prev, h('span', {}, t.shown(state.offset + 1, Math.min(page.total, state.offset + PAGE), page.total)), next);
      }
    } finally {
      loading = false;
      if (again && !disposed) {
        again = false;
        void load();
      }
    }
  };
  const move = (by: number) => {
    state.offset = Math.max(0, state.offset + by);
    void load();
  };
  const onFilter = () => {
    state.protocol = protocol.value;
    state.status = status.value;
    state.user = user.value.trim();
    state.q = q.value.trim();
    state.offset = 0;
    void load();
  };
  filters.addEventListener('submit', (e) => e.preventDefault());
  for (const el of [protocol, status]) el.addEventListener('change', onFilter);
  for (const el of [user, q]) el.addEventListener('input', onFilter);

  const stream = new EventSource('/api/stream');
  stream.addEventListener('changed', () => void load());
  void load();
  return {
    dispose() {
      disposed = true;
      stream.close();
    },
  };
}

function tlsText(leg: TlsFacts | undefined, mode: string, t: Strings): string {
  if (leg?.version) return `${leg.version}${leg.cipher ? ` ${leg.cipher}` : ''}`;
  if (leg?.reason) return `✗ ${leg.reason}`;
  return mode === 'none' ? '—' : (t.tlsModes[mode] ?? mode);
}

function row(s: SessionSummary, t: Strings): HTMLTableRowElement {
  const time = new Date(s.start);
  const link = h('a', { href: `#/s/${encodeURIComponent(s.id)}`, class: 'session-link', 'data-session': s.id }, time.toLocaleTimeString(), ' ', h('small', {}, time.toLocaleDateString()));
  return h(
    'tr',
    { class: `status-${s.status}`, 'data-session': s.id },
    h('td', {}, link),
    h('td', {}, h('span', { class: `proto proto-${s.protocol}` }, s.protocol.toUpperCase()), s.starttls ? h('span', { class: 'tag tag-starttls', title: 'STARTTLS' }, 'STARTTLS') : null),
    h('td', { class: 'route' }, s.client, ' → ', s.upstream),
    h('td', { class: 'tls' }, tlsText(s.tls.client, s.clientTls, t), h('br'), tlsText(s.tls.upstream, s.upstreamTls, t)),
    h('td', { class: 'user' }, s.user ?? ''),
    h('td', {}, h('span', { class: `status status-${s.status}` }, t.statuses[s.status] ?? s.status)),
    h('td', { class: 'num' }, `${formatBytes(s.bytes.c2s)} / ${formatBytes(s.bytes.s2c)}`),
    h('td', { class: 'num' }, formatDuration(s.durationMs)),
  );
}
