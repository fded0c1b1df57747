// Who is inside which zone, as GET /api/presence gives it ({"zones": {"<zone>": [{person,
// person_name, since_us}]}}) and as presence.entered / presence.left move it. A person is in
// one zone at a time. Pure: no DOM.

export class PresenceModel {
  constructor() {
    this.byPerson = new Map();  // person -> {zone, name, since_us}
  }

  load(body) {
    this.byPerson.clear();
    const zones = (body && typeof body.zones === 'object' && body.zones) || {};
    for (const [zone, people] of Object.entries(zones)) {
      for (const p of Array.isArray(people) ? people : []) {
        if (p && p.person) {
          this.byPerson.set(String(p.person), { zone, name: p.person_name || '', since_us: Number(p.since_us) || 0 });
        }
      }
    }
  }

  // True when the event moved someone.
  apply(event) {
    const p = event.payload || {};
    const person = p.person || event.subject;
    if (!person || !p.zone) return false;
    if (event.type === 'presence.entered') {
      this.byPerson.set(String(person), { zone: String(p.zone), name: p.person_name || '', since_us: Number(event.time_us) || 0 });
      return true;
    }
    if (event.type === 'presence.left') {
      const where = this.byPerson.get(String(person));
      if (where && where.zone === String(p.zone)) {
        this.byPerson.delete(String(person));
        return true;
      }
    }
    return false;
  }

  zoneOf(person) {
    const where = this.byPerson.get(String(person));
    return where ? where.zone : null;
  }

  // [{zone, people: [{person, name, since_us}]}], zones by name, people by arrival (first in first).
  byZone(zoneName) {
    const zones = new Map();
    for (const [person, where] of this.byPerson) {
      if (!zones.has(where.zone)) zones.set(where.zone, []);
      zones.get(where.zone).push({ person, name: where.name, since_us: where.since_us });
    }
    const out = [];
    for (const [zone, people] of zones) {
      people.sort((a, b) => a.since_us - b.since_us || a.person.localeCompare(b.person));
      out.push({ zone, people });
    }
    const name = zoneName || ((z) => z);
    out.sort((a, b) => String(name(a.zone)).localeCompare(String(name(b.zone))));
    return out;
  }

  count() {
    return this.byPerson.size;
  }
}

// A stable spot for `person` inside rectangle `r` ({x, y, w, h}), the same every render and
// every browser: a hash of the id picks it, kept `margin` from the walls (and clear of the
// zone's label on top). Two people may land close; their dots then overlap a little.
export function spotFor(person, r, margin) {
  let h = 2166136261;
  for (const ch of String(person)) {
    h ^= ch.codePointAt(0);
    h = Math.imul(h, 16777619) >>> 0;
  }
  const fx = (h & 0xffff) / 0xffff;
  const fy = (h >>> 16) / 0xffff;
  const m = Math.max(0, Math.min(margin, r.w / 3, r.h / 3));
  const top = Math.min(r.h / 4, m * 2.5);  // the label's band
  return {
    x: r.x + m + fx * Math.max(0, r.w - 2 * m),
    y: r.y + top + fy * Math.max(0, r.h - top - m),
  };
}
