// The parts of a door's page (#/doors?id=) beyond its facts: the conditions the desk must see
// (held-open pre-alarm, lock fault, reader fault, held unlocked by first-person-in or a timed
// unlock, lockdown; door_live.js), the door's commands for the desk and the security admin
// (POST /api/doors/{id}/unlock | lock | timed_unlock {comment, minutes}: 202 when the door's zone
// needs a second person's approval, shown as waiting; a circle gate's rearm {comment}), and the
// revocations the panels have not
// yet acknowledged (GET /api/revocations, live by panel.revocation_* events).

import { el, field, input, button, form, outcomeLine } from './dom.js';
import { doorAlerts, commandOutcome, checkTimedMinutes, unacknowledged, lockdownCovers,
         TIMED_UNLOCK_MINUTES } from './door_live.js';
import { LockdownModel } from './zone_model.js';

export const COMMAND_ROLES = new Set(['operator', 'security_admin']);
// The roles GET /api/zone_control serves (doors/zone_routes.hpp kZoneViewers).
const ZONE_VIEWER_ROLES = new Set(['operator', 'security_admin', 'facility_admin']);
const COMMANDS = ['unlock', 'timed_unlock', 'lock'];
// A circle gate's one command (doors/door_commands.hpp): its leaves are the gate's interlock.
const GATE_COMMANDS = ['rearm'];

export class DoorControls {
  constructor(api) {
    this.api = api;
    this.row = null;
    this.revocations = [];
    this.revocationsStatus = null;
    this.element = el('div', { cls: 'doors-controls' });
    this.alertsBox = el('ul', { cls: 'doors-alerts', testid: 'doors-detail-alerts' });
    this.commandsBox = el('section', { cls: 'panel doors-commands', testid: 'doors-commands' });
    this.revocationsBox = el('section', { cls: 'panel doors-revocations', testid: 'doors-revocations' });
    this.outcome = outcomeLine('doors-command-outcome');
    this.canCommand = COMMAND_ROLES.has(api.me.role);
    this.lockdowns = new LockdownModel();
    this.parents = new Map();
    this.zonesLoaded = false;
    if (ZONE_VIEWER_ROLES.has(api.me.role)) {
      api.onEvents('zone.lockdown_', (e) => {
        if (this.lockdowns.apply(e) && this.row) this.renderAlerts();
      });
    }
    if (this.canCommand) this.buildCommands();
    this.element.append(this.alertsBox, this.canCommand ? this.commandsBox : null, this.revocationsBox);
    if (!this.canCommand) this.commandsBox.remove();
  }

  // The door shown now (a row of /api/doors); called on every store change.
  show(row) {
    const changed = !this.row || this.row.id !== row.id;
    this.row = row;
    if (changed) this.outcome.clear();
    if (this.approvalNote) this.approvalNote.hidden = row.commands_need_approval !== true;
    if (this.canCommand) this.showCommandsFor(row);
    this.renderAlerts();
    if (changed) {
      this.loadRevocations();
      this.loadLockdowns();
    } else {
      this.renderRevocations();
    }
  }

  // The lockdowns in force and the zone tree, so the page says when the door's zone is locked
  // down (entries refused).
  async loadLockdowns() {
    const { api } = this;
    if (!ZONE_VIEWER_ROLES.has(api.me.role)) return;
    const [control, site] = await Promise.all([
      api.fetchJson('GET', '/api/zone_control'),
      this.zonesLoaded ? null : api.fetchJson('GET', '/api/site')]);
    if (site && site.status === 200) {
      this.zonesLoaded = true;
      for (const z of site.body.zones || []) if (z.parent) this.parents.set(z.id, z.parent);
    }
    if (control.status === 200) this.lockdowns.load(control.body);
    if (this.row) this.renderAlerts();
  }

  renderAlerts() {
    const { api, row } = this;
    const lockdown = lockdownCovers(this.lockdowns.list(), row.to_zone, this.parents);
    const items = doorAlerts(row, Date.now() * 1000, lockdown).map((a) => el('li', {
      cls: 'doors-alert tone-' + a.tone, testid: 'doors-detail-alert', attrs: { 'data-alert': a.key },
      text: api.t('doors.alert.' + a.key, {
        side: a.params.side ? api.t('doors.side.' + a.params.side) : '',
        until: a.params.until_us ? api.formatTime(a.params.until_us, { seconds: false }) : '',
        person: a.params.person || '',
        outer: a.params.outer ? api.t('doors.gate.leaf.' + a.params.outer) : '',
        inner: a.params.inner ? api.t('doors.gate.leaf.' + a.params.inner) : '',
        leaves: (a.params.leaves || []).map((l) => api.t('doors.gate.leaf.' + l)).join(', '),
        refusal: a.params.refusal ? api.t('refusal.' + a.params.refusal) : '',
      }) }));
    this.alertsBox.hidden = items.length === 0;
    this.alertsBox.replaceChildren(...items);
  }

  buildCommands() {
    const { api } = this;
    this.comment = el('textarea', { testid: 'doors-command-comment', attrs: { rows: 2, maxlength: 500 } });
    this.minutes = input('doors-command-minutes', { type: 'number', value: TIMED_UNLOCK_MINUTES.initial,
                                                    attrs: { min: TIMED_UNLOCK_MINUTES.min, max: TIMED_UNLOCK_MINUTES.max } });
    this.approvalNote = el('p', { cls: 'hint', testid: 'doors-command-approval-note',
                                  text: api.t('doors.command.needs_approval') });
    this.doorButtons = COMMANDS.map((command) => button(api.t('doors.command.' + command), 'doors-command-' + command,
      { cls: command === 'lock' ? 'primary' : '', onClick: () => this.send(command) }));
    this.gateButtons = GATE_COMMANDS.map((command) => button(api.t('doors.command.' + command), 'doors-command-' + command,
      { cls: 'primary', onClick: () => this.send(command) }));
    this.minutesField = field(api.t('doors.command.minutes'), this.minutes);
    this.rearmHint = el('p', { cls: 'hint', testid: 'doors-command-rearm-hint',
                               text: api.t('doors.command.rearm_hint') });
    this.commandsBox.append(
      el('h3', { text: api.t('doors.commands') }),
      form('doors-command-form', [
        field(api.t('doors.comment'), this.comment),
        this.minutesField,
        el('div', { cls: 'doors-form-actions' }, [...this.doorButtons, ...this.gateButtons]),
      ], async () => {}),
      this.rearmHint, this.approvalNote, this.outcome);
    this.showCommandsFor(null);
  }

  // A door gets unlock, timed unlock and lock; a circle gate only rearm.
  showCommandsFor(row) {
    const gate = !!row && row.kind === 'circle_gate';
    for (const b of this.doorButtons) b.hidden = gate;
    for (const b of this.gateButtons) b.hidden = !gate;
    this.minutesField.hidden = gate;
    this.rearmHint.hidden = !gate;
  }

  async send(command) {
    const { api, row } = this;
    if (!row) return;
    const comment = this.comment.value.trim();
    if (!comment) return this.outcome.show('error', api.t('doors.comment.required'));
    const body = { comment };
    if (command === 'timed_unlock') {
      const minutes = checkTimedMinutes(this.minutes.value);
      if (minutes === null) {
        return this.outcome.show('error', api.t('doors.command.minutes_range', TIMED_UNLOCK_MINUTES));
      }
      body.minutes = minutes;
    }
    const buttons = [...this.commandsBox.querySelectorAll('button')];
    for (const b of buttons) b.disabled = true;
    let r;
    try {
      r = await api.fetchJson('POST', '/api/doors/' + encodeURIComponent(row.id) + '/' + command, body);
    } finally {
      for (const b of buttons) b.disabled = false;
    }
    const outcome = commandOutcome(r);
    const what = api.t('doors.command.' + command);
    if (outcome.kind === 'waiting') {
      this.outcome.show('waiting', api.t('doors.command.waiting', { command: what, id: outcome.approval }));
    } else if (outcome.kind === 'done') {
      this.outcome.show('done', api.t('doors.command.done', { command: what }));
      this.comment.value = '';
    } else {
      this.outcome.show('error', api.errorText(r));
    }
  }

  async loadRevocations() {
    const r = await this.api.fetchJson('GET', '/api/revocations');
    this.revocationsStatus = r;
    this.revocations = r.status === 200 && Array.isArray(r.body.revocations) ? r.body.revocations : [];
    this.renderRevocations();
  }

  // A panel.revocation_* event: the list again from the server.
  onEvent(event) {
    if (String(event.type).startsWith('panel.revocation_')) this.loadRevocations();
  }

  renderRevocations() {
    const { api, row } = this;
    if (!row) return;
    const children = [el('h3', { text: api.t('doors.revocations') })];
    const status = this.revocationsStatus;
    if (status && status.status !== 200) {
      // A role the route does not serve sees nothing of it.
      if (status.status === 403) {
        this.revocationsBox.hidden = true;
        return;
      }
      children.push(el('p', { cls: 'error', testid: 'doors-revocations-error', text: api.errorText(status) }));
    }
    this.revocationsBox.hidden = false;
    const waiting = unacknowledged(this.revocations);
    if (waiting.length === 0 && (!status || status.status === 200)) {
      children.push(el('p', { cls: 'empty', testid: 'doors-revocations-none', text: api.t('doors.revocations.none') }));
    }
    const list = el('ul', { cls: 'doors-revocation-list' });
    for (const r of waiting) {
      const mine = r.pending.includes(row.panel);
      const cards = Array.isArray(r.cards) ? r.cards : [];
      const who = r.person_name || (r.person ? api.names.get('person', r.person) : '');
      const key = r.cause === 'person_disabled' ? 'doors.revocation.disabled'
        : who ? 'doors.revocation.what_person' : 'doors.revocation.what';
      list.appendChild(el('li', { cls: 'doors-revocation' + (mine ? ' tone-warning' : ''), testid: 'doors-revocation',
                                  attrs: { 'data-id': r.id, 'data-this-panel': mine ? 'true' : 'false' } }, [
        el('span', { text: api.t(key, { cards: cards.join(', '), person: who,
                                        time: api.formatTime(r.time_us || r.sent_us) }) }),
        el('span', { cls: 'doors-revocation-pending', testid: 'doors-revocation-pending',
                     attrs: { 'data-panels': r.pending.join(' ') },
                     text: api.t('doors.revocation.pending', {
                       panels: r.pending.map((p) => api.names.get('panel', p)).join(', '),
                       n: r.pending.length }) }),
      ]));
    }
    if (waiting.length > 0) children.push(list);
    this.revocationsBox.replaceChildren(...children);
  }
}
