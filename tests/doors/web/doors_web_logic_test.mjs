// The doors plugin's pure parts (doors/web/door_state_words.js, presence_model.js) under
// node's test runner: a row's one state, the tile's counts, a row after each live event, who is
// where after presence events, and stable dot spots.
//   node --test tests/doors/web/doors_web_logic_test.mjs
import test from 'node:test';
import assert from 'node:assert/strict';

import { doorState, doorCounts, applyDoorEvent, STATES, GATE_STATES } from '../../../doors/web/door_state_words.js';
import { doorAlerts } from '../../../doors/web/door_live.js';
import { PresenceModel, spotFor } from '../../../doors/web/presence_model.js';

// A row as doors/door_views.cpp builds it.
const door = (over) => ({ id: 'd1', kind: 'door', panel: 'p-d1', lock: 'locked', position: 'closed',
                          forced: false, held_open: false, supervised: true, panel_online: true,
                          tamper: false, last_event: null, plan: null, ...over });
const gate = { id: 'g1', kind: 'circle_gate', panel: 'p-g1', lock: 'unknown', position: 'unknown',
               forced: null, held_open: null, supervised: false, panel_online: null, tamper: null };

test('each row has one state, the most urgent first', () => {
  const rows = [
    [door(), 'closed_locked'],
    [door({ lock: 'unlocked' }), 'unlocked'],
    [door({ position: 'open', lock: 'unlocked' }), 'open'],
    [door({ position: 'open', held_open: true }), 'held_open'],
    [door({ position: 'open', forced: true, held_open: true }), 'forced'],
    [door({ position: 'open', forced: true, panel_online: false }), 'offline'],
    [door({ tamper: true }), 'tamper'],
    [door({ position: 'unknown' }), 'unknown'],
    [door({ panel_online: null, position: 'unknown' }), 'unknown'],
    [gate, 'unsupervised'],
  ];
  for (const [row, expected] of rows) {
    assert.equal(doorState(row), expected, JSON.stringify(row));
    assert.ok(STATES.includes(expected));
  }
});

test('the tile counts doors, not gates', () => {
  const counts = doorCounts([door(), door({ id: 'd2', lock: 'unlocked' }),
                             door({ id: 'd3', position: 'open', forced: true }),
                             door({ id: 'd4', position: 'open', held_open: true }),
                             door({ id: 'd5', panel_online: false }),
                             door({ id: 'd6', position: 'unknown' }),
                             door({ id: 'd7', tamper: true }), gate]);
  assert.deepEqual(counts, { closed_locked: 1, open: 1, forced: 2, held_open: 1, offline: 1, unknown: 1 });
});

test('live events move the row; other doors and gates stay the same object', () => {
  const ev = (type, payload, time_us = 5) => ({ type, payload, time_us });
  let row = door();
  row = applyDoorEvent(row, ev('door.forced', { door: 'd1' }));
  assert.equal(doorState(row), 'forced');
  assert.deepEqual(row.last_event, { type: 'door.forced', time_us: 5 });
  row = applyDoorEvent(row, ev('door.held_open', { door: 'd1' }));
  assert.equal(doorState(row), 'forced');
  row = applyDoorEvent(row, ev('door.closed', { door: 'd1' }));
  assert.equal(doorState(row), 'closed_locked');
  row = applyDoorEvent(row, ev('access.granted', { door: 'd1' }));
  assert.equal(doorState(row), 'unlocked');
  row = applyDoorEvent(row, ev('door.opened', { door: 'd1' }));
  row = applyDoorEvent(row, ev('door.held_open', { door: 'd1' }));
  assert.equal(doorState(row), 'held_open');
  row = applyDoorEvent(row, ev('door.tamper', { door: 'd1', state: 'active' }));
  assert.equal(row.tamper, true);
  row = applyDoorEvent(row, ev('door.tamper', { door: 'd1', state: 'cleared' }));
  assert.equal(row.tamper, false);
  row = applyDoorEvent(row, ev('panel.offline', { panel: 'p-d1' }));
  assert.equal(doorState(row), 'offline');
  row = applyDoorEvent(row, ev('panel.online', { panel: 'p-d1', firmware: '2.0' }));
  assert.equal(row.panel_online, true);
  assert.equal(row.panel_firmware, '2.0');

  const other = door({ id: 'd2', panel: 'p-d2' });
  assert.equal(applyDoorEvent(other, ev('door.forced', { door: 'd1' })), other);
  assert.equal(applyDoorEvent(other, ev('panel.offline', { panel: 'p-d1' })), other);
  // A gate's state is not guessed from events the controller does not supervise.
  assert.equal(applyDoorEvent(gate, ev('door.forced', { door: 'g1' })), gate);
});

test('presence follows entered and left, one zone per person', () => {
  const model = new PresenceModel();
  model.load({ zones: { lobby: [{ person: 'aiko', person_name: 'Aiko Sato', since_us: 10 }],
                        noc: [{ person: 'ken', person_name: 'Ken', since_us: 5 }] } });
  assert.equal(model.count(), 2);
  assert.equal(model.zoneOf('aiko'), 'lobby');
  const left = { type: 'presence.left', subject: 'aiko', time_us: 20,
                 payload: { person: 'aiko', person_name: 'Aiko Sato', zone: 'lobby', door: 'lobby-inner' } };
  const entered = { type: 'presence.entered', subject: 'aiko', time_us: 20,
                    payload: { person: 'aiko', person_name: 'Aiko Sato', zone: 'noc', door: 'noc-door' } };
  assert.ok(model.apply(left));
  assert.ok(model.apply(entered));
  assert.equal(model.zoneOf('aiko'), 'noc');
  // A late "left" of a zone she is no longer in moves nobody.
  assert.equal(model.apply(left), false);
  assert.equal(model.zoneOf('aiko'), 'noc');
  const zones = model.byZone((z) => ({ noc: 'NOC' })[z] || z);
  assert.deepEqual(zones.map((z) => [z.zone, z.people.map((p) => p.person)]), [['noc', ['ken', 'aiko']]]);
  assert.equal(zones[0].people[1].since_us, 20);
});

test('a person keeps one spot inside the zone, clear of its walls', () => {
  const r = { x: 100, y: 50, w: 300, h: 200 };
  const a = spotFor('aiko', r, 12);
  assert.deepEqual(spotFor('aiko', r, 12), a);
  assert.notDeepEqual(spotFor('ken', r, 12), a);
  for (const id of ['aiko', 'ken', 'p-0001', 'p-0002', '佐藤']) {
    const s = spotFor(id, r, 12);
    assert.ok(s.x >= r.x + 12 && s.x <= r.x + r.w - 12, id + ' x ' + s.x);
    assert.ok(s.y >= r.y + 12 && s.y <= r.y + r.h - 12, id + ' y ' + s.y);
  }
});

// A supervised circle gate as doors/door_views.cpp circleGateJson builds it (issue 15).
const liveGate = (over) => ({ id: 'g1', kind: 'circle_gate', panel: 'p-g1', lock: 'unknown',
                              position: 'unknown', supervised: true, gate_state: 'idle',
                              panel_online: true, tamper: false, camera: 'cam-g', last_refusal: null,
                              object_left: false, stuck: [], presence: null, weight_g: null,
                              cycles_completed: 0, cycles_refused: 0, outer_fail_safe: true,
                              inner_fail_safe: false, ...over });

test('a supervised gate shows its own state; offline and tamper as for a door', () => {
  const rows = [
    [liveGate(), 'idle'],
    [liveGate({ gate_state: 'cycling' }), 'cycling'],
    [liveGate({ gate_state: 'refused' }), 'refused'],
    [liveGate({ gate_state: 'fire_released' }), 'fire_released'],
    [liveGate({ gate_state: 'awaiting_rearm' }), 'awaiting_rearm'],
    [liveGate({ gate_state: 'power_lost' }), 'power_lost'],
    [liveGate({ gate_state: 'refused', panel_online: false }), 'offline'],
    [liveGate({ tamper: true }), 'tamper'],
    [liveGate({ tamper: true, gate_state: 'fire_released' }), 'fire_released'],
    [liveGate({ gate_state: 'nonsense' }), 'idle'],
  ];
  for (const [row, expected] of rows) {
    assert.equal(doorState(row), expected, JSON.stringify(row));
    assert.ok(GATE_STATES.includes(expected));
  }
  // Gates are not counted on the Doors tile.
  assert.equal(Object.values(doorCounts([liveGate({ gate_state: 'refused' })])).reduce((a, b) => a + b), 0);
});

test('gate events move the gate row at once; a refusal keeps its readings and camera', () => {
  const ev = (type, payload) => ({ type, time_us: 50, payload: { gate: 'g1', door: 'g1', ...payload } });
  let row = applyDoorEvent(liveGate(), ev('gate.cycle_started', { session: 's1', presence: 1 }));
  assert.equal(row.gate_state, 'cycling');
  assert.equal(row.presence, 1);
  row = applyDoorEvent(row, ev('gate.cycle_refused', { session: 's1', refusal: 'tailgate', presence: 2,
                                                       weight_g: 141000, camera: 'cam-g' }));
  assert.equal(row.gate_state, 'refused');
  assert.deepEqual([row.last_refusal.refusal, row.last_refusal.presence, row.last_refusal.weight_g,
                    row.last_refusal.camera, row.last_refusal.time_us], ['tailgate', 2, 141000, 'cam-g', 50]);
  assert.equal(row.cycles_refused, 1);
  assert.equal(applyDoorEvent(row, ev('gate.fire_released', {})).gate_state, 'fire_released');
  assert.equal(applyDoorEvent(row, ev('gate.fire_cleared', {})).gate_state, 'awaiting_rearm');
  assert.equal(applyDoorEvent(row, ev('gate.rearmed', { state: 'armed' })).gate_state, 'idle');
  assert.equal(applyDoorEvent(row, ev('gate.power_lost', {})).gate_state, 'power_lost');
  assert.equal(applyDoorEvent(row, ev('gate.object_left', {})).object_left, true);
  // Another gate's event leaves the row alone.
  const other = liveGate({ id: 'g2' });
  assert.equal(applyDoorEvent(other, ev('gate.cycle_refused', { refusal: 'linger' })), other);
});

test("a gate's conditions: fire, re-arm, power loss per leaf, refusal, stuck leaf, object", () => {
  const keys = (row) => doorAlerts(row, 0).map((a) => a.key);
  assert.deepEqual(keys(liveGate()), []);
  assert.deepEqual(keys(liveGate({ gate_state: 'fire_released' })), ['gate_fire']);
  assert.deepEqual(keys(liveGate({ gate_state: 'awaiting_rearm' })), ['gate_awaiting_rearm']);
  const power = doorAlerts(liveGate({ gate_state: 'power_lost' }), 0);
  assert.deepEqual(power.map((a) => [a.key, a.params.outer, a.params.inner]),
                   [['gate_power_lost', 'released', 'locked']]);
  const refused = doorAlerts(liveGate({ gate_state: 'refused', last_refusal: { refusal: 'piggyback' } }), 0);
  assert.deepEqual(refused.map((a) => [a.key, a.params.refusal]), [['gate_refused', 'piggyback']]);
  assert.deepEqual(keys(liveGate({ stuck: ['inner'], object_left: true })), ['gate_stuck', 'object_left']);
  // Offline: the panel's state is the row's; no gate condition is guessed.
  assert.deepEqual(keys(liveGate({ gate_state: 'fire_released', panel_online: false })), []);
});

// The pages of issue 14 (people, person, access, door commands, zone control): their own file,
// run by the same ctest.
import './doors_pages_logic_test.mjs';
