// The alarms service's routes as the plugin calls them (docs/openapi.yaml, "alarms"). Every
// answer that is not 200 comes back as the text to show (api.errorText: the catalogue's
// error.<code>, else the server's words).

const PAGE = 200;
const MAX_PAGES = 50;  // 10 000 alarms: far more than a desk has open

// {alarms, more, error}: the alarms in `state` (open, closed, all), newest id first. all=true
// pages on (before_id) until the list ends; otherwise one page, `more` saying whether older ones
// exist. beforeId: continue below that id.
export async function listAlarms(api, state, { all = true, beforeId = null } = {}) {
  const alarms = [];
  let before = beforeId;
  for (let page = 0; page < MAX_PAGES; page += 1) {
    let path = '/api/alarms?state=' + encodeURIComponent(state) + '&limit=' + PAGE;
    if (before !== null) path += '&before_id=' + before;
    const r = await api.fetchJson('GET', path);
    if (r.status !== 200) return { alarms, more: false, error: api.errorText(r) };
    const got = Array.isArray(r.body.alarms) ? r.body.alarms : [];
    alarms.push(...got);
    const more = got.length === PAGE;
    if (!more) return { alarms, more: false, error: null };
    before = Math.min(...got.map((a) => a.id));
    if (!all) return { alarms, more: true, error: null };
  }
  return { alarms, more: true, error: null };
}

// {alarm, events, history, error, status}: one alarm with its linked events and its alarm.*
// history (each as an /api/events row).
export async function getAlarm(api, id) {
  const r = await api.fetchJson('GET', '/api/alarms/' + encodeURIComponent(id));
  if (r.status !== 200) return { status: r.status, error: api.errorText(r) };
  return {
    status: 200,
    error: null,
    alarm: r.body.alarm,
    events: Array.isArray(r.body.events) ? r.body.events : [],
    history: Array.isArray(r.body.history) ? r.body.history : [],
  };
}

// One step on an alarm: acknowledge {comment?}, comment {comment}, resolve {comment},
// shelve {minutes, comment}, unshelve {}. {alarm, error}; answered after the step's event is
// durable.
export async function postStep(api, id, step, body) {
  const r = await api.fetchJson('POST', '/api/alarms/' + encodeURIComponent(id) + '/' + step,
                                body || {});
  if (r.status !== 200) return { error: api.errorText(r) };
  return { alarm: r.body && r.body.alarm ? r.body.alarm : null, error: null };
}
