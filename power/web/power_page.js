// The power page (#/power): the plant's live one-line diagram (one_line.js), the fuel in the
// tanks with its endurance against the requirement (72 h unless the site says otherwise) and
// its projection plotted, every point's reading with its quality and age, the trend of a point
// over the last hour, and the plant's commands: the latest with their state, and for a
// facility admin the generator start / stop and relay / outlet switch forms (a reason is
// required; the server answers 202 and a second person approves on the approvals page) and the
// fuel delivery form; and the hub timers (hub_timers.js). Refreshed on power.* and telemetry.*
// events, one request at a time, and every 2 s (values age without events). A value whose
// quality is not good is shown greyed with its age, never as live; a failed read greys the
// whole page.

import { linePlot, bucketSeries, timeTicks } from '/trend_plot.js';
import { oneLine } from './one_line.js';
import { el, setOptions } from './dom.js';
import { HubTimersSection } from './hub_timers.js';

export const REFRESH_MS = 2000;
export const TREND_REFRESH_MS = 30000;
export const TREND_RETRY_MS = 5000;  // while the point has no sample yet
const HOUR_US = 3600 * 1000000;
const SWITCH_POINT = /^(.+)\.((?:coil|outlet)_\d+)$/;

function finite(v) {
  return typeof v === 'number' && Number.isFinite(v);
}

export class PowerPage {
  constructor(api, page, { requester }) {
    this.api = api;
    this.page = page;
    this.requester = requester;
    this.shown = false;
    this.inFlight = false;
    this.again = false;
    this.timer = null;
    this.trendTimer = null;
    this.trendInFlight = false;
    this.view = null;
    this.number = new Intl.NumberFormat(api.lang === 'ja' ? 'ja-JP' : 'en-GB',
                                        { maximumFractionDigits: 1 });
    const root = page.element;
    root.classList.add('power-page');
    const bar = el('div', 'power-bar');
    bar.appendChild(el('p', 'hint', 'power-intro', api.t('power.intro')));
    const refresh = el('button', null, 'power-refresh', api.t('power.refresh'));
    refresh.type = 'button';
    refresh.addEventListener('click', () => this.refresh());
    this.updated = el('span', 'status', 'power-updated');
    bar.append(refresh, this.updated);
    this.error = el('p', 'error', 'power-error');
    this.error.setAttribute('role', 'alert');
    this.error.hidden = true;
    this.content = el('div', 'power-content', 'power-content');
    this.content.dataset.state = 'loading';
    this.status = el('p', 'status', 'power-loading', api.t('power.loading'));
    this.diagram = this.section('power.section.diagram', 'power-diagram-panel');
    this.diagramBody = el('div', 'power-diagram-body');
    this.diagram.appendChild(this.diagramBody);
    this.hubs = new HubTimersSection(api, { requester, refresh: () => this.refresh() });
    this.fuel = this.section('power.section.fuel', 'power-fuel');
    this.fuelBody = el('div', 'power-fuel-body');
    this.fuel.appendChild(this.fuelBody);
    if (requester) this.fuel.appendChild(this.refuelForm());
    this.trend = this.trendSection();
    this.commands = this.section('power.section.commands', 'power-commands-panel');
    if (requester) this.commands.appendChild(this.commandForm());
    this.commandList = el('div', 'power-command-list');
    this.commands.appendChild(this.commandList);
    this.points = this.section('power.section.points', 'power-points-panel');
    this.pointsBody = el('div');
    this.points.appendChild(this.pointsBody);
    this.content.append(this.status, this.diagram, this.hubs.element, this.fuel, this.trend,
                        this.commands, this.points);
    for (const s of [this.diagram, this.fuel, this.trend, this.commands, this.points]) s.hidden = true;
    root.append(bar, this.error, this.content);
  }

  start() {
    this.page.onShow(() => { this.shown = true; this.refresh(); this.refreshTrend(); });
    this.page.onHide(() => {
      this.shown = false;
      clearTimeout(this.timer);
      clearTimeout(this.trendTimer);
    });
    this.api.onEvents('power.', () => this.refresh());
    this.api.onEvents('telemetry.', () => this.refresh());
    return this.refresh();
  }

  section(titleKey, testid) {
    const sec = el('section', 'panel power-section', testid);
    sec.appendChild(el('h2', 'power-section-title', null, this.api.t(titleKey)));
    return sec;
  }

  async refresh() {
    if (this.inFlight) { this.again = true; return; }
    this.inFlight = true;
    clearTimeout(this.timer);
    try {
      do {
        this.again = false;
        this.render(await this.api.fetchJson('GET', '/api/power'));
      } while (this.again);
    } finally {
      this.inFlight = false;
      this.timer = setTimeout(() => (this.shown ? this.refresh() : null), REFRESH_MS);
    }
  }

  render(r) {
    const api = this.api;
    if (r.status !== 200 || !r.body || typeof r.body !== 'object') {
      // What was shown stays, greyed: nothing on the page is live any more.
      this.content.classList.add('power-unavailable');
      this.content.dataset.live = 'false';
      this.error.textContent = api.t('power.unavailable', { error: api.errorText(r) });
      this.error.hidden = false;
      if (this.content.dataset.state === 'loading') this.content.dataset.state = 'failed';
      return;
    }
    this.error.hidden = true;
    this.content.classList.remove('power-unavailable');
    this.content.dataset.live = 'true';
    const v = this.view = r.body;
    this.updated.textContent = api.t('power.updated', {
      time: api.formatTime(v.time_us || Date.now() * 1000, { date: false }), zone: api.zoneLabel });
    this.status.hidden = true;
    const plant = v.plant || null;
    this.content.dataset.state = plant ? 'ready' : 'no_plant';
    this.diagram.hidden = !plant;
    if (plant) {
      this.diagramBody.replaceChildren(oneLine(plant, {
        t: api.t, staleText: (q, prefix) => this.staleText(q, prefix) }), this.upsStatus(v));
    }
    this.hubs.render(v.hubs || [], v.time_us || Date.now() * 1000);
    this.fuel.hidden = !(plant && plant.fuel);
    if (plant && plant.fuel) this.renderFuel(plant.fuel);
    this.trend.hidden = !(v.points || []).length;
    this.updateTrendPoints(v.points || []);
    this.commands.hidden = !(this.requester || (v.commands || []).length || plant);
    if (this.requester) this.updateCommandTargets(v);
    this.renderCommands(v.commands || []);
    this.points.hidden = !(v.points || []).length;
    this.renderPoints(v.points || []);
  }

  // --- quality and age ------------------------------------------------------------------------
  ageText(us) {
    const s = Math.max(0, Math.round(us / 1e6));
    if (s < 90) return this.api.t('power.age.seconds', { n: s });
    if (s < 90 * 60) return this.api.t('power.age.minutes', { n: Math.round(s / 60) });
    return this.api.t('power.age.hours', { n: Math.round(s / 3600) });
  }

  // '' for a good value; else "stale · 12 s ago" from the newest reading of the device.
  staleText(quality, prefix) {
    if (quality === 'good') return '';
    const q = ['stale', 'failed'].includes(quality) ? quality : 'unknown';
    const v = this.view || {};
    let newest = 0;
    for (const p of v.points || []) {
      if (prefix && p.point.startsWith(prefix + '.') && p.time_us > newest) newest = p.time_us;
    }
    if (newest > 0 && v.time_us) {
      return this.api.t('power.quality.' + q + '_age', { age: this.ageText(v.time_us - newest) });
    }
    return this.api.t('power.quality.' + q);
  }

  upsStatus(v) {
    const api = this.api;
    const list = el('ul', 'power-ups-status', 'power-ups-status');
    const ups = (v.plant && v.plant.ups) || [];
    for (const [id, s] of Object.entries(v.ups_status || {})) {
      const u = ups.find((x) => x.id === id);
      const li = el('li', null, 'power-ups-status-row', api.t(
        s.transfer_reason ? 'power.ups.nut_status_reason' : 'power.ups.nut_status',
        { ups: u ? (u.name || id) : id, status: s.status || '—', reason: s.transfer_reason || '' }));
      li.dataset.id = id;
      list.appendChild(li);
    }
    return list;
  }

  // --- fuel ------------------------------------------------------------------------------------
  renderFuel(f) {
    const api = this.api;
    const below = f.below_requirement === true;
    const facts = el('dl', 'power-facts');
    const fact = (labelKey, text, testid, cls) => {
      facts.append(el('dt', null, null, api.t(labelKey)), el('dd', cls || null, testid, text));
    };
    fact('power.fuel.litres', finite(f.litres) ? `${this.number.format(f.litres)} L` : api.t('power.value.none'), 'power-fuel-litres');
    const endurance = finite(f.endurance_h) ? api.t('power.fuel.endurance_value', {
      hours: this.number.format(f.endurance_h), required: this.number.format(f.required_h) })
      : api.t('power.fuel.endurance_unknown', { required: this.number.format(f.required_h) });
    fact('power.fuel.endurance', endurance, 'power-fuel-endurance',
         below ? 'power-below' : 'power-above');
    facts.lastChild.dataset.below = String(below);
    if (below) facts.lastChild.appendChild(el('span', 'badge power-below-badge', 'power-fuel-below',
                                              api.t('power.fuel.below')));
    if (finite(f.bulk_l)) {
      fact('power.fuel.bulk', `${this.number.format(f.bulk_l)} L`,
           'power-fuel-bulk');
    }
    if (finite(f.load_kw)) {
      const basis = ['generator', 'feeds', 'design'].includes(f.load_basis) ? f.load_basis : 'unknown';
      fact('power.fuel.load', api.t('power.fuel.load_basis.' + basis,
                                    { value: this.number.format(f.load_kw) }), 'power-fuel-load');
    }
    const projection = (f.projection || []).filter((p) => Array.isArray(p) && finite(p[0]) && finite(p[1]));
    const parts = [facts];
    if (projection.length) {
      parts.push(el('h3', null, null, api.t('power.fuel.projection')));
      parts.push(linePlot({
        series: [{ line: projection, cls: below ? 'power-projection-below' : 'power-projection' }],
        xDomain: [0, Math.max(f.required_h || 0, projection.at(-1)[0])],
        yDomain: [0, projection[0][1]],
        xFormat: (x) => api.t('power.fuel.hours_tick', { n: Math.round(x) }),
        yFormat: (y) => this.number.format(Math.round(y)),
        xLines: [{ value: f.required_h, cls: below ? 'trend-plot-alarm' : '',
                   label: api.t('power.fuel.required_mark', { hours: this.number.format(f.required_h) }) }],
        testid: 'power-fuel-projection',
        label: api.t('power.fuel.projection'),
      }));
    }
    this.fuelBody.replaceChildren(...parts);
  }

  refuelForm() {
    const api = this.api;
    const form = el('form', 'power-form', 'power-refuel-form');
    form.appendChild(el('h3', null, null, api.t('power.refuel.title')));
    const litresLabel = el('label', null, null, api.t('power.refuel.litres'));
    const litres = el('input', null, 'power-refuel-litres');
    litres.type = 'number';
    litres.min = '1';
    litres.step = 'any';
    litresLabel.appendChild(litres);
    const noteLabel = el('label', null, null, api.t('power.refuel.note'));
    const note = el('input', null, 'power-refuel-note');
    note.type = 'text';
    note.maxLength = 500;
    noteLabel.appendChild(note);
    const submit = el('button', 'primary', 'power-refuel-submit', api.t('power.refuel.submit'));
    submit.type = 'submit';
    const result = el('p', 'status', 'power-refuel-result');
    result.setAttribute('role', 'status');
    form.append(litresLabel, noteLabel, submit, result);
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const value = Number(litres.value);
      if (!(value > 0)) {
        result.className = 'error';
        result.textContent = api.t('power.refuel.litres_required');
        return;
      }
      submit.disabled = true;
      const body = { litres: value };
      if (note.value.trim()) body.note = note.value.trim();
      const r = await api.fetchJson('POST', '/api/power/refuel', body);
      submit.disabled = false;
      if (r.status === 200) {
        result.className = 'status';
        result.textContent = api.t('power.refuel.done', { litres: this.number.format(value) });
        litres.value = '';
        note.value = '';
        this.refresh();
      } else {
        result.className = 'error';
        result.textContent = api.errorText(r);
      }
    });
    return form;
  }

  // --- trends ----------------------------------------------------------------------------------
  trendSection() {
    const api = this.api;
    const sec = this.section('power.section.trend', 'power-trend');
    const label = el('label', null, null, api.t('power.trend.point'));
    this.trendSelect = el('select', null, 'power-trend-point');
    this.trendSelect.addEventListener('change', () => this.refreshTrend());
    label.appendChild(this.trendSelect);
    sec.appendChild(label);
    sec.appendChild(el('p', 'hint', null, api.t('power.trend.hint', { zone: api.zoneLabel })));
    this.trendBody = el('div', 'power-trend-body', 'power-trend-body');
    sec.appendChild(this.trendBody);
    return sec;
  }

  updateTrendPoints(points) {
    const numeric = points.filter((p) => !SWITCH_POINT.test(p.point));
    const first = !this.trendSelect.dataset.options;
    setOptions(this.trendSelect, numeric.map((p) => [p.point, p.unit && p.unit !== '-'
      ? this.api.t('power.trend.point_unit', { point: p.point, unit: p.unit }) : p.point]));
    if (first && numeric.length) {
      // A meter's power first: the plot most desks want to see.
      const pick = numeric.find((p) => p.point.endsWith('.power')) || numeric[0];
      this.trendSelect.value = pick.point;
      if (this.shown) this.refreshTrend();
    }
  }

  async refreshTrend() {
    const point = this.trendSelect.value;
    if (!point || this.trendInFlight) return;
    this.trendInFlight = true;
    clearTimeout(this.trendTimer);
    const api = this.api;
    let next = TREND_REFRESH_MS;
    try {
      const to = Date.now() * 1000;
      const r = await api.fetchJson('GET', '/api/power/trend?point=' + encodeURIComponent(point) +
                                    '&from_us=' + (to - HOUR_US) + '&to_us=' + to);
      if (point !== this.trendSelect.value) return;
      if (r.status !== 200 || !r.body) {
        this.trendBody.replaceChildren(el('p', 'error', 'power-trend-error', api.errorText(r)));
        return;
      }
      const { line, band } = bucketSeries(r.body.buckets);
      if (!line.length) {
        next = TREND_RETRY_MS;  // the first samples are a second away on a fresh site
        this.trendBody.replaceChildren(el('p', 'empty', 'power-trend-empty', api.t('power.trend.empty')));
        return;
      }
      const unit = r.body.unit && r.body.unit !== '-' ? ' ' + r.body.unit : '';
      const plot = linePlot({
        series: [{ line, band }],
        xDomain: [to - HOUR_US, to],
        xTicks: timeTicks(to - HOUR_US, to),
        xFormat: (x) => api.formatTime(x, { date: false, seconds: false }),
        yFormat: (y) => this.number.format(y) + unit,
        testid: 'power-trend-plot',
        label: api.t('power.trend.label', { point }),
      });
      plot.dataset.point = point;
      this.trendBody.replaceChildren(plot, el('p', 'hint', null, api.t('power.trend.resolution', {
        resolution: r.body.resolution || '', count: line.length })));
    } finally {
      this.trendInFlight = false;
      this.trendTimer = setTimeout(() => (this.shown ? this.refreshTrend() : null), next);
    }
  }

  // --- commands --------------------------------------------------------------------------------
  commandForm() {
    const api = this.api;
    const form = el('form', 'power-form', 'power-command-form');
    form.appendChild(el('h3', null, null, api.t('power.command.title')));
    form.appendChild(el('p', 'hint', null, api.t('power.command.hint')));
    const field = (key, input) => {
      const label = el('label', null, null, api.t(key));
      label.appendChild(input);
      form.appendChild(label);
      return label;
    };
    this.cmdDevice = el('select', null, 'power-command-device');
    this.cmdCommand = el('select', null, 'power-command-command');
    this.cmdPoint = el('select', null, 'power-command-point');
    this.cmdReason = el('input', null, 'power-command-reason');
    this.cmdReason.type = 'text';
    this.cmdReason.maxLength = 500;
    field('power.command.device', this.cmdDevice);
    field('power.command.command', this.cmdCommand);
    this.cmdPointLabel = field('power.command.point', this.cmdPoint);
    field('power.command.reason', this.cmdReason);
    const submit = el('button', 'primary', 'power-command-submit', api.t('power.command.submit'));
    submit.type = 'submit';
    this.cmdError = el('p', 'error', 'power-command-error');
    this.cmdResult = el('p', 'status', 'power-command-result');
    this.cmdResult.setAttribute('role', 'status');
    form.append(submit, this.cmdError, this.cmdResult);
    this.cmdDevice.addEventListener('change', () => this.updateCommandFields());
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      this.cmdError.textContent = '';
      const target = (this.targets || []).find((x) => x.device === this.cmdDevice.value);
      const reason = this.cmdReason.value.trim();
      if (!target) return;
      if (!reason) {
        this.cmdError.textContent = api.t('power.command.reason_required');
        return;
      }
      const body = { device: target.device, command: this.cmdCommand.value, reason };
      if (target.kind === 'switch') body.point = this.cmdPoint.value;
      submit.disabled = true;
      const r = await api.fetchJson('POST', '/api/power/commands', body);
      submit.disabled = false;
      if (r.status === 202 && r.body && r.body.approval) {
        this.cmdResult.textContent = api.t('power.command.awaiting', { id: r.body.approval.id });
        this.cmdResult.dataset.approval = r.body.approval.id;
        this.cmdReason.value = '';
        this.refresh();
      } else {
        this.cmdError.textContent = api.errorText(r);
      }
    });
    return form;
  }

  // The generator (start / stop) and every relay board or PDU whose coils GET /api/power lists,
  // but a hub timer's coil: the server refuses it (an override is the way, hub_timers.js).
  updateCommandTargets(v) {
    const targets = [];
    const gen = v.plant && v.plant.generator;
    if (gen && gen.device) targets.push({ device: gen.device, kind: 'generator', points: [] });
    const timed = new Set((v.hubs || []).map((h) => h.device + '.' + h.point));
    const switches = new Map();
    for (const p of v.points || []) {
      const m = SWITCH_POINT.exec(p.point);
      if (!m || timed.has(p.point)) continue;
      if (!switches.has(m[1])) switches.set(m[1], []);
      switches.get(m[1]).push(m[2]);
    }
    for (const [device, points] of switches) targets.push({ device, kind: 'switch', points });
    this.targets = targets;
    setOptions(this.cmdDevice, targets.map((x) => [x.device, this.api.t(
      x.kind === 'generator' ? 'power.command.device_generator' : 'power.command.device_switch',
      { device: x.device })]));
    this.updateCommandFields();
  }

  updateCommandFields() {
    const target = (this.targets || []).find((x) => x.device === this.cmdDevice.value);
    const commands = !target ? [] : target.kind === 'generator' ? ['start', 'stop'] : ['on', 'off'];
    setOptions(this.cmdCommand, commands.map((c) => [c, this.api.t('power.command.' + c)]));
    this.cmdPointLabel.hidden = !target || target.kind !== 'switch';
    setOptions(this.cmdPoint, target && target.kind === 'switch'
      ? target.points.map((p) => [p, p]) : []);
  }

  renderCommands(commands) {
    const api = this.api;
    if (!commands.length) {
      this.commandList.replaceChildren(el('p', 'empty', 'power-commands-empty', api.t('power.commands.none')));
      return;
    }
    const table = el('table', 'power-table', 'power-commands');
    const head = table.createTHead().insertRow();
    for (const k of ['approved', 'device', 'command', 'state', 'done', 'message']) {
      head.appendChild(el('th', null, null, api.t('power.commands.col.' + k)));
    }
    const body = table.createTBody();
    for (const c of commands.slice(0, 20)) {
      const row = body.insertRow();
      row.setAttribute('data-testid', 'power-command');
      row.dataset.approval = c.approval;
      row.dataset.state = c.state;
      const tone = c.state === 'confirmed' ? 'tone-granted'
        : c.state === 'unconfirmed' || c.state === 'failed' ? 'tone-alarm' : 'tone-warning';
      row.className = tone;
      const cell = (text, testid) => row.appendChild(el('td', null, testid, text));
      cell(c.approved_us ? api.formatTime(c.approved_us) : '', 'power-command-approved');
      cell(c.point ? c.device + ' · ' + c.point : c.device, 'power-command-device');
      cell(api.has('power.command.' + c.command) ? api.t('power.command.' + c.command) : c.command);
      const state = el('td');
      const known = ['sending', 'sent', 'confirmed', 'unconfirmed', 'failed'].includes(c.state);
      state.appendChild(el('span', 'badge power-command-' + c.state, 'power-command-state',
                           known ? api.t('power.commands.state.' + c.state) : c.state));
      row.appendChild(state);
      cell(c.done_us ? api.formatTime(c.done_us) : '', 'power-command-done');
      cell(c.message || '', 'power-command-message');
    }
    this.commandList.replaceChildren(table);
  }

  // --- every point --------------------------------------------------------------------------
  renderPoints(points) {
    const api = this.api;
    const v = this.view || {};
    const table = el('table', 'power-table', 'power-points');
    const head = table.createTHead().insertRow();
    for (const k of ['point', 'value', 'quality', 'time']) {
      head.appendChild(el('th', null, null, api.t('power.points.col.' + k)));
    }
    const body = table.createTBody();
    for (const p of points) {
      const row = body.insertRow();
      row.setAttribute('data-testid', 'power-point');
      row.dataset.point = p.point;
      row.dataset.quality = p.quality;
      if (p.quality !== 'good') row.className = 'power-stale';
      if (p.out_of_envelope) row.classList.add('tone-warning');
      const unit = p.unit && p.unit !== '-' ? ' ' + p.unit : '';
      row.appendChild(el('td', null, null, p.point));
      row.appendChild(el('td', null, 'power-point-value',
                         finite(p.value) ? this.number.format(p.value) + unit : api.t('power.value.none')));
      const q = ['good', 'stale', 'failed'].includes(p.quality) ? p.quality : 'unknown';
      const quality = p.quality === 'good' ? api.t('power.quality.good')
        : p.time_us > 0 && v.time_us ? api.t('power.quality.' + q + '_age', {
          age: this.ageText(v.time_us - p.time_us) }) : api.t('power.quality.' + q);
      row.appendChild(el('td', null, 'power-point-quality', quality));
      row.appendChild(el('td', null, null, p.time_us > 0 ? api.formatTime(p.time_us) : ''));
    }
    this.pointsBody.replaceChildren(table);
  }
}
