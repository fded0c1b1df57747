// The floor plan: one SVG per floor, drawn from GET /api/site's zones (a floor's plan is its
// extent {w, h}; a zone inside it has {x, y, w, h} on it), a floor selector, zones as labelled
// rectangles (a click opens the events page filtered by the zone), and the layers plugins add
// (doors, gates, cameras, people) drawn above the zones.

const SVG = 'http://www.w3.org/2000/svg';
const FLOOR_KEY = 'sekimori.floor';  // the floor last chosen here (kept across a reload)

function svg(name, attributes) {
  const el = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attributes || {})) el.setAttribute(k, String(v));
  return el;
}

// A font size at most `preferred` at which `name` fits `width` (CJK about 1 em a character,
// Latin about 0.6 em): a label stays inside its room.
function labelSize(name, width, preferred) {
  let ems = 0;
  for (const ch of String(name)) ems += ch.codePointAt(0) > 0x2e80 ? 1 : 0.6;
  if (ems === 0 || width <= 0) return preferred;
  return Math.max(preferred / 3, Math.min(preferred, width / ems));
}

export class FloorPlan {
  // api: {t, names, navigate, hasPage(id)}
  constructor(api) {
    this.api = api;
    this.layers = [];
    this.floors = [];         // [{id, name, w, h, svg, zonesG, layerGs: Map}]
    this.zones = new Map();   // id -> zone as /api/site gives it
    this.selected = null;
    try { this.selected = localStorage.getItem(FLOOR_KEY); } catch (e) { this.selected = null; }
    this.refreshScheduled = false;

    this.element = document.createElement('div');
    this.element.className = 'plan';
    this.element.setAttribute('data-testid', 'overview-plan');
    this.selector = document.createElement('div');
    this.selector.className = 'plan-floors';
    this.selector.setAttribute('role', 'tablist');
    this.selector.setAttribute('data-testid', 'overview-plan-floors');
    this.drawing = document.createElement('div');
    this.drawing.className = 'plan-drawing';
    this.element.append(this.selector, this.drawing);

    this.geometry = Object.freeze({
      zone: (id) => this.rectOf(id),
      floorOf: (id) => this.floorOf(id),
    });
  }

  rectOf(id) {
    const z = this.zones.get(String(id));
    if (!z || !z.plan) return null;
    const p = z.plan;
    return { x: Number(p.x) || 0, y: Number(p.y) || 0, w: Number(p.w) || 0, h: Number(p.h) || 0 };
  }

  // The floor a zone is drawn on (itself for a floor), or null.
  floorOf(id) {
    let z = this.zones.get(String(id));
    for (let depth = 0; z && depth < 32; depth += 1) {
      if (z.kind === 'floor') return z.plan ? z.id : null;
      z = this.zones.get(String(z.parent));
    }
    return null;
  }

  load(zones) {
    this.zones = new Map((zones || []).map((z) => [String(z.id), z]));
    this.floors = [];
    this.selector.replaceChildren();
    this.drawing.replaceChildren();
    for (const z of zones || []) {
      if (z.kind !== 'floor' || !z.plan || !(z.plan.w > 0) || !(z.plan.h > 0)) continue;
      this.floors.push(this.drawFloor(z));
    }
    if (this.floors.length === 0) {
      const none = document.createElement('p');
      none.className = 'empty';
      none.setAttribute('data-testid', 'overview-plan-empty');
      none.textContent = this.api.t('plan.none');
      this.drawing.appendChild(none);
      return;
    }
    const wanted = this.floors.find((f) => f.id === this.selected) || this.floors[0];
    this.select(wanted.id);
    this.renderLayers();
  }

  drawFloor(floor) {
    const w = Number(floor.plan.w);
    const h = Number(floor.plan.h);
    const button = document.createElement('button');
    button.type = 'button';
    button.className = 'plan-floor-button';
    button.dataset.floor = floor.id;
    button.setAttribute('role', 'tab');
    button.setAttribute('data-testid', 'overview-plan-floor-button');
    button.textContent = this.api.names.get('zone', floor.id);
    button.addEventListener('click', () => {
      this.select(floor.id);
      try { localStorage.setItem(FLOOR_KEY, floor.id); } catch (e) { /* not kept */ }
    });
    this.selector.appendChild(button);

    const drawing = svg('svg', { viewBox: '0 0 ' + w + ' ' + h, class: 'plan-floor',
                                 preserveAspectRatio: 'xMidYMid meet', role: 'img',
                                 'data-floor': floor.id,
                                 'data-testid': 'overview-plan-floor' });
    drawing.setAttribute('aria-label', this.api.names.get('zone', floor.id));
    drawing.appendChild(svg('rect', { x: 0, y: 0, width: w, height: h, class: 'plan-outline' }));
    const zonesG = svg('g', { class: 'plan-zones' });
    drawing.appendChild(zonesG);
    const fontSize = Math.max(8, Math.min(w, h) / 28);
    // Outer zones first, so rooms inside an area are drawn on top of it.
    const onFloor = [];
    for (const z of this.zones.values()) {
      if (z.id === floor.id || !z.plan || this.floorOf(z.id) !== floor.id) continue;
      onFloor.push({ zone: z, depth: this.depthBelow(z, floor.id) });
    }
    onFloor.sort((a, b) => a.depth - b.depth);
    for (const { zone } of onFloor) {
      const r = this.rectOf(zone.id);
      if (!(r.w > 0) || !(r.h > 0)) continue;
      const g = svg('g', { class: 'plan-zone kind-' + zone.kind, 'data-zone': zone.id,
                           'data-testid': 'overview-plan-zone', tabindex: 0, role: 'link' });
      const name = this.api.names.get('zone', zone.id);
      const title = svg('title');
      title.textContent = name;
      g.appendChild(title);
      g.appendChild(svg('rect', { x: r.x, y: r.y, width: r.w, height: r.h, class: 'plan-zone-rect' }));
      const size = labelSize(name, r.w - fontSize, fontSize);
      const label = svg('text', { x: r.x + fontSize * 0.5, y: r.y + size * 1.3,
                                  'font-size': size, class: 'plan-zone-label' });
      label.textContent = name;
      g.appendChild(label);
      const open = () => {
        if (this.api.hasPage('events')) this.api.navigate('#/events?zone=' + encodeURIComponent(zone.id));
      };
      g.addEventListener('click', open);
      g.addEventListener('keydown', (e) => {
        if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); open(); }
      });
      zonesG.appendChild(g);
    }
    const layerGs = new Map();
    for (const layer of this.layers) layerGs.set(layer.id, this.layerGroup(drawing, layer));
    this.drawing.appendChild(drawing);
    return { id: floor.id, w, h, svg: drawing, layerGs };
  }

  depthBelow(zone, floorId) {
    let depth = 0;
    let z = zone;
    while (z && z.id !== floorId && depth < 32) {
      depth += 1;
      z = this.zones.get(String(z.parent));
    }
    return depth;
  }

  // A layer's <g>, placed among the other layers by order (all above the zones).
  layerGroup(drawing, layer) {
    const g = svg('g', { class: 'plan-layer', 'data-layer': layer.id, 'data-order': layer.order,
                         'data-testid': 'overview-plan-layer-' + layer.id });
    const after = Array.from(drawing.querySelectorAll(':scope > g.plan-layer'))
      .find((other) => Number(other.dataset.order) > layer.order);
    drawing.insertBefore(g, after || null);
    return g;
  }

  select(floorId) {
    this.selected = floorId;
    for (const f of this.floors) f.svg.toggleAttribute('hidden', f.id !== floorId);  // an SVG has no .hidden
    for (const b of this.selector.children) {
      const on = b.dataset.floor === floorId;
      b.classList.toggle('active', on);
      b.setAttribute('aria-selected', on ? 'true' : 'false');
    }
  }

  addLayer({ id, order = 100, render }) {
    if (!id || typeof render !== 'function') throw new Error('plan.addLayer needs {id, render}');
    if (this.layers.some((l) => l.id === id)) throw new Error('plan layer ' + id + ' added twice');
    const layer = { id: String(id), order: Number(order), render };
    this.layers.push(layer);
    this.layers.sort((a, b) => a.order - b.order);
    for (const f of this.floors) {
      f.layerGs.set(layer.id, this.layerGroup(f.svg, layer));
      this.renderLayer(f, layer);
    }
  }

  renderLayer(floor, layer) {
    const g = floor.layerGs.get(layer.id);
    if (!g) return;
    g.replaceChildren();
    try {
      layer.render(floor.id, g, this.geometry);
    } catch (e) {
      console.error('plan layer ' + layer.id, e);
    }
  }

  renderLayers() {
    for (const f of this.floors) for (const layer of this.layers) this.renderLayer(f, layer);
  }

  // Re-renders every layer once on the next frame, however many times it is called before.
  refresh() {
    if (this.refreshScheduled) return;
    this.refreshScheduled = true;
    const run = () => {
      if (!this.refreshScheduled) return;
      this.refreshScheduled = false;
      this.renderLayers();
    };
    requestAnimationFrame(run);
    setTimeout(run, 100);
  }
}
