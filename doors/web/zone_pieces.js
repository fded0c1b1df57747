// Zone control on the overview (doors/zone_control, zone_routes): the Lockdown panel (what is
// locked down now; start one for the site or a zone — the desk and the security admin, it is an
// emergency — and lift it, the security admin only; each with a comment), the Never alone panel
// (a person left alone in a two-person zone, live from zone.alone / zone.alone_cleared), and
// the Muster panel (who is inside each zone now; a roll call, and who has left since:
// GET /api/muster, POST /api/muster). Loaded from GET /api/zone_control and GET /api/muster,
// live from zone.* and presence.* events.

import { el, field, button, select, form, outcomeLine, showOutcome } from './dom.js';
import { LockdownModel, AloneModel, musterView, LOCKDOWN_START_ROLES, LOCKDOWN_LIFT_ROLES,
         MUSTER_ROLES } from './zone_model.js';

const REFETCH_MS = 800;

export class ZoneWatch {
  constructor(api) {
    this.api = api;
    this.lockdowns = new LockdownModel();
    this.alone = new AloneModel();
    this.muster = musterView(null);
    this.lockdownError = null;
    this.musterError = null;
    this.zones = [];
    this.listeners = [];
    this.musterTimer = null;
  }

  async start() {
    this.api.onEvents('zone.', (e) => this.onZoneEvent(e));
    this.api.onEvents('presence.', () => this.musterSoon());
    const site = await this.api.fetchJson('GET', '/api/site');
    this.zones = site.status === 200 && Array.isArray(site.body.zones)
      ? site.body.zones.filter((z) => z.kind !== 'site') : [];
    await Promise.all([this.loadLockdown(), this.loadMuster()]);
  }

  async loadLockdown() {
    // ZoneControl::toJson: the lockdowns, and the zones with one person alone now.
    const r = await this.api.fetchJson('GET', '/api/zone_control');
    this.lockdownError = r.status === 200 ? null : r;
    if (r.status === 200) {
      this.lockdowns.load(r.body);
      if (Array.isArray(r.body.alone)) this.alone.load(r.body.alone);
    }
    this.notify();
  }

  async loadMuster() {
    const r = await this.api.fetchJson('GET', '/api/muster');
    this.musterError = r.status === 200 ? null : r;
    if (r.status === 200) this.muster = musterView(r.body);
    this.notify();
  }

  musterSoon() {
    if (this.musterTimer) return;
    this.musterTimer = setTimeout(() => {
      this.musterTimer = null;
      this.loadMuster();
    }, REFETCH_MS);
  }

  onZoneEvent(event) {
    const p = event.payload || {};
    if (p.person && p.person_name) this.api.names.set('person', p.person, p.person_name);
    let changed = this.lockdowns.apply(event) || this.alone.apply(event);
    if (event.type.startsWith('zone.lockdown_')) this.loadLockdown();
    if (event.type === 'zone.muster_started') {
      this.musterSoon();
      changed = true;
    }
    if (changed) this.notify();
    for (const fn of this.listeners) if (fn.onEvent) fn.onEvent(event);
  }

  onChange(view) {
    this.listeners.push(view);
  }

  notify() {
    for (const view of this.listeners) {
      try { view.render(); } catch (e) { console.error('zones view', e); }
    }
  }
}

export class LockdownPanel {
  constructor(api, watch, body) {
    this.api = api;
    this.watch = watch;
    this.body = body;
    this.mayStart = LOCKDOWN_START_ROLES.has(api.me.role);
    this.mayLift = LOCKDOWN_LIFT_ROLES.has(api.me.role);
    this.state = el('div', { cls: 'lockdown-state', testid: 'overview-lockdown-state' });
    this.outcome = outcomeLine('overview-lockdown-outcome');
    this.liftComment = el('textarea', { testid: 'overview-lockdown-lift-comment',
                                        attrs: { rows: 1, maxlength: 500, 'aria-label': api.t('doors.comment') } });
    this.startForm = this.mayStart ? this.buildStart() : null;
    body.append(this.state, this.startForm, this.outcome);
    watch.onChange(this);
    this.render();
  }

  buildStart() {
    const { api } = this;
    this.scope = select('overview-lockdown-scope', [{ value: 'site', text: api.t('zones.lockdown.site') }]);
    this.comment = el('textarea', { testid: 'overview-lockdown-comment', attrs: { rows: 2, maxlength: 500 } });
    return form('overview-lockdown-form', [
      field(api.t('zones.lockdown.scope'), this.scope),
      field(api.t('doors.comment'), this.comment),
      el('div', { cls: 'doors-form-actions' }, [
        button(api.t('zones.lockdown.start'), 'overview-lockdown-start', { cls: 'danger', type: 'submit' })]),
    ], () => this.start());
  }

  scopeOptions() {
    const { api } = this;
    const options = [{ value: 'site', text: api.t('zones.lockdown.site') }];
    for (const z of this.watch.zones) options.push({ value: 'zone:' + z.id, text: z.name || z.id });
    return options;
  }

  async start() {
    const { api } = this;
    const comment = this.comment.value.trim();
    if (!comment) return this.outcome.show('error', api.t('doors.comment.required'));
    const value = this.scope.value;
    const body = value === 'site' ? { scope: 'site', comment } : { scope: 'zone', zone: value.slice(5), comment };
    const target = value === 'site' ? api.t('zones.lockdown.site') : api.names.get('zone', body.zone);
    if (!window.confirm(api.t('zones.lockdown.start_confirm', { target }))) return;
    const r = await api.fetchJson('POST', '/api/lockdown', body);
    if (showOutcome(api, this.outcome, r, api.t('zones.lockdown.started', { target })) === 'done') {
      this.comment.value = '';
      await this.watch.loadLockdown();
    }
  }

  async lift(row) {
    const { api } = this;
    const comment = this.liftComment.value.trim();
    if (!comment) return this.outcome.show('error', api.t('doors.comment.required'));
    const body = row.scope === 'site' ? { scope: 'site', comment } : { scope: 'zone', zone: row.target, comment };
    const r = await api.fetchJson('POST', '/api/lockdown/lift', body);
    const target = row.scope === 'site' ? api.t('zones.lockdown.site') : api.names.get('zone', row.target);
    if (showOutcome(api, this.outcome, r, api.t('zones.lockdown.lifted', { target })) === 'done') {
      this.liftComment.value = '';
      await this.watch.loadLockdown();
    }
  }

  onEvent(event) {
    if (event.type === 'zone.lockdown_started') this.api.highlight(this.body);
  }

  render() {
    const { api, watch } = this;
    if (this.scope && this.scope.options.length !== watch.zones.length + 1) {
      const keep = this.scope.value;
      this.scope.replaceChildren(...this.scopeOptions().map((o) => el('option', { text: o.text, attrs: { value: o.value } })));
      this.scope.value = keep || 'site';
    }
    const rows = watch.lockdowns.list();
    this.state.dataset.active = rows.length > 0 ? 'true' : 'false';
    const children = [];
    if (watch.lockdownError) {
      children.push(el('p', { cls: 'error', testid: 'overview-lockdown-error', text: api.errorText(watch.lockdownError) }));
    } else if (rows.length === 0) {
      children.push(el('p', { cls: 'status', testid: 'overview-lockdown-none', text: api.t('zones.lockdown.none') }));
    }
    if (rows.length > 0) {
      const list = el('ul', { cls: 'lockdown-list' });
      for (const row of rows) {
        const target = row.scope === 'site' ? api.t('zones.lockdown.site') : api.names.get('zone', row.target);
        list.appendChild(el('li', { cls: 'tone-alarm', testid: 'overview-lockdown-row',
                                    attrs: { 'data-scope': row.scope, 'data-target': row.target } }, [
          el('strong', { text: api.t('zones.lockdown.active', { target }) }),
          el('span', { cls: 'people-id', text: api.t('zones.lockdown.since', {
            time: api.formatTime(row.since_us), who: row.by || '' }) }),
          row.comment ? el('span', { cls: 'hint', text: row.comment }) : null,
          this.mayLift ? button(api.t('zones.lockdown.lift'), 'overview-lockdown-lift',
                                { onClick: () => this.lift(row) }) : null,
        ]));
      }
      children.push(list);
      if (this.mayLift) children.push(field(api.t('zones.lockdown.lift_comment'), this.liftComment));
      else children.push(el('p', { cls: 'hint', testid: 'overview-lockdown-lift-note', text: api.t('zones.lockdown.lift_note') }));
    }
    this.state.replaceChildren(...children);
  }
}

export class AlonePanel {
  constructor(api, watch, body) {
    this.api = api;
    this.watch = watch;
    this.body = body;
    watch.onChange(this);
    this.render();
  }

  onEvent(event) {
    if (event.type === 'zone.alone') this.api.highlight(this.body);
  }

  render() {
    const { api, watch } = this;
    const rows = watch.alone.list();
    const children = [];
    if (rows.length === 0) {
      children.push(el('p', { cls: 'status', testid: 'overview-alone-none', text: api.t('zones.alone.none') }));
    }
    for (const row of rows) {
      children.push(el('p', { cls: 'tone-alarm alone-row', testid: 'overview-alone-row',
                              attrs: { 'data-zone': row.zone, 'data-person': row.person } },
                       [el('span', { text: api.t('zones.alone.row', {
                         zone: api.names.get('zone', row.zone),
                         person: row.person_name || api.names.get('person', row.person),
                         time: api.formatTime(row.since_us, { date: false }) }) })]));
    }
    this.body.replaceChildren(...children);
  }
}

export class MusterPanel {
  constructor(api, watch, body) {
    this.api = api;
    this.watch = watch;
    this.body = body;
    this.mayCall = MUSTER_ROLES.has(api.me.role);
    this.view = el('div', { cls: 'muster-view', testid: 'overview-muster' });
    this.outcome = outcomeLine('overview-muster-outcome');
    if (this.mayCall) {
      this.comment = el('textarea', { testid: 'overview-muster-comment', attrs: { rows: 1, maxlength: 500 } });
      this.startForm = form('overview-muster-form', [
        field(api.t('doors.comment'), this.comment),
        el('div', { cls: 'doors-form-actions' }, [
          button(api.t('zones.muster.start'), 'overview-muster-start', { cls: 'primary', type: 'submit' })]),
      ], () => this.start());
    }
    body.append(this.view, this.startForm || null, this.outcome);
    watch.onChange(this);
    this.render();
  }

  async start() {
    const { api } = this;
    const comment = this.comment.value.trim();
    if (!comment) return this.outcome.show('error', api.t('doors.comment.required'));
    const r = await api.fetchJson('POST', '/api/muster', { comment });
    if (showOutcome(api, this.outcome, r, api.t('zones.muster.started')) === 'done') {
      this.comment.value = '';
      await this.watch.loadMuster();
    }
  }

  person(p, extra) {
    return el('li', { testid: 'overview-muster-person', attrs: { 'data-person': p.person } }, [
      el('span', { text: p.person_name || this.api.names.get('person', p.person) }),
      extra ? el('span', { cls: 'people-id', text: extra }) : null]);
  }

  render() {
    const { api, watch } = this;
    const m = watch.muster;
    const children = [];
    if (watch.musterError) {
      children.push(el('p', { cls: 'error', testid: 'overview-muster-error', text: api.errorText(watch.musterError) }));
    }
    children.push(el('p', { cls: 'status', testid: 'overview-muster-inside', attrs: { 'data-count': m.insideCount },
                            text: api.t('zones.muster.inside', { n: m.insideCount }) }));
    if (m.roll) {
      const r = m.roll;
      children.push(el('p', { cls: 'muster-roll-head', testid: 'overview-muster-roll',
                              attrs: { 'data-started': r.startedUs, 'data-on-roll': r.onRoll, 'data-left': r.leftCount } },
                         [el('strong', { text: api.t('zones.muster.roll', {
                           time: api.formatTime(r.startedUs), who: r.actor, n: r.onRoll, left: r.leftCount }) })]));
      for (const z of r.zones) {
        const remaining = el('ul', { cls: 'muster-people remaining' },
                             z.remaining.map((p) => this.person(p, '')));
        const left = el('ul', { cls: 'muster-people left' }, z.left.map((p) => this.person(p,
          p.now_zone ? api.t('zones.muster.now_in', { zone: api.names.get('zone', p.now_zone) })
                     : api.t('zones.muster.now_out'))));
        children.push(el('section', { cls: 'muster-zone', testid: 'overview-muster-zone',
                                      attrs: { 'data-zone': z.zone, 'data-remaining': z.remaining.length,
                                               'data-left': z.left.length } }, [
          el('h4', { text: api.names.get('zone', z.zone) }),
          el('p', { cls: 'hint', text: api.t('zones.muster.still_inside', { n: z.remaining.length }) }), remaining,
          z.left.length > 0 ? el('p', { cls: 'hint', text: api.t('zones.muster.left', { n: z.left.length }) }) : null,
          z.left.length > 0 ? left : null,
        ]));
      }
    } else {
      children.push(el('p', { cls: 'empty', testid: 'overview-muster-none', text: api.t('zones.muster.none') }));
    }
    this.view.replaceChildren(...children);
  }
}
