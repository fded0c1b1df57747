// The power page's hub timers (docs/power.md, "Hub timers"): one row per hub of GET /api/power
// `hubs` — the state as the relay reads it (unknown when it cannot be read, never taken for
// off), what the timer wants, its schedule and window, the next change or cut in the site's
// zone, the approved override and the alarms' flags. For a facility admin, the form asking for
// out-of-hours power (POST /api/power/hubs/overrides; a reason is required, and a second person
// approves on the approvals page). A site without hub timers does not show the section.

import { el, setOptions } from './dom.js';

const MINUTE_US = 60 * 1000000;
// nextChangeUs answers now + 8 days when nothing changes that long (policy/schedule.hpp): a
// change further away than a week is not shown as a time.
const HORIZON_US = 7 * 24 * 60 * MINUTE_US;
const STATES = ['on', 'off', 'unknown'];
const SITE_INPUT = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})(?::(\d{2}))?$/;

// "+09:00" for a site at UTC+9: the offset an RFC 3339 time in the site's zone carries.
function offsetText(minutes) {
  const m = Math.abs(minutes);
  return (minutes < 0 ? '-' : '+') + String(Math.floor(m / 60)).padStart(2, '0') + ':' +
    String(m % 60).padStart(2, '0');
}

export class HubTimersSection {
  constructor(api, { requester, refresh }) {
    this.api = api;
    this.requester = requester;
    this.refresh = refresh;
    const sec = this.element = el('section', 'panel power-section', 'power-hubs');
    sec.appendChild(el('h2', 'power-section-title', null, api.t('power.section.hubs')));
    sec.appendChild(el('p', 'hint', null, api.t('power.hubs.hint')));
    this.body = el('div', 'power-hub-list');
    sec.appendChild(this.body);
    if (requester) {
      this.form = this.overrideForm();
      this.form.hidden = true;
      sec.appendChild(this.form);
    }
    sec.hidden = true;
  }

  render(hubs, nowUs) {
    this.element.hidden = !hubs.length;
    if (!hubs.length) return;
    this.body.replaceChildren(this.table(hubs, nowUs));
    if (this.form) {
      const askable = hubs.filter((h) => h.allow_override === true);
      this.form.hidden = !askable.length;
      setOptions(this.hubSelect, askable.map((h) => [h.id, h.name || h.id]));
    }
  }

  time(us) {
    return this.api.formatTime(us, { seconds: false });
  }

  table(hubs, nowUs) {
    const api = this.api;
    const table = el('table', 'power-table power-hubs-table', 'power-hubs-table');
    const head = table.createTHead().insertRow();
    for (const k of ['hub', 'state', 'desired', 'schedule', 'change', 'override', 'flags']) {
      head.appendChild(el('th', null, null, api.t('power.hubs.col.' + k, { zone: api.zoneLabel })));
    }
    const body = table.createTBody();
    for (const h of hubs) body.appendChild(this.row(h, nowUs));
    return table;
  }

  row(h, nowUs) {
    const api = this.api;
    const state = STATES.includes(h.state) ? h.state : 'unknown';
    const row = el('tr', null, 'power-hub');
    row.dataset.id = h.id;
    row.dataset.state = state;
    row.dataset.desired = h.desired === 'on' ? 'on' : 'off';
    row.dataset.inWindow = String(h.in_window === true);
    row.dataset.failing = String(h.failing === true);
    row.dataset.outsideWindow = String(h.outside_window === true);
    row.dataset.override = h.override ? h.override.approval : '';
    row.dataset.live = String(state !== 'unknown');
    if (state === 'unknown') row.classList.add('power-hub-unknown');
    if (h.outside_window || h.failing) row.classList.add('tone-alarm');
    else if (h.pending || state !== row.dataset.desired) row.classList.add('tone-warning');
    const cell = (testid, ...children) => {
      const td = el('td', null, testid);
      td.append(...children);
      row.appendChild(td);
      return td;
    };
    const name = cell('power-hub-name', el('span', 'power-hub-title', null, h.name || h.id));
    name.appendChild(el('span', 'power-hub-relay', null, h.device + ' · ' + h.point));
    cell('power-hub-state-cell', el('span', 'badge power-hub-state power-hub-state-' + state,
                                    'power-hub-state', api.t('power.hubs.state.' + state)));
    cell('power-hub-desired', api.t('power.hubs.desired.' + row.dataset.desired));
    cell('power-hub-schedule', api.t(h.in_window ? 'power.hubs.window.in' : 'power.hubs.window.out',
                                     { schedule: h.schedule }));
    const change = this.nextChange(h, nowUs);
    const changeCell = cell('power-hub-change', change.text);
    changeCell.dataset.us = change.us === null ? '' : String(change.us);
    const override = cell('power-hub-override');
    this.fillOverride(override, h.override);
    const flags = cell('power-hub-flags');
    for (const [flag, text] of this.flags(h, nowUs)) {
      const badge = el('span', 'badge power-hub-flag power-hub-flag-' + flag, 'power-hub-flag', text);
      badge.dataset.flag = flag;
      flags.appendChild(badge);
    }
    return row;
  }

  // On: when it is cut (its window's end, or its override's). Off: when it is powered next
  // (its window opens, or an approved override starts).
  nextChange(h, nowUs) {
    const api = this.api;
    if (h.desired === 'on') {
      const cut = Number.isFinite(h.cut_at_us) ? h.cut_at_us : null;
      if (cut === null || cut - nowUs >= HORIZON_US) return { text: api.t('power.hubs.no_cut'), us: null };
      return { text: api.t('power.hubs.cut_at', { time: this.time(cut) }), us: cut };
    }
    const times = [];
    if (Number.isFinite(h.window_change_us) && h.window_change_us - nowUs < HORIZON_US) {
      times.push(h.window_change_us);
    }
    if (h.override && !h.override.started && Number.isFinite(h.override.from_us)) {
      times.push(h.override.from_us);
    }
    if (!times.length) return { text: api.t('power.hubs.no_on'), us: null };
    const on = Math.min(...times);
    return { text: api.t('power.hubs.on_at', { time: this.time(on) }), us: on };
  }

  fillOverride(td, o) {
    const api = this.api;
    if (!o) {
      td.textContent = api.t('power.value.none');
      return;
    }
    td.dataset.approval = o.approval;
    td.dataset.started = String(o.started === true);
    const line = (key, params) => td.appendChild(el('span', 'power-hub-override-line', null,
                                                     api.t(key, params)));
    if (o.started) line('power.hubs.override.until', { until: this.time(o.until_us) });
    else line('power.hubs.override.window', { from: this.time(o.from_us), until: this.time(o.until_us) });
    line('power.hubs.override.reason_is', { reason: o.reason || '' });
    line('power.hubs.override.by', { requested: o.requested_by || '', approved: o.approved_by || '' });
  }

  flags(h, nowUs) {
    const api = this.api;
    const out = [];
    if (h.outside_window) out.push(['outside_window', api.t('power.hubs.flag.outside_window')]);
    if (h.failing) out.push(['failing', api.t('power.hubs.flag.failing')]);
    if (h.pending) {
      out.push(['pending', api.t(h.pending.on ? 'power.hubs.flag.pending_on'
                                              : 'power.hubs.flag.pending_off')]);
    }
    const cut = h.cut_at_us;
    if (h.desired === 'on' && Number.isFinite(cut) && cut > nowUs &&
        cut - nowUs <= (h.warn_before_min || 0) * MINUTE_US) {
      out.push(['cut_soon', api.t('power.hubs.flag.cut_soon',
                                  { n: Math.ceil((cut - nowUs) / MINUTE_US) })]);
    }
    return out;
  }

  // --- the override request ---------------------------------------------------------------
  overrideForm() {
    const api = this.api;
    const form = el('form', 'power-form', 'power-hub-override-form');
    form.appendChild(el('h3', null, null, api.t('power.hubs.override.title')));
    form.appendChild(el('p', 'hint', null, api.t('power.hubs.override.hint')));
    const field = (key, input, params) => {
      const label = el('label', null, null, api.t(key, params));
      label.appendChild(input);
      form.appendChild(label);
    };
    this.hubSelect = el('select', null, 'power-hub-override-hub');
    const minutes = el('input', null, 'power-hub-override-minutes');
    minutes.type = 'number';
    minutes.min = '1';
    minutes.step = '1';
    const from = el('input', null, 'power-hub-override-from');
    from.type = 'datetime-local';
    const reason = el('input', null, 'power-hub-override-reason');
    reason.type = 'text';
    reason.maxLength = 500;
    field('power.hubs.override.hub', this.hubSelect);
    field('power.hubs.override.minutes', minutes);
    field('power.hubs.override.from', from, { zone: api.zoneLabel });
    field('power.hubs.override.reason', reason);
    const submit = el('button', 'primary', 'power-hub-override-submit',
                      api.t('power.hubs.override.submit'));
    submit.type = 'submit';
    const error = el('p', 'error', 'power-hub-override-error');
    const result = el('p', 'status', 'power-hub-override-result');
    result.setAttribute('role', 'status');
    form.append(submit, error, result);
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      error.textContent = '';
      result.textContent = '';
      delete result.dataset.approval;
      const hub = this.hubSelect.value;
      if (!hub) return;
      const n = Number(minutes.value);
      if (!Number.isInteger(n) || n < 1) {
        error.textContent = api.t('power.hubs.override.minutes_required');
        return;
      }
      const why = reason.value.trim();
      if (!why) {
        error.textContent = api.t('power.hubs.override.reason_required');
        return;
      }
      const body = { hub, minutes: n, reason: why };
      if (from.value) {
        // The input is the site's wall clock: the same text with the site's offset.
        const m = SITE_INPUT.exec(from.value);
        if (!m) {
          error.textContent = api.t('power.hubs.override.from_bad');
          return;
        }
        body.from = m[1] + 'T' + m[2] + ':' + (m[3] || '00') +
          offsetText(api.site.utc_offset_minutes || 0);
      }
      submit.disabled = true;
      const r = await api.fetchJson('POST', '/api/power/hubs/overrides', body);
      submit.disabled = false;
      if (r.status === 202 && r.body && r.body.approval) {
        result.textContent = api.t('power.hubs.override.awaiting', { id: r.body.approval.id });
        result.dataset.approval = r.body.approval.id;
        reason.value = '';
        from.value = '';
        this.refresh();
      } else {
        error.textContent = api.t('power.hubs.override.refused', { error: api.errorText(r) });
      }
    });
    return form;
  }
}
