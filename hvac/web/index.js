// The hvac domain's console module (plugin API v2, docs/console-ui.md): a small "Climate" page
// for the roles that see hvac (operator, facility_admin, security_admin, auditor; kHvacViewers
// in hvac/hvac_service.hpp). Lists the CRAC units and room sensors of GET /api/hvac with each
// value's quality (a stale value is shown as stale, never as live); refreshed on hvac.* and
// telemetry.* events, one request at a time, and every 10 s. Trend plots come later.

const PAGE_ROLES = new Set(['operator', 'facility_admin', 'security_admin', 'auditor']);
const PAGE_ORDER = 77;  // after custody (76), before operators (80)

function cell(row, text, testid) {
  const td = document.createElement('td');
  td.textContent = text;
  if (testid) td.setAttribute('data-testid', testid);
  row.appendChild(td);
  return td;
}

function number(value, unit) {
  return value === null || value === undefined ? '—' : `${value.toFixed(1)} ${unit}`;
}

class HvacPage {
  constructor(api, page) {
    this.api = api;
    this.root = page.element;
    this.busy = false;
    this.again = false;
  }

  async start() {
    this.root.setAttribute('data-testid', 'hvac-content');
    this.root.setAttribute('data-state', 'loading');
    this.api.onEvents('hvac.', () => this.refresh());
    this.api.onEvents('telemetry.', () => this.refresh());
    setInterval(() => this.refresh(), 10000);
    await this.refresh();
  }

  async refresh() {
    if (this.busy) { this.again = true; return; }
    this.busy = true;
    try {
      const response = await this.api.fetchJson('GET', '/api/hvac');
      if (response.status !== 200) {
        this.root.setAttribute('data-state', 'failed');
        this.root.classList.add('hvac-stale');
        this.root.title = this.api.t('hvac.failed');
        return;
      }
      this.root.classList.remove('hvac-stale');
      this.render(response.body);
      this.root.setAttribute('data-state', 'ready');
    } finally {
      this.busy = false;
      if (this.again) { this.again = false; this.refresh(); }
    }
  }

  quality(q) { return this.api.t(`hvac.quality.${q}`); }

  render(view) {
    const t = (k) => this.api.t(k);
    this.root.replaceChildren();
    if (view.cracs.length === 0 && view.sensors.length === 0) {
      const p = document.createElement('p');
      p.className = 'empty';
      p.textContent = t('hvac.empty');
      this.root.appendChild(p);
      return;
    }
    const section = (title, testid) => {
      const panel = document.createElement('section');
      panel.className = 'panel';
      const h = document.createElement('h2');
      h.textContent = t(title);
      const table = document.createElement('table');
      table.setAttribute('data-testid', testid);
      panel.append(h, table);
      this.root.appendChild(panel);
      return table;
    };
    const cracs = section('hvac.cracs', 'hvac-cracs');
    for (const c of view.cracs) {
      const row = cracs.insertRow();
      row.setAttribute('data-testid', 'hvac-crac');
      row.setAttribute('data-id', c.id);
      row.setAttribute('data-quality', c.quality);
      if (c.running === false || c.alarm === true) row.className = 'tone-alarm';
      cell(row, c.name);
      cell(row, c.running === null ? '—' : t(c.running ? 'hvac.running' : 'hvac.stopped'),
           'hvac-crac-running');
      cell(row, c.alarm ? t('hvac.alarm') : '', 'hvac-crac-alarm');
      cell(row, number(c.supply_temp, '°C'), 'hvac-crac-supply');
      cell(row, number(c.return_temp, '°C'), 'hvac-crac-return');
      cell(row, this.quality(c.quality), 'hvac-crac-quality');
    }
    const sensors = section('hvac.sensors', 'hvac-sensors');
    for (const s of view.sensors) {
      const row = sensors.insertRow();
      row.setAttribute('data-testid', 'hvac-sensor');
      row.setAttribute('data-id', s.id);
      row.setAttribute('data-quality', s.quality);
      row.setAttribute('data-alarm', s.alarm);
      if (s.alarm !== 'none') row.className = 'tone-alarm';
      cell(row, s.name);
      const value = s.kind === 'leak'
        ? (s.value === null ? '—' : (s.value ? t('event.hvac.leak_detected') : '—'))
        : number(s.value, s.unit === 'degC' ? '°C' : s.unit);
      cell(row, value, 'hvac-sensor-value');
      cell(row, this.quality(s.quality), 'hvac-sensor-quality');
    }
    if (view.dew_point) {
      const p = document.createElement('p');
      p.setAttribute('data-testid', 'hvac-dew-point');
      p.textContent = `${t('hvac.dew_point')}: ${number(view.dew_point.value, '°C')} ` +
        `(${this.quality(view.dew_point.quality)})`;
      this.root.appendChild(p);
    }
  }
}

export async function start(api) {
  if (!PAGE_ROLES.has(api.me.role)) return;
  const page = new HvacPage(api, api.addPage({ id: 'hvac', title: 'page.hvac', order: PAGE_ORDER }));
  await page.start();
}
