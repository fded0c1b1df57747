// The access page (#/access, facility and security admins): the site's access levels (zones ×
// schedules, GET /api/access_levels), groups (GET /api/groups), schedules (GET /api/schedules)
// and the holiday calendar of a year (GET /api/holidays?year=: Japan's national holidays and the
// site's closures), a year at a time, in the site's zone. The levels, groups and schedules are
// the site file's (docs/config.md); who holds them is changed on each person's page.

import { el, button } from './dom.js';
import { yearCalendar, holidayCounts } from './holiday_calendar.js';
import { siteYear } from './site_dates.js';

const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];

// "08:30" for 510 minutes after midnight; 1440 is "24:00" (the end of the day).
function clockText(minutes) {
  const m = Number(minutes) || 0;
  return String(Math.floor(m / 60)).padStart(2, '0') + ':' + String(m % 60).padStart(2, '0');
}

export class AccessPage {
  constructor(api, page) {
    this.api = api;
    this.year = siteYear(Date.now() * 1000, api.site.utc_offset_minutes);
    this.levelsBox = el('section', { cls: 'panel access-section', testid: 'access-levels' });
    this.groupsBox = el('section', { cls: 'panel access-section', testid: 'access-groups' });
    this.schedulesBox = el('section', { cls: 'panel access-section', testid: 'access-schedules' });
    this.calendarBox = el('section', { cls: 'panel access-section', testid: 'access-holidays' });
    page.element.append(el('h2', { cls: 'page-title', text: api.t('page.access') }),
                        el('p', { cls: 'hint', text: api.t('access.hint') }),
                        el('div', { cls: 'access-grid' }, [this.levelsBox, this.groupsBox, this.schedulesBox]),
                        this.calendarBox);
    page.onShow(() => this.load());
  }

  async load() {
    const { api } = this;
    const [levels, groups, schedules] = await Promise.all([
      api.fetchJson('GET', '/api/access_levels'), api.fetchJson('GET', '/api/groups'),
      api.fetchJson('GET', '/api/schedules')]);
    if (schedules.status === 200) {
      for (const s of schedules.body.schedules || []) api.names.set('schedule', s.id, s.name);
    }
    if (levels.status === 200) {
      for (const l of levels.body.access_levels || []) api.names.set('level', l.id, l.name);
    }
    if (groups.status === 200) {
      for (const g of groups.body.groups || []) api.names.set('group', g.id, g.name);
    }
    this.renderLevels(levels);
    this.renderGroups(groups);
    this.renderSchedules(schedules);
    await this.loadYear(this.year);
  }

  table(testid, headKeys, rows) {
    const { api } = this;
    return el('table', { cls: 'access-table', testid }, [
      el('thead', {}, [el('tr', {}, headKeys.map((k) => el('th', { text: api.t(k) })))]),
      el('tbody', {}, rows)]);
  }

  failed(box, titleKey, r, testid) {
    box.replaceChildren(el('h3', { text: this.api.t(titleKey) }),
                        el('p', { cls: 'error', testid, text: this.api.errorText(r) }));
  }

  renderLevels(r) {
    const { api } = this;
    if (r.status !== 200) return this.failed(this.levelsBox, 'access.levels', r, 'access-levels-error');
    const levels = r.body.access_levels || [];
    const rows = levels.map((l) => el('tr', { testid: 'access-level', attrs: { 'data-id': l.id } }, [
      el('td', { cls: 'cell-name', text: l.name || l.id }),
      el('td', {}, [el('ul', { cls: 'access-level-zones' }, (l.zones || []).map((z) =>
        el('li', { testid: 'access-level-zone', attrs: { 'data-zone': z.zone, 'data-schedule': z.schedule },
                   text: api.t('access.level.zone', { zone: api.names.get('zone', z.zone),
                                                      schedule: api.names.get('schedule', z.schedule) }) })))]),
      el('td', { text: l.restricted ? api.t('access.level.restricted') : '' }),
    ]));
    this.levelsBox.replaceChildren(el('h3', { text: api.t('access.levels') }),
      levels.length === 0 ? el('p', { cls: 'empty', testid: 'access-levels-none', text: api.t('access.levels.none') })
        : this.table('access-levels-table', ['access.col.level', 'access.col.zones', 'access.col.approval'], rows));
  }

  // The groups the site file defines; who is in each is data, shown on each person's page.
  renderGroups(r) {
    const { api } = this;
    if (r.status !== 200) return this.failed(this.groupsBox, 'access.groups', r, 'access-groups-error');
    const groups = r.body.groups || [];
    const rows = groups.map((g) => el('tr', { testid: 'access-group', attrs: { 'data-id': g.id } }, [
      el('td', { cls: 'cell-name', text: g.name || g.id }),
      el('td', { cls: 'people-id', text: g.id }),
    ]));
    this.groupsBox.replaceChildren(el('h3', { text: api.t('access.groups') }),
      groups.length === 0 ? el('p', { cls: 'empty', testid: 'access-groups-none', text: api.t('access.groups.none') })
        : this.table('access-groups-table', ['access.col.group', 'access.col.id'], rows));
  }

  windowText(w) {
    const { api } = this;
    const days = (w.days || []).map((d) => api.t('access.day.' + d)).join(api.t('access.day.separator'));
    return api.t('access.window', { days, start: clockText(w.start_minute), end: clockText(w.end_minute) });
  }

  renderSchedules(r) {
    const { api } = this;
    if (r.status !== 200) return this.failed(this.schedulesBox, 'access.schedules', r, 'access-schedules-error');
    const schedules = r.body.schedules || [];
    const rows = schedules.map((s) => el('tr', { testid: 'access-schedule', attrs: { 'data-id': s.id } }, [
      el('td', { cls: 'cell-name', text: s.name || s.id }),
      el('td', {}, [el('ul', { cls: 'access-windows' }, (s.windows || []).map((w) =>
        el('li', { text: this.windowText(w) })))]),
      el('td', { testid: 'access-schedule-holidays',
                 text: s.holidays ? (api.has('access.holidays.' + s.holidays) ? api.t('access.holidays.' + s.holidays)
                                                                                : String(s.holidays)) : '' }),
    ]));
    this.schedulesBox.replaceChildren(el('h3', { text: api.t('access.schedules') }),
      schedules.length === 0 ? el('p', { cls: 'empty', testid: 'access-schedules-none', text: api.t('access.schedules.none') })
        : this.table('access-schedules-table', ['access.col.schedule', 'access.col.windows', 'access.col.on_holidays'], rows));
  }

  async loadYear(year) {
    const { api } = this;
    this.year = year;
    const r = await api.fetchJson('GET', '/api/holidays?year=' + year);
    if (this.year !== year) return;
    const head = el('div', { cls: 'access-year' }, [
      button('‹', 'access-year-prev', { onClick: () => this.loadYear(year - 1) }),
      el('h3', { testid: 'access-year', attrs: { 'data-year': year }, text: api.t('access.holidays.title', { year }) }),
      button('›', 'access-year-next', { onClick: () => this.loadYear(year + 1) }),
    ]);
    head.firstChild.setAttribute('aria-label', api.t('access.year.prev'));
    head.lastChild.setAttribute('aria-label', api.t('access.year.next'));
    if (r.status !== 200) {
      this.calendarBox.replaceChildren(head, el('p', { cls: 'error', testid: 'access-holidays-error', text: api.errorText(r) }));
      return;
    }
    const holidays = Array.isArray(r.body.holidays) ? r.body.holidays : [];
    const counts = holidayCounts(holidays);
    const months = yearCalendar(year, holidays).map(({ month, weeks }) => el('table', {
      cls: 'access-month', testid: 'access-month', attrs: { 'data-month': month } }, [
      el('caption', { text: api.t('access.month.' + month) }),
      el('thead', {}, [el('tr', {}, WEEKDAYS.map((d) => el('th', { text: api.t('access.day_short.' + d) })))]),
      el('tbody', {}, weeks.map((week) => el('tr', {}, week.map((day) => {
        if (!day) return el('td', { cls: 'blank' });
        const h = day.holiday;
        const cls = 'day' + (day.weekday >= 5 ? ' weekend' : '') + (h ? ' holiday kind-' + h.kind : '');
        return el('td', { cls, testid: h ? 'access-holiday' : null,
                          attrs: h ? { 'data-date': day.date, 'data-kind': h.kind,
                                       title: h.name + ' · ' + api.t('access.holiday_kind.' + h.kind) } : {},
                          text: String(day.day) });
      })))),
    ]));
    const list = el('ul', { cls: 'access-holiday-list', testid: 'access-holiday-list' }, holidays.map((h) =>
      el('li', { testid: 'access-holiday-row', attrs: { 'data-date': h.date, 'data-kind': h.kind } }, [
        el('span', { cls: 'cell-time', text: h.date }),
        el('span', { text: h.name }),
        el('span', { cls: 'badge kind-' + h.kind, text: api.t('access.holiday_kind.' + h.kind) })])));
    this.calendarBox.replaceChildren(head,
      el('p', { cls: 'status', testid: 'access-holiday-counts', attrs: { 'data-count': holidays.length },
                text: api.t('access.holidays.counts', { n: holidays.length, closures: counts.closure }) }),
      el('div', { cls: 'access-months' }, months),
      holidays.length === 0 ? el('p', { cls: 'empty', testid: 'access-holidays-none', text: api.t('access.holidays.none') }) : list);
  }
}
