// The doors page's "Panels" section: every panel's offline cache (GET /api/panels,
// doors/offline_sync): in sync, or behind since when, with the versions acknowledged and current
// and the journal backlog it last reported; or that the site has no [offline] at all. Refetched
// on live panel.* events and every 10 s while the doors list is shown (doors_page.js).
import { el } from './dom.js';

// Pure: the one line a panel row says (tests can call it without a DOM).
export function panelSyncWords(api, row) {
  const cache = row.cache || {};
  if (row.online === false) {
    return api.t('doors.panels.offline');
  }
  if (cache.in_sync) {
    return api.t('doors.panels.in_sync', { version: cache.acked });
  }
  const since = cache.behind_since_us ? api.formatTime(cache.behind_since_us) : '';
  return api.t('doors.panels.behind', { acked: cache.acked, version: cache.version,
                                        pending: cache.pending, since });
}

export class PanelSync {
  constructor(api) {
    this.api = api;
    this.box = el('section', { cls: 'panel doors-panels', testid: 'doors-panels' });
    this.timer = null;
  }

  // While the doors list is on screen: now, then every 10 s (and on panel events, onEvent).
  start() {
    this.stop();
    this.refresh();
    this.timer = setInterval(() => this.refresh(), 10000);
  }

  stop() {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  onEvent(event) {
    if (this.timer && String(event.type || '').startsWith('panel.')) this.refresh();
  }

  async refresh() {
    const api = this.api;
    const r = await api.fetchJson('GET', '/api/panels');
    const children = [el('h3', { text: api.t('doors.panels') })];
    const panels = r.status === 200 && r.body && Array.isArray(r.body.panels) ? r.body.panels : null;
    if (!panels) {
      children.push(el('p', { cls: 'error', testid: 'doors-panels-error', text: api.errorText(r) }));
    } else if (r.body.offline_enabled === false) {
      children.push(el('p', { cls: 'empty', testid: 'doors-panels-not-configured',
                              text: api.t('doors.panels.not_configured') }));
    } else {
      const behind = panels.filter((p) => !(p.cache && p.cache.in_sync));
      if (behind.length === 0) {
        children.push(el('p', { cls: 'empty', testid: 'doors-panels-all-synced',
                                text: api.t('doors.panels.all_in_sync') }));
      }
      const rows = panels.map((p) => el('tr', {
        cls: 'doors-row' + (p.cache && p.cache.behind_alarm ? ' tone-alarm'
          : (p.cache && p.cache.in_sync ? '' : ' tone-warning')),
        testid: 'doors-panel',
        attrs: { 'data-panel': p.panel, 'data-in-sync': p.cache && p.cache.in_sync ? 'true' : 'false' },
      }, [el('td', { text: p.panel }), el('td', { text: api.names.get('door', p.door) || p.door }),
          el('td', { text: panelSyncWords(api, p) }),
          el('td', { text: p.journal_pending == null ? '' :
            api.t('doors.panels.journal', { pending: p.journal_pending }) })]));
      children.push(el('table', { cls: 'doors-table' }, [
        el('thead', {}, [el('tr', {}, ['doors.panels.col.panel', 'doors.panels.col.door',
          'doors.panels.col.cache', 'doors.panels.col.journal']
          .map((key) => el('th', { text: api.t(key) })))]),
        el('tbody', {}, rows)]));
    }
    this.box.replaceChildren(...children);
  }
}
