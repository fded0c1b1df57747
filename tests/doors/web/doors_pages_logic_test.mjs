// The pure parts of the doors plugin's enrollment, access, door-command and zone-control pages
// (doors/web/site_dates.js, holiday_calendar.js, person_model.js, door_live.js, zone_model.js)
// under node's test runner; imported by doors_web_logic_test.mjs (ctest doors.web_logic).
//   node --test tests/doors/web/doors_pages_logic_test.mjs
import test from 'node:test';
import assert from 'node:assert/strict';

import { usFromDateInput, dateInputValue, validityState, siteYear } from '../../../doors/web/site_dates.js';
import { yearCalendar, holidayCounts } from '../../../doors/web/holiday_calendar.js';
import { factorRows, cardRows, waitingApprovals, matchesPerson, checkPinText, checkKeypadText, checkPersonId,
         bytesToBase64 } from '../../../doors/web/person_model.js';
import { doorAlerts, applyDoorAlertEvent, commandOutcome, checkTimedMinutes, unacknowledged,
         readerFaultSides, lockdownCovers } from '../../../doors/web/door_live.js';
import { LockdownModel, AloneModel, musterView, LOCKDOWN_START_ROLES,
         LOCKDOWN_LIFT_ROLES } from '../../../doors/web/zone_model.js';

const TOKYO = 540;
const US = (iso) => Date.parse(iso) * 1000;

test('a validity day is the site-local day, its end the next midnight', () => {
  // 2026-04-01 in Tokyo begins at 2026-03-31T15:00Z.
  assert.equal(usFromDateInput('2026-04-01', TOKYO), US('2026-03-31T15:00:00Z'));
  assert.equal(usFromDateInput('2027-03-31', TOKYO, { endOfDay: true }), US('2027-03-31T15:00:00Z'));
  assert.equal(usFromDateInput('', TOKYO), 0);
  assert.equal(usFromDateInput('2026-02-30', TOKYO), null);
  assert.equal(usFromDateInput('1.4.2026', TOKYO), null);
  // Back to the same days the operator typed, whatever zone the browser is in.
  assert.equal(dateInputValue(US('2026-03-31T15:00:00Z'), TOKYO), '2026-04-01');
  assert.equal(dateInputValue(US('2027-03-31T15:00:00Z'), TOKYO, { endOfDay: true }), '2027-03-31');
  assert.equal(dateInputValue(US('2026-03-31T14:59:59Z'), TOKYO), '2026-03-31');
  assert.equal(dateInputValue(0, TOKYO), '');
  assert.equal(siteYear(US('2026-12-31T15:30:00Z'), TOKYO), 2027);
});

test('validity: unbounded, not yet, valid, expired (the end is exclusive)', () => {
  const from = US('2026-04-01T00:00:00Z');
  const until = US('2026-05-01T00:00:00Z');
  assert.equal(validityState(0, 0, from), 'always');
  assert.equal(validityState(from, until, from - 1), 'not_yet');
  assert.equal(validityState(from, until, from), 'valid');
  assert.equal(validityState(from, until, until - 1), 'valid');
  assert.equal(validityState(from, until, until), 'expired');
  assert.equal(validityState(0, until, 0), 'valid');
  assert.equal(validityState(from, 0, until * 2), 'valid');
});

test('the year calendar: Monday first, every day once, holidays on their days', () => {
  const holidays = [{ date: '2026-01-01', name: '元日', kind: 'national' },
                    { date: '2026-05-06', name: '休日', kind: 'substitute' },
                    { date: '2026-09-22', name: '休日', kind: 'citizens' },
                    { date: '2026-12-29', name: '年末休業', kind: 'closure' }];
  const months = yearCalendar(2026, holidays);
  assert.equal(months.length, 12);
  const days = months.flatMap((m) => m.weeks.flat()).filter(Boolean);
  assert.equal(days.length, 365);
  // 2026-01-01 is a Thursday: three blanks before it in a Monday-first week.
  assert.deepEqual(months[0].weeks[0].slice(0, 4).map((d) => d && d.day), [null, null, null, 1]);
  assert.equal(months[0].weeks[0][3].weekday, 3);
  for (const w of months.flatMap((m) => m.weeks)) assert.equal(w.length, 7);
  const marked = days.filter((d) => d.holiday).map((d) => [d.date, d.holiday.kind]);
  assert.deepEqual(marked, holidays.map((h) => [h.date, h.kind]));
  assert.equal(yearCalendar(2028, []).flatMap((m) => m.weeks.flat()).filter(Boolean).length, 366);
  assert.deepEqual(holidayCounts(holidays), { national: 1, substitute: 1, citizens: 1, closure: 1 });
});

test('enrolled factors are yes or no, whatever else the route sends', () => {
  const rows = factorRows({ factors: { card: true, pin: true, finger: true, finger_2: false,
                                       keypad_code: false, photo: true }, pin_hash: 'never shown' });
  assert.deepEqual(rows.map((r) => [r.factor, r.enrolled]),
                   [['card', true], ['pin', true], ['finger', true], ['finger_2', false],
                    ['keypad_code', false], ['photo', true]]);
  for (const r of rows) assert.equal(typeof r.enrolled, 'boolean');
  // Without factors.card, an active card counts.
  assert.equal(factorRows({ cards: [{ uid: 'A', state: 'revoked' }] })[0].enrolled, false);
  assert.equal(factorRows({ cards: [{ uid: 'A', state: 'active' }] })[0].enrolled, true);
});

test('cards: active first, then newest; each history newest first', () => {
  const rows = cardRows({ cards: [
    { uid: 'OLD', state: 'revoked', set_us: 10, history: [{ type: 'person.card_set', time_us: 10 },
                                                          { type: 'person.card_revoked', time_us: 20 }] },
    { uid: 'NEW', state: 'active', set_us: 30, history: [] },
    { uid: 'LOST', state: 'revoked', set_us: 25 }] });
  assert.deepEqual(rows.map((c) => c.uid), ['NEW', 'LOST', 'OLD']);
  assert.deepEqual(rows[2].history.map((h) => h.type), ['person.card_revoked', 'person.card_set']);
  assert.deepEqual(rows[1].history, []);
});

test('approvals waiting about a person: pending, theirs, doors kinds only, newest first', () => {
  const list = [
    { id: 'a1', state: 'pending', subject: 'kim', kind: 'doors.grant_restricted', created_us: 1 },
    { id: 'a2', state: 'approved', subject: 'kim', kind: 'doors.enroll_template', created_us: 2 },
    { id: 'a3', state: 'pending', subject: 'ken', kind: 'doors.grant_restricted', created_us: 3 },
    { id: 'a4', state: 'pending', subject: 'kim', kind: 'operators.add', created_us: 4 },
    { id: 'a5', state: 'pending', subject: 'kim', kind: 'doors.enroll_template', created_us: 5 }];
  assert.deepEqual(waitingApprovals(list, 'kim').map((a) => a.id), ['a5', 'a1']);
  assert.deepEqual(waitingApprovals(undefined, 'kim'), []);
});

test('search, PIN and id checks match the routes', () => {
  const p = { id: 'p-aiko', name: 'Aiko Sato', organisation: 'Acme 保守', cards: [{ uid: '04A1B2' }] };
  for (const q of ['aiko', 'SATO', 'p-ai', 'acme', '保守', '04a1', '']) assert.ok(matchesPerson(p, q), q);
  assert.ok(!matchesPerson(p, 'ken'));
  assert.ok(checkPinText('4826') && checkPinText('12345678'));
  assert.ok(!checkPinText('123') && !checkPinText('123456789') && !checkPinText('12a4'));
  assert.ok(checkKeypadText('482615') && checkKeypadText('48261599'));
  assert.ok(!checkKeypadText('48261') && !checkKeypadText('482615990') && !checkKeypadText('4826a5'));
  assert.ok(checkPersonId('p-aiko_2') && !checkPersonId('P-Aiko') && !checkPersonId('') &&
            !checkPersonId('a'.repeat(65)) && !checkPersonId('a.b'));
  assert.equal(bytesToBase64(new Uint8Array([0xff, 0xd8, 0xff, 0xe0])), '/9j/4A==');
  const big = new Uint8Array(100000).map((_, i) => i % 251);
  assert.deepEqual(Buffer.from(bytesToBase64(big), 'base64'), Buffer.from(big));
});

// A door row as doors/door_views.cpp builds it, with issue 14's fields.
const door = (over) => ({ id: 'd1', kind: 'door', panel: 'p-d1', lock: 'locked', position: 'closed',
                          supervised: true, panel_online: true, held_open: false, ...over });

test('a door\'s conditions, most urgent first', () => {
  const now = 1000;
  assert.deepEqual(doorAlerts(door(), now), []);
  assert.deepEqual(doorAlerts(door({ supervised: false, lock_fault: true }), now), []);
  const all = doorAlerts(door({ lockdown: true, lock_fault: true, readers_offline: ['exit'],
                                held_open_warning: true,
                                hold: { kind: 'first_person_in', until_us: 2000, person_name: 'Aiko' } }), now);
  assert.deepEqual(all.map((a) => a.key), ['lockdown', 'lock_fault', 'reader_fault', 'held_open_warning',
                                           'schedule_unlocked']);
  assert.equal(all[2].params.side, 'exit');
  assert.equal(all[4].params.person, 'Aiko');
  assert.deepEqual(doorAlerts(door({ hold: { kind: 'timed_unlock', until_us: 3000 } }), now).map((a) => a.key),
                   ['timed_unlocked']);
  // The pre-alarm gives way to the alarm; a hold whose time is past is gone.
  assert.deepEqual(doorAlerts(door({ held_open_warning: true, held_open: true,
                                     hold: { kind: 'timed_unlock', until_us: 999 } }), now), []);
  assert.deepEqual(readerFaultSides(door({ readers_offline: ['exit', 'entry'] })), ['entry', 'exit']);
  assert.deepEqual(readerFaultSides(door({ readers_offline: null })), []);
});

test('issue 14 door events move the row at once', () => {
  const e = (type, payload) => ({ type, payload: { door: 'd1', ...payload } });
  let row = applyDoorAlertEvent(door(), e('door.held_open_warning', {}));
  assert.equal(row.held_open_warning, true);
  row = applyDoorAlertEvent(row, e('door.closed', {}));
  assert.equal(row.held_open_warning, false);
  row = applyDoorAlertEvent(row, e('door.lock_fault', { state: 'active' }));
  assert.equal(row.lock_fault, true);
  row = applyDoorAlertEvent(row, e('door.lock_fault', { state: 'cleared' }));
  assert.equal(row.lock_fault, false);
  row = applyDoorAlertEvent(row, e('door.reader_fault', { side: 'exit', state: 'offline' }));
  assert.deepEqual(readerFaultSides(row), ['exit']);
  row = applyDoorAlertEvent(row, e('door.reader_fault', { side: 'exit', state: 'online' }));
  assert.deepEqual(readerFaultSides(row), []);
  row = applyDoorAlertEvent(row, e('door.schedule_unlocked', { until_us: 5000, person_name: 'Aiko' }));
  assert.equal(row.lock, 'unlocked');
  assert.deepEqual(row.hold, { kind: 'first_person_in', until_us: 5000, person_name: 'Aiko' });
  row = applyDoorAlertEvent(row, e('door.command', { command: 'timed_unlock', until_us: 7000 }));
  assert.deepEqual(row.hold, { kind: 'timed_unlock', until_us: 7000 });
  row = applyDoorAlertEvent(row, e('door.command', { command: 'lock' }));
  assert.equal(row.lock, 'locked');
  assert.equal(row.hold, null);
  const other = door();
  assert.equal(applyDoorAlertEvent(other, { type: 'door.lock_fault', payload: { door: 'd2', state: 'active' } }), other);
});

test('a command\'s answer: done, waiting for approval (202), refused', () => {
  assert.deepEqual(commandOutcome({ status: 200, body: {} }), { kind: 'done' });
  assert.deepEqual(commandOutcome({ status: 202, body: { approval: { id: 'apr-3', expires_us: 9 } } }),
                   { kind: 'waiting', approval: 'apr-3', expiresUs: 9 });
  assert.deepEqual(commandOutcome({ status: 403, body: {} }), { kind: 'refused' });
  assert.deepEqual(commandOutcome({ status: 0, body: {} }), { kind: 'refused' });
  assert.equal(checkTimedMinutes('15'), 15);
  assert.equal(checkTimedMinutes(' 1440 '), 1440);
  for (const bad of ['0', '1441', '1.5', '-3', '', 'ten']) assert.equal(checkTimedMinutes(bad), null, bad);
});

test('revocations not acknowledged: only those with pending panels, newest first, by panel', () => {
  const list = [
    { id: 'r1', time_us: 10, cards: ['A'], acked: [{ panel: 'p1' }, { panel: 'p2' }], pending: [] },
    { id: 'r2', time_us: 20, cards: ['B'], acked: [{ panel: 'p1' }], pending: ['p2'] },
    { id: 'r3', time_us: 30, cards: ['C'], acked: [], pending: ['p1', 'p2'] }];
  assert.deepEqual(unacknowledged(list).map((r) => r.id), ['r3', 'r2']);
  assert.deepEqual(unacknowledged(list, 'p1').map((r) => r.id), ['r3']);
  assert.deepEqual(unacknowledged(undefined), []);
});

test('lockdowns: loaded, started and lifted live, site first', () => {
  const m = new LockdownModel();
  m.load({ lockdowns: [{ scope: 'zone', target: 'server-room', since_us: 5, by: 'desk', comment: 'drill' }] });
  assert.deepEqual(m.list().map((r) => r.target), ['server-room']);
  assert.ok(m.apply({ type: 'zone.lockdown_started', time_us: 9,
                      payload: { scope: 'site', target: 'site', comment: 'fire', actor: 'sec' } }));
  assert.deepEqual(m.list().map((r) => [r.scope, r.target, r.by]),
                   [['site', 'site', 'sec'], ['zone', 'server-room', 'desk']]);
  assert.ok(m.apply({ type: 'zone.lockdown_lifted', payload: { scope: 'zone', target: 'server-room' } }));
  assert.ok(!m.apply({ type: 'zone.lockdown_lifted', payload: { scope: 'zone', target: 'server-room' } }));
  assert.ok(m.active());
  assert.ok(LOCKDOWN_START_ROLES.has('operator') && LOCKDOWN_START_ROLES.has('security_admin'));
  assert.ok(!LOCKDOWN_LIFT_ROLES.has('operator') && LOCKDOWN_LIFT_ROLES.has('security_admin'));
});

test('never alone: a zone.alone shows until its zone.alone_cleared', () => {
  const m = new AloneModel();
  assert.ok(m.apply({ type: 'zone.alone', time_us: 7,
                      payload: { zone: 'handling-area', person: 'p-aiko', person_name: 'Aiko', since_us: 5 } }));
  assert.deepEqual(m.list().map((r) => [r.zone, r.person_name, r.since_us]), [['handling-area', 'Aiko', 5]]);
  assert.ok(!m.apply({ type: 'zone.alone_cleared', payload: { zone: 'server-room', count: 2 } }));
  assert.ok(m.apply({ type: 'zone.alone_cleared', payload: { zone: 'handling-area', count: 2 } }));
  assert.deepEqual(m.list(), []);
});

test('muster: who is inside now, and the roll with who has left', () => {
  const none = musterView({ zones: { noc: [{ person: 'p-ken', since_us: 1 }], empty: [] }, muster: null });
  assert.deepEqual(none.inside.map((z) => z.zone), ['noc']);
  assert.equal(none.insideCount, 1);
  assert.equal(none.roll, null);
  const v = musterView({ zones: {}, muster: {
    started_us: 50, actor: 'desk', comment: 'drill', on_roll: 3, left_count: 1,
    zones: [{ zone: 'srv', remaining: [{ person: 'a' }], left: [{ person: 'b', now_zone: null }] },
            { zone: 'noc', remaining: [{ person: 'c' }], left: [] }] } });
  assert.deepEqual(v.roll.zones.map((z) => z.zone), ['noc', 'srv']);
  assert.deepEqual([v.roll.startedUs, v.roll.actor, v.roll.onRoll, v.roll.leftCount], [50, 'desk', 3, 1]);
  assert.equal(musterView(null).roll, null);
});

test('a lockdown covers its zone and every zone inside it; the site\'s covers all', () => {
  const parents = new Map([['handling', 'server-room'], ['server-room', 'floor-3f'], ['floor-3f', 'bldg']]);
  const zone = [{ scope: 'zone', target: 'server-room' }];
  assert.equal(lockdownCovers(zone, 'handling', parents).target, 'server-room');
  assert.equal(lockdownCovers(zone, 'server-room', parents).target, 'server-room');
  assert.equal(lockdownCovers(zone, 'floor-3f', parents), null);
  assert.equal(lockdownCovers([{ scope: 'site', target: 'site' }], 'floor-3f', parents).scope, 'site');
  assert.equal(lockdownCovers([], 'handling', parents), null);
  assert.deepEqual(doorAlerts(door(), 0, { scope: 'site' }).map((a) => a.key), ['lockdown']);
});
