// Zone control as the overview shows it (doors/zone_control, D2's routes): the lockdowns in
// force (GET /api/lockdown, moved by zone.lockdown_started / zone.lockdown_lifted), the zones
// where one person is left alone (zone.alone / zone.alone_cleared), and the muster roll
// (GET /api/muster). Pure: no DOM, no api.

// Who may start a lockdown (an emergency: the desk too) and who may lift one.
export const LOCKDOWN_START_ROLES = new Set(['operator', 'security_admin']);
export const LOCKDOWN_LIFT_ROLES = new Set(['security_admin']);
export const MUSTER_ROLES = new Set(['operator', 'security_admin']);

// One lockdown: {scope: 'site'|'zone', target: zone id or 'site', since_us, by, comment}.
function lockdownRow(raw) {
  if (!raw || typeof raw !== 'object') return null;
  const scope = raw.scope === 'site' || raw.target === 'site' ? 'site' : 'zone';
  const target = scope === 'site' ? 'site' : String(raw.target || raw.zone || '');
  if (scope === 'zone' && !target) return null;
  return { scope, target, since_us: Number(raw.since_us || raw.started_us || raw.time_us) || 0,
           by: String(raw.by || raw.actor || ''), comment: String(raw.comment || '') };
}

export class LockdownModel {
  constructor() {
    this.byTarget = new Map();
  }

  // GET /api/lockdown's body: {lockdowns: [...]} (or {active: [...]}).
  load(body) {
    this.byTarget.clear();
    const list = (body && (body.lockdowns || body.active)) || [];
    for (const raw of Array.isArray(list) ? list : []) {
      const row = lockdownRow(raw);
      if (row) this.byTarget.set(row.target, row);
    }
  }

  // A live zone.lockdown_* event; true when the model changed.
  apply(event) {
    const p = event.payload || {};
    if (event.type === 'zone.lockdown_started') {
      const row = lockdownRow({ ...p, since_us: event.time_us, by: p.actor || p.by });
      if (!row) return false;
      this.byTarget.set(row.target, row);
      return true;
    }
    if (event.type === 'zone.lockdown_lifted') {
      const target = p.scope === 'site' || p.target === 'site' ? 'site' : String(p.target || p.zone || '');
      return this.byTarget.delete(target);
    }
    return false;
  }

  // Site first, then zones by id.
  list() {
    return [...this.byTarget.values()].sort((a, b) =>
      (a.scope === 'site' ? -1 : 0) - (b.scope === 'site' ? -1 : 0) || a.target.localeCompare(b.target));
  }

  active() {
    return this.byTarget.size > 0;
  }
}

// Never-alone: the zones where one person is alone now, {zone → {person, person_name, since_us}}.
export class AloneModel {
  constructor() {
    this.byZone = new Map();
  }

  // A list of {zone, person, person_name, since_us} (D2's state, when a route gives it).
  load(list) {
    this.byZone.clear();
    for (const row of Array.isArray(list) ? list : []) {
      if (row && row.zone) this.byZone.set(String(row.zone), { ...row });
    }
  }

  apply(event) {
    const p = event.payload || {};
    if (!p.zone) return false;
    if (event.type === 'zone.alone') {
      this.byZone.set(String(p.zone), { zone: String(p.zone), person: p.person || '',
                                        person_name: p.person_name || '',
                                        since_us: Number(p.since_us || event.time_us) || 0 });
      return true;
    }
    if (event.type === 'zone.alone_cleared') return this.byZone.delete(String(p.zone));
    return false;
  }

  list() {
    return [...this.byZone.values()].sort((a, b) => a.zone.localeCompare(b.zone));
  }
}

// GET /api/muster (doors/zone_muster.hpp) as the muster panel draws it:
// body = {zones: {zone: [{person, person_name, since_us}]} (who is inside now),
//         muster: null | {started_us, actor, comment, on_roll, left_count,
//                         zones: [{zone, remaining: [{person, person_name}],
//                                  left: [{person, person_name, now_zone}]}]}}.
// Returns {inside: [{zone, people}] by zone id, insideCount, roll: null | {startedUs, actor,
// comment, onRoll, leftCount, zones: [{zone, remaining, left}]}}.
export function musterView(body) {
  const now = (body && body.zones && typeof body.zones === 'object') ? body.zones : {};
  const inside = Object.keys(now).sort()
    .map((zone) => ({ zone, people: Array.isArray(now[zone]) ? now[zone].slice() : [] }))
    .filter((z) => z.people.length > 0);
  const insideCount = inside.reduce((n, z) => n + z.people.length, 0);
  const m = body && body.muster;
  if (!m || typeof m !== 'object') return { inside, insideCount, roll: null };
  const zones = (Array.isArray(m.zones) ? m.zones : [])
    .filter((z) => z && z.zone)
    .map((z) => ({ zone: String(z.zone),
                   remaining: Array.isArray(z.remaining) ? z.remaining.slice() : [],
                   left: Array.isArray(z.left) ? z.left.slice() : [] }))
    .sort((a, b) => a.zone.localeCompare(b.zone));
  const leftCount = Number.isFinite(Number(m.left_count)) ? Number(m.left_count)
    : zones.reduce((n, z) => n + z.left.length, 0);
  return { inside, insideCount,
           roll: { startedUs: Number(m.started_us) || 0, actor: String(m.actor || ''),
                   comment: String(m.comment || ''), onRoll: Number(m.on_roll) || 0, leftCount, zones } };
}
