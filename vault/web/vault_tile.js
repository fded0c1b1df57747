// The desk's overview tile for the vault link: overstays (an alarm when any), pushes waiting for
// the vault, and the link starting or its trail holding unsigned requests. Added only once the
// status says the link is configured: a site without a vault has no tile on the desk.

import { notConfigured } from './vault_status.js';
import { count } from './vault_text.js';

const TILE_ORDER = 60;

function line(cls, testid, text) {
  const p = document.createElement('p');
  p.className = 'vault-tile-line' + (cls ? ' ' + cls : '');
  p.setAttribute('data-testid', testid);
  p.textContent = text;
  return p;
}

export class VaultTile {
  constructor(api, status) {
    this.api = api;
    this.status = status;
    this.body = null;
  }

  start() {
    this.status.subscribe((answer) => this.render(answer));
  }

  // Whether the poller should go on for the tile: it is on the page, or not added yet (a first
  // read that failed is tried again).
  get shown() {
    return this.body === null || this.body.isConnected;
  }

  render(answer) {
    if (!answer.ok || notConfigured(answer)) {
      if (this.body && answer.ok) this.body.replaceChildren();  // the link was turned off
      return;
    }
    const api = this.api;
    if (!this.body) {
      this.body = api.addTile({ id: 'vault', title: 'vault.tile.title', order: TILE_ORDER });
    }
    const s = answer.body;
    const overstays = (s.overstays || []).length;
    const lines = [];
    if (!s.ready) lines.push(line('tone-warning', 'vault-tile-starting', api.t('vault.tile.starting')));
    lines.push(line(overstays > 0 ? 'tone-alarm' : '', 'vault-tile-overstays',
                    api.t('vault.tile.overstays', { count: overstays })));
    lines.push(line('', 'vault-tile-pending',
                    api.t('vault.tile.pending', { count: count(s.pushes_pending) })));
    const refused = count(s.refused_recorded_requests);
    if (refused > 0) {
      lines.push(line('tone-alarm', 'vault-tile-refused', api.t('vault.tile.refused', { count: refused })));
    }
    const open = document.createElement('a');
    open.href = '#/vault';
    open.className = 'vault-tile-open';
    open.setAttribute('data-testid', 'vault-tile-open');
    open.textContent = api.t('vault.tile.open');
    open.addEventListener('click', (e) => {
      e.preventDefault();
      api.navigate('#/vault');
    });
    this.body.replaceChildren(...lines, open);
  }
}
