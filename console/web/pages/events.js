// The events page (#/events): search the whole trail by time range (in the site's time zone),
// type, door, zone, person, result and reason; page back through older results; export the
// same filter as CSV (/api/events.csv, audited by the server); with no filter it is the live
// feed, which can be paused and resumed. Contract: docs/openapi.yaml and docs/console-ui.md (REST, plugin
// API v2); GET /api/events answers {"events": [...], "next_before_seq": N|null}.
import { sourceText } from '../event_text.js';
import {
  el, field, select, ensureStylesheet, messageLine, typeLabel, reasonText,
} from './page_kit.js';

const PAGE_SIZE = 100;
const LIVE_ROWS = 500;        // rows the live feed keeps on screen
const PAUSE_BUFFER = 2000;    // events kept while paused; beyond it the oldest are dropped
const FILTERS = ['from', 'to', 'type', 'door', 'zone', 'person', 'result', 'reason'];
const EXPORT_ROLES = ['operator', 'security_admin', 'auditor'];

// Type choices: an entry ending in '.' is a prefix (every type of that domain).
const TYPE_CHOICES = ['access.', 'access.granted', 'access.denied', 'access.card_locked_out',
  'door.', 'door.forced', 'door.held_open', 'door.tamper', 'presence.', 'alarm.', 'panel.',
  'person.', 'operator.', 'approval.', 'audit.', 'health.', 'telemetry.'];
const REASONS = ['unknown_card', 'revoked', 'wrong_pin', 'finger_mismatch', 'outside_schedule',
  'no_access', 'timeout', 'factor_out_of_order', 'locked_out', 'store_unavailable',
  'controller_error'];

// "2026-12-01T17:05[:09]" read as the site's wall clock → µs since the epoch. `end` makes a
// time without seconds cover its whole minute (a "to" of 17:05 includes 17:05:59).
export function siteLocalToUs(value, offsetMinutes, end = false) {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?/.exec(value || '');
  if (!m) return null;
  const ms = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +(m[6] || 0)) -
             offsetMinutes * 60000;
  const us = ms * 1000;
  return end ? us + (m[6] === undefined ? 60e6 : 1e6) - 1 : us;
}

// The server's query for the form's filters (no paging).
export function filterQuery(filters, offsetMinutes) {
  const q = new URLSearchParams();
  const from = siteLocalToUs(filters.from, offsetMinutes);
  const to = siteLocalToUs(filters.to, offsetMinutes, true);
  if (from !== null) q.set('from_us', String(from));
  if (to !== null) q.set('to_us', String(to));
  for (const key of ['type', 'door', 'zone', 'person', 'result', 'reason']) {
    if (filters[key]) q.set(key, filters[key]);
  }
  return q;
}

function hasFilter(filters) {
  return FILTERS.some((k) => filters[k]);
}

export async function start(api) {
  ensureStylesheet();
  const page = api.addPage({ id: 'events', title: 'page.events', order: 30 });
  const root = page.element;
  const offset = api.site.utc_offset_minutes || 0;
  const t = (k, p) => api.t(k, p);

  // --- the form -------------------------------------------------------------------------
  const from = el('input', { testid: 'events-from', attrs: { type: 'datetime-local', step: 1 } });
  const to = el('input', { testid: 'events-to', attrs: { type: 'datetime-local', step: 1 } });
  const type = select('events-type', [['', t('events_page.any')],
    ...TYPE_CHOICES.map((c) => [c, c.endsWith('.')
      ? t('events_page.type_group.' + c.slice(0, -1)) : typeLabel(api, c)])]);
  const doorList = el('datalist', { attrs: { id: 'events-door-list' } });
  const door = el('input', { testid: 'events-door',
    attrs: { list: 'events-door-list', autocomplete: 'off', maxlength: 64 } });
  const zone = select('events-zone', [['', t('events_page.any')]]);
  const personList = el('datalist', { attrs: { id: 'events-person-list' } });
  const person = el('input', { testid: 'events-person',
    attrs: { list: 'events-person-list', autocomplete: 'off', maxlength: 64 } });
  const result = select('events-result', [['', t('events_page.any')],
    ['granted', t('events_page.result.granted')], ['denied', t('events_page.result.denied')]]);
  const reason = select('events-reason', [['', t('events_page.any')],
    ...REASONS.map((r) => [r, reasonText(api, r, r)])]);
  const search = el('button', { cls: 'primary', testid: 'events-search',
    text: t('events_page.search'),
    attrs: { type: 'submit' } });
  const clear = el('button', { testid: 'events-clear', text: t('events_page.clear'),
    attrs: { type: 'button' } });
  const form = el('form', { cls: 'pg-form', testid: 'events-form' }, [
    field(t('events_page.from', { zone: api.zoneLabel }), from),
    field(t('events_page.to', { zone: api.zoneLabel }), to),
    field(t('events_page.type'), type),
    field(t('events_page.door'), door), doorList,
    field(t('events_page.zone'), zone),
    field(t('events_page.person'), person), personList,
    field(t('events_page.result'), result),
    field(t('events_page.reason'), reason),
    el('span', { cls: 'pg-actions' }, [search, clear]),
  ]);
  const controls = { from, to, type, door, zone, person, result, reason };

  // --- status line, table, paging --------------------------------------------------------
  const mode = el('span', { cls: 'pg-mode', testid: 'events-mode' });
  const pause = el('button', { testid: 'events-pause', attrs: { type: 'button' } });
  const exportLink = el('a', { testid: 'events-export', text: t('events_page.export'),
    attrs: { download: 'events.csv' } });
  exportLink.hidden = !EXPORT_ROLES.includes(api.me.role);
  const message = messageLine('events-error');
  const table = el('table', { cls: 'pg-table', testid: 'events-table' });
  const head = el('tr', {}, ['time', 'event', 'door', 'zone', 'person', 'result', 'reason',
    'card'].map((c) => el('th', { text: c === 'time'
      ? t('events_page.col.time', { zone: api.zoneLabel }) : t('events_page.col.' + c) })));
  const body = el('tbody', { testid: 'events-body' });
  table.append(el('thead', {}, [head]), body);
  const empty = el('p', { cls: 'pg-empty', testid: 'events-empty', text: t('events_page.none') });
  const older = el('button', { testid: 'events-older', text: t('events_page.older'),
    attrs: { type: 'button' } });
  root.append(form, el('div', { cls: 'pg-bar' }, [mode, pause, exportLink]), message.element,
    table, empty, older);

  const state = {
    filters: {},          // what the table shows (the form's values at the last search)
    seen: new Set(),      // seqs in the table
    nextBefore: null,     // next_before_seq of the last page
    paused: false,
    buffered: [],         // live events held while paused
    loading: false,
    generation: 0,        // bumps on each search so a late answer is dropped
  };

  const live = () => !hasFilter(state.filters);

  function formFilters() {
    const f = {};
    for (const k of FILTERS) {
      const v = controls[k].value.trim();
      if (v) f[k] = v;
    }
    return f;
  }

  function setForm(filters) {
    for (const k of FILTERS) {
      const control = controls[k];
      const value = filters[k] || '';
      // A value from a link the picker does not list (a type like door.opened) is added.
      if (control.tagName === 'SELECT' && value &&
          ![...control.options].some((o) => o.value === value)) {
        const label = control === type ? typeLabel(api, value)
          : control === zone ? api.names.get('zone', value) : value;
        control.appendChild(el('option', { text: label, attrs: { value } }));
      }
      control.value = value;
    }
  }

  function renderMode() {
    if (!live()) {
      mode.textContent = t('events_page.mode.search');
      pause.hidden = true;
    } else {
      pause.hidden = false;
      mode.textContent = state.paused
        ? t('events_page.mode.paused', { n: state.buffered.length })
        : t('events_page.mode.live');
      pause.textContent = state.paused ? t('events_page.resume') : t('events_page.pause');
    }
    mode.classList.toggle('pg-live', live() && !state.paused);
    const q = filterQuery(state.filters, offset);
    exportLink.href = '/api/events.csv' + (q.toString() ? '?' + q : '');
    older.hidden = state.nextBefore === null || state.nextBefore === undefined;
    empty.hidden = body.children.length > 0;
  }

  // --- rows -------------------------------------------------------------------------------
  function decisionOf(e, p) {
    if (p.decision === 'granted' || p.decision === 'denied') return p.decision;
    if (e.type === 'access.granted') return 'granted';
    if (e.type === 'access.denied') return 'denied';
    return '';
  }

  // A reason code in words; each event family has its own codes.
  function reasonOf(e, p, decision) {
    if (decision === 'granted' || !p.reason) return '';
    const family = e.type === 'operator.login_failed' ? 'events_page.login_reason.'
      : e.type === 'panel.link_refused' ? 'events_page.link_reason.' : 'reason.';
    if (api.has(family + p.reason)) return t(family + p.reason);
    return reasonText(api, p.reason, p.detail);
  }

  function zoneText(p) {
    if (p.zone) return api.names.get('zone', p.zone);
    if (p.from_zone || p.to_zone) {
      return api.names.get('zone', p.from_zone || '?') + ' \u2192 ' +
             api.names.get('zone', p.to_zone || '?');
    }
    return '';
  }

  function row(e) {
    const p = e.payload && typeof e.payload === 'object' ? e.payload : {};
    const decision = decisionOf(e, p);
    const tr = el('tr', { testid: 'events-row' });
    tr.dataset.seq = e.seq;
    tr.dataset.type = e.type;
    // Row tones: the shell's shared classes (docs/console-ui.md), ours for the cells.
    if (decision) tr.classList.add('pg-' + decision, 'tone-' + decision);
    if (e.type === 'door.forced' || e.type === 'door.tamper') {
      tr.classList.add('pg-denied', 'tone-alarm');
    } else if (e.type.startsWith('alarm.')) {
      tr.classList.add('tone-warning');
    }
    // The subject is a person's id on door events (an operator's or a witness's name on
    // theirs): names.get falls back to the id itself.
    const personName = p.person_name || api.names.get('person', p.person || e.subject || '');
    if (p.person && p.person_name) api.names.set('person', p.person, p.person_name);
    const card = e.type === 'access.denied' && p.reason === 'unknown_card' ? (p.card || '') : '';
    const cells = [
      [api.formatTime(e.time_us), 'time'],
      [typeLabel(api, e.type), 'type'],
      [p.door ? api.names.get('door', p.door)
        : p.panel ? api.names.get('panel', p.panel) : sourceText(e.source, api), 'door'],
      [zoneText(p), 'zone'],
      [personName, 'person'],
      [decision ? t('events_page.result.' + decision) : '', 'result'],
      [reasonOf(e, p, decision), 'reason'],
      [card, 'card'],
    ];
    for (const [text, cls] of cells) {
      tr.appendChild(el('td', { cls: 'pg-' + cls, testid: 'events-cell-' + cls, text }));
    }
    return tr;
  }

  // Newest on top: inserts each event at its seq's place; `bottom` pages append older rows.
  function insert(events) {
    const fresh = events.filter((e) => e && typeof e.seq === 'number' && !state.seen.has(e.seq))
      .sort((a, b) => a.seq - b.seq);
    for (const e of fresh) {
      state.seen.add(e.seq);
      const tr = row(e);
      let before = body.firstChild;
      while (before && Number(before.dataset.seq) > e.seq) before = before.nextSibling;
      body.insertBefore(tr, before);
    }
  }

  function trimLive() {
    while (live() && body.children.length > LIVE_ROWS) {
      state.seen.delete(Number(body.lastChild.dataset.seq));
      body.removeChild(body.lastChild);
      state.nextBefore = Number(body.lastChild.dataset.seq);
    }
  }

  // --- loading ----------------------------------------------------------------------------
  async function load(beforeSeq) {
    const generation = state.generation;
    const q = filterQuery(state.filters, offset);
    q.set('limit', String(PAGE_SIZE));
    if (beforeSeq) q.set('before_seq', String(beforeSeq));
    state.loading = true;
    older.disabled = true;
    const r = await api.fetchJson('GET', '/api/events?' + q);
    state.loading = false;
    older.disabled = false;
    if (generation !== state.generation) return;
    if (r.status !== 200) {
      message.show(api.errorText(r), 'error');
      renderMode();
      return;
    }
    message.clear();
    insert(Array.isArray(r.body.events) ? r.body.events : []);
    state.nextBefore = r.body.next_before_seq ?? null;
    renderMode();
  }

  function run(filters) {
    state.generation += 1;
    state.filters = filters;
    state.seen.clear();
    state.buffered = [];
    state.paused = false;
    state.nextBefore = null;
    body.replaceChildren();
    renderMode();
    // The first page waits for the pickers, which also teach api.names the doors' names.
    return pickers.then(() => load(null));
  }

  // The URL carries the filters (#/events?door=server-room&result=denied), so a link from
  // another page opens a search and a reload keeps it.
  function filtersFromUrl() {
    const params = api.params();
    const f = {};
    for (const k of FILTERS) {
      const v = params.get(k);
      if (v) f[k] = v;
    }
    return f;
  }

  const sameFilters = (a, b) => FILTERS.every((k) => (a[k] || '') === (b[k] || ''));

  // A search goes through the URL (the shell's router shows the page again with its query),
  // so the browser's back button returns to the previous search.
  function searchVia(filters) {
    const q = new URLSearchParams(filters).toString();
    state.rerun = true;
    api.navigate('#/events' + (q ? '?' + q : ''));
  }

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    searchVia(formFilters());
  });
  clear.addEventListener('click', () => {
    setForm({});
    searchVia({});
  });
  older.addEventListener('click', () => {
    if (!state.loading && state.nextBefore) load(state.nextBefore);
  });
  pause.addEventListener('click', () => {
    state.paused = !state.paused;
    if (!state.paused) {
      insert(state.buffered);
      state.buffered = [];
      trimLive();
    }
    renderMode();
  });

  // The live feed: only when no filter is set (a search's results stay as they are).
  api.onEvents('', (e) => {
    if (!live() || !state.shown) return;
    if (state.paused) {
      state.buffered.push(e);
      if (state.buffered.length > PAUSE_BUFFER) state.buffered.shift();
    } else {
      insert([e]);
      trimLive();
    }
    renderMode();
  });

  // Pickers: zones from /api/site, doors from /api/doors and people from /api/people where
  // the role may read them (a role that may not keeps a free-text field).
  async function fillPickers() {
    const site = await api.fetchJson('GET', '/api/site');
    if (site.status === 200 && Array.isArray(site.body.zones)) {
      for (const z of site.body.zones) {
        const known = [...zone.options].find((o) => o.value === z.id);
        if (known) known.textContent = z.name || z.id;  // added from the URL meanwhile
        else zone.appendChild(el('option', { text: z.name || z.id, attrs: { value: z.id } }));
      }
      if (state.filters.zone) zone.value = state.filters.zone;
    }
    // Asked only by roles the routes admit: a refused read is an operator.forbidden in the trail.
    const role = api.me.role;
    const doorReaders = ['operator', 'facility_admin', 'security_admin'];
    const peopleReaders = ['facility_admin', 'security_admin'];
    const doors = doorReaders.includes(role) ? await api.fetchJson('GET', '/api/doors')
      : { status: 403, body: {} };
    if (doors.status === 200 && Array.isArray(doors.body.doors)) {
      for (const d of doors.body.doors) {
        if (d.name) api.names.set(d.kind === 'circle_gate' ? 'gate' : 'door', d.id, d.name);
        doorList.appendChild(el('option', { attrs: { value: d.id, label: d.name || d.id } }));
      }
    }
    const people = peopleReaders.includes(role) ? await api.fetchJson('GET', '/api/people')
      : { status: 403, body: {} };
    if (people.status === 200 && Array.isArray(people.body.people)) {
      for (const p of people.body.people) {
        personList.appendChild(el('option', { attrs: { value: p.id, label: p.name || p.id } }));
      }
    }
  }

  const pickers = fillPickers().catch((e) => console.error('events pickers', e));
  page.onShow(() => {
    state.shown = true;
    const wanted = filtersFromUrl();
    // The live feed missed what came while the page was hidden: it starts afresh.
    if (state.rerun || !state.started || !sameFilters(wanted, state.filters) ||
        !hasFilter(wanted)) {
      state.rerun = false;
      state.started = true;
      setForm(wanted);
      run(wanted);
    }
  });
  page.onHide(() => {
    state.shown = false;
  });
  renderMode();
}
