// The front-end plugin API v2 (docs/console-ui.md): what every UI plugin and every shell page
// module (console/web/pages/<id>.js) receives in `export async function start(api)`. One api
// object per module, so what it adds can be traced to it.

import { t, has, lang } from './i18n.js';
import { formatTime, zoneLabel } from './time.js';
import { fetchJson } from './http.js';
import { setName, getName } from './names.js';
import { sound, highlight } from './alert_cues.js';

// The text to show for a refused or failed request: the catalogue's error.<code> when it has
// one, else what the server said.
export function errorText(response) {
  const body = (response && response.body) || {};
  if (body.code && has('error.' + body.code)) return t('error.' + body.code);
  if (!response || response.status === 0) return t('shell.error.unreachable');
  if (body.error) return String(body.error);
  return t('shell.error.http', { status: response.status });
}

// shell: {me, site, router, live, overview, plan} as the shell built them; owner: the module's
// name (for messages about it).
export function makePluginApi(shell, owner) {
  const offset = Number(shell.site.utc_offset_minutes) || 0;
  return Object.freeze({
    owner,
    me: Object.freeze({
      name: shell.me.name,
      role: shell.me.role,
      language: shell.me.language || lang(),
      person: shell.me.person || '',
    }),
    site: Object.freeze({
      id: shell.site.id || '',
      name: shell.site.name || '',
      utc_offset_minutes: offset,
    }),
    lang: lang(),
    t,
    has,
    formatTime: (us, options) => formatTime(us, offset, options || {}),
    zoneLabel: zoneLabel(offset),
    fetchJson,
    errorText,
    onEvents: (prefix, handler) => shell.live.subscribe(prefix, handler),
    addPage: (page) => shell.router.add(page),
    params: () => shell.router.params(),
    navigate: (hash) => shell.router.navigate(hash),
    addTile: (tile) => shell.overview.addTile(tile),
    addOverviewPanel: (panel) => shell.overview.addPanel(panel),
    plan: Object.freeze({
      addLayer: (layer) => shell.plan.addLayer(layer),
      refresh: () => shell.plan.refresh(),
    }),
    names: Object.freeze({ set: setName, get: getName }),
    sound,
    highlight,
  });
}
