// The doors page's "Panels" section: every panel's offline cache (GET /api/panels,
// doors/offline_sync): in sync, or behind since when, with the versions acknowledged and current
// and the journal backlog it last reported. Refetched on live panel.* events and every 10 s.
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
    this.unsubscribe = null;
  }

  start() {
    this.refresh();
    this.timer = setInterval(() => this.refresh(), 10000);
    if (this.api.events && this.api.events.subscribe) {
      this.unsubscribe = this.api.events.subscribe('panel.', () => this.refresh());
    }
    return this.box;
  }

  stop() {
    if (this.timer) clearInterval(this.timer);
    if (this.unsubscribe) this.unsubscribe();
  }

  async refresh() {
    const api = this.api;
    const answer = await api.fetchJson('GET', '/api/panels');
    const children = [el('h3', { text: api.t('doors.panels') })];
    if (!answer || answer.error || !Array.isArray(answer.panels)) {
      children.push(el('p', { cls: 'error', testid: 'doors-panels-error', text: api.errorText(answer) }));
    } else {
      const behind = answer.panels.filter((p) => !(p.cache && p.cache.in_sync));
      if (behind.length === 0) {
        children.push(el('p', { cls: 'empty', testid: 'doors-panels-all-synced',
                                text: api.t('doors.panels.all_in_sync') }));
      }
      const rows = answer.panels.map((p) => el('tr', {
        cls: p.cache && p.cache.behind_alarm ? 'alarm' : (p.cache && p.cache.in_sync ? '' : 'warn'),
        testid: 'doors-panel-' + p.panel,
      }, [el('td', { text: p.panel }), el('td', { text: p.door }),
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
