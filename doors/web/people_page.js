// The people page (#/people, facility and security admins): everyone enrolled
// (GET /api/people) as a card each: name, id, organisation, active or not, their cards and where
// they are now (GET /api/presence, kept live by presence.* events). A search box narrows by
// name, id, organisation or card number; "Add person" enrolls one (POST /api/people, then the
// details, card and PIN of the form, each its own audited change). A card opens the person's
// page (#/people?id=<person>, person_page.js), where the rest of the enrollment is done.

import { el, activatable, field, input, button, form, outcomeLine, showOutcome } from './dom.js';
import { PersonPage } from './person_page.js';
import { matchesPerson, checkPersonId, checkPinText } from './person_model.js';
import { usFromDateInput } from './site_dates.js';

const LIMIT = 1000;

export class PeoplePage {
  constructor(api, store, page) {
    this.api = api;
    this.store = store;
    this.page = page;
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
    this.addToggle = button(api.t('people.add'), 'people-add-open', { cls: 'primary',
                                                                      onClick: () => this.toggleAdd() });
    this.addForm = this.buildAddForm();
    this.addForm.hidden = true;
    this.grid = el('div', { cls: 'people-grid', testid: 'people-list' });
    this.listView = el('div', { cls: 'people-list-view', testid: 'people-list-view' }, [
      el('div', { cls: 'people-tools' }, [this.search, this.count, this.addToggle]),
      this.addForm, this.grid]);
    this.personView = el('div', { cls: 'person-view', testid: 'person-view' });
    this.personView.hidden = true;
    this.person = new PersonPage(api, store, this.personView);
    page.element.append(el('h2', { cls: 'page-title', text: api.t('page.people') }),
                        this.listView, this.personView);
    page.onShow((params) => this.show(params));
    page.onHide(() => this.person.hide());
    store.onChange(() => { if (this.people && !this.listView.hidden) this.render(); });
    // A change made elsewhere (the CLI, an approval) shows without a reload.
    api.onEvents('person.', (e) => {
      if (page.element.hidden) return;
      if (!this.listView.hidden) this.load();
      else this.person.onPersonEvent(e);
    });
  }

  show(params) {
    const id = params && params.get('id');
    if (id) {
      this.listView.hidden = true;
      this.personView.hidden = false;
      this.person.open(id);
    } else {
      this.person.hide();
      this.personView.hidden = true;
      this.listView.hidden = false;
      this.load();
    }
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

  toggleAdd() {
    this.addForm.hidden = !this.addForm.hidden;
    if (!this.addForm.hidden) this.addId.focus();
  }

  // Id and name make the person; organisation, validity, escort, card and PIN, when given,
  // follow as their own changes (each is refused or done on its own; the line says which).
  buildAddForm() {
    const { api } = this;
    this.addId = input('people-add-id', { attrs: { required: true, maxlength: 64, autocomplete: 'off' } });
    this.addName = input('people-add-name', { attrs: { required: true, maxlength: 200, autocomplete: 'off' } });
    this.addOrg = input('people-add-organisation', { attrs: { maxlength: 200 } });
    this.addFrom = input('people-add-valid-from', { type: 'date' });
    this.addUntil = input('people-add-valid-until', { type: 'date' });
    this.addEscort = input('people-add-escort', { type: 'checkbox' });
    this.addCard = input('people-add-card', { attrs: { autocomplete: 'off', maxlength: 64 } });
    this.addPin = input('people-add-pin', { type: 'password', attrs: { autocomplete: 'new-password',
                                                                       inputmode: 'numeric', maxlength: 8 } });
    this.addOutcome = outcomeLine('people-add-outcome');
    return form('people-add-form', [
      el('h3', { text: api.t('people.add') }),
      el('div', { cls: 'doors-form-grid' }, [
        field(api.t('people.field.id'), this.addId),
        field(api.t('people.field.name'), this.addName),
        field(api.t('people.field.organisation'), this.addOrg),
        field(api.t('people.field.valid_from'), this.addFrom),
        field(api.t('people.field.valid_until'), this.addUntil),
        field(api.t('people.field.escort_required'), this.addEscort, { cls: 'check' }),
        field(api.t('people.field.card'), this.addCard),
        field(api.t('people.field.pin'), this.addPin),
      ]),
      el('p', { cls: 'hint', text: api.t('people.add.hint', { zone: api.zoneLabel }) }),
      el('div', { cls: 'doors-form-actions' }, [
        button(api.t('people.add.submit'), 'people-add-submit', { cls: 'primary', type: 'submit' }),
        button(api.t('doors.cancel'), 'people-add-cancel', { onClick: () => { this.addForm.hidden = true; } }),
      ]),
      this.addOutcome,
    ], () => this.submitAdd());
  }

  async submitAdd() {
    const { api } = this;
    const offset = api.site.utc_offset_minutes;
    const id = this.addId.value.trim();
    const name = this.addName.value.trim();
    const pin = this.addPin.value;
    const from = usFromDateInput(this.addFrom.value, offset);
    const until = usFromDateInput(this.addUntil.value, offset, { endOfDay: true });
    if (!checkPersonId(id)) return this.addOutcome.show('error', api.t('people.error.id'));
    if (!name) return this.addOutcome.show('error', api.t('people.error.name'));
    if (from === null || until === null || (from && until && until <= from)) {
      return this.addOutcome.show('error', api.t('people.error.dates'));
    }
    if (pin && !checkPinText(pin)) return this.addOutcome.show('error', api.t('people.error.pin'));
    const made = await api.fetchJson('POST', '/api/people', { id, name });
    if (showOutcome(api, this.addOutcome, made, '') === 'error') return;
    const steps = [];
    const org = this.addOrg.value.trim();
    if (org || from || until || this.addEscort.checked) {
      steps.push(['PATCH', '/api/people/' + encodeURIComponent(id),
                  { organisation: org, valid_from_us: from, valid_until_us: until,
                    escort_required: this.addEscort.checked }]);
    }
    const card = this.addCard.value.trim();
    if (card) steps.push(['PUT', '/api/people/' + encodeURIComponent(id) + '/card', { uid: card }]);
    if (pin) steps.push(['PUT', '/api/people/' + encodeURIComponent(id) + '/pin', { pin }]);
    for (const [method, path, body] of steps) {
      const r = await api.fetchJson(method, path, body);
      if (r.status < 200 || r.status >= 300) {
        // The person exists: the rest is finished on their page.
        this.addOutcome.show('error', api.t('people.add.partly', { name, error: api.errorText(r) }));
        this.addPin.value = '';
        await this.load();
        return;
      }
    }
    this.addOutcome.show('done', api.t('people.add.done', { name }));
    for (const node of [this.addId, this.addName, this.addOrg, this.addFrom, this.addUntil,
                        this.addCard, this.addPin]) node.value = '';
    this.addEscort.checked = false;
    await this.load();
  }

  render() {
    const { api } = this;
    const shown = (this.people || []).filter((p) => matchesPerson(p, this.query));
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
    const article = el('article', { cls: 'people-card' + (person.active ? '' : ' inactive'),
                                    testid: 'people-card',
                                    attrs: { 'data-person': person.id,
                                             'data-active': person.active ? 'true' : 'false',
                                             role: 'link' } }, [
      el('header', {}, [
        el('h3', { cls: 'people-name', testid: 'people-name', text: person.name || person.id }),
        el('span', { cls: 'badge people-active ' + (person.active ? 'on' : 'off'), testid: 'people-active',
                     text: api.t(person.active ? 'people.active' : 'people.inactive') }),
      ]),
      el('p', { cls: 'people-id', text: api.t('people.id', { id: person.id }) }),
      person.organisation ? el('p', { cls: 'people-org', testid: 'people-organisation',
                                      text: person.organisation }) : null,
      el('p', { cls: 'people-where', testid: 'people-where',
                attrs: { 'data-zone': where ? where.zone : '' }, text: whereText }),
      el('h4', { text: api.t('people.cards') }),
      cardList,
    ]);
    activatable(article, () => api.navigate('#/people?id=' + encodeURIComponent(person.id)));
    return article;
  }
}
