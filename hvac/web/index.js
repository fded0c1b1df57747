// The hvac domain's console module (plugin API v2, docs/console-ui.md): the "Room climate" page
// (#/climate) for the roles that see hvac (operator, facility_admin, security_admin, auditor;
// kHvacViewers in hvac/hvac_service.hpp). Reads GET /api/hvac and /api/hvac/trend
// (hvac/hvac_views.cpp, docs/hvac.md); every text from this folder's messages.json; times in
// the site's zone. A site with no CRAC unit and no sensor (GET /api/hvac absent or empty) has
// no page.

import { ClimatePage } from './climate_page.js';

const PAGE_ROLES = new Set(['operator', 'facility_admin', 'security_admin', 'auditor']);
const PAGE_ORDER = 78;  // after power (77), before operators (80)

function ensureStylesheet() {
  if (document.querySelector('link[data-climate-css]')) return;
  const link = document.createElement('link');
  link.rel = 'stylesheet';
  link.href = new URL('./climate.css', import.meta.url).pathname;
  link.setAttribute('data-climate-css', '');
  document.head.appendChild(link);
}

export async function start(api) {
  if (!PAGE_ROLES.has(api.me.role)) return;
  const first = await api.fetchJson('GET', '/api/hvac');
  if (first.status === 404 || (first.status === 200 && first.body &&
      !(first.body.cracs || []).length && !(first.body.sensors || []).length)) {
    return;  // nothing of a room climate on this site
  }
  ensureStylesheet();
  const page = new ClimatePage(api, api.addPage({ id: 'climate', title: 'page.climate',
                                                  order: PAGE_ORDER }));
  page.render(first);
  await page.start();
}
