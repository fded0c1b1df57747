// The health domain's overview tile (plugin API v2, docs/console-ui.md): how many panels are
// online, each panel's state, last message, firmware and rate, and the broker's $SYS figures.
// Reads GET /api/health; refreshes on health.* events and every few seconds (rates and
// last-seen times move without events). Every string comes from health/web/messages.json; times
// are in the site's zone (api.formatTime).

// The roles that have the overview (issue 13's page matrix); the server loads this plugin for
// the facility admin too, who has no overview and so gets no tile.
const OVERVIEW_ROLES = ['operator', 'security_admin', 'bcp_coordinator'];
const REFRESH_MS = 5000;

function pad(n) {
  return String(n).padStart(2, '0');
}

function duration(api, seconds) {
  const days = Math.floor(seconds / 86400);
  const hours = pad(Math.floor((seconds % 86400) / 3600));
  const minutes = pad(Math.floor((seconds % 3600) / 60));
  return days ? api.t('health.duration.days', { days, hours, minutes })
              : api.t('health.duration.hours', { hours, minutes });
}

function panelState(p) {
  if (p.online === null || p.online === undefined) return 'unknown';
  if (!p.online) return 'offline';
  return p.silent ? 'silent' : 'online';
}

function brokerLine(api, b) {
  const parts = [api.t(b.connected ? 'health.broker.connected' : 'health.broker.disconnected')];
  if (b.clients_connected !== null) {
    parts.push(api.t('health.broker.clients', { count: b.clients_connected }));
  }
  if (b.messages_received_per_s !== null) {
    parts.push(api.t('health.broker.received', { rate: b.messages_received_per_s.toFixed(1) }));
  }
  if (b.messages_sent_per_s !== null) {
    parts.push(api.t('health.broker.sent', { rate: b.messages_sent_per_s.toFixed(1) }));
  }
  if (b.uptime_s !== null) {
    parts.push(api.t('health.broker.uptime', { duration: duration(api, b.uptime_s) }));
  }
  if (b.stats_lost) parts.push(api.t('health.broker.stats_lost'));
  return parts.join(' · ');
}

function panelRow(api, p) {
  const state = panelState(p);
  const li = document.createElement('li');
  li.className = 'health-panel health-' + state;
  li.dataset.panel = p.id;
  li.dataset.state = state;
  li.setAttribute('data-testid', 'health-panel-row');
  const name = document.createElement('span');
  name.className = 'health-panel-id';
  name.textContent = api.names.get('panel', p.id);
  const stateText = document.createElement('span');
  stateText.setAttribute('data-testid', 'health-panel-state');
  stateText.textContent = api.t('health.state.' + state);
  const detail = document.createElement('span');
  detail.className = 'health-panel-detail';
  const parts = [p.last_seen_us === null || p.last_seen_us === undefined
    ? api.t('health.never_seen')
    : api.t('health.last_seen', { time: api.formatTime(p.last_seen_us) })];
  if (p.firmware) parts.push(api.t('health.firmware', { version: p.firmware }));
  parts.push(api.t('health.rate', { rate: Number(p.messages_per_s || 0).toFixed(2) }));
  detail.textContent = parts.join(' · ');
  li.append(name, ' ', stateText, ' ', detail);
  return li;
}

function render(api, body, health) {
  const panels = health.panels || [];
  const online = panels.filter((p) => p.online === true).length;
  const summary = document.createElement('p');
  summary.className = 'health-summary';
  summary.setAttribute('data-testid', 'health-summary');
  summary.textContent = panels.length === 0
    ? api.t('health.no_panels')
    : api.t('health.panels_online', { online, total: panels.length });
  const broker = document.createElement('p');
  broker.className = 'health-broker';
  broker.setAttribute('data-testid', 'health-broker');
  broker.textContent = brokerLine(api, health.broker || {});
  const list = document.createElement('ul');
  list.className = 'health-panels';
  list.setAttribute('data-testid', 'health-panels');
  for (const p of panels) list.appendChild(panelRow(api, p));
  const updated = document.createElement('p');
  updated.className = 'health-updated';
  updated.setAttribute('data-testid', 'health-updated');
  updated.textContent = api.t('health.updated', {
    time: api.formatTime(Date.now() * 1000, { date: false }), zone: api.zoneLabel });
  body.replaceChildren(summary, broker, list, updated);
}

export async function start(api) {
  if (!OVERVIEW_ROLES.includes(api.me.role)) return;
  const body = api.addTile({ id: 'health', title: 'health.tile.title', order: 50 });
  let inFlight = false;
  const refresh = async () => {
    if (inFlight) return;  // a burst of health.* events is one request
    inFlight = true;
    try {
      const r = await api.fetchJson('GET', '/api/health');
      if (r.status !== 200) {
        const failed = document.createElement('p');
        failed.className = 'error';
        failed.setAttribute('data-testid', 'health-error');
        failed.textContent = api.t('health.unavailable', { error: api.errorText(r) });
        body.replaceChildren(failed);
        return;
      }
      render(api, body, r.body);
    } finally {
      inFlight = false;
    }
  };
  api.onEvents('health.', refresh);
  // The tile goes with the session's page; a timer whose tile is gone stops.
  const timer = setInterval(() => {
    if (!body.isConnected) {
      clearInterval(timer);
      return;
    }
    refresh();
  }, REFRESH_MS);
  await refresh();
}
