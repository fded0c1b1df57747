// Times in the site's time zone, whatever zone the browser runs in: the site declares a fixed
// offset ([site] utc_offset_minutes), so shifting the instant and reading it as UTC gives the
// site's wall clock.

function pad(n) {
  return String(n).padStart(2, '0');
}

// "2026-12-01 17:05:09" (date and seconds optional) for an instant in microseconds.
export function formatTime(us, offsetMinutes, { date = true, seconds = true } = {}) {
  if (us === null || us === undefined || !Number.isFinite(Number(us))) return '';
  const d = new Date(Number(us) / 1000 + offsetMinutes * 60000);
  if (Number.isNaN(d.getTime())) return '';
  let text = pad(d.getUTCHours()) + ':' + pad(d.getUTCMinutes());
  if (seconds) text += ':' + pad(d.getUTCSeconds());
  if (date) {
    text = d.getUTCFullYear() + '-' + pad(d.getUTCMonth() + 1) + '-' + pad(d.getUTCDate()) +
      ' ' + text;
  }
  return text;
}

// "UTC+09:00".
export function zoneLabel(offsetMinutes) {
  const sign = offsetMinutes < 0 ? '-' : '+';
  const m = Math.abs(offsetMinutes);
  return 'UTC' + sign + pad(Math.floor(m / 60)) + ':' + pad(m % 60);
}

// The instant (µs) of a site-local "YYYY-MM-DDTHH:MM[:SS]" (what <input type=datetime-local>
// gives), or null when the text is not one.
export function parseSiteTime(text, offsetMinutes) {
  const m = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2}))?$/.exec(String(text));
  if (!m) return null;
  const utcMs = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]),
                         Number(m[6] || 0));
  return (utcMs - offsetMinutes * 60000) * 1000;
}

// The inverse of parseSiteTime, for filling a datetime-local input: "2026-12-01T17:05".
export function toSiteInput(us, offsetMinutes) {
  return formatTime(us, offsetMinutes, { seconds: false }).replace(' ', 'T');
}
