// The holiday calendar of one year as the access page draws it: twelve months, each a grid of
// weeks (Monday first, as Japanese office calendars print them) whose days carry the holiday or
// closure of GET /api/holidays?year= when there is one. Pure: no DOM, no api.

// holidays: [{date: "YYYY-MM-DD", name, kind: national|substitute|citizens|closure}].
// Returns [{month: 1..12, weeks: [[day|null x7]]}], day = {date, day, weekday (0 = Monday),
// holiday: the row or null}.
export function yearCalendar(year, holidays) {
  const byDate = new Map();
  for (const h of holidays || []) {
    if (h && typeof h.date === 'string' && !byDate.has(h.date)) byDate.set(h.date, h);
  }
  const months = [];
  for (let month = 1; month <= 12; month += 1) {
    const days = new Date(Date.UTC(year, month, 0)).getUTCDate();
    const first = (new Date(Date.UTC(year, month - 1, 1)).getUTCDay() + 6) % 7;
    const weeks = [];
    let week = new Array(first).fill(null);
    for (let day = 1; day <= days; day += 1) {
      const date = year + '-' + String(month).padStart(2, '0') + '-' + String(day).padStart(2, '0');
      week.push({ date, day, weekday: week.length, holiday: byDate.get(date) || null });
      if (week.length === 7) {
        weeks.push(week);
        week = [];
      }
    }
    if (week.length > 0) {
      while (week.length < 7) week.push(null);
      weeks.push(week);
    }
    months.push({ month, weeks });
  }
  return months;
}

// How many of the year's rows are of each kind: {national, substitute, citizens, closure}.
export function holidayCounts(holidays) {
  const counts = { national: 0, substitute: 0, citizens: 0, closure: 0 };
  for (const h of holidays || []) {
    if (h && h.kind in counts) counts[h.kind] += 1;
  }
  return counts;
}
