// Calendar days in the site's zone ([site] utc_offset_minutes), for the validity dates of a
// person and of an access level: <input type=date> gives "YYYY-MM-DD", the routes take UTC
// microseconds with 0 for "unbounded". Pure: no DOM, no api.

const DAY_MS = 86400000;

function pad(n) {
  return String(n).padStart(2, '0');
}

// The first instant (µs) of a site-local day "YYYY-MM-DD"; with `endOfDay`, the first instant
// of the next day (a validity "until 31 March" includes all of 31 March). '' → 0 (unbounded);
// null when the text is not a date.
export function usFromDateInput(text, offsetMinutes, { endOfDay = false } = {}) {
  const value = String(text || '').trim();
  if (value === '') return 0;
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!m) return null;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  const utcMs = Date.UTC(year, month - 1, day);
  const back = new Date(utcMs);
  if (back.getUTCFullYear() !== year || back.getUTCMonth() !== month - 1 || back.getUTCDate() !== day) {
    return null;  // 2026-02-30
  }
  return (utcMs + (endOfDay ? DAY_MS : 0) - offsetMinutes * 60000) * 1000;
}

// The site-local day "YYYY-MM-DD" of an instant; 0 (unbounded) → ''. With `endOfDay`, the day
// before the instant (the inverse of usFromDateInput's endOfDay).
export function dateInputValue(us, offsetMinutes, { endOfDay = false } = {}) {
  const n = Number(us);
  if (!Number.isFinite(n) || n === 0) return '';
  const d = new Date(n / 1000 + offsetMinutes * 60000 - (endOfDay ? 1 : 0));
  return d.getUTCFullYear() + '-' + pad(d.getUTCMonth() + 1) + '-' + pad(d.getUTCDate());
}

// Where `now` stands in [from, until) (0 = unbounded): 'always' (both unbounded), 'not_yet',
// 'expired' or 'valid'.
export function validityState(fromUs, untilUs, nowUs) {
  const from = Number(fromUs) || 0;
  const until = Number(untilUs) || 0;
  if (from === 0 && until === 0) return 'always';
  if (from !== 0 && nowUs < from) return 'not_yet';
  if (until !== 0 && nowUs >= until) return 'expired';
  return 'valid';
}

// The site-local year of an instant.
export function siteYear(us, offsetMinutes) {
  return new Date(Number(us) / 1000 + offsetMinutes * 60000).getUTCFullYear();
}
