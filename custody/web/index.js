// The custody domain's console module (plugin API v2, docs/console-ui.md): the "Keys and
// carry-in" page for the roles that see custody (operator, facility_admin, security_admin,
// auditor; kCustodyViewers in custody/custody_service.hpp). The guards (operator,
// security_admin; kCustodyGuards) also get the check-in / check-out buttons and the detector's
// clear form. Reads GET /api/custody (custody/custody_views.cpp); every text from this folder's
// messages.json; times in the site's zone.

import { CustodyPage } from './custody_page.js';

const PAGE_ROLES = new Set(['operator', 'facility_admin', 'security_admin', 'auditor']);
const GUARD_ROLES = new Set(['operator', 'security_admin']);
const PAGE_ORDER = 76;  // after the vault (75), before operators (80)

function ensureStylesheet() {
  if (document.querySelector('link[data-custody-css]')) return;
  const link = document.createElement('link');
  link.rel = 'stylesheet';
  link.href = new URL('./custody.css', import.meta.url).pathname;
  link.setAttribute('data-custody-css', '');
  document.head.appendChild(link);
}

export async function start(api) {
  if (!PAGE_ROLES.has(api.me.role)) return;
  ensureStylesheet();
  const page = new CustodyPage(
    api, api.addPage({ id: 'custody', title: 'page.custody', order: PAGE_ORDER }),
    { guard: GUARD_ROLES.has(api.me.role) });
  await page.start();
}
