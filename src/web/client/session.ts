// One session: the annotated transcript (streamed while the session is open), the AUTH panel,
// both TLS legs, highlights for STARTTLS and injection, and the downloads. Entry text goes in
// with textContent only.

import { clear, formatBytes, formatDuration, h } from './dom.js';
import type { Strings } from './i18n.js';
import type { Page } from './list.js';
import type { AuthSummary, Lang, SessionSummary, TlsFacts, WebEntry } from './types.js';

export function renderSession(root: HTMLElement, id: string, lang: Lang, t: Strings): Page {
  clear(root);
  const base = `/api/sessions/${encodeURIComponent(id)}`;
  const title = h('h1', { id: 'session-title' }, id);
  const state = h('p', { class: 'session-state', id: 'session-state', role: 'status' });
  const facts = h('p', { class: 'facts', id: 'session-facts' });
  const warn = h('p', { class: 'warn', id: 'session-warn', hidden: true });
  const authBox = h('section', { class: 'panel', id: 'auth-panel', 'aria-labelledby': 'auth-h' });
  const tlsBox = h('section', { class: 'panel', id: 'tls-panel', 'aria-labelledby': 'tls-h' });
  const messages = h('ul', { class: 'messages', id: 'messages' });
  const downloads = h(
    'section',
    { class: 'panel', id: 'downloads', 'aria-labelledby': 'dl-h' },
    h('h2', { id: 'dl-h' }, t.downloads),
    h(
      'ul',
      {},
      h('li', {}, h('a', { href: `${base}/recording.jsonl`, download: `${id}.jsonl`, id: 'dl-recording' }, t.recording)),
      h('li', {}, h('a', { href: `${base}/transcript.md?lang=${lang}`, download: `${id}-${lang}.md`, id: 'dl-markdown' }, t.markdown)),
      h('li', {}, h('a', { href: `${base}/capture.pcapng?lang=${lang}`, download: `${id}.pcapng`, id: 'dl-pcapng' }, t.pcapng)),
    ),
    h('h3', {}, t.messages),
    messages,
  );
  const transcript = h('ol', { class: 'transcript', id: 'transcript', 'aria-live': 'polite', tabindex: '0', 'aria-label': t.transcript });
  root.append(
    h('p', {}, h('a', { href: '#/', id: 'back' }, t.back)),
    title,
    state,
    facts,
    warn,
    h('div', { class: 'panels' }, authBox, tlsBox, downloads),
    h('h2', {}, t.transcript),
    transcript,
  );

  let summary: SessionSummary | undefined;
  let revealed = false;
  const seenMessages = new Set<number>();
  const update = (s: SessionSummary) => {
    summary = s;
    title.textContent = `${s.protocol.toUpperCase()} ${s.client} → ${s.upstream}`;
    state.textContent = s.closed ? t.closed(s.closeReason ?? '') : t.streaming;
    state.className = `session-state status-${s.status}`;
    facts.textContent = `${new Date(s.start).toLocaleString()} · ${s.listen} · ${formatBytes(s.bytes.c2s)} / ${formatBytes(s.bytes.s2c)} · ${formatDuration(s.durationMs)}${s.recording ? ` · ${s.recording}` : ''}`;
    warn.hidden = s.injections === 0;
    warn.textContent = s.injections ? t.injectionWarn(s.injections) : '';
    renderAuth(authBox, s.auths, s.redacted, revealed, t, () => {
      revealed = !revealed;
      if (summary) update(summary);
    });
    renderTls(tlsBox, s, t);
  };
  const addEntry = (e: WebEntry) => {
    const li = h('li', { class: `entry k-${e.k} m-${markerClass(e.m)}` });
    li.append(h('span', { class: 'marker', 'aria-hidden': 'true' }, e.m));
    const body = h('div', { class: 'lines' });
    for (const line of e.l) body.append(h('div', { class: 'line' }, line));
    li.append(body);
    if (e.n !== undefined) li.append(h('div', { class: 'note' }, e.n));
    if (e.k === 'body' && e.msg !== undefined) {
      const href = `#/s/${encodeURIComponent(id)}/m/${e.msg}`;
      li.append(h('a', { class: 'msg-link', href }, t.openMessage));
      if (!seenMessages.has(e.msg)) {
        seenMessages.add(e.msg);
        messages.append(
          h(
            'li',
            {},
            h('a', { href }, t.message(e.msg)),
            ' · ',
            h('a', { href: `${base}/messages/${e.msg}/raw.eml`, download: '' }, t.eml),
          ),
        );
      }
    }
    transcript.append(li);
  };

  const stream = new EventSource(`${base}/stream?lang=${lang}`);
  stream.addEventListener('entries', (ev) => {
    const data = JSON.parse((ev as MessageEvent<string>).data) as { entries: WebEntry[]; summary: SessionSummary };
    const atBottom = window.innerHeight + window.scrollY >= document.body.scrollHeight - 40;
    for (const e of data.entries) addEntry(e);
    update(data.summary);
    if (atBottom && !data.summary.closed) window.scrollTo(0, document.body.scrollHeight);
  });
  stream.addEventListener('end', (ev) => {
    const data = JSON.parse((ev as MessageEvent<string>).data) as { summary: SessionSummary; cut: boolean };
    update(data.summary);
    if (data.cut) transcript.append(h('li', { class: 'entry k-error' }, t.cutTranscript));
    root.setAttribute('data-complete', 'true');
    stream.close();
  });
  stream.addEventListener('failure', (ev) => {
    const data = JSON.parse((ev as MessageEvent<string>).data) as { message: string };
    transcript.append(h('li', { class: 'entry k-error' }, `${t.error}: ${data.message}`));
    stream.close();
  });
  return { dispose: () => stream.close() };
}

function markerClass(m: string): string {
  return { '->': 'c2s', '~>': 'c2s-tls', '<-': 's2c', '<~': 's2c-tls', '===': 'proxy', '***': 'error' }[m] ?? 'proxy';
}

function renderAuth(box: HTMLElement, auths: AuthSummary[], redacted: boolean, revealed: boolean, t: Strings, toggle: () => void): void {
  clear(box);
  box.append(h('h2', { id: 'auth-h' }, t.auth));
  if (auths.length === 0) {
    box.append(h('p', { class: 'muted' }, t.noAuth));
    return;
  }
  for (const a of auths) {
    const dl = h('dl', { class: 'auth' });
    const row = (k: string, v: Node | string) => dl.append(h('dt', {}, k), h('dd', {}, v));
    row(t.mechanism, a.mechanism);
    if (a.authzid) row(t.authzid, a.authzid);
    if (a.username !== undefined) row(t.user, h('span', { class: 'auth-user' }, a.username));
    for (const [label, secret] of [[t.password, a.password], [t.token, a.token]] as const) {
      if (secret === undefined) continue;
      if (redacted) {
        row(label, h('span', { class: 'secret masked' }, `*** ${t.masked}`));
        continue;
      }
      const shown = h('span', { class: 'secret' }, revealed ? secret : '••••••••');
      const button = h('button', { type: 'button', class: 'reveal', 'aria-pressed': revealed ? 'true' : 'false' }, revealed ? t.hide : t.reveal);
      button.addEventListener('click', toggle);
      const wrap = h('span', {}, shown, ' ', button);
      row(label, wrap);
    }
    row(t.result, h('span', { class: `result result-${a.result}` }, t.results[a.result] ?? a.result));
    box.append(dl);
  }
}

function renderTls(box: HTMLElement, s: SessionSummary, t: Strings): void {
  clear(box);
  box.append(h('h2', { id: 'tls-h' }, t.tlsTitle));
  const leg = (name: string, facts: TlsFacts | undefined, mode: string, id: string) => {
    const sec = h('div', { class: 'tls-leg', id }, h('h3', {}, name, ' ', h('small', {}, `(${t.tlsModes[mode] ?? mode})`)));
    if (!facts) {
      sec.append(h('p', { class: 'muted' }, t.noTls));
      return sec;
    }
    const dl = h('dl', {});
    const row = (k: string, v: string | undefined) => {
      if (v !== undefined && v !== '') dl.append(h('dt', {}, k), h('dd', {}, v));
    };
    row(t.version, facts.version);
    row(t.cipher, facts.cipher);
    row(t.sni, facts.sni);
    row(t.subject, facts.certificate?.subject ?? facts.peerSubject);
    row(t.issuer, facts.certificate?.issuer);
    row(t.names, facts.certificate?.san.join(', '));
    row(t.fingerprint, facts.certificate?.fingerprint256 ?? facts.fingerprint256);
    if (facts.certificate) row(t.validity, `${facts.certificate.validFrom} — ${facts.certificate.validTo}`);
    if (facts.verified !== undefined) row(t.verified, facts.verified ? t.yes : `${t.no}${facts.reason ? ` (${facts.reason})` : ''}`);
    else if (facts.reason) row(t.error, facts.reason);
    sec.append(dl);
    return sec;
  };
  box.append(leg(t.clientLeg, s.tls.client, s.clientTls, 'tls-client'), leg(t.upstreamLeg, s.tls.upstream, s.upstreamTls, 'tls-upstream'));
}
