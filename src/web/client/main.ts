// The web view's entry: a hash router (#/ list, #/s/ID session, #/s/ID/m/N message), the
// language toggle (kept in localStorage), and the keyboard shortcuts.

import { getJson, h } from './dom.js';
import { strings } from './i18n.js';
import { renderList, type Page } from './list.js';
import { renderMessage } from './message.js';
import { renderSession } from './session.js';
import type { Info, Lang } from './types.js';

const root = document.getElementById('app')!;
const langButton = document.getElementById('lang-toggle') as HTMLButtonElement;
const modeBadge = document.getElementById('mode')!;
const keysHint = document.getElementById('keys')!;
let lang: Lang = 'en';
let page: Page | undefined;
let shownInfo: Info | undefined;

function route(): void {
  page?.dispose();
  root.removeAttribute('data-complete');
  const t = strings(lang);
  document.documentElement.lang = lang;
  document.title = t.title;
  langButton.textContent = t.language;
  langButton.title = t.languageLabel;
  keysHint.textContent = t.keys;
  if (shownInfo) modeBadge.textContent = `mailtap ${shownInfo.version} · ${shownInfo.mode === 'proxy' ? t.live : shownInfo.mode === 'replay' ? t.replay : t.files}${shownInfo.redact ? ' · --redact' : ''}`;
  const hash = location.hash.replace(/^#/, '') || '/';
  const msg = /^\/s\/([^/]+)\/m\/(\d+)$/.exec(hash);
  const ses = /^\/s\/([^/]+)$/.exec(hash);
  if (msg) page = renderMessage(root, decodeURIComponent(msg[1]!), Number(msg[2]), t);
  else if (ses) page = renderSession(root, decodeURIComponent(ses[1]!), lang, t);
  else page = renderList(root, t);
  root.setAttribute('data-lang', lang);
}

function toggleLang(): void {
  lang = lang === 'en' ? 'es' : 'en';
  try {
    localStorage.setItem('mailtap-lang', lang);
  } catch {
    /* private mode: the toggle still works for this page */
  }
  route();
}

function onKey(e: KeyboardEvent): void {
  const target = e.target as HTMLElement;
  if (target.closest('input, select, textarea') || e.ctrlKey || e.metaKey || e.altKey) {
    if (e.key === 'Escape' && target instanceof HTMLInputElement) target.blur();
    return;
  }
  if (e.key === '/') {
    const search = document.getElementById('f-q');
    if (search) {
      e.preventDefault();
      search.focus();
    }
  } else if (e.key === 'l') toggleLang();
  else if (e.key === 'Escape' && location.hash.length > 2) history.back();
  else if (e.key === 'j' || e.key === 'k') {
    const links = [...document.querySelectorAll<HTMLAnchorElement>('a.session-link, a.msg-link')];
    if (links.length === 0) return;
    const at = links.indexOf(document.activeElement as HTMLAnchorElement);
    const next = e.key === 'j' ? Math.min(links.length - 1, at + 1) : Math.max(0, at < 0 ? 0 : at - 1);
    links[next]!.focus();
    e.preventDefault();
  }
}

async function boot(): Promise<void> {
  let info: Info | undefined;
  try {
    info = await getJson<Info>('/api/info');
  } catch (err) {
    root.append(h('p', { class: 'warn' }, (err as Error).message));
    return;
  }
  let saved: string | null = null;
  try {
    saved = localStorage.getItem('mailtap-lang');
  } catch {
    saved = null;
  }
  lang = saved === 'es' || saved === 'en' ? saved : info.lang;
  shownInfo = info;
  langButton.addEventListener('click', toggleLang);
  window.addEventListener('hashchange', route);
  document.addEventListener('keydown', onKey);
  route();
}

void boot();
