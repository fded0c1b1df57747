// The doors plugin's one copy of the site's doors, gates and presence: loaded from
// GET /api/doors and GET /api/presence, moved by live door.*, panel.*, access.* and presence.*
// events at once, and refetched shortly after them and every few seconds (the server's rows stay
// the truth: a lock re-locks when its unlock time passes, with no event). Views subscribe with
// onChange and render at most once per frame.

import { applyDoorEvent } from './door_state_words.js';
import { applyDoorAlertEvent } from './door_live.js';
import { PresenceModel } from './presence_model.js';

const REFETCH_AFTER_EVENT_MS = 1500;
const POLL_MS = 10000;

export class DoorStore {
  constructor(api) {
    this.api = api;
    this.rows = [];             // as GET /api/doors orders them: doors, then gates
    this.presence = new PresenceModel();
    this.loaded = false;
    this.error = null;          // the last failed load's response, for the views
    this.listeners = [];
    this.eventListeners = [];
    this.refetchTimer = null;
    this.notifyScheduled = false;
  }

  async start() {
    for (const prefix of ['door.', 'panel.', 'access.', 'gate.']) {
      this.api.onEvents(prefix, (e) => this.onDoorEvent(e));
    }
    this.api.onEvents('presence.', (e) => this.onPresenceEvent(e));
    await Promise.all([this.loadDoors(), this.loadPresence()]);
    setInterval(() => { this.loadDoors(); }, POLL_MS);
  }

  async loadDoors() {
    const r = await this.api.fetchJson('GET', '/api/doors');
    if (r.status !== 200) {
      this.error = r;
      this.notify();
      return;
    }
    this.error = null;
    this.rows = Array.isArray(r.body.doors) ? r.body.doors : [];
    for (const row of this.rows) {
      const kind = row.kind === 'circle_gate' ? 'gate' : 'door';
      this.api.names.set(kind, row.id, row.name);
      // Access and presence events name a gate by `door` too.
      if (kind === 'gate') this.api.names.set('door', row.id, row.name);
      this.api.names.set('panel', row.panel, this.api.t('doors.panel_of', { door: row.name || row.id }));
    }
    this.loaded = true;
    this.notify();
  }

  async loadPresence() {
    const r = await this.api.fetchJson('GET', '/api/presence');
    if (r.status !== 200) return;
    this.presence.load(r.body);
    for (const [person, where] of this.presence.byPerson) {
      if (where.name) this.api.names.set('person', person, where.name);
    }
    this.notify();
  }

  row(id) {
    return this.rows.find((r) => r.id === id) || null;
  }

  doors() {
    return this.rows.filter((r) => r.kind !== 'circle_gate');
  }

  gates() {
    return this.rows.filter((r) => r.kind === 'circle_gate');
  }

  onDoorEvent(event) {
    let changed = false;
    this.rows = this.rows.map((row) => {
      const next = applyDoorAlertEvent(applyDoorEvent(row, event), event);
      changed = changed || next !== row;
      return next;
    });
    for (const fn of this.eventListeners) fn(event);
    if (changed) {
      this.notify();
      this.refetchSoon();
    }
  }

  onPresenceEvent(event) {
    const p = event.payload || {};
    if (p.person && p.person_name) this.api.names.set('person', p.person, p.person_name);
    for (const fn of this.eventListeners) fn(event);
    if (this.presence.apply(event)) this.notify();
  }

  refetchSoon() {
    if (this.refetchTimer) return;
    this.refetchTimer = setTimeout(() => {
      this.refetchTimer = null;
      this.loadDoors();
    }, REFETCH_AFTER_EVENT_MS);
  }

  // fn() after any change of rows or presence (coalesced to one call per frame).
  onChange(fn) {
    this.listeners.push(fn);
  }

  // fn(event) for every door, panel, access and presence event, as it arrives.
  onEvent(fn) {
    this.eventListeners.push(fn);
  }

  notify() {
    if (this.notifyScheduled) return;
    this.notifyScheduled = true;
    const run = () => {
      if (!this.notifyScheduled) return;
      this.notifyScheduled = false;
      for (const fn of this.listeners) {
        try { fn(); } catch (e) { console.error('doors view', e); }
      }
    };
    requestAnimationFrame(run);
    setTimeout(run, 100);  // a hidden tab runs no frames
  }
}
