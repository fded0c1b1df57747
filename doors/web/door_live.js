// What a door's page shows beyond its one state (door_state_words.js): the conditions a desk
// must see at once — the held-open pre-alarm, a lock fault, a reader fault (per side), the door
// held unlocked by first-person-in or by an operator's timed unlock, a lockdown — and what a
// door command's answer means. Pure: no DOM, no api.

// The row's conditions, most urgent first: [{key, tone, params}] where key names a catalogue
// entry `doors.alert.<key>` and params fill it (times in µs are formatted by the caller);
// `lockdown`: the lockdown covering the door's inner zone, if any (lockdownCovers).
// Row members (doors/door_views.hpp, issue 14): held_open_warning, hold {kind: timed_unlock |
// first_person_in | unlock, until_us} | null, lock_fault, readers_offline [side].
export function doorAlerts(row, nowUs, lockdown = null) {
  const alerts = [];
  if (!row || row.supervised === false) return alerts;
  if (row.lockdown === true || lockdown) alerts.push({ key: 'lockdown', tone: 'alarm', params: {} });
  if (row.kind === 'circle_gate') return alerts.concat(gateAlerts(row));
  if (row.lock_fault === true) alerts.push({ key: 'lock_fault', tone: 'alarm', params: {} });
  for (const side of readerFaultSides(row)) {
    alerts.push({ key: 'reader_fault', tone: 'warning', params: { side } });
  }
  if (row.held_open_warning === true && row.held_open !== true) {
    alerts.push({ key: 'held_open_warning', tone: 'warning', params: {} });
  }
  const hold = row.hold && typeof row.hold === 'object' ? row.hold : null;
  const until = hold ? Number(hold.until_us) || 0 : 0;
  if (hold && hold.kind === 'first_person_in' && until > nowUs) {
    alerts.push({ key: 'schedule_unlocked', tone: 'info', params: { until_us: until, person: hold.person_name || '' } });
  } else if (hold && hold.kind === 'timed_unlock' && until > nowUs) {
    alerts.push({ key: 'timed_unlocked', tone: 'info', params: { until_us: until } });
  } else if (hold && hold.kind === 'unlock') {
    alerts.push({ key: 'manual_unlocked', tone: 'info', params: {} });
  }
  return alerts;
}

// A circle gate's conditions (doors/door_views.hpp circleGateJson, issue 15): the fire release
// and the re-arm it waits for, mains lost (what each leaf did), a refused cycle, an object left
// on the plate, stuck leaves.
function gateAlerts(row) {
  const alerts = [];
  const state = row.panel_online === false ? 'offline' : row.gate_state;
  const leaf = (failSafe) => (failSafe === true ? 'released' : 'locked');
  if (state === 'fire_released') alerts.push({ key: 'gate_fire', tone: 'alarm', params: {} });
  if (state === 'awaiting_rearm') alerts.push({ key: 'gate_awaiting_rearm', tone: 'warning', params: {} });
  if (state === 'power_lost') {
    alerts.push({ key: 'gate_power_lost', tone: 'warning',
                  params: { outer: leaf(row.outer_fail_safe), inner: leaf(row.inner_fail_safe) } });
  }
  if (state === 'refused' && row.last_refusal) {
    alerts.push({ key: 'gate_refused', tone: 'alarm', params: { refusal: row.last_refusal.refusal } });
  }
  if (Array.isArray(row.stuck) && row.stuck.length > 0) {
    alerts.push({ key: 'gate_stuck', tone: 'alarm', params: { leaves: row.stuck.map(String) } });
  }
  if (row.object_left === true) alerts.push({ key: 'object_left', tone: 'warning', params: {} });
  return alerts;
}

// The reader sides reported offline (`readers_offline`: a list of sides).
export function readerFaultSides(row) {
  const sides = row && row.readers_offline;
  return Array.isArray(sides) ? sides.map(String).sort() : [];
}

// A row after one of issue 14's door events (door.held_open_warning, door.lock_fault,
// door.reader_fault, door.schedule_unlocked, door.command): a new object, or the same one.
// The store refetches the server's row soon after; this only makes the page move at once.
export function applyDoorAlertEvent(row, event) {
  const p = event.payload || {};
  if (!row || p.door !== row.id || row.supervised === false) return row;
  switch (event.type) {
    case 'door.held_open_warning':
      return { ...row, held_open_warning: true };
    case 'door.closed':
      return row.held_open_warning ? { ...row, held_open_warning: false } : row;
    case 'door.lock_fault':
      return { ...row, lock_fault: p.state === 'active' };
    case 'door.reader_fault': {
      const side = String(p.side || 'entry');
      const rest = readerFaultSides(row).filter((s) => s !== side);
      return { ...row, readers_offline: p.state === 'offline' ? [...rest, side].sort() : rest };
    }
    case 'door.schedule_unlocked':
      return { ...row, lock: 'unlocked',
               hold: { kind: 'first_person_in', until_us: Number(p.until_us) || 0,
                       person_name: p.person_name || p.person || '' } };
    case 'door.command':
      if (p.command === 'lock') return { ...row, lock: 'locked', hold: null };
      if (p.command === 'timed_unlock') {
        return { ...row, lock: 'unlocked', hold: { kind: 'timed_unlock', until_us: Number(p.until_us) || 0 } };
      }
      if (p.command === 'unlock') return { ...row, lock: 'unlocked' };
      return row;
    default:
      return row;
  }
}

// What a door command's answer means for the page: 200/201 done, 202 waiting for a second
// person's approval (the body's approval id), anything else refused with the server's text.
export function commandOutcome(response) {
  const status = response ? response.status : 0;
  if (status === 202) {
    const approval = (response.body && response.body.approval) || {};
    return { kind: 'waiting', approval: approval.id || '', expiresUs: Number(approval.expires_us) || 0 };
  }
  if (status >= 200 && status < 300) return { kind: 'done' };
  return { kind: 'refused' };
}

// Bounds of a timed unlock, in minutes (the route refuses others; the page says so first).
export const TIMED_UNLOCK_MINUTES = { min: 1, max: 24 * 60, initial: 15 };  // doors::kMaxTimedUnlockMinutes

export function checkTimedMinutes(text) {
  const value = String(text ?? '').trim();
  if (!/^\d+$/.test(value)) return null;
  const n = Number(value);
  return n >= TIMED_UNLOCK_MINUTES.min && n <= TIMED_UNLOCK_MINUTES.max ? n : null;
}

// The revocations (GET /api/revocations: {id, time_us, person, cards, cause, acked: [{panel,
// latency_us}], pending: [panel]}) some panel has not acknowledged yet, newest first, each with
// its pending panels; `panel` (optional) keeps those waiting for that panel only.
export function unacknowledged(revocations, panel) {
  const out = [];
  for (const r of revocations || []) {
    const pending = (Array.isArray(r.pending) ? r.pending : []).map(String);
    if (pending.length === 0) continue;
    if (panel && !pending.includes(panel)) continue;
    out.push({ ...r, pending });
  }
  const when = (r) => Number(r.time_us || r.sent_us) || 0;
  out.sort((a, b) => when(b) - when(a));
  return out;
}

// Whether a lockdown covers `zone`: a site lockdown covers every zone, a zone's lockdown that
// zone and every zone inside it (parents: zone id → parent id, from GET /api/site).
export function lockdownCovers(lockdowns, zone, parents) {
  if (!zone) return null;
  for (const l of lockdowns || []) {
    if (l.scope === 'site' || l.target === 'site') return l;
  }
  const targets = new Map((lockdowns || []).map((l) => [l.target, l]));
  const seen = new Set();
  for (let z = zone; z && !seen.has(z); z = parents.get(z)) {
    seen.add(z);
    if (targets.has(z)) return targets.get(z);
  }
  return null;
}
