// The health domain's status card: every panel (online, last seen, firmware, messages/s) and the
// broker ($SYS figures). Loaded by the console shell (console/web/app.js, start(api)); reads
// GET /api/health and refreshes on health.* events and every few seconds. Times are shown in the
// site's time zone (utc_offset_minutes from the route); strings in English and Japanese.

const STRINGS = {
  en: {
    title: 'Panels and broker',
    panel: 'Panel', state: 'State', lastSeen: 'Last seen', firmware: 'Firmware', rate: 'msg/s',
    online: 'online', offline: 'offline', unknown: 'unknown', silent: 'silent', never: 'never',
    broker: 'Broker', connected: 'connected', disconnected: 'disconnected',
    clients: 'clients', received: 'in/s', sent: 'out/s', uptime: 'uptime',
    statsLost: '$SYS figures lost', noPanels: 'No panels in the site file.',
    failed: 'Health unavailable',
  },
  ja: {
    title: 'パネルとブローカー',
    panel: 'パネル', state: '状態', lastSeen: '最終受信', firmware: 'ファームウェア', rate: '件/秒',
    online: 'オンライン', offline: 'オフライン', unknown: '不明', silent: '無通信', never: 'なし',
    broker: 'ブローカー', connected: '接続中', disconnected: '切断',
    clients: 'クライアント', received: '受信/秒', sent: '送信/秒', uptime: '稼働時間',
    statsLost: '$SYS 統計が途絶', noPanels: 'サイト設定にパネルがありません。',
    failed: 'ヘルス情報を取得できません',
  },
};

function language() {
  const lang = document.documentElement.lang || navigator.language || 'en';
  return lang.toLowerCase().startsWith('ja') ? 'ja' : 'en';
}

// "2026-12-01 17:05:09" in the site's zone, whatever the browser's zone is.
export function siteTime(us, offsetMinutes) {
  const d = new Date(us / 1000 + offsetMinutes * 60000);
  return d.toISOString().slice(0, 19).replace('T', ' ');
}

function duration(seconds) {
  const d = Math.floor(seconds / 86400);
  const h = Math.floor((seconds % 86400) / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  return (d ? d + 'd ' : '') + String(h).padStart(2, '0') + ':' + String(m).padStart(2, '0');
}

function cell(row, text, testid) {
  const td = document.createElement('td');
  td.textContent = text;
  if (testid) td.setAttribute('data-testid', testid);
  row.appendChild(td);
}

function panelState(p, t) {
  if (p.online === null) return t.unknown;
  if (!p.online) return t.offline;
  return p.silent ? t.online + ' (' + t.silent + ')' : t.online;
}

function render(body, health, t) {
  body.replaceChildren();
  const offset = health.utc_offset_minutes;
  const b = health.broker;
  const broker = document.createElement('p');
  broker.setAttribute('data-testid', 'health-broker');
  const parts = [t.broker + ': ' + (b.connected ? t.connected : t.disconnected)];
  if (b.clients_connected !== null) parts.push(t.clients + ' ' + b.clients_connected);
  if (b.messages_received_per_s !== null) parts.push(t.received + ' ' + b.messages_received_per_s.toFixed(1));
  if (b.messages_sent_per_s !== null) parts.push(t.sent + ' ' + b.messages_sent_per_s.toFixed(1));
  if (b.uptime_s !== null) parts.push(t.uptime + ' ' + duration(b.uptime_s));
  if (b.stats_lost) parts.push(t.statsLost);
  broker.textContent = parts.join(' · ');
  body.appendChild(broker);

  if (health.panels.length === 0) {
    const none = document.createElement('p');
    none.textContent = t.noPanels;
    body.appendChild(none);
    return;
  }
  const table = document.createElement('table');
  const head = document.createElement('tr');
  for (const h of [t.panel, t.state, t.lastSeen, t.firmware, t.rate]) {
    const th = document.createElement('th');
    th.textContent = h;
    head.appendChild(th);
  }
  table.appendChild(head);
  for (const p of health.panels) {
    const row = document.createElement('tr');
    row.setAttribute('data-testid', 'health-panel-row');
    row.dataset.panel = p.id;
    cell(row, p.id);
    cell(row, panelState(p, t), 'health-panel-state');
    cell(row, p.last_seen_us === null ? t.never : siteTime(p.last_seen_us, offset));
    cell(row, p.firmware || '—');
    cell(row, p.messages_per_s.toFixed(2));
    table.appendChild(row);
  }
  body.appendChild(table);
}

export async function start(api) {
  const t = STRINGS[language()];
  const body = api.addStatusCard(t.title);
  const refresh = async () => {
    const r = await api.fetchJson('GET', '/api/health');
    if (r.status !== 200) {
      body.textContent = t.failed + ' (' + r.status + ')';
      return;
    }
    render(body, r.body, t);
  };
  api.onEvents('health.', refresh);
  // Rates and last-seen times move without events; a card that stops refreshing is removed
  // with its element when the session ends.
  const timer = setInterval(() => {
    if (!body.isConnected) {
      clearInterval(timer);
      return;
    }
    refresh();
  }, 5000);
  await refresh();
}
