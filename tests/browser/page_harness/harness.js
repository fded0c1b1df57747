// A stand-in for the shell's plugin API v2 (docs/console-ui.md) around one shell page
// module of console/web/pages, so tests/browser/test_page_modules.py can drive a page without
// the daemon: routes are functions the test installs (window.routes['GET /api/events']),
// live events are pushed with window.pushEvent, and every message key the page asks for is
// looked up in the shell's catalogue (console/web/messages.json, which holds the page modules'
// keys) plus a few keys other modules own (window.otherMessages: the doors module's reasons),
// so a key missing in either language shows as window.missing.
const query = new URLSearchParams(location.search);
const pageId = query.get('page');
const lang = query.get('lang') || 'en';
const role = query.get('role') || 'security_admin';
const offsetMinutes = 540;
const catalogue = await (await fetch('/messages.json')).json();

window.otherMessages = {};
window.missing = [];
window.fetchLog = [];
window.routes = {};
const subscribers = [];
const shows = [];
const hides = [];

function text(key) {
  if (catalogue[key]) return catalogue[key][lang];
  if (window.otherMessages[key]) return window.otherMessages[key][lang];
  return undefined;
}

const api = {
  me: { name: 'admin', role, language: lang, person: '' },
  site: { id: 'tokyo-dc1', name: 'Tokyo DC1', utc_offset_minutes: offsetMinutes },
  lang,
  zoneLabel: 'UTC+09:00',
  has: (key) => text(key) !== undefined,
  t: (key, params) => {
    let s = text(key);
    if (s === undefined || s === '') {
      window.missing.push(key);
      console.error('missing message', key);
      return '\u27e6' + key + '\u27e7';
    }
    for (const [name, value] of Object.entries(params || {})) {
      s = s.replaceAll('{' + name + '}', String(value));
    }
    return s;
  },
  formatTime: (us) => new Date(us / 1000 + offsetMinutes * 60000).toISOString()
    .replace('T', ' ').slice(0, 19),
  fetchJson: async (method, path, body) => {
    window.fetchLog.push([method, path, body === undefined ? null : body]);
    const route = window.routes[method + ' ' + path.split('?')[0]];
    if (!route) return { status: 404, body: { error: 'no route', code: 'not_found' } };
    return route(path, body);
  },
  errorText: (r) => 'ERR:' + (r.body && r.body.error),
  onEvents: (prefix, handler) => {
    const entry = { prefix, handler };
    subscribers.push(entry);
    return () => subscribers.splice(subscribers.indexOf(entry), 1);
  },
  names: {
    known: new Map(),
    set(kind, id, name) { this.known.set(kind + ':' + id, name); },
    get(kind, id) { return this.known.get(kind + ':' + id) || id; },
  },
  params: () => new URLSearchParams(location.hash.split('?')[1] || ''),
  // As the shell's router: a new hash shows the page again (hashchange), the same one too.
  navigate: (hash) => {
    window.navigated = hash;
    if (location.hash === hash) window.showPage();
    else location.hash = hash;
  },
  addPage: ({ id, title }) => {
    const element = document.createElement('section');
    element.setAttribute('data-testid', 'page-' + id);
    document.getElementById('main').appendChild(element);
    document.getElementById('nav').textContent = api.t(title);
    return { element, onShow: (f) => shows.push(f), onHide: (f) => hides.push(f) };
  },
};

window.pushEvent = (e) => {
  for (const s of subscribers) if (e.type.startsWith(s.prefix)) s.handler(e);
};
window.showPage = () => shows.forEach((f) => f());
window.hidePage = () => hides.forEach((f) => f());
window.addEventListener('hashchange', () => window.showPage());
window.startPage = async () => {
  const module = await import('/pages/' + pageId + '.js');
  await module.start(api);
  window.showPage();
  window.started = true;
};
window.ready = true;
