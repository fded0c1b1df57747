// The vault domain's console module (plugin API v2, docs/console-ui.md): the "My Number vault
// link" page for the roles that see the vault (operator, security_admin, auditor; kVaultViewers
// in vault/vault_service.hpp), and a tile on the desk's overview (overstays, pushes waiting).
// Reads GET /api/vault/status only; every text from this folder's messages.json; times in the
// site's zone (api.formatTime). On a site without [vault] the page says the link is not
// configured and how to turn it on.

import { VaultStatus } from './vault_status.js';
import { VaultPage } from './vault_page.js';
import { VaultTile } from './vault_tile.js';

const PAGE_ROLES = new Set(['operator', 'security_admin', 'auditor']);
// The roles with the overview; the auditor has none, so gets no tile.
const TILE_ROLES = new Set(['operator', 'security_admin']);
const PAGE_ORDER = 75;  // after approvals (70), before operators (80)

function ensureStylesheet() {
  if (document.querySelector('link[data-vault-css]')) return;
  const link = document.createElement('link');
  link.rel = 'stylesheet';
  link.href = new URL('./vault.css', import.meta.url).pathname;
  link.setAttribute('data-vault-css', '');
  document.head.appendChild(link);
}

export async function start(api) {
  if (!PAGE_ROLES.has(api.me.role)) return;
  ensureStylesheet();
  let page = null;
  let tile = null;
  const status = new VaultStatus(api, () => (page && page.shown) || (tile && tile.shown));
  page = new VaultPage(api, api.addPage({ id: 'vault', title: 'page.vault', order: PAGE_ORDER }),
                       status);
  page.start();
  if (TILE_ROLES.has(api.me.role)) {
    tile = new VaultTile(api, status);
    tile.start();
  }
  await status.start();
}
