// The alarms page (#/alarms[?state=open|closed|all][&id=N]): the alarms of the chosen filter in a
// table, and the detail of the one the URL names (alarm_detail.js). Rows follow the alarm.*
// events while the page is shown; a page shown again reloads. bcp_coordinator reads only.

import { deskOrder, isOpen, priorityText, sourceText, stateText, typeText } from './alarm_text.js';
import { listAlarms } from './alarm_requests.js';
import { AlarmDetail } from './alarm_detail.js';

const FILTERS = ['open', 'closed', 'all'];

function el(tag, cls, testid, text) {
  const node = document.createElement(tag);
  if (cls) node.className = cls;
  if (testid) node.setAttribute('data-testid', testid);
  if (text !== undefined) node.textContent = text;
  return node;
}

function closedAt(a) {
  return a.resolved_us || a.cleared_us || a.last_us;
}

// Open alarms in the desk's order; closed ones below, the most recently closed first.
function pageOrder(a, b) {
  const ao = isOpen(a);
  const bo = isOpen(b);
  if (ao && bo) return deskOrder(a, b);
  if (ao !== bo) return ao ? -1 : 1;
  return closedAt(b) - closedAt(a) || b.id - a.id;
}

function matches(filter, alarm) {
  if (filter === 'open') return isOpen(alarm);
  if (filter === 'closed') return !isOpen(alarm);
  return true;
}

export class AlarmsPage {
  // page: what api.addPage answered ({element, onShow, onHide}).
  constructor(api, page) {
    this.api = api;
    this.page = page;
    this.filter = 'open';
    this.alarms = new Map();
    this.shown = false;
    this.oldest = null;   // the lowest id loaded: where "more" goes on
    this.generation = 0;  // a newer load makes an older answer moot

    const t = api.t;
    const root = page.element;
    root.classList.add('alarms-page');

    const bar = el('div', 'alarms-bar');
    const label = el('label', 'alarms-filter-label');
    label.append(el('span', null, null, t('alarms.filter.label') + ' '));
    this.select = el('select', null, 'alarms-filter');
    for (const f of FILTERS) {
      const option = el('option', null, null, t('alarms.filter.' + f));
      option.value = f;
      this.select.appendChild(option);
    }
    this.select.addEventListener('change', () => this.go(this.select.value, this.detail.id));
    label.appendChild(this.select);
    const refresh = el('button', null, 'alarms-refresh', t('alarms.refresh'));
    refresh.type = 'button';
    refresh.addEventListener('click', () => this.reload());
    const zone = el('span', 'status', 'alarms-zone', t('alarms.zone', { zone: api.zoneLabel }));
    bar.append(label, refresh, zone);
    if (api.me.role === 'bcp_coordinator') {
      bar.appendChild(el('span', 'status', 'alarms-read-only', t('alarms.read_only')));
    }

    this.message = el('p', 'alarms-message', 'alarms-message');
    this.message.setAttribute('role', 'alert');
    this.message.hidden = true;

    const layout = el('div', 'alarms-layout');
    const listSide = el('div', 'alarms-list');
    this.table = el('table', 'alarms-table', 'alarms-table');
    const head = el('thead');
    const headRow = el('tr');
    for (const key of ['priority', 'id', 'type', 'source', 'state', 'owner', 'raised', 'count']) {
      headRow.appendChild(el('th', null, null, t('alarms.col.' + key)));
    }
    head.appendChild(headRow);
    this.tbody = el('tbody', null, 'alarms-table-body');
    this.table.append(head, this.tbody);
    this.empty = el('p', 'empty', 'alarms-empty', t('alarms.none'));
    this.empty.hidden = true;
    this.more = el('button', null, 'alarms-more', t('alarms.more'));
    this.more.type = 'button';
    this.more.hidden = true;
    this.more.addEventListener('click', () => this.loadMore());
    listSide.append(this.table, this.empty, this.more);

    this.detail = new AlarmDetail(api, {
      say: (text, kind) => this.say(text, kind),
      close: () => this.go(this.filter, null),
    });
    layout.append(listSide, this.detail.element);
    root.append(bar, this.message, layout);
  }

  start() {
    this.page.onShow((params) => this.show(params));
    this.page.onHide(() => { this.shown = false; });
    this.api.onEvents('alarm.', (event) => this.onEvent(event));
  }

  go(filter, id) {
    let hash = '#/alarms?state=' + encodeURIComponent(filter);
    if (id !== null && id !== undefined) hash += '&id=' + encodeURIComponent(id);
    this.api.navigate(hash);
  }

  say(text, kind) {
    this.message.textContent = text || '';
    this.message.className = 'alarms-message' + (kind === 'error' ? ' error' : ' status');
    this.message.dataset.kind = kind || '';
    this.message.hidden = !text;
  }

  async show(params) {
    const filter = FILTERS.includes(params.get('state')) ? params.get('state') : this.filter;
    const id = Number(params.get('id'));
    const changed = !this.shown || filter !== this.filter;
    this.shown = true;
    this.filter = filter;
    this.select.value = filter;
    if (Number.isInteger(id) && id > 0) {
      this.detail.show(id);
    } else {
      this.detail.hide();
    }
    if (changed) {
      this.say('');
      await this.reload();
    } else {
      this.markSelected();
    }
  }

  async reload() {
    const generation = ++this.generation;
    this.tbody.dataset.state = 'loading';
    const r = await listAlarms(this.api, this.filter, { all: this.filter === 'open' });
    if (generation !== this.generation) return;
    if (r.error) {
      this.say(r.error, 'error');
      this.tbody.dataset.state = 'failed';
      return;
    }
    this.alarms.clear();
    for (const a of r.alarms) this.alarms.set(a.id, a);
    this.oldest = r.alarms.length ? Math.min(...r.alarms.map((a) => a.id)) : null;
    this.more.hidden = !r.more;
    this.render();
    this.tbody.dataset.state = 'ready';
  }

  async loadMore() {
    if (this.oldest === null) return;
    const generation = this.generation;
    const r = await listAlarms(this.api, this.filter, { all: false, beforeId: this.oldest });
    if (generation !== this.generation) return;
    if (r.error) {
      this.say(r.error, 'error');
      return;
    }
    for (const a of r.alarms) if (!this.alarms.has(a.id)) this.alarms.set(a.id, a);
    if (r.alarms.length) this.oldest = Math.min(this.oldest, ...r.alarms.map((a) => a.id));
    this.more.hidden = !r.more;
    this.render();
  }

  onEvent(event) {
    const alarm = event.payload && event.payload.alarm;
    if (!alarm || typeof alarm.id !== 'number') return;
    if (!this.shown) return;  // shown again, the page reloads (the detail too)
    this.detail.onAlarmEvent(event);
    if (matches(this.filter, alarm)) {
      // An alarm that just closed is the newest closed one: it belongs on the first page.
      this.alarms.set(alarm.id, alarm);
    } else {
      this.alarms.delete(alarm.id);
    }
    this.render();
  }

  render() {
    const api = this.api;
    const sorted = Array.from(this.alarms.values()).sort(pageOrder);
    this.tbody.replaceChildren();
    for (const a of sorted) {
      const tr = el('tr', 'alarms-row priority-' + a.priority + (a.state === 'active' ? ''
        : ' alarm-dim'), 'alarms-row');
      tr.dataset.id = String(a.id);
      tr.dataset.state = a.state;
      tr.dataset.priority = String(a.priority);
      tr.dataset.type = a.type;
      tr.tabIndex = 0;
      const open = () => this.go(this.filter, a.id);
      tr.addEventListener('click', open);
      tr.addEventListener('keydown', (e) => {
        if (e.key === 'Enter') open();
      });
      const badge = el('span', 'badge priority-' + a.priority, null, priorityText(api, a.priority));
      const first = el('td');
      first.appendChild(badge);
      tr.append(first,
                el('td', null, 'alarms-row-id', String(a.id)),
                el('td', null, 'alarms-row-type', typeText(api, a.type)),
                el('td', null, 'alarms-row-source', sourceText(api, a)),
                el('td', null, 'alarms-row-state', stateText(api, a.state)),
                el('td', null, 'alarms-row-owner', a.owner || a.resolved_by || ''),
                el('td', 'alarms-time', 'alarms-row-raised', api.formatTime(a.raised_us)),
                el('td', null, 'alarms-row-count', String(a.count)));
      this.tbody.appendChild(tr);
    }
    this.empty.hidden = sorted.length > 0;
    this.table.hidden = sorted.length === 0;
    this.markSelected();
  }

  markSelected() {
    for (const tr of this.tbody.children) {
      tr.classList.toggle('selected', Number(tr.dataset.id) === this.detail.id);
    }
  }
}
