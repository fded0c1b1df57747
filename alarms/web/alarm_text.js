// An alarm in words and in order, shared by the overview's queue and the alarms page: its type,
// state and source by name, how old it is, and the desk's order (active and unacknowledged
// first, then priority, then the newest trigger). Alarm JSON: docs/alarms.md.

// The states an alarm can be open in; resolved and cleared are terminal.
export const OPEN_STATES = new Set(['active', 'acknowledged', 'shelved']);

export function isOpen(alarm) {
  return OPEN_STATES.has(alarm.state);
}

// A type a newer domain raises before the catalogue names it shows as itself.
export function typeText(api, type) {
  return api.has('alarm.type.' + type) ? api.t('alarm.type.' + type) : String(type);
}

export function stateText(api, state) {
  return api.has('alarm.state.' + state) ? api.t('alarm.state.' + state) : String(state);
}

// "Server room door" for source "door:server-room-door" (api.names falls back to the id).
export function sourceText(api, alarm) {
  if (alarm.source_kind && alarm.source_id) {
    return api.names.get(alarm.source_kind, alarm.source_id);
  }
  return String(alarm.source || '');
}

// "45 s", "12 min", "3 h 05 min", "2 d 4 h": how long since `us`.
export function ageText(api, us, nowUs) {
  const s = Math.max(0, Math.floor((nowUs - us) / 1e6));
  if (s < 60) return api.t('alarms.age.seconds', { n: s });
  if (s < 3600) return api.t('alarms.age.minutes', { n: Math.floor(s / 60) });
  if (s < 86400) {
    return api.t('alarms.age.hours', { h: Math.floor(s / 3600),
                                       m: String(Math.floor((s % 3600) / 60)).padStart(2, '0') });
  }
  return api.t('alarms.age.days', { d: Math.floor(s / 86400), h: Math.floor((s % 86400) / 3600) });
}

// Active (nobody has it yet) before acknowledged before shelved before closed.
const STATE_RANK = { active: 0, acknowledged: 1, shelved: 2, resolved: 3, cleared: 3 };

// The desk's order: what nobody has taken yet first, then by priority (1 highest), then the
// newest trigger first; the id keeps the order stable.
export function deskOrder(a, b) {
  const rank = (STATE_RANK[a.state] ?? 4) - (STATE_RANK[b.state] ?? 4);
  if (rank !== 0) return rank;
  if (a.priority !== b.priority) return a.priority - b.priority;
  if (a.last_us !== b.last_us) return b.last_us - a.last_us;
  return b.id - a.id;
}

// The priority as the badge shows it: "P1".
export function priorityText(api, priority) {
  return api.t('alarms.priority', { priority });
}

// What the operator may do to an alarm in its state; the server decides again on every POST.
// role: the operator's (security_admin alone shelves; bcp_coordinator only reads).
export function allowedSteps(alarm, role) {
  const acts = role === 'operator' || role === 'security_admin';
  const open = alarm.state === 'active' || alarm.state === 'acknowledged';
  return {
    acknowledge: acts && alarm.state === 'active',
    comment: acts,
    resolve: acts && open,
    shelve: role === 'security_admin' && open,
    unshelve: role === 'security_admin' && alarm.state === 'shelved',
  };
}
