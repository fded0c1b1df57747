// A small SVG line plot for the plugins' trends and projections (served by the shell at
// /trend_plot.js; the power and climate pages import it from there). No text of its own: the
// caller formats the axis labels (times in the site's zone, units in its catalogue). No inline
// style: the look is classes (.trend-plot-*) of /trend_plot.css, linked on first use, and the
// caller's own.

const SVG = 'http://www.w3.org/2000/svg';

function ensureStylesheet() {
  if (document.querySelector('link[data-trend-plot-css]')) return;
  const link = document.createElement('link');
  link.rel = 'stylesheet';
  link.href = new URL('./trend_plot.css', import.meta.url).pathname;
  link.setAttribute('data-trend-plot-css', '');
  document.head.appendChild(link);
}

function node(tag, attrs, text) {
  const n = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs || {})) n.setAttribute(k, String(v));
  if (text !== undefined) n.textContent = text;
  return n;
}

function finite(v) {
  return typeof v === 'number' && Number.isFinite(v);
}

// Round steps (1, 2, 5 × 10^n) covering [lo, hi] with about `count` ticks.
export function ticks(lo, hi, count = 4) {
  if (!finite(lo) || !finite(hi)) return [];
  if (hi <= lo) return [lo];
  const raw = (hi - lo) / Math.max(1, count);
  const p = Math.pow(10, Math.floor(Math.log10(raw)));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * p).find((s) => s >= raw) || raw;
  const out = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) {
    out.push(Math.abs(v) < step * 1e-9 ? 0 : v);
  }
  return out;
}

// Ticks for a time axis in µs: whole minutes (1, 2, 5, 10, 15, 30) or hours, about `count`.
export function timeTicks(fromUs, toUs, count = 5) {
  if (!finite(fromUs) || !finite(toUs) || toUs <= fromUs) return [];
  const minute = 60 * 1e6;
  const steps = [1, 2, 5, 10, 15, 30, 60, 120, 180, 360, 720, 1440].map((m) => m * minute);
  const step = steps.find((s) => (toUs - fromUs) / s <= count) || steps.at(-1);
  const out = [];
  for (let v = Math.ceil(fromUs / step) * step; v <= toUs; v += step) out.push(v);
  return out;
}

// The trend routes' buckets [[time_us, min, max, avg], ...] as the plot's series: the average
// as the line, min..max as the band; buckets without numbers are left out.
export function bucketSeries(buckets) {
  const line = [];
  const band = [];
  for (const b of buckets || []) {
    if (!Array.isArray(b) || !finite(b[0]) || !finite(b[3])) continue;
    line.push([b[0], b[3]]);
    if (finite(b[1]) && finite(b[2])) band.push([b[0], b[1], b[2]]);
  }
  return { line, band };
}

// linePlot({series: [{line: [[x, y]...], band?: [[x, lo, hi]...], cls?}], width, height,
//           xDomain?: [lo, hi], yDomain?: [lo, hi], xFormat(x), yFormat(y),
//           xLines?: [{value, cls, label}], yLines?: [{value, cls, label}], xTicks?: [x...],
//           testid, label})
// → an <svg> (viewBox width × height) with data-points = the number of points drawn. Lines
// and bands stretch the domain so they are always in view.
export function linePlot(options) {
  const {
    series = [], width = 480, height = 180, xFormat = String, yFormat = String,
    xLines = [], yLines = [], testid, label, xTicks,
  } = options;
  ensureStylesheet();
  const left = 52;
  const right = 26;
  const top = 10;
  const bottom = 24;
  const xs = [];
  const ys = [];
  let count = 0;
  for (const s of series) {
    for (const [x, y] of s.line || []) { xs.push(x); ys.push(y); count += 1; }
    for (const [x, lo, hi] of s.band || []) { xs.push(x); ys.push(lo, hi); }
  }
  for (const l of yLines) if (finite(l.value)) ys.push(l.value);
  for (const l of xLines) if (finite(l.value)) xs.push(l.value);
  let [x0, x1] = options.xDomain || [Math.min(...xs), Math.max(...xs)];
  let [y0, y1] = options.yDomain || [Math.min(...ys), Math.max(...ys)];
  if (options.xDomain) { x0 = Math.min(x0, ...xs); x1 = Math.max(x1, ...xs); }
  if (options.yDomain) { y0 = Math.min(y0, ...ys); y1 = Math.max(y1, ...ys); }
  const svg = node('svg', {
    class: 'trend-plot', viewBox: `0 0 ${width} ${height}`, role: 'img',
    preserveAspectRatio: 'xMidYMid meet', 'data-points': count,
  });
  if (testid) svg.setAttribute('data-testid', testid);
  if (label) svg.setAttribute('aria-label', label);
  if (!finite(x0) || !finite(x1) || !finite(y0) || !finite(y1)) return svg;
  if (x1 === x0) { x0 -= 1; x1 += 1; }
  if (y1 === y0) { y0 -= 1; y1 += 1; }
  const pad = (y1 - y0) * 0.08;
  y0 -= pad; y1 += pad;
  const w = width - left - right;
  const h = height - top - bottom;
  const px = (x) => left + ((x - x0) / (x1 - x0)) * w;
  const py = (y) => top + h - ((y - y0) / (y1 - y0)) * h;
  const axes = node('g', { class: 'trend-plot-axes' });
  axes.appendChild(node('rect', { x: left, y: top, width: w, height: h, class: 'trend-plot-frame' }));
  for (const v of ticks(y0, y1, 4)) {
    axes.appendChild(node('line', { x1: left, x2: left + w, y1: py(v), y2: py(v), class: 'trend-plot-grid' }));
    axes.appendChild(node('text', { x: left - 4, y: py(v) + 4, class: 'trend-plot-tick trend-plot-tick-y' },
                          yFormat(v)));
  }
  for (const v of (xTicks || ticks(x0, x1, 4)).filter((x) => x >= x0 && x <= x1)) {
    axes.appendChild(node('line', { x1: px(v), x2: px(v), y1: top, y2: top + h, class: 'trend-plot-grid' }));
    axes.appendChild(node('text', { x: px(v), y: height - 6, class: 'trend-plot-tick trend-plot-tick-x' },
                          xFormat(v)));
  }
  svg.appendChild(axes);
  for (const s of series) {
    const cls = s.cls ? ' ' + s.cls : '';
    if (s.band && s.band.length > 1) {
      const upper = s.band.map(([x, , hi]) => `${px(x).toFixed(1)},${py(hi).toFixed(1)}`);
      const lower = s.band.slice().reverse().map(([x, lo]) => `${px(x).toFixed(1)},${py(lo).toFixed(1)}`);
      svg.appendChild(node('polygon', { points: upper.concat(lower).join(' '), class: 'trend-plot-band' + cls }));
    }
    const line = s.line || [];
    if (line.length > 1) {
      svg.appendChild(node('polyline', {
        points: line.map(([x, y]) => `${px(x).toFixed(1)},${py(y).toFixed(1)}`).join(' '),
        class: 'trend-plot-line' + cls,
      }));
    } else if (line.length === 1) {
      svg.appendChild(node('circle', { cx: px(line[0][0]), cy: py(line[0][1]), r: 3, class: 'trend-plot-dot' + cls }));
    }
  }
  for (const l of yLines) {
    if (!finite(l.value)) continue;
    const g = node('g', { class: 'trend-plot-mark ' + (l.cls || '') });
    g.appendChild(node('line', { x1: left, x2: left + w, y1: py(l.value), y2: py(l.value) }));
    if (l.label) g.appendChild(node('text', { x: left + w - 2, y: py(l.value) - 3, class: 'trend-plot-mark-label-y' }, l.label));
    svg.appendChild(g);
  }
  for (const l of xLines) {
    if (!finite(l.value)) continue;
    const g = node('g', { class: 'trend-plot-mark ' + (l.cls || '') });
    g.appendChild(node('line', { x1: px(l.value), x2: px(l.value), y1: top, y2: top + h }));
    if (l.label) g.appendChild(node('text', { x: px(l.value) + 3, y: top + 12, class: 'trend-plot-mark-label-x' }, l.label));
    svg.appendChild(g);
  }
  return svg;
}
