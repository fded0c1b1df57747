// The plant's one-line diagram as SVG: utility feeds A and B (their meter's voltage and power),
// the generator behind the switch on its side, the transfer switch with its CONFIRMED position
// drawn as the closed contact (transferring, fault or unknown: both contacts open), the UPS
// units and the load with its source. A path is coloured when energised, grey when dead and
// dashed when not known; a value whose quality is not good is greyed with its "stale" badge
// and never looks live (its path is drawn unknown). No inline style: classes of power.css.
//
// oneLine(plant, ctx) → <svg data-testid="power-diagram">; ctx: {t(key, params),
// staleText(quality, pointPrefix) → '' when good, else the badge ("stale · 12 s ago")}.

const SVG = 'http://www.w3.org/2000/svg';
const WIDTH = 760;

function node(tag, attrs, text) {
  const n = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v !== undefined && v !== null) n.setAttribute(k, String(v));
  }
  if (text !== undefined) n.textContent = text;
  return n;
}

// energised: true | false | null (not known).
function wire(points, energised, testid) {
  const cls = energised === true ? 'power-wire power-wire-live'
    : energised === false ? 'power-wire power-wire-dead' : 'power-wire power-wire-unknown';
  return node('polyline', {
    points: points.map(([x, y]) => `${x},${y}`).join(' '), class: cls,
    'data-testid': testid, 'data-energised': energised === null ? 'unknown' : String(energised),
  });
}

function num(v, digits = 1) {
  return typeof v === 'number' && Number.isFinite(v) ? v.toFixed(digits) : null;
}

// A box with a title and lines of text; stale greys it and adds the badge.
function box(x, y, w, h, { title, lines, stale, cls, testid, data }) {
  const g = node('g', { class: 'power-node ' + (cls || '') + (stale ? ' power-stale' : ''),
                        'data-testid': testid });
  for (const [k, v] of Object.entries(data || {})) g.setAttribute('data-' + k, String(v));
  g.setAttribute('data-live', String(!stale));
  g.appendChild(node('rect', { x, y, width: w, height: h, rx: 6, class: 'power-node-box' }));
  g.appendChild(node('text', { x: x + 8, y: y + 17, class: 'power-node-title' }, title));
  let ty = y + 34;
  for (const [text, lineTestid, lineCls] of lines) {
    g.appendChild(node('text', { x: x + 8, y: ty, class: 'power-node-value ' + (lineCls || ''),
                                 'data-testid': lineTestid }, text));
    ty += 15;
  }
  if (stale) {
    g.appendChild(node('text', { x: x + 8, y: y + h - 7, class: 'power-stale-badge',
                                 'data-testid': 'power-diagram-stale' }, stale));
  }
  return g;
}

export function oneLine(plant, ctx) {
  const { t, staleText } = ctx;
  const feeds = plant.feeds || [];
  const ats = plant.ats || null;
  const gen = plant.generator || null;
  const ups = plant.ups || [];
  const load = plant.load || { source: 'unknown', power_kw: null };
  const upsRowY = 370;
  const loadY = ups.length ? 490 : 380;
  const height = loadY + 80;
  const svg = node('svg', { viewBox: `0 0 ${WIDTH} ${height}`, class: 'power-one-line',
                            role: 'img', 'data-testid': 'power-diagram',
                            'aria-label': t('power.diagram.label') });
  const wires = node('g', { class: 'power-wires' });
  const nodes = node('g', { class: 'power-nodes' });
  svg.append(wires, nodes);

  // --- sources: the feeds the switch names on its sides a and b, then any other feed --------
  const sides = ats ? { a: ats.sources ? ats.sources.a : null, b: ats.sources ? ats.sources.b : null }
    : {};
  const feedOf = (id) => feeds.find((f) => f.id === id) || null;
  const ordered = [];
  if (ats) {
    for (const s of ['a', 'b']) if (feedOf(sides[s])) ordered.push([feedOf(sides[s]), s]);
  }
  for (const f of feeds) if (!ordered.some(([o]) => o === f)) ordered.push([f, null]);
  const genSide = gen && ats ? (ats.generator_side || null) : null;

  const feedLive = (f) => (f.quality !== 'good' ? null
    : f.state === 'live' ? true : f.state === 'lost' ? false : null);
  const genState = gen ? gen.state : 'unknown';
  // The generator feeds its side only on load (off load it runs with its breaker open).
  const genFeeds = !gen ? false : gen.quality !== 'good' || genState === 'unknown' ? null
    : genState === 'on_load';
  const atsX = 300;
  const atsY = 200;
  const terminals = { a: [atsX + 30, atsY], b: [atsX + 130, atsY] };
  const common = [atsX + 80, atsY + 90];
  const sideLive = { a: null, b: null };
  const busY = 160;

  const feedW = 190;
  const feedXs = [40, 270, 500];
  ordered.forEach(([f, side], i) => {
    const x = feedXs[Math.min(i, 2)] + (i > 2 ? (i - 2) * 20 : 0);
    const stale = staleText(f.quality, f.meter);
    const live = feedLive(f);
    const v = num(f.voltage, 0);
    const kw = num(f.power_kw, 1);
    nodes.appendChild(box(x, 20, feedW, 92, {
      title: f.name || f.id,
      stale,
      cls: 'power-feed power-feed-' + f.state,
      testid: 'power-diagram-feed',
      data: { id: f.id, state: f.state, quality: f.quality, side: side || '' },
      lines: [
        [t('power.feed.state.' + (['live', 'lost'].includes(f.state) ? f.state : 'unknown')),
         'power-diagram-feed-state', 'power-state-' + f.state],
        [v === null ? t('power.value.none') : `${v} V`,
         'power-diagram-feed-voltage'],
        [kw === null ? t('power.value.none') : `${kw} kW`,
         'power-diagram-feed-power'],
      ],
    }));
    const cx = x + feedW / 2;
    if (side && ats) {
      // Up to the side's junction: the feed's own wire.
      const [tx] = terminals[side];
      const jy = busY - (side === 'a' ? 16 : 0);
      wires.appendChild(wire([[cx, 112], [cx, jy]], live, 'power-wire-feed'));
      const genHere = genSide === side;
      sideLive[side] = live === true || (genHere && genFeeds === true) ? true
        : live === null || (genHere && genFeeds === null) ? null : false;
      wires.appendChild(wire([[cx, jy], [tx, jy], [tx, atsY]], sideLive[side], 'power-wire-side-' + side));
    } else if (!ats) {
      // No switch: the feed runs straight to the bus.
      wires.appendChild(wire([[cx, 112], [cx, 290], [common[0], 290]], live, 'power-wire-feed'));
    }
  });

  // --- the generator: behind the switch on its side (else straight to the bus) -------------
  if (gen) {
    const gx = 540;
    const gy = 200;
    const stale = staleText(gen.quality, gen.device);
    const kw = num(gen.power_kw, 1);
    const fuel = num(gen.fuel_percent, 0);
    nodes.appendChild(box(gx, gy, 190, 92, {
      title: t('power.generator.title', { device: gen.device }),
      stale,
      cls: 'power-generator power-generator-' + genState,
      testid: 'power-diagram-generator',
      data: { device: gen.device, state: genState, quality: gen.quality },
      lines: [
        [t('power.generator.state.' + genState), 'power-diagram-generator-state',
         'power-state-' + genState],
        [kw === null ? t('power.value.none') : `${kw} kW`,
         'power-diagram-generator-power'],
        [fuel === null ? t('power.value.none') : t('power.generator.fuel', { value: fuel }),
         'power-diagram-generator-fuel'],
      ],
    }));
    if (genSide) {
      const [tx] = terminals[genSide];
      const jy = busY - (genSide === 'a' ? 16 : 0);
      wires.appendChild(wire([[gx + 95, gy], [gx + 95, jy], [tx, jy]], genFeeds,
                             'power-wire-generator'));
    } else {
      wires.appendChild(wire([[gx + 95, gy + 92], [gx + 95, 305], [common[0], 305]], genFeeds,
                             'power-wire-generator'));
    }
  }

  // --- the transfer switch: the confirmed position is the closed contact --------------------
  let outLive = null;
  if (ats) {
    const pos = ats.position;
    const stale = staleText(ats.quality, ats.device);
    const known = ats.quality === 'good' && (pos === 'a' || pos === 'b');
    const g = node('g', { class: 'power-node power-ats' + (stale ? ' power-stale' : ''),
                          'data-testid': 'power-diagram-ats', 'data-position': pos,
                          'data-quality': ats.quality, 'data-live': String(!stale) });
    g.appendChild(node('rect', { x: atsX, y: atsY - 12, width: 160, height: 114, rx: 6,
                                 class: 'power-node-box' }));
    g.appendChild(node('text', { x: atsX + 8, y: atsY + 82, class: 'power-node-title' },
                       t('power.ats.title', { device: ats.device })));
    for (const s of ['a', 'b']) {
      const [tx, ty] = terminals[s];
      const closed = known && pos === s;
      const contactLive = closed ? sideLive[s] : false;
      g.appendChild(node('circle', { cx: tx, cy: ty, r: 3, class: 'power-terminal' }));
      g.appendChild(node('text', { x: tx + 6, y: ty + 14, class: 'power-terminal-label' },
                         s.toUpperCase()));
      // Closed: pivot to the common terminal; open: swung away from it.
      const end = closed ? [common[0], common[1] - 22] : [tx + (s === 'a' ? 18 : -18), ty + 44];
      g.appendChild(wire([[tx, ty], [tx, ty + 12], end], known ? (closed ? contactLive : false) : null,
                         'power-diagram-contact-' + s));
      g.lastChild.setAttribute('data-closed', String(closed));
    }
    g.appendChild(node('circle', { cx: common[0], cy: common[1] - 22, r: 3, class: 'power-terminal' }));
    const label = known ? t('power.ats.on', { side: pos.toUpperCase() })
      : t('power.ats.position.' + (['transferring', 'fault'].includes(pos) ? pos : 'unknown'));
    g.appendChild(node('text', { x: atsX - 8, y: atsY + 44, class: 'power-ats-position',
                                 'data-testid': 'power-diagram-ats-position' }, label));
    if (stale) {
      g.appendChild(node('text', { x: atsX + 8, y: atsY + 97, class: 'power-stale-badge',
                                   'data-testid': 'power-diagram-stale' }, stale));
    }
    nodes.appendChild(g);
    outLive = known ? sideLive[pos] : null;
    wires.appendChild(wire([common.map((c, i) => (i ? c - 22 : c)), [common[0], 290]], outLive,
                           'power-wire-ats-out'));
  } else {
    const any = feeds.map(feedLive);
    outLive = any.includes(true) ? true : any.includes(null) || !feeds.length ? null : false;
  }
  if (gen && !genSide && genFeeds === true) outLive = true;

  // --- UPS units between the bus and the load ------------------------------------------------
  const busX = common[0];
  let loadLive = outLive;
  if (ups.length) {
    const w = 170;
    const gap = 20;
    const total = ups.length * w + (ups.length - 1) * gap;
    const startX = Math.max(10, busX - total / 2);
    const centres = ups.map((_, i) => startX + i * (w + gap) + w / 2);
    wires.appendChild(wire([[Math.min(busX, centres[0]), 320], [Math.max(busX, centres.at(-1)), 320]],
                           outLive, 'power-wire-bus'));
    wires.appendChild(wire([[busX, 290], [busX, 320]], outLive, 'power-wire-bus'));
    const outs = [];
    ups.forEach((u, i) => {
      const x = startX + i * (w + gap);
      const cx = centres[i];
      const stale = staleText(u.quality, u.id);
      const good = u.quality === 'good';
      const battery = good ? u.on_battery : null;
      const charge = num(u.charge, 0);
      const runtime = typeof u.runtime_s === 'number' ? Math.round(u.runtime_s / 60) : null;
      const status = battery === true ? 'battery' : battery === false ? 'mains' : 'unknown';
      nodes.appendChild(box(x, upsRowY, w, 92, {
        title: u.name || u.id,
        stale,
        cls: 'power-ups power-ups-' + status,
        testid: 'power-diagram-ups',
        data: { id: u.id, status, quality: u.quality },
        lines: [
          [t('power.ups.status.' + status), 'power-diagram-ups-status', 'power-state-' + status],
          [charge === null ? t('power.value.none') : t('power.ups.charge', { value: charge }),
           'power-diagram-ups-charge'],
          [runtime === null ? t('power.value.none') : t('power.ups.runtime', { minutes: runtime }),
           'power-diagram-ups-runtime'],
        ],
      }));
      wires.appendChild(wire([[cx, 320], [cx, upsRowY]], outLive, 'power-wire-ups-in'));
      const out = battery === true ? true : !good ? null : outLive;
      outs.push(out);
      wires.appendChild(wire([[cx, upsRowY + 92], [cx, loadY - 20]], out, 'power-wire-ups-out'));
    });
    loadLive = outs.includes(true) ? true : outs.includes(null) ? null : false;
    wires.appendChild(wire([[Math.min(busX, centres[0]), loadY - 20], [Math.max(busX, centres.at(-1)), loadY - 20],
    ], loadLive, 'power-wire-load-bus'));
    wires.appendChild(wire([[busX, loadY - 20], [busX, loadY]], loadLive, 'power-wire-load'));
  } else {
    wires.appendChild(wire([[busX, 290], [busX, loadY]], outLive, 'power-wire-load'));
  }

  // --- the load and what carries it ---------------------------------------------------------
  const source = load.source || 'unknown';
  const known = ['generator', 'battery', 'none'].includes(source);
  const feedName = feedOf(source) ? (feedOf(source).name || source) : null;
  const sourceText = feedName ? t('power.load.source.feed', { feed: feedName })
    : t('power.load.source.' + (known ? source : 'unknown'));
  const kw = num(load.power_kw, 1);
  const loadStale = source === 'unknown' ? t('power.load.unknown') : '';
  nodes.appendChild(box(busX - 120, loadY, 240, 76, {
    title: t('power.load.title'),
    stale: loadStale,
    cls: 'power-load power-load-' + source,
    testid: 'power-diagram-load',
    data: { source },
    lines: [
      [sourceText, 'power-diagram-load-source'],
      [kw === null ? t('power.value.none') : `${kw} kW`, 'power-diagram-load-power'],
    ],
  }));
  svg.setAttribute('data-load-live', loadLive === null ? 'unknown' : String(loadLive));
  return svg;
}
