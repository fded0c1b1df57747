// The custody page (#/custody): each key cabinet's slots (the key, in or out, its holder, taken
// and due in the site's zone, overdue / forced / holder-left badges), the carried-in items
// grouped by person (validity, checked in / out, left inside), and the metal detectors with the
// portal each holds. A guard checks items in and out and clears a detector with a comment (the
// server refuses an empty one too). Refreshed on custody.* and presence.* events, one request
// at a time, and every 10 s (due times pass without events).

export const REFRESH_MS = 10000;

function el(tag, cls, testid, text) {
  const node = document.createElement(tag);
  if (cls) node.className = cls;
  if (testid) node.setAttribute('data-testid', testid);
  if (text !== undefined) node.textContent = text;
  return node;
}

function badge(api, kind, testid) {
  return el('span', 'badge custody-badge-' + kind, testid, api.t('custody.badge.' + kind));
}

export class CustodyPage {
  constructor(api, page, { guard }) {
    this.api = api;
    this.page = page;
    this.guard = guard;
    this.shown = false;
    this.inFlight = false;
    this.again = false;
    this.timer = null;
    const root = page.element;
    root.classList.add('custody-page');
    const bar = el('div', 'custody-bar');
    bar.appendChild(el('p', 'hint', 'custody-intro', api.t('custody.intro')));
    const refresh = el('button', null, 'custody-refresh', api.t('custody.refresh'));
    refresh.type = 'button';
    refresh.addEventListener('click', () => this.refresh());
    this.updated = el('span', 'status', 'custody-updated');
    bar.append(refresh, this.updated);
    this.message = el('p', 'status', 'custody-action-result');
    this.message.setAttribute('role', 'status');
    this.content = el('div', 'custody-content', 'custody-content');
    this.content.dataset.state = 'loading';
    this.content.appendChild(el('p', 'status', null, api.t('custody.loading')));
    root.append(bar, this.message, this.content);
  }

  start() {
    this.page.onShow(() => { this.shown = true; this.refresh(); });
    this.page.onHide(() => { this.shown = false; });
    this.api.onEvents('custody.', () => this.refresh());
    this.api.onEvents('presence.', () => this.refresh());
    return this.refresh();
  }

  async refresh() {
    if (this.inFlight) { this.again = true; return; }
    this.inFlight = true;
    clearTimeout(this.timer);
    try {
      do {
        this.again = false;
        this.render(await this.api.fetchJson('GET', '/api/custody'));
      } while (this.again);
    } finally {
      this.inFlight = false;
      this.timer = setTimeout(() => (this.shown ? this.refresh() : null), REFRESH_MS);
    }
  }

  render(r) {
    const api = this.api;
    if (r.status === 503) {
      this.content.dataset.state = 'starting';
      this.content.replaceChildren(el('p', 'status', 'custody-starting', api.t('custody.starting')));
      return;
    }
    if (r.status !== 200 || !r.body || typeof r.body !== 'object') {
      // A failed read keeps what was shown, marked stale, with the failure above it.
      this.content.classList.add('custody-stale');
      const failed = el('p', 'error', 'custody-error',
                        api.t('custody.unavailable', { error: api.errorText(r) }));
      failed.setAttribute('role', 'alert');
      this.content.querySelector('[data-testid="custody-error"]')?.remove();
      this.content.prepend(failed);
      if (this.content.dataset.state === 'loading') this.content.dataset.state = 'failed';
      return;
    }
    this.content.classList.remove('custody-stale');
    this.updated.textContent = api.t('custody.updated', {
      time: api.formatTime(Date.now() * 1000, { date: false }), zone: api.zoneLabel });
    const s = r.body;
    if (s.configured === false) {
      this.content.dataset.state = 'not_configured';
      this.content.replaceChildren(el('p', 'empty', 'custody-not-configured',
                                      api.t('custody.not_configured')));
      return;
    }
    this.content.dataset.state = 'ready';
    this.content.replaceChildren(this.detectorSection(s.detectors || []),
                                 this.cabinetSection(s.cabinets || []),
                                 this.itemSection(s.items || [], s.carry_in_zone));
  }

  section(titleKey, testid) {
    const sec = el('section', 'panel custody-section', testid);
    sec.appendChild(el('h2', 'custody-section-title', null, this.api.t(titleKey)));
    return sec;
  }

  // A detector's portal is a door or a circle gate (the doors plugin names both).
  portalName(id) {
    const door = this.api.names.get('door', id);
    return door !== id ? door : this.api.names.get('gate', id);
  }

  time(us) {
    return us > 0 ? this.api.formatTime(us, { seconds: false }) : '';
  }

  detectorSection(detectors) {
    const api = this.api;
    const sec = this.section('custody.section.detectors', 'custody-detectors');
    if (detectors.length === 0) {
      sec.appendChild(el('p', 'empty', null, api.t('custody.detectors.none')));
      return sec;
    }
    for (const d of detectors) {
      const box = el('div', 'custody-detector' + (d.held ? ' tone-alarm' : ''), 'custody-detector');
      box.dataset.id = d.id;
      box.dataset.held = String(Boolean(d.held));
      const head = el('p', 'custody-detector-head', null, (d.name || d.id) + ' ');
      head.appendChild(badge(api, d.online ? 'online' : 'offline', 'custody-detector-online'));
      box.appendChild(head);
      if (!d.held) {
        box.appendChild(el('p', 'hint', null, api.t('custody.detector.clear_state',
                                                     { portal: this.portalName(d.portal) })));
      } else {
        box.appendChild(el('p', 'error', 'custody-detector-held', api.t('custody.detector.held', {
          portal: this.portalName(d.portal), level: d.level, since: this.time(d.since_us) })));
        if (this.guard) box.appendChild(this.clearForm(d));
      }
      sec.appendChild(box);
    }
    return sec;
  }

  clearForm(d) {
    const api = this.api;
    const form = el('form', 'custody-clear', 'custody-clear-form');
    const label = el('label', null, null, api.t('custody.detector.comment'));
    const input = el('input', null, 'custody-clear-comment');
    input.type = 'text';
    input.maxLength = 500;
    label.appendChild(input);
    const submit = el('button', null, 'custody-clear-submit', api.t('custody.detector.clear'));
    submit.type = 'submit';
    const error = el('p', 'error', 'custody-clear-error');
    form.append(label, submit, error);
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const comment = input.value.trim();
      if (!comment) {
        error.textContent = api.t('custody.detector.comment_required');
        return;
      }
      submit.disabled = true;
      const r = await api.fetchJson('POST', '/api/custody/detectors/' +
                                    encodeURIComponent(d.id) + '/clear', { comment });
      submit.disabled = false;
      if (r.status === 200) this.refresh();
      else error.textContent = api.errorText(r);
    });
    return form;
  }

  cabinetSection(cabinets) {
    const api = this.api;
    const sec = this.section('custody.section.cabinets', 'custody-cabinets');
    sec.appendChild(el('p', 'hint', null, api.t('custody.cabinets.hint', { zone: api.zoneLabel })));
    for (const c of cabinets) {
      const box = el('div', 'custody-cabinet', 'custody-cabinet');
      box.dataset.id = c.id;
      const head = el('h3', null, null, (c.name || c.id) + ' ');
      head.appendChild(badge(api, c.online ? 'online' : 'offline', 'custody-cabinet-online'));
      box.appendChild(head);
      if (c.released) {
        box.appendChild(el('p', 'status', 'custody-cabinet-released', api.t('custody.cabinet.released', {
          person: c.released.name || c.released.person, slots: (c.released.slots || []).join(', '),
          until: this.time(c.released.until_us) })));
      }
      const grid = el('div', 'custody-slots', 'custody-slots');
      for (const slot of c.slots || []) grid.appendChild(this.slotCell(slot));
      box.appendChild(grid);
      sec.appendChild(box);
    }
    return sec;
  }

  slotCell(slot) {
    const api = this.api;
    const alarm = slot.forced || slot.overdue || slot.holder_left;
    const cell = el('div', 'custody-slot custody-slot-' + slot.state + (alarm ? ' tone-alarm' : ''),
                    'custody-slot');
    cell.dataset.slot = String(slot.slot);
    cell.dataset.key = slot.key;
    cell.dataset.state = slot.state;
    cell.dataset.overdue = String(Boolean(slot.overdue));
    cell.append(el('span', 'custody-slot-number', null, String(slot.slot)),
                el('span', 'custody-slot-key', 'custody-slot-key', slot.name || slot.key));
    const state = el('span', 'custody-slot-state', 'custody-slot-state');
    state.appendChild(badge(api, slot.state, null));
    if (slot.approval_required) state.append(' ', badge(api, 'approval', null));
    if (slot.forced) state.append(' ', badge(api, 'forced', 'custody-slot-forced'));
    if (slot.overdue) state.append(' ', badge(api, 'overdue', 'custody-slot-overdue'));
    if (slot.holder_left) state.append(' ', badge(api, 'holder_left', 'custody-slot-holder-left'));
    cell.appendChild(state);
    if (slot.state === 'out') {
      const who = slot.holder ? (slot.holder.name || slot.holder.person) : api.t('custody.slot.nobody');
      cell.appendChild(el('span', 'custody-slot-holder', 'custody-slot-holder', who));
      cell.appendChild(el('span', 'custody-time', 'custody-slot-times', api.t(
        slot.due_us > 0 ? 'custody.slot.taken_due' : 'custody.slot.taken',
        { taken: this.time(slot.taken_us), due: this.time(slot.due_us) })));
    }
    return cell;
  }

  itemSection(items, zone) {
    const api = this.api;
    const sec = this.section('custody.section.items', 'custody-items');
    sec.appendChild(el('p', 'hint', null, api.t('custody.items.hint', {
      zone: zone ? api.names.get('zone', zone) : '—' })));
    if (items.length === 0) {
      sec.appendChild(el('p', 'empty', 'custody-items-empty', api.t('custody.items.none')));
      return sec;
    }
    const byPerson = new Map();
    for (const item of items) {
      if (!byPerson.has(item.person)) byPerson.set(item.person, []);
      byPerson.get(item.person).push(item);
    }
    for (const [person, mine] of byPerson) {
      const group = el('div', 'custody-person', 'custody-person');
      group.dataset.person = person;
      group.appendChild(el('h3', null, null, mine[0].name || api.names.get('person', person)));
      const list = el('ul', 'custody-item-list');
      for (const item of mine) list.appendChild(this.itemRow(item));
      group.appendChild(list);
      sec.appendChild(group);
    }
    return sec;
  }

  itemRow(item) {
    const api = this.api;
    const li = el('li', 'custody-item' + (item.left_inside ? ' tone-alarm' : ''), 'custody-item');
    li.dataset.id = item.id;
    li.dataset.state = item.state;
    li.dataset.leftInside = String(Boolean(item.left_inside));
    li.append(el('span', 'custody-item-kind', null, api.t('custody.kind.' + item.kind)),
              ' ', el('span', null, 'custody-item-description', item.description), ' ',
              badge(api, item.state, 'custody-item-state'));
    if (item.left_inside) li.append(' ', badge(api, 'left_inside', 'custody-item-left-inside'));
    li.appendChild(el('span', 'custody-time', 'custody-item-validity', api.t('custody.item.validity', {
      from: this.time(item.valid_from_us), until: this.time(item.valid_until_us) })));
    if (this.guard && (item.state === 'approved' || item.state === 'checked_in')) {
      const inNow = item.state === 'checked_in';
      const button = el('button', null, inNow ? 'custody-item-check-out' : 'custody-item-check-in',
                        api.t(inNow ? 'custody.item.check_out' : 'custody.item.check_in'));
      button.type = 'button';
      button.addEventListener('click', async () => {
        button.disabled = true;
        const r = await api.fetchJson('POST', '/api/custody/items/' + encodeURIComponent(item.id) +
                                      (inNow ? '/check_out' : '/check_in'), {});
        button.disabled = false;
        this.message.textContent = r.status === 200 ? '' : api.errorText(r);
        if (r.status === 200) this.refresh();
      });
      li.append(' ', button);
    }
    return li;
  }
}
