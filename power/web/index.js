// The power domain's console module (plugin API v2, docs/console-ui.md): the "Power" page
// (#/power) for the roles that see the plant (operator, facility_admin, security_admin,
// auditor, bcp_coordinator; kPowerViewers in power/power_service.hpp). The facility admins
// (kPowerRequesters) also get the command, fuel delivery and hub override forms. Reads
// GET /api/power (power/power_service.cpp, docs/power.md); every text from this folder's
// messages.json; times in the site's zone. A site with no [power] plant, no hub timer and no
// polled relay or PDU has no page.

import { PowerPage } from './power_page.js';

const PAGE_ROLES = new Set(['operator', 'facility_admin', 'security_admin', 'auditor',
                            'bcp_coordinator']);
const REQUESTER_ROLES = new Set(['facility_admin']);
const PAGE_ORDER = 77;  // after custody (76), before operators (80)

function ensureStylesheet() {
  if (document.querySelector('link[data-power-css]')) return;
  const link = document.createElement('link');
  link.rel = 'stylesheet';
  link.href = new URL('./power.css', import.meta.url).pathname;
  link.setAttribute('data-power-css', '');
  document.head.appendChild(link);
}

export async function start(api) {
  if (!PAGE_ROLES.has(api.me.role)) return;
  const first = await api.fetchJson('GET', '/api/power');
  if (first.status === 200 && first.body && !first.body.plant && !(first.body.hubs || []).length &&
      !(first.body.points || []).length && !(first.body.commands || []).length) {
    return;  // nothing of a plant on this site
  }
  ensureStylesheet();
  const page = new PowerPage(
    api, api.addPage({ id: 'power', title: 'page.power', order: PAGE_ORDER }),
    { requester: REQUESTER_ROLES.has(api.me.role) });
  page.render(first);
  await page.start();
}
