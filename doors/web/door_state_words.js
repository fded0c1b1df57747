// What a door or gate row of GET /api/doors (doors/door_views.hpp) is in one word, for the
// table, the overview's tile and the plan's markers. Pure: no DOM, no api.

// The one state a row is shown in, most urgent first (a door can be offline and forced: the
// desk acts on the panel first). A circle gate shows its supervised state (GATE_STATES, the
// row's gate_state: doors/gate_supervision); a row without supervision is 'unsupervised'.
export const STATES = ['offline', 'forced', 'held_open', 'tamper', 'open', 'unlocked',
                       'closed_locked', 'unknown', 'unsupervised'];
export const GATE_STATES = ['offline', 'power_lost', 'fire_released', 'awaiting_rearm', 'refused',
                            'tamper', 'cycling', 'idle'];

export function doorState(row) {
  if (!row || row.supervised === false) return 'unsupervised';
  if (row.panel_online === false) return 'offline';
  if (row.kind === 'circle_gate') {
    const state = GATE_STATES.includes(row.gate_state) ? row.gate_state : 'idle';
    // A tampered panel outranks only the calm states.
    if (row.tamper === true && (state === 'idle' || state === 'cycling')) return 'tamper';
    return state;
  }
  if (row.forced === true) return 'forced';
  if (row.held_open === true) return 'held_open';
  if (row.tamper === true) return 'tamper';
  if (row.position === 'open') return 'open';
  if (row.lock === 'unlocked') return 'unlocked';
  if (row.position === 'closed' && row.lock === 'locked') return 'closed_locked';
  return 'unknown';
}

// The tone classes of app.css a state is drawn with.
export function stateTone(state) {
  switch (state) {
    case 'forced':
    case 'tamper':
    case 'refused':
    case 'fire_released':
      return 'alarm';
    case 'offline':
    case 'held_open':
    case 'power_lost':
    case 'awaiting_rearm':
      return 'warning';
    case 'open':
    case 'unlocked':
    case 'cycling':
      return 'info';
    case 'closed_locked':
    case 'idle':
      return 'resolved';
    default:
      return 'unknown';
  }
}

// The tile's counts: {closed_locked, open, forced, held_open, offline, unknown} over the doors
// (gates are counted on their own tile). 'open' counts an open or unlocked door; 'unknown' one
// that has reported nothing yet; a tampered door counts under 'forced' (an alarm either way).
export function doorCounts(rows) {
  const counts = { closed_locked: 0, open: 0, forced: 0, held_open: 0, offline: 0, unknown: 0 };
  for (const row of rows || []) {
    if (row.kind === 'circle_gate') continue;
    const state = doorState(row);
    if (state === 'unlocked') counts.open += 1;
    else if (state === 'tamper') counts.forced += 1;
    else if (state in counts) counts[state] += 1;
    else counts.unknown += 1;
  }
  return counts;
}

// A row after one live event (door.*, panel.*, access.*): a new object, or the same one when the
// event does not concern it. The server's row stays the truth: the store refetches it soon after.
export function applyDoorEvent(row, event) {
  const p = event.payload || {};
  const type = String(event.type || '');
  if (type.startsWith('panel.')) {
    if (p.panel !== row.panel || row.supervised === false) return row;
    if (type === 'panel.online') return { ...row, panel_online: true, panel_firmware: p.firmware || row.panel_firmware };
    if (type === 'panel.offline') return { ...row, panel_online: false };
    return row;
  }
  if (p.door !== row.id || row.supervised === false) return row;
  const next = { ...row, last_event: { type, time_us: event.time_us } };
  if (type.startsWith('gate.')) return applyGateEvent(next, event);
  switch (type) {
    case 'door.opened':
      return { ...next, position: 'open', forced: false, held_open: false };
    case 'door.forced':
      return { ...next, position: 'open', forced: true, held_open: false };
    case 'door.closed':
      return { ...next, position: 'closed', forced: false, held_open: false };
    case 'door.held_open':
      return { ...next, held_open: true };
    case 'door.tamper':
      return { ...next, tamper: p.state === 'active' };
    case 'access.granted':
      return { ...next, lock: 'unlocked' };
    default:
      return next;
  }
}

// What a gate.* event (doors/gate_supervision.cpp) does to a gate's row until the refetch.
const GATE_STATE_AFTER = {
  'gate.cycle_started': 'cycling',
  'gate.cycle_completed': 'idle',
  'gate.cycle_refused': 'refused',
  'gate.fire_released': 'fire_released',
  'gate.fire_cleared': 'awaiting_rearm',
  'gate.rearmed': 'idle',
  'gate.power_lost': 'power_lost',
  'gate.power_restored': 'idle',
};

function applyGateEvent(row, event) {
  const p = event.payload || {};
  const next = { ...row };
  if (typeof p.presence === 'number') next.presence = p.presence;
  if (typeof p.weight_g === 'number') next.weight_g = p.weight_g;
  const after = GATE_STATE_AFTER[event.type];
  if (after) next.gate_state = after;
  if (event.type === 'gate.cycle_refused') {
    next.last_refusal = { refusal: p.refusal || '', session: p.session || '', side: p.side || '',
                          presence: p.presence ?? null, weight_g: p.weight_g ?? null,
                          leaf: p.leaf || '', person: p.person || '', person_name: p.person_name || '',
                          time_us: event.time_us, camera: p.camera || null };
    next.cycles_refused = (row.cycles_refused || 0) + 1;
  }
  if (event.type === 'gate.cycle_completed') next.cycles_completed = (row.cycles_completed || 0) + 1;
  if (event.type === 'gate.object_left') next.object_left = true;
  if (event.type === 'gate.rearmed') next.object_left = false;
  return next;
}
