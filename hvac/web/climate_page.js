// The climate page (#/climate): the CRAC units (running, stopped, alarm; supply and return air,
// return humidity, fan), the room sensors with their bounds and alarm state, the dew point of
// each zone, the conditions on now, and trend plots of the inlet temperature and the humidity
// over the last hour (their bounds marked). A value whose quality is not good is greyed with
// its age and never looks live; a failed read greys the whole page. Refreshed on hvac.* and
// telemetry.* events, one request at a time, and every 2 s (values age without events).

import { linePlot, bucketSeries, timeTicks } from '/trend_plot.js';

export const REFRESH_MS = 2000;
export const TREND_REFRESH_MS = 30000;
export const TREND_RETRY_MS = 5000;  // while a point has no sample yet
const HOUR_US = 3600 * 1000000;

function el(tag, cls, testid, text) {
  const node = document.createElement(tag);
  if (cls) node.className = cls;
  if (testid) node.setAttribute('data-testid', testid);
  if (text !== undefined) node.textContent = text;
  return node;
}

function finite(v) {
  return typeof v === 'number' && Number.isFinite(v);
}

function setOptions(select, items) {
  const want = JSON.stringify(items);
  if (select.dataset.options === want) return;
  const keep = select.value;
  select.replaceChildren(...items.map(([v, text]) => {
    const o = document.createElement('option');
    o.value = v;
    o.textContent = text;
    return o;
  }));
  select.dataset.options = want;
  if (items.some(([v]) => v === keep)) select.value = keep;
}

export class ClimatePage {
  constructor(api, page) {
    this.api = api;
    this.page = page;
    this.shown = false;
    this.inFlight = false;
    this.again = false;
    this.timer = null;
    this.trendTimer = null;
    this.trendInFlight = false;
    this.view = null;
    this.number = new Intl.NumberFormat(api.lang === 'ja' ? 'ja-JP' : 'en-GB',
                                        { minimumFractionDigits: 1, maximumFractionDigits: 1 });
    const root = page.element;
    root.classList.add('climate-page');
    const bar = el('div', 'climate-bar');
    bar.appendChild(el('p', 'hint', 'climate-intro', api.t('climate.intro')));
    const refresh = el('button', null, 'climate-refresh', api.t('climate.refresh'));
    refresh.type = 'button';
    refresh.addEventListener('click', () => { this.refresh(); this.refreshTrends(); });
    this.updated = el('span', 'status', 'climate-updated');
    bar.append(refresh, this.updated);
    this.error = el('p', 'error', 'climate-error');
    this.error.setAttribute('role', 'alert');
    this.error.hidden = true;
    this.content = el('div', 'climate-content', 'climate-content');
    this.content.dataset.state = 'loading';
    this.live = el('div', 'climate-live');
    this.live.appendChild(el('p', 'status', null, api.t('climate.loading')));
    this.trends = this.section('climate.section.trends', 'climate-trends');
    this.trends.appendChild(el('p', 'hint', null, api.t('climate.trend.hint', { zone: api.zoneLabel })));
    this.plots = {};
    for (const kind of ['temperature', 'humidity']) this.trends.appendChild(this.trendBlock(kind));
    this.trends.hidden = true;
    this.content.append(this.live, this.trends);
    root.append(bar, this.error, this.content);
  }

  start() {
    this.page.onShow(() => { this.shown = true; this.refresh(); this.refreshTrends(); });
    this.page.onHide(() => {
      this.shown = false;
      clearTimeout(this.timer);
      clearTimeout(this.trendTimer);
    });
    this.api.onEvents('hvac.', () => this.refresh());
    this.api.onEvents('telemetry.', () => this.refresh());
    return this.refresh();
  }

  section(titleKey, testid) {
    const sec = el('section', 'panel climate-section', testid);
    sec.appendChild(el('h2', 'climate-section-title', null, this.api.t(titleKey)));
    return sec;
  }

  async refresh() {
    if (this.inFlight) { this.again = true; return; }
    this.inFlight = true;
    clearTimeout(this.timer);
    try {
      do {
        this.again = false;
        this.render(await this.api.fetchJson('GET', '/api/hvac'));
      } while (this.again);
    } finally {
      this.inFlight = false;
      this.timer = setTimeout(() => (this.shown ? this.refresh() : null), REFRESH_MS);
    }
  }

  render(r) {
    const api = this.api;
    if (r.status !== 200 || !r.body || typeof r.body !== 'object') {
      this.content.classList.add('climate-unavailable');
      this.content.dataset.live = 'false';
      this.error.textContent = api.t('climate.unavailable', { error: api.errorText(r) });
      this.error.hidden = false;
      if (this.content.dataset.state === 'loading') this.content.dataset.state = 'failed';
      return;
    }
    this.error.hidden = true;
    this.content.classList.remove('climate-unavailable');
    this.content.dataset.live = 'true';
    const v = this.view = r.body;
    this.now = Date.now() * 1000;
    this.updated.textContent = api.t('climate.updated', {
      time: api.formatTime(this.now, { date: false }), zone: api.zoneLabel });
    const cracs = v.cracs || [];
    const sensors = v.sensors || [];
    if (!cracs.length && !sensors.length) {
      this.content.dataset.state = 'empty';
      this.live.replaceChildren(el('p', 'empty', 'climate-empty', api.t('climate.empty')));
      this.trends.hidden = true;
      return;
    }
    this.content.dataset.state = 'ready';
    const dews = v.dew_points || (v.dew_point ? [v.dew_point] : []);
    this.live.replaceChildren(this.alarmSection(v.alarms || []), this.cracSection(cracs),
                              this.sensorSection(sensors), this.dewSection(dews));
    this.updateTrendChoices(sensors);
  }

  // --- quality and age ------------------------------------------------------------------------
  ageText(us) {
    const s = Math.max(0, Math.round(us / 1e6));
    if (s < 90) return this.api.t('climate.age.seconds', { n: s });
    if (s < 90 * 60) return this.api.t('climate.age.minutes', { n: Math.round(s / 60) });
    return this.api.t('climate.age.hours', { n: Math.round(s / 3600) });
  }

  // The quality badge: "live" for a good value, else "stale · 12 s ago" (age of the value).
  qualityBadge(quality, timeUs, testid) {
    const api = this.api;
    const q = ['good', 'stale', 'failed'].includes(quality) ? quality : 'unknown';
    const text = q === 'good' ? api.t('climate.quality.good')
      : timeUs > 0 ? api.t('climate.quality.' + q + '_age', { age: this.ageText(this.now - timeUs) })
        : api.t('climate.quality.' + q);
    return el('span', 'badge climate-quality climate-quality-' + q, testid, text);
  }

  newestOf(device) {
    let newest = 0;
    for (const p of (this.view && this.view.points) || []) {
      if (p.point.startsWith(device + '.') && p.time_us > newest) newest = p.time_us;
    }
    return newest;
  }

  temp(v) {
    return finite(v) ? `${this.number.format(v)} °C`
      : this.api.t('climate.value.none');
  }

  percent(v) {
    return finite(v) ? `${this.number.format(v)} %`
      : this.api.t('climate.value.none');
  }

  zone(id) {
    return id ? this.api.names.get('zone', id) : '';
  }

  // --- sections --------------------------------------------------------------------------------
  alarmSection(alarms) {
    const api = this.api;
    const sec = this.section('climate.section.alarms', 'climate-alarms');
    if (!alarms.length) {
      sec.appendChild(el('p', 'empty', 'climate-alarms-none', api.t('climate.alarms.none')));
      return sec;
    }
    const list = el('ul', 'climate-alarm-list');
    for (const a of alarms) {
      const label = api.has('event.' + a.type) ? api.t('event.' + a.type) : a.type;
      const li = el('li', 'climate-alarm tone-alarm', 'climate-alarm', api.t('climate.alarms.item', {
        what: label, watch: a.watch, since: a.since_us ? api.formatTime(a.since_us) : '' }));
      li.dataset.type = a.type;
      li.dataset.watch = a.watch;
      list.appendChild(li);
    }
    sec.appendChild(list);
    return sec;
  }

  table(columns) {
    const table = el('table', 'climate-table');
    const head = table.createTHead().insertRow();
    for (const k of columns) head.appendChild(el('th', null, null, this.api.t(k)));
    return table;
  }

  cracSection(cracs) {
    const api = this.api;
    const sec = this.section('climate.section.cracs', 'climate-cracs-panel');
    if (!cracs.length) {
      sec.appendChild(el('p', 'empty', null, api.t('climate.cracs.none')));
      return sec;
    }
    const table = this.table(['climate.col.unit', 'climate.col.state', 'climate.col.supply',
                              'climate.col.return', 'climate.col.humidity', 'climate.col.fan',
                              'climate.col.quality']);
    table.setAttribute('data-testid', 'climate-cracs');
    const body = table.createTBody();
    for (const c of cracs) {
      const good = c.quality === 'good';
      const state = c.running === true ? 'running' : c.running === false ? 'stopped' : 'unknown';
      const row = body.insertRow();
      row.setAttribute('data-testid', 'climate-crac');
      row.dataset.id = c.id;
      row.dataset.state = state;
      row.dataset.alarm = String(c.alarm === true);
      row.dataset.quality = c.quality;
      row.dataset.live = String(good);
      row.className = !good ? 'climate-stale' : state === 'stopped' || c.alarm ? 'tone-alarm'
        : state === 'running' ? '' : 'tone-warning';
      const name = el('td', 'climate-name');
      name.append(el('span', null, 'climate-crac-name', c.name || c.id),
                  el('span', 'climate-zone', null, this.zone(c.zone)));
      row.appendChild(name);
      const stateCell = el('td');
      stateCell.appendChild(el('span', 'badge climate-state-' + state, 'climate-crac-state',
                               api.t('climate.crac.' + state)));
      if (c.alarm === true) {
        stateCell.append(' ', el('span', 'badge climate-state-alarm', 'climate-crac-alarm',
                                 api.t('climate.crac.alarm')));
      }
      row.appendChild(stateCell);
      const over = (v, max) => finite(v) && finite(max) && v > max;
      const cell = (text, testid, alarm) => row.appendChild(el('td', alarm ? 'climate-over' : null, testid, text));
      cell(this.temp(c.supply_temp), 'climate-crac-supply', over(c.supply_temp, c.supply_temp_max));
      cell(this.temp(c.return_temp), 'climate-crac-return', over(c.return_temp, c.return_temp_max));
      cell(this.percent(c.return_humidity), 'climate-crac-humidity');
      cell(finite(c.fan_speed) ? `${Math.round(c.fan_speed)} %`
        : api.t('climate.value.none'), 'climate-crac-fan');
      const q = el('td');
      q.appendChild(this.qualityBadge(c.quality, this.newestOf(c.device), 'climate-crac-quality'));
      row.appendChild(q);
    }
    sec.appendChild(table);
    return sec;
  }

  sensorValue(s) {
    const api = this.api;
    if (s.kind === 'leak') {
      return s.value === true ? api.t('climate.leak.wet') : s.value === false ? api.t('climate.leak.dry')
        : api.t('climate.value.none');
    }
    return s.kind === 'humidity' ? this.percent(s.value) : this.temp(s.value);
  }

  bounds(s) {
    const api = this.api;
    if (s.kind === 'leak' || (!finite(s.min) && !finite(s.max))) return '';
    const fmt = (v) => (s.kind === 'humidity' ? this.percent(v) : this.temp(v));
    if (finite(s.min) && finite(s.max)) return api.t('climate.bounds.range', { min: fmt(s.min), max: fmt(s.max) });
    return finite(s.min) ? api.t('climate.bounds.min', { min: fmt(s.min) })
      : api.t('climate.bounds.max', { max: fmt(s.max) });
  }

  sensorSection(sensors) {
    const api = this.api;
    const sec = this.section('climate.section.sensors', 'climate-sensors-panel');
    if (!sensors.length) {
      sec.appendChild(el('p', 'empty', null, api.t('climate.sensors.none')));
      return sec;
    }
    const table = this.table(['climate.col.sensor', 'climate.col.zone', 'climate.col.value',
                              'climate.col.bounds', 'climate.col.alarm', 'climate.col.quality']);
    table.setAttribute('data-testid', 'climate-sensors');
    const body = table.createTBody();
    for (const s of sensors) {
      const good = s.quality === 'good';
      const alarm = ['low', 'high', 'leak'].includes(s.alarm) ? s.alarm : 'none';
      const row = body.insertRow();
      row.setAttribute('data-testid', 'climate-sensor');
      row.dataset.id = s.id;
      row.dataset.kind = s.kind;
      row.dataset.alarm = alarm;
      row.dataset.quality = s.quality;
      row.dataset.live = String(good);
      row.className = !good ? 'climate-stale' : alarm !== 'none' ? 'tone-alarm' : '';
      row.appendChild(el('td', 'climate-name', 'climate-sensor-name', s.name || s.id));
      row.appendChild(el('td', null, null, this.zone(s.zone)));
      row.appendChild(el('td', null, 'climate-sensor-value', this.sensorValue(s)));
      row.appendChild(el('td', null, 'climate-sensor-bounds', this.bounds(s)));
      const a = el('td');
      a.appendChild(el('span', 'badge climate-alarm-' + alarm, 'climate-sensor-alarm',
                       api.t('climate.alarm.' + alarm)));
      row.appendChild(a);
      const q = el('td');
      q.appendChild(this.qualityBadge(s.quality, s.time_us, 'climate-sensor-quality'));
      row.appendChild(q);
    }
    sec.appendChild(table);
    return sec;
  }

  dewSection(dews) {
    const api = this.api;
    const sec = this.section('climate.section.dew_point', 'climate-dew-points');
    if (!dews.length) {
      sec.appendChild(el('p', 'empty', null, api.t('climate.dew_point.none')));
      return sec;
    }
    for (const d of dews) {
      const good = d.quality === 'good';
      const p = el('p', 'climate-dew' + (!good ? ' climate-stale' : d.alarm ? ' tone-alarm' : ''),
                   'climate-dew-point');
      p.dataset.zone = d.zone || '';
      p.dataset.quality = d.quality;
      p.dataset.alarm = String(d.alarm === true);
      p.dataset.live = String(good);
      const range = finite(d.low) && finite(d.high)
        ? api.t('climate.bounds.range', { min: this.temp(d.low), max: this.temp(d.high) }) : '';
      p.append(el('span', null, 'climate-dew-point-value', api.t('climate.dew_point.value', {
        zone: this.zone(d.zone) || '—', value: this.temp(d.value), range })), ' ');
      if (d.alarm === true) {
        p.append(el('span', 'badge climate-alarm-high', 'climate-dew-point-alarm', api.t('climate.dew_point.alarm')), ' ');
      }
      // The dew point is computed from its zone's sensors: not good when they are not.
      p.appendChild(this.qualityBadge(d.quality, 0, 'climate-dew-point-quality'));
      sec.appendChild(p);
    }
    return sec;
  }

  // --- trends ----------------------------------------------------------------------------------
  trendBlock(kind) {
    const api = this.api;
    const block = el('div', 'climate-trend', 'climate-trend-' + kind);
    block.appendChild(el('h3', null, null, api.t('climate.trend.' + kind)));
    const label = el('label', null, null, api.t('climate.trend.sensor'));
    const select = el('select', null, 'climate-trend-' + kind + '-sensor');
    select.addEventListener('change', () => this.refreshTrend(kind));
    label.appendChild(select);
    const body = el('div', 'climate-trend-body', 'climate-trend-' + kind + '-body');
    block.append(label, body);
    this.plots[kind] = { block, select, body };
    return block;
  }

  updateTrendChoices(sensors) {
    let any = false;
    let fresh = false;
    for (const kind of ['temperature', 'humidity']) {
      const { block, select } = this.plots[kind];
      const mine = sensors.filter((s) => s.kind === kind && s.point);
      block.hidden = !mine.length;
      any = any || mine.length > 0;
      const first = !select.dataset.options;
      setOptions(select, mine.map((s) => [s.id, s.name || s.id]));
      fresh = fresh || (first && mine.length > 0);
    }
    this.trends.hidden = !any;
    if (fresh && this.shown) this.refreshTrends();
  }

  async refreshTrends() {
    clearTimeout(this.trendTimer);
    const plotted = await Promise.all([this.refreshTrend('temperature'), this.refreshTrend('humidity')]);
    clearTimeout(this.trendTimer);
    this.trendTimer = setTimeout(() => (this.shown ? this.refreshTrends() : null),
                                 plotted.includes(false) ? TREND_RETRY_MS : TREND_REFRESH_MS);
  }

  async refreshTrend(kind) {
    const api = this.api;
    const { select, body } = this.plots[kind];
    const sensor = ((this.view && this.view.sensors) || []).find((s) => s.id === select.value);
    if (!sensor) return true;  // nothing of this kind to plot
    if (this.plots[kind].busy) return true;
    this.plots[kind].busy = true;
    try {
      const to = Date.now() * 1000;
      const r = await api.fetchJson('GET', '/api/hvac/trend?point=' + encodeURIComponent(sensor.point) +
                                    '&from_us=' + (to - HOUR_US) + '&to_us=' + to);
      if (select.value !== sensor.id) return true;
      if (r.status !== 200 || !r.body) {
        body.replaceChildren(el('p', 'error', 'climate-trend-error', api.errorText(r)));
        return false;
      }
      const { line, band } = bucketSeries(r.body.buckets);
      if (!line.length) {
        body.replaceChildren(el('p', 'empty', 'climate-trend-empty', api.t('climate.trend.empty')));
        return false;
      }
      const fmt = (y) => (kind === 'humidity' ? this.percent(y) : this.temp(y));
      const marks = [];
      if (finite(sensor.min)) marks.push({ value: sensor.min, cls: 'trend-plot-alarm', label: api.t('climate.trend.min', { value: fmt(sensor.min) }) });
      if (finite(sensor.max)) marks.push({ value: sensor.max, cls: 'trend-plot-alarm', label: api.t('climate.trend.max', { value: fmt(sensor.max) }) });
      const plot = linePlot({
        series: [{ line, band, cls: 'climate-trend-' + kind }],
        xDomain: [to - HOUR_US, to],
        xTicks: timeTicks(to - HOUR_US, to),
        xFormat: (x) => api.formatTime(x, { date: false, seconds: false }),
        yFormat: fmt,
        yLines: marks,
        testid: 'climate-trend-' + kind + '-plot',
        label: api.t('climate.trend.' + kind),
      });
      plot.dataset.point = sensor.point;
      body.replaceChildren(plot);
      return true;
    } finally {
      this.plots[kind].busy = false;
    }
  }
}
