// The people page (#/people, facility and security admins): everyone enrolled
// (GET /api/people) as a card each: name, id, active or not, their cards and where they are
// now (GET /api/presence, kept live by presence.* events). A search box narrows by name, id or
// card number.

import { el } from './dom.js';

const LIMIT = 1000;

export class PeoplePage {
  constructor(api, store, page) {
    this.api = api;
    this.store = store;
    this.people = null;
    this.error = null;
    this.query = '';

    this.search = el('input', { cls: 'people-search', testid: 'people-search',
                                attrs: { type: 'search', 'aria-label': api.t('people.search'),
                                         placeholder: api.t('people.search') } });
    this.search.addEventListener('input', () => {
      this.query = this.search.value.trim().toLowerCase();
      this.render();
    });
    this.count = el('p', { cls: 'status', testid: 'people-count' });
    this.grid = el('div', { cls: 'people-grid', testid: 'people-list' });
    page.element.append(el('h2', { cls: 'page-title', text: api.t('page.people') }),
                        el('div', { cls: 'people-tools' }, [this.search, this.count]),
                        this.grid);
    page.onShow(() => this.load());
    store.onChange(() => { if (this.people) this.render(); });
    // A change made elsewhere (the CLI, an approval) shows without a reload.
    api.onEvents('person.', () => { if (!page.element.hidden) this.load(); });
  }

  async load() {
    const r = await this.api.fetchJson('GET', '/api/people?limit=' + LIMIT);
    if (r.status !== 200) {
      this.error = r;
      this.people = this.people || [];
    } else {
      this.error = null;
      this.people = Array.isArray(r.body.people) ? r.body.people : [];
      for (const p of this.people) this.api.names.set('person', p.id, p.name);
    }
    this.render();
  }

  matches(person) {
    if (!this.query) return true;
    const q = this.query;
    return String(person.name || '').toLowerCase().includes(q) ||
           String(person.id || '').toLowerCase().includes(q) ||
           (person.cards || []).some((c) => String(c.uid || '').toLowerCase().includes(q));
  }

  render() {
    const { api } = this;
    const shown = (this.people || []).filter((p) => this.matches(p));
    this.count.textContent = api.t('people.count', { shown: shown.length, total: (this.people || []).length });
    const children = [];
    if (this.error) {
      children.push(el('p', { cls: 'error', testid: 'people-error', text: api.errorText(this.error) }));
    }
    if (shown.length === 0 && !this.error) {
      children.push(el('p', { cls: 'empty', testid: 'people-empty',
                              text: api.t(this.query ? 'people.no_match' : 'people.none') }));
    }
    for (const person of shown) children.push(this.card(person));
    this.grid.replaceChildren(...children);
  }

  card(person) {
    const { api } = this;
    const cards = person.cards || [];
    const cardList = el('ul', { cls: 'people-cards' });
    for (const c of cards) {
      const state = c.state === 'active' ? 'active' : 'revoked';
      cardList.appendChild(el('li', { cls: 'people-card-uid state-' + state, testid: 'people-card-uid',
                                      attrs: { 'data-card': c.uid, 'data-state': state } }, [
        el('span', { cls: 'uid', text: c.uid }),
        el('span', { cls: 'badge card-state', text: api.t('people.card.' + state) }),
      ]));
    }
    if (cards.length === 0) {
      cardList.appendChild(el('li', { cls: 'empty', text: api.t('people.no_cards') }));
    }
    const where = this.store.presence.byPerson.get(String(person.id));
    const whereText = where
      ? api.t('people.inside', { zone: api.names.get('zone', where.zone),
                                 since: api.formatTime(where.since_us) })
      : api.t('people.not_inside');
    return el('article', { cls: 'people-card' + (person.active ? '' : ' inactive'),
                           testid: 'people-card',
                           attrs: { 'data-person': person.id, 'data-active': person.active ? 'true' : 'false' } }, [
      el('header', {}, [
        el('h3', { cls: 'people-name', testid: 'people-name', text: person.name || person.id }),
        el('span', { cls: 'badge people-active ' + (person.active ? 'on' : 'off'), testid: 'people-active',
                     text: api.t(person.active ? 'people.active' : 'people.inactive') }),
      ]),
      el('p', { cls: 'people-id', text: api.t('people.id', { id: person.id }) }),
      el('p', { cls: 'people-where', testid: 'people-where',
                attrs: { 'data-zone': where ? where.zone : '' }, text: whereText }),
      el('h4', { text: api.t('people.cards') }),
      cardList,
    ]);
  }
}
