// The vault link's figures in words, shared by the page and the tile: windows' state and range in
// the site's zone, people and areas by name.

export function personName(api, id) {
  return api.names.get('person', id);
}

export function areaName(api, id) {
  return api.names.get('zone', id);
}

// 'open', 'ended' or 'upcoming': the API says whether a window is open; one that is not has
// either ended or not begun (by the browser's clock, which only tells those two apart).
export function windowState(w, nowUs) {
  if (w.open) return 'open';
  return Number(w.to_us) <= nowUs ? 'ended' : 'upcoming';
}

// "2026-12-01 09:00 – 17:30", the end's date only when it is another day (site's zone).
export function windowRange(api, w) {
  const from = api.formatTime(w.from_us, { seconds: false });
  const toFull = api.formatTime(w.to_us, { seconds: false });
  const sameDay = from.slice(0, 10) === toFull.slice(0, 10);
  const to = sameDay ? api.formatTime(w.to_us, { date: false, seconds: false }) : toFull;
  return api.t('vault.window.range', { from, to });
}

export function count(value) {
  const n = Number(value);
  return Number.isFinite(n) ? n : 0;
}
