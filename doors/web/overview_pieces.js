// The doors plugin's pieces of the overview: the "Doors" tile (how many are closed and locked,
// open, forced, held open, offline), the "Circle gates" tile (each gate's supervised state; a
// refused cycle with its camera reference), and the "Who is inside" panel (each zone by name
// with its people and since when, live from presence.* events).

import { el, activatable } from './dom.js';
import { doorCounts, doorState } from './door_state_words.js';
import { stateText, toneClass, refusalWords } from './door_text.js';

const COUNT_ORDER = ['forced', 'held_open', 'offline', 'open', 'closed_locked', 'unknown'];
const TONE = { forced: 'alarm', held_open: 'warning', offline: 'warning', open: 'info',
               closed_locked: 'resolved', unknown: 'unknown' };

// Events that make the Doors tile flash (the alarm queue sounds them).
const ALERTING = new Set(['door.forced', 'door.held_open', 'door.tamper', 'panel.offline']);
// Gate events that make the Circle gates tile flash (the alarms they raise: door_alarm_rules).
const GATE_ALERTING = new Set(['gate.cycle_refused', 'gate.object_left', 'gate.door_stuck',
                               'gate.fire_released', 'gate.power_lost']);
// A since-time older than this shows its date too.
const SAME_DAY_US = 20 * 3600 * 1e6;

export class DoorsTile {
  constructor(api, store, body) {
    this.api = api;
    this.store = store;
    this.body = body;
    store.onChange(() => this.render());
    store.onEvent((e) => {
      const cleared = e.type === 'door.tamper' && (e.payload || {}).state !== 'active';
      if (ALERTING.has(e.type) && !cleared) api.highlight(this.body);
    });
    this.render();
  }

  render() {
    const { api, store } = this;
    if (store.error && !store.loaded) {
      this.body.replaceChildren(el('p', { cls: 'error', testid: 'overview-doors-error',
                                          text: api.errorText(store.error) }));
      return;
    }
    const counts = doorCounts(store.rows);
    const list = el('ul', { cls: 'doors-counts', testid: 'overview-doors-counts' });
    for (const state of COUNT_ORDER) {
      if (state === 'unknown' && counts.unknown === 0) continue;
      const n = counts[state];
      const item = el('li', { cls: 'doors-count tone-' + (n > 0 ? TONE[state] : 'none'),
                              testid: 'overview-doors-count',
                              attrs: { 'data-state': state, 'data-count': n } }, [
        el('span', { cls: 'count', text: String(n) }),
        el('span', { cls: 'label', text: api.t('doors.count.' + state) }),
      ]);
      activatable(item, () => api.navigate('#/doors'));
      list.appendChild(item);
    }
    this.body.replaceChildren(list);
  }
}

// Each gate with its supervised state; a refused cycle shows its refusal, the booth's readings
// and the gate's camera reference (the desk looks at that camera's footage).
export class GatesTile {
  constructor(api, store, body) {
    this.api = api;
    this.store = store;
    this.body = body;
    store.onChange(() => this.render());
    store.onEvent((e) => {
      if (GATE_ALERTING.has(e.type)) api.highlight(this.body);
    });
    this.render();
  }

  render() {
    const { api, store } = this;
    const gates = store.gates();
    const children = [el('p', { cls: 'gates-count', testid: 'overview-gates-count',
                                attrs: { 'data-count': gates.length },
                                text: gates.length === 0 ? api.t('doors.gates.none')
                                  : api.t('doors.gates.configured', { n: gates.length }) })];
    if (gates.length > 0) {
      const list = el('ul', { cls: 'gates-list' });
      for (const gate of gates) {
        const state = doorState(gate);
        const line = [
          el('span', { cls: 'gate-name', text: gate.name || gate.id }),
          el('span', { cls: 'doors-state ' + toneClass(gate), testid: 'overview-gates-state',
                       attrs: { 'data-state': state }, text: stateText(api, gate) }),
        ];
        const refusal = state === 'refused' ? refusalWords(api, gate.last_refusal) : null;
        if (refusal) {
          line.push(el('span', { cls: 'gate-refusal', testid: 'overview-gates-refusal',
                                 attrs: { 'data-refusal': gate.last_refusal.refusal,
                                          'data-camera': gate.last_refusal.camera || '' },
                                 text: [refusal.refusal, refusal.readings].filter(Boolean).join(' · ') }));
          if (refusal.camera) {
            line.push(el('span', { cls: 'gate-camera', testid: 'overview-gates-camera',
                                   attrs: { 'data-camera': gate.last_refusal.camera },
                                   text: refusal.camera }));
          }
        }
        const item = el('li', { cls: 'gates-row', testid: 'overview-gates-row',
                                attrs: { 'data-id': gate.id, 'data-state': state } }, line);
        activatable(item, () => api.navigate('#/doors?id=' + encodeURIComponent(gate.id)));
        list.appendChild(item);
      }
      children.push(list);
      if (gates.some((g) => g.supervised === false)) {
        children.push(el('p', { cls: 'hint', testid: 'overview-gates-unsupervised',
                                text: api.t('doors.gates.unsupervised') }));
      }
    }
    this.body.replaceChildren(...children);
  }
}

export class WhoIsInside {
  constructor(api, store, body) {
    this.api = api;
    this.store = store;
    this.body = body;
    store.onChange(() => this.render());
    this.render();
  }

  render() {
    const { api, store } = this;
    const zones = store.presence.byZone((z) => api.names.get('zone', z));
    const children = [el('p', { cls: 'status', testid: 'overview-inside-total',
                                attrs: { 'data-count': store.presence.count() },
                                text: api.t('doors.inside.total', { n: store.presence.count() }) })];
    if (zones.length === 0) {
      children.push(el('p', { cls: 'empty', testid: 'overview-inside-empty', text: api.t('doors.inside.nobody') }));
    }
    for (const { zone, people } of zones) {
      const list = el('ul', { cls: 'inside-people' });
      for (const p of people) {
        list.appendChild(el('li', { testid: 'overview-inside-person',
                                    attrs: { 'data-person': p.person, 'data-zone': zone } }, [
          el('span', { cls: 'inside-name', text: p.name || api.names.get('person', p.person) }),
          el('span', { cls: 'inside-since',
                       text: api.t('doors.inside.since', {
                         time: api.formatTime(p.since_us, { date: Date.now() * 1000 - p.since_us > SAME_DAY_US }),
                       }) }),
        ]));
      }
      children.push(el('section', { cls: 'inside-zone', testid: 'overview-inside-zone',
                                    attrs: { 'data-zone': zone, 'data-count': people.length } }, [
        el('h3', {}, [el('span', { text: api.names.get('zone', zone) }),
                      el('span', { cls: 'badge', text: String(people.length) })]),
        list,
      ]));
    }
    this.body.replaceChildren(...children);
  }
}
