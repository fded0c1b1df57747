// Sekimori console UI: plain JavaScript, no build step, no inline script (CSP default-src 'self').
'use strict';

const MAX_ROWS = 500;
const state = { me: null, socket: null, reconnectDelay: 1000, reconnectTimer: null,
                seen: new Set(), tab: null, subscribers: [], plugins: [] };

const $ = (id) => document.getElementById(id);

async function api(method, path, body) {
  const init = { method, credentials: 'same-origin', headers: {} };
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(path, init);
  } catch (e) {
    return { status: 0, body: { error: 'console unreachable' } };
  }
  let json = {};
  try { json = await response.json(); } catch (e) { json = {}; }
  return { status: response.status, body: json };
}

// --- views ------------------------------------------------------------------------------

function showLogin(message) {
  stopLive();
  unloadPlugins();
  state.me = null;
  $('main-view').hidden = true;
  $('login-view').hidden = false;
  $('login-error').textContent = message || '';
  $('login-password').value = '';
  $('login-name').focus();
}

function showMain(me) {
  state.me = me;
  $('login-view').hidden = true;
  $('main-view').hidden = false;
  $('me-name').textContent = me.name;
  $('me-role').textContent = me.role;
  openTab(me.role === 'facility_admin' ? 'doors' : 'events');
  startLive();
  loadPlugins();
}

function showForbidden(label, response) {
  const box = $('forbidden-message');
  const role = state.me ? state.me.role : 'unknown';
  const reason = response.body.error || ('not permitted for role ' + role);
  box.textContent = label + ': ' + reason;
  box.hidden = false;
}

function clearMessages() {
  $('forbidden-message').hidden = true;
  $('forbidden-message').textContent = '';
  $('error-message').hidden = true;
}

// Common handling of a non-200 answer; returns true when the caller should stop.
function refused(label, response) {
  if (response.status === 200) return false;
  if (response.status === 401) {
    showLogin('Your session ended; please log in again.');
  } else if (response.status === 403) {
    showForbidden(label, response);
  } else {
    $('error-message').textContent = label + ': ' + (response.body.error || ('HTTP ' + response.status));
    $('error-message').hidden = false;
  }
  return true;
}

function openTab(tab) {
  state.tab = tab;
  clearMessages();
  for (const button of document.querySelectorAll('.tab')) {
    button.classList.toggle('active', button.dataset.tab === tab);
  }
  for (const panel of document.querySelectorAll('.panel')) {
    panel.hidden = panel.dataset.panel !== tab;
  }
  const page = state.plugins.flatMap((p) => p.pages).find((p) => p.id === tab);
  if (page && page.onShow) page.onShow();
  if (tab === 'events') loadEvents();
  if (tab === 'doors') loadDoors();
  if (tab === 'people') loadPeople();
  if (tab === 'checkpoints') loadCheckpoints();
}

// --- tables -----------------------------------------------------------------------------

function cell(row, text, className) {
  const td = document.createElement('td');
  td.textContent = text === undefined || text === null ? '' : String(text);
  if (className) td.className = className;
  row.appendChild(td);
  return td;
}

// A table of objects with one column per key seen.
function fillTable(table, rows, testid) {
  table.replaceChildren();
  if (!Array.isArray(rows) || rows.length === 0) {
    const tr = document.createElement('tr');
    cell(tr, 'none', 'empty');
    table.appendChild(tr);
    return;
  }
  const keys = [];
  for (const row of rows) {
    for (const k of Object.keys(row)) if (!keys.includes(k)) keys.push(k);
  }
  const head = document.createElement('tr');
  for (const k of keys) {
    const th = document.createElement('th');
    th.textContent = k;
    head.appendChild(th);
  }
  table.appendChild(head);
  for (const row of rows) {
    const tr = document.createElement('tr');
    tr.dataset.testid = testid;
    tr.setAttribute('data-testid', testid);
    for (const k of keys) {
      const v = row[k];
      cell(tr, typeof v === 'object' && v !== null ? JSON.stringify(v) : v);
    }
    table.appendChild(tr);
  }
}

function eventRow(e) {
  const p = e.payload || {};
  const tr = document.createElement('tr');
  tr.setAttribute('data-testid', 'event-row');
  tr.dataset.seq = e.seq;
  tr.dataset.type = e.type;
  const decision = p.decision || (e.type === 'access.denied' ? 'denied'
                                  : e.type === 'access.granted' ? 'granted' : '');
  if (decision === 'denied' || e.type === 'access.denied' || e.type === 'door.forced') {
    tr.classList.add('denied');
  } else if (decision === 'granted') {
    tr.classList.add('granted');
  }
  cell(tr, new Date(e.time_us / 1000).toLocaleString(), 'time');
  cell(tr, e.type, 'type');
  cell(tr, p.door ? p.door + (p.side ? ' (' + p.side + ')' : '') : e.source, 'door');
  cell(tr, p.person_name || p.person || e.subject, 'person');
  cell(tr, decision === 'denied' ? 'DENIED' : decision, 'decision');
  cell(tr, p.reason || '', 'reason');
  // The reason in words for denials, the field that was wrong for bad payloads.
  cell(tr, p.detail || p.error || '', 'detail');
  return tr;
}

function addEvents(events) {
  const body = $('events-body');
  // Insert in seq order so the newest ends up on top whatever order they arrive in.
  const fresh = events.filter((e) => !state.seen.has(e.seq)).sort((a, b) => a.seq - b.seq);
  for (const e of fresh) {
    state.seen.add(e.seq);
    const row = eventRow(e);
    let before = body.firstChild;
    while (before && Number(before.dataset.seq) > e.seq) before = before.nextSibling;
    body.insertBefore(row, before);
  }
  while (body.children.length > MAX_ROWS) {
    state.seen.delete(Number(body.lastChild.dataset.seq));
    body.removeChild(body.lastChild);
  }
}

// --- live events ------------------------------------------------------------------------

async function loadEvents() {
  const r = await api('GET', '/api/events?limit=100');
  if (refused('Events', r)) return;
  addEvents(r.body.events || []);
  startLive();
}

function setLiveStatus(text, live) {
  $('ws-status').textContent = text;
  $('ws-status').classList.toggle('live', live);
}

function startLive() {
  if (state.socket || state.reconnectTimer || !state.me) return;
  const socket = new WebSocket('wss://' + location.host + '/ws/events');
  state.socket = socket;
  setLiveStatus('connecting', false);
  socket.onopen = () => {
    state.reconnectDelay = 1000;
    setLiveStatus('live', true);
    // Fill anything missed while disconnected.
    api('GET', '/api/events?limit=100').then((r) => {
      if (r.status === 200) addEvents(r.body.events || []);
    });
  };
  socket.onmessage = (message) => {
    let event;
    try { event = JSON.parse(message.data); } catch (e) { return; /* not an event */ }
    addEvents([event]);
    for (const s of state.subscribers.slice()) {
      if (typeof event.type === 'string' && event.type.startsWith(s.prefix)) {
        try { s.handler(event); } catch (e) { console.error('event subscriber', s.prefix, e); }
      }
    }
  };
  socket.onclose = () => {
    if (state.socket !== socket) return;
    state.socket = null;
    if (!state.me) return;
    setLiveStatus('reconnecting', false);
    state.reconnectTimer = setTimeout(async () => {
      state.reconnectTimer = null;
      const me = await api('GET', '/api/me');
      if (me.status === 401) { showLogin('Your session ended; please log in again.'); return; }
      startLive();
    }, state.reconnectDelay);
    state.reconnectDelay = Math.min(state.reconnectDelay * 2, 10000);
  };
}

function stopLive() {
  if (state.reconnectTimer) { clearTimeout(state.reconnectTimer); state.reconnectTimer = null; }
  const socket = state.socket;
  state.socket = null;
  if (socket) socket.close();
  setLiveStatus('offline', false);
  state.seen.clear();
  $('events-body').replaceChildren();
}

// --- other panels -----------------------------------------------------------------------

function yesNo(value) {
  return value === true ? 'yes' : value === false ? 'no' : 'unknown';
}

// GET /api/doors: {"doors": [{id, name, panel, from_zone, to_zone, lock, position,
// panel_online, panel_firmware, tamper, last_event}]} (doors/door_views.hpp).
function fillDoors(doors) {
  const rows = (Array.isArray(doors) ? doors : []).map((d) => ({
    id: d.id, name: d.name, zones: (d.from_zone || '?') + ' \u2192 ' + (d.to_zone || '?'),
    lock: d.lock, position: d.position,
    panel: (d.panel || '') + ' (' + (d.panel_online === true ? 'online'
      : d.panel_online === false ? 'offline' : 'unknown') + ')',
    tamper: d.tamper ? 'TAMPER' : '',
    last_event: d.last_event ? d.last_event.type + ' ' +
      new Date(d.last_event.time_us / 1000).toLocaleString() : '',
  }));
  fillTable($('doors-table'), rows, 'door-row');
}

// GET /api/presence is doors::Presence::toJson():
// {"zones": {"<zone>": [{"person", "person_name", "since_us"}, ...]}}; one row per person.
function fillPresence(body) {
  const zones = body && typeof body.zones === 'object' && body.zones !== null ? body.zones : {};
  const rows = [];
  for (const zone of Object.keys(zones).sort()) {
    for (const p of Array.isArray(zones[zone]) ? zones[zone] : []) {
      rows.push({ zone, person: p.person_name || p.person, id: p.person,
                  since: p.since_us ? new Date(p.since_us / 1000).toLocaleString() : '' });
    }
  }
  fillTable($('presence-table'), rows, 'presence-row');
}

async function loadDoors() {
  const doors = await api('GET', '/api/doors');
  if (refused('Doors', doors)) return;
  fillDoors(doors.body.doors);
  const presence = await api('GET', '/api/presence');
  if (refused('Presence', presence)) return;
  fillPresence(presence.body);
}

async function loadPeople() {
  const r = await api('GET', '/api/people');
  if (refused('People', r)) return;
  const rows = (r.body.people || []).map((p) => ({
    id: p.id, name: p.name, active: p.active ? 'yes' : 'no',
    cards: (p.cards || []).map((c) => c.uid + (c.state === 'active' ? '' : ' (' + c.state + ')')).join(', '),
  }));
  fillTable($('people-table'), rows, 'person-row');
}

async function loadCheckpoints() {
  const r = await api('GET', '/api/audit/checkpoints');
  if (refused('Audit', r)) return;
  fillTable($('checkpoints-table'), r.body.checkpoints, 'checkpoint-row');
}

// --- UI plugins -------------------------------------------------------------------------
// GET /api/ui/plugins lists the plugins this role may load; each entry is an ES module whose
// exported start(api) (or default export) receives the small API below.

function pluginApi(plugin) {
  return {
    me: { name: state.me.name, role: state.me.role },
    // JSON over the session cookie: resolves to {status, body}; a 401 ends the session.
    fetchJson: async (method, path, body) => {
      const r = await api(method, path, body);
      if (r.status === 401) showLogin('Your session ended; please log in again.');
      return r;
    },
    // Live events whose type starts with prefix; returns a function that unsubscribes.
    onEvents: (prefix, handler) => {
      const entry = { prefix: String(prefix), handler };
      state.subscribers.push(entry);
      plugin.subscriptions.push(entry);
      return () => { state.subscribers = state.subscribers.filter((s) => s !== entry); };
    },
    // A tile on the status strip; returns its body element.
    addStatusCard: (title) => {
      const card = document.createElement('section');
      card.className = 'card';
      card.dataset.plugin = plugin.name;
      card.setAttribute('data-testid', 'status-card');
      const h = document.createElement('h3');
      h.textContent = title;
      const body = document.createElement('div');
      body.className = 'card-body';
      card.append(h, body);
      $('status-cards').appendChild(card);
      $('status-cards').hidden = false;
      plugin.elements.push(card);
      return body;
    },
    // A tab of its own; returns the page element. onShow runs each time the tab opens.
    addPage: (id, title, onShow) => {
      const tab = plugin.name + ':' + id;
      const button = document.createElement('button');
      button.type = 'button';
      button.className = 'tab';
      button.dataset.tab = tab;
      button.setAttribute('data-testid', 'tab-' + plugin.name + '-' + id);
      button.textContent = title;
      button.addEventListener('click', () => openTab(tab));
      $('tabs').appendChild(button);
      const panel = document.createElement('section');
      panel.className = 'panel';
      panel.dataset.panel = tab;
      panel.hidden = true;
      $('plugin-pages').appendChild(panel);
      plugin.elements.push(button, panel);
      plugin.pages.push({ id: tab, onShow });
      return panel;
    },
  };
}

async function loadPlugins() {
  const r = await api('GET', '/api/ui/plugins');
  if (r.status !== 200) return;
  for (const p of r.body.plugins || []) {
    const plugin = { name: p.name, elements: [], subscriptions: [], pages: [] };
    state.plugins.push(plugin);
    try {
      const module = await import(p.entry);
      const start = module.start || module.default;
      if (typeof start !== 'function') throw new Error('exports no start(api)');
      await start(pluginApi(plugin));
    } catch (e) {
      $('error-message').textContent = 'Plugin ' + p.name + ' failed to load: ' + e.message;
      $('error-message').hidden = false;
    }
  }
}

function unloadPlugins() {
  for (const plugin of state.plugins) {
    for (const el of plugin.elements) el.remove();
  }
  state.plugins = [];
  state.subscribers = [];
  $('status-cards').hidden = true;
}

// --- start ------------------------------------------------------------------------------

async function onLogin(event) {
  event.preventDefault();
  $('login-error').textContent = '';
  const r = await api('POST', '/api/login',
                      { name: $('login-name').value.trim(), password: $('login-password').value });
  if (r.status !== 200) {
    $('login-error').textContent = r.body.error || ('login failed (HTTP ' + r.status + ')');
    return;
  }
  $('login-password').value = '';
  showMain(r.body);
}

async function onLogout() {
  await api('POST', '/api/logout');
  showLogin('Logged out.');
}

document.addEventListener('DOMContentLoaded', async () => {
  $('login-form').addEventListener('submit', onLogin);
  $('logout-button').addEventListener('click', onLogout);
  for (const button of document.querySelectorAll('.tab')) {
    button.addEventListener('click', () => openTab(button.dataset.tab));
  }
  const me = await api('GET', '/api/me');
  if (me.status === 200) showMain(me.body); else showLogin('');
});
