// The vault link page (#/vault): the link's state, the handling areas and designated handlers,
// the work windows (last 24 h, open, to come) with open / inside badges, overstays (a handler
// still inside after their window ended: an alarm), the presence push stream, and the loud
// warning when recorded vault requests fail their signature check at start. A site without
// [vault] gets a plain "not configured" and how to turn it on, never an error.

import { notConfigured } from './vault_status.js';
import { areaName, count, personName, windowRange, windowState } from './vault_text.js';

function el(tag, cls, testid, text) {
  const node = document.createElement(tag);
  if (cls) node.className = cls;
  if (testid) node.setAttribute('data-testid', testid);
  if (text !== undefined) node.textContent = text;
  return node;
}

function section(api, titleKey, testid) {
  const s = el('section', 'panel vault-section', testid);
  s.appendChild(el('h2', 'vault-section-title', null, api.t(titleKey)));
  return s;
}

// A row of facts: [[label, value, testid, tone]].
function facts(rows) {
  const dl = el('dl', 'vault-facts');
  for (const [label, value, testid, tone] of rows) {
    dl.appendChild(el('dt', null, null, label));
    const dd = el('dd', tone ? 'tone-' + tone : null, testid);
    if (value instanceof Node) dd.appendChild(value);
    else dd.textContent = value;
    dl.appendChild(dd);
  }
  return dl;
}

export class VaultPage {
  // page: what api.addPage answered; status: the shared VaultStatus.
  constructor(api, page, status) {
    this.api = api;
    this.page = page;
    this.status = status;
    this.shown = false;
    this.seenOverstays = new Set();  // "person|approval": flashed once when it appears

    const root = page.element;
    root.classList.add('vault-page');
    const bar = el('div', 'vault-bar');
    bar.appendChild(el('p', 'hint', 'vault-intro', api.t('vault.intro')));
    const refresh = el('button', null, 'vault-refresh', api.t('vault.refresh'));
    refresh.type = 'button';
    refresh.addEventListener('click', () => this.status.refresh());
    this.updated = el('span', 'status', 'vault-updated');
    bar.append(refresh, this.updated);
    this.content = el('div', 'vault-content', 'vault-content');
    this.content.dataset.state = 'loading';
    this.content.appendChild(el('p', 'status', 'vault-loading', api.t('vault.loading')));
    root.append(bar, this.content);
  }

  start() {
    this.page.onShow(() => {
      this.shown = true;
      this.status.refresh();
    });
    this.page.onHide(() => { this.shown = false; });
    this.status.subscribe((answer) => this.render(answer));
  }

  render(answer) {
    const api = this.api;
    if (!answer.ok) {
      // A failed refresh keeps what was shown, marked stale, with the failure above it; the
      // "as of" time stays that of the last answer.
      this.content.classList.add('vault-stale');
      const failed = el('p', 'error', 'vault-error',
                        api.t('vault.unavailable', { error: api.errorText(answer.response) }));
      failed.setAttribute('role', 'alert');
      const old = this.content.querySelector('[data-testid="vault-error"]');
      if (old) old.replaceWith(failed);
      else this.content.prepend(failed);
      if (this.content.dataset.state === 'loading') {
        this.content.querySelector('[data-testid="vault-loading"]')?.remove();
        this.content.dataset.state = 'failed';
      }
      return;
    }
    this.content.classList.remove('vault-stale');
    this.updated.textContent = api.t('vault.updated', {
      time: api.formatTime(Date.now() * 1000, { date: false }), zone: api.zoneLabel });
    if (notConfigured(answer)) {
      this.content.dataset.state = 'not_configured';
      const box = el('div', 'panel vault-off', 'vault-not-configured');
      box.append(el('p', 'vault-off-title', 'vault-not-configured-title',
                    api.t('vault.not_configured.title')),
                 el('p', 'hint', 'vault-not-configured-how', api.t('vault.not_configured.how')));
      this.content.replaceChildren(box);
      return;
    }
    const s = answer.body;
    this.content.dataset.state = s.ready ? 'ready' : 'starting';
    const parts = [];
    const refused = count(s.refused_recorded_requests);
    if (refused > 0) parts.push(this.refusedWarning(refused));
    parts.push(this.linkSection(s));
    parts.push(this.overstaySection(s));
    parts.push(this.windowSection(s));
    parts.push(this.pushSection(s));
    this.content.replaceChildren(...parts);
  }

  refusedWarning(refused) {
    const api = this.api;
    const box = el('div', 'vault-alert tone-alarm', 'vault-refused');
    box.dataset.count = String(refused);
    box.setAttribute('role', 'alert');
    box.append(el('p', 'error vault-alert-title', 'vault-refused-text',
                  api.t('vault.refused', { count: refused })),
               el('p', 'hint', null, api.t('vault.refused.hint')));
    return box;
  }

  linkSection(s) {
    const api = this.api;
    const state = s.ready ? 'ready' : 'starting';
    const badge = el('span', 'badge vault-state vault-state-' + state, null,
                     api.t('vault.state.' + state));
    const stateLine = el('span', null, 'vault-link-state');
    stateLine.dataset.state = state;
    stateLine.appendChild(badge);
    const areas = (s.areas || []).map((a) => areaName(api, a));
    const sec = section(api, 'vault.section.link', 'vault-link');
    sec.appendChild(facts([
      [api.t('vault.state.label'), stateLine, null, s.ready ? null : 'warning'],
      [api.t('vault.areas.label'), areas.length ? areas.join(', ') : api.t('vault.areas.none'),
       'vault-areas'],
      [api.t('vault.handlers.label'), api.t('vault.handlers.count', { count: count(s.handlers) }),
       'vault-handlers'],
    ]));
    return sec;
  }

  overstaySection(s) {
    const api = this.api;
    const overstays = s.overstays || [];
    const sec = section(api, 'vault.section.overstays', 'vault-overstays');
    sec.dataset.count = String(overstays.length);
    if (overstays.length === 0) {
      sec.appendChild(el('p', 'empty', 'vault-overstays-empty', api.t('vault.overstays.none')));
      return sec;
    }
    sec.classList.add('tone-alarm');
    sec.appendChild(el('p', 'error', 'vault-overstays-summary',
                       api.t('vault.overstays.summary', { count: overstays.length })));
    const list = el('ul', 'vault-overstay-list');
    for (const o of overstays) {
      const li = el('li', 'vault-overstay tone-alarm', 'vault-overstay-row',
                    api.t('vault.overstay.row', { person: personName(api, o.person),
                                                  area: areaName(api, o.area),
                                                  approval: o.approval_id }));
      li.dataset.person = o.person;
      li.dataset.area = o.area;
      li.dataset.approval = o.approval_id;
      list.appendChild(li);
      const key = o.person + '|' + o.approval_id;
      if (!this.seenOverstays.has(key)) {
        this.seenOverstays.add(key);
        if (this.shown) api.highlight(li);
      }
    }
    sec.appendChild(list);
    return sec;
  }

  windowSection(s) {
    const api = this.api;
    const sec = section(api, 'vault.section.windows', 'vault-windows-section');
    sec.appendChild(el('p', 'hint', 'vault-windows-hint',
                       api.t('vault.windows.hint', { zone: api.zoneLabel })));
    const windows = (s.windows || []).slice().sort(
      (a, b) => a.from_us - b.from_us || String(a.approval_id).localeCompare(b.approval_id));
    if (windows.length === 0) {
      sec.appendChild(el('p', 'empty', 'vault-windows-empty', api.t('vault.windows.none')));
      return sec;
    }
    const overstaying = new Set((s.overstays || []).map((o) => o.person + '|' + o.approval_id));
    const nowUs = Date.now() * 1000;
    const table = el('table', 'vault-windows', 'vault-windows');
    const head = el('tr');
    for (const key of ['approval', 'person', 'area', 'window', 'state']) {
      head.appendChild(el('th', null, null, api.t('vault.col.' + key)));
    }
    table.appendChild(el('thead')).appendChild(head);
    const body = table.appendChild(el('tbody'));
    for (const w of windows) {
      const state = windowState(w, nowUs);
      const overstay = overstaying.has(w.person + '|' + w.approval_id);
      const tr = el('tr', overstay ? 'tone-alarm' : (state === 'open' ? 'tone-granted' : null),
                    'vault-window-row');
      tr.dataset.approval = w.approval_id;
      tr.dataset.state = state;
      tr.dataset.open = String(Boolean(w.open));
      tr.dataset.inside = String(Boolean(w.inside));
      tr.dataset.overstay = String(overstay);
      const badges = el('td', 'vault-badges', 'vault-window-state');
      badges.appendChild(el('span', 'badge vault-badge-' + state, 'vault-badge-' + state,
                            api.t('vault.badge.' + state)));
      if (w.inside) {
        badges.append(' ', el('span', 'badge vault-badge-inside', 'vault-badge-inside',
                              api.t('vault.badge.inside')));
      }
      if (overstay) {
        badges.append(' ', el('span', 'badge priority-1', 'vault-badge-overstay',
                              api.t('vault.badge.overstay')));
      }
      const range = el('td', 'vault-time', 'vault-window-range', windowRange(api, w));
      range.title = (w.from || '') + ' – ' + (w.to || '');  // the API's RFC 3339, as sent
      tr.append(el('td', 'vault-approval', 'vault-window-approval', String(w.approval_id)),
                el('td', null, 'vault-window-person', personName(api, w.person)),
                el('td', null, 'vault-window-area', areaName(api, w.area)),
                range, badges);
      body.appendChild(tr);
    }
    sec.appendChild(table);
    return sec;
  }

  pushSection(s) {
    const api = this.api;
    const dropped = count(s.pushes_dropped);
    const sec = section(api, 'vault.section.pushes', 'vault-pushes');
    const id = (v) => (count(v) > 0 ? String(count(v)) : api.t('vault.pushes.none'));
    sec.appendChild(facts([
      [api.t('vault.pushes.pending'), String(count(s.pushes_pending)), 'vault-pushes-pending'],
      [api.t('vault.pushes.last_id'), id(s.pushes_last_id), 'vault-pushes-last-id'],
      [api.t('vault.pushes.acked'), id(s.pushes_acked), 'vault-pushes-acked'],
      [api.t('vault.pushes.dropped'), String(dropped), 'vault-pushes-dropped',
       dropped > 0 ? 'warning' : null],
    ]));
    if (dropped > 0) {
      const warn = el('p', 'vault-warning tone-warning', 'vault-dropped-warning',
                      api.t('vault.pushes.dropped_warning', { count: dropped }));
      warn.setAttribute('role', 'alert');
      sec.appendChild(warn);
    }
    return sec;
  }
}
