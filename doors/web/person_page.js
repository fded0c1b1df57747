// A person's page (#/people?id=<person>): GET /api/people/{id} (doors/person_routes) drawn as
// their details and photo, the factors enrolled (yes/no: never a secret), cards with their
// history, zone grants, access levels, groups, the approvals still waiting for a second person
// about them, and their recent events; and every change an admin makes there: details
// (PATCH), photo, card set / revoke, PIN, the two fingers (a template file from the enrollment
// reader), grants, levels and groups, disable / enable with a comment. A write that needs
// four-eyes answers 202 and shows as waiting. Each write reloads the page from the server.

import { describeEvent } from '/event_text.js';
import { el, field, input, button, select, form, outcomeLine, showOutcome } from './dom.js';
import { factorRows, cardRows, waitingApprovals, checkPinText, checkKeypadText, bytesToBase64,
         PHOTO_MAX_BYTES, PHOTO_TYPES } from './person_model.js';
import { usFromDateInput, dateInputValue, validityState } from './site_dates.js';
import { forgiveControl } from './forgive.js';

const TEMPLATE_MAX_BYTES = 2048 - 40;  // doors::kMaxTemplateBytes

export class PersonPage {
  constructor(api, store, root) {
    this.api = api;
    this.store = store;
    this.root = root;
    this.id = null;
    this.person = null;
    this.catalog = null;  // {zones, schedules, levels, groups} for the forms' choices
    this.outcomes = {};
  }

  hide() {
    this.id = null;
  }

  path(suffix = '') {
    return '/api/people/' + encodeURIComponent(this.id) + suffix;
  }

  async open(id) {
    const { api } = this;
    this.id = id;
    this.person = null;
    this.root.replaceChildren(
      el('a', { cls: 'doors-back', testid: 'person-back', text: api.t('people.back'),
                attrs: { href: '#/people' } }),
      el('p', { cls: 'status', testid: 'person-loading', text: api.t('doors.loading') }));
    await Promise.all([this.loadCatalog(), this.reload()]);
  }

  onPersonEvent(event) {
    const p = event.payload || {};
    const about = p.person || p.holder || event.subject;
    // A live event re-draws the page, keeping what the admin is typing into its forms.
    if (this.id && about === this.id) this.reload({ keepDrafts: true });
  }

  async loadCatalog() {
    if (this.catalog) return;
    const { api } = this;
    const [site, schedules, levels, groups] = await Promise.all([
      api.fetchJson('GET', '/api/site'), api.fetchJson('GET', '/api/schedules'),
      api.fetchJson('GET', '/api/access_levels'), api.fetchJson('GET', '/api/groups')]);
    const list = (r, key) => (r.status === 200 && Array.isArray(r.body[key]) ? r.body[key] : []);
    this.catalog = {
      zones: list(site, 'zones').filter((z) => z.kind !== 'site'),
      schedules: list(schedules, 'schedules'),
      levels: list(levels, 'access_levels'),
      groups: list(groups, 'groups'),
    };
    for (const g of this.catalog.groups) api.names.set('group', g.id, g.name);
    for (const l of this.catalog.levels) api.names.set('level', l.id, l.name);
    for (const s of this.catalog.schedules) api.names.set('schedule', s.id, s.name);
  }

  async reload({ keepDrafts = false } = {}) {
    const { api } = this;
    const id = this.id;
    const [r, approvals] = await Promise.all([
      api.fetchJson('GET', this.path()),
      api.fetchJson('GET', '/api/approvals?state=pending&limit=200')]);
    if (this.id !== id) return;  // another person was opened meanwhile
    if (r.status !== 200) {
      this.root.replaceChildren(
        el('a', { cls: 'doors-back', testid: 'person-back', text: api.t('people.back'),
                  attrs: { href: '#/people' } }),
        el('p', { cls: 'error', testid: r.status === 404 ? 'person-missing' : 'person-error',
                  text: r.status === 404 ? api.t('people.missing', { id }) : api.errorText(r) }));
      return;
    }
    this.person = r.body.person || r.body;
    if (this.person.name) api.names.set('person', this.person.id, this.person.name);
    this.approvals = approvals.status === 200 ? waitingApprovals(approvals.body.approvals, id) : [];
    await this.loadCatalog();
    if (this.id !== id) return;
    const drafts = keepDrafts ? this.drafts() : null;
    this.render();
    if (drafts) this.restoreDrafts(drafts);
  }

  // What was typed or chosen in the page's fields and not yet sent, by field. A write's own reload
  // does not keep them: what it sent is on the page now, and its form starts empty again.
  drafts() {
    const drafts = new Map();
    for (const node of this.root.querySelectorAll('input[data-testid], textarea[data-testid], select[data-testid]')) {
      if (node.type === 'file') continue;
      const initial = node.tagName === 'SELECT'
        ? (Array.from(node.options).find((o) => o.defaultSelected) || node.options[0] || {}).value
        : (node.type === 'checkbox' ? node.defaultChecked : node.defaultValue);
      const now = node.type === 'checkbox' ? node.checked : node.value;
      if (now !== initial) drafts.set(node.getAttribute('data-testid'), now);
    }
    return drafts;
  }

  restoreDrafts(drafts) {
    for (const [testid, value] of drafts) {
      const node = this.root.querySelector('[data-testid="' + CSS.escape(testid) + '"]');
      if (!node) continue;
      if (node.type === 'checkbox') node.checked = value;
      else node.value = value;
    }
  }

  // A write, its answer on the section's outcome line, then the page again from the server.
  async write(section, method, suffix, body, doneKey) {
    const r = await this.api.fetchJson(method, suffix.startsWith('/api/') ? suffix : this.path(suffix), body);
    const state = showOutcome(this.api, this.outcome(section), r, this.api.t(doneKey));
    if (state !== 'error') await this.reload();
    return state;
  }

  // The outcome line of a section survives the re-render after a write.
  outcome(section) {
    if (!this.outcomes[section] || this.outcomes[section].person !== this.id) {
      this.outcomes[section] = outcomeLine('person-' + section + '-outcome');
      this.outcomes[section].person = this.id;
    }
    return this.outcomes[section];
  }

  render() {
    const { api, person } = this;
    const section = (id, titleKey, children) => el('section', { cls: 'person-section panel',
                                                                testid: 'person-' + id }, [
      el('h3', { text: api.t(titleKey) }), ...children]);
    this.root.replaceChildren(
      el('a', { cls: 'doors-back', testid: 'person-back', text: api.t('people.back'),
                attrs: { href: '#/people' } }),
      this.head(),
      el('div', { cls: 'person-grid' }, [
        section('details', 'person.details', [this.detailsForm(), this.photoForm()]),
        section('factors', 'person.factors', [this.factors(), this.pinForm(), this.keypadForm(),
                                               this.fingerForms()]),
        section('cards', 'person.cards', [this.cards(), this.cardForm()]),
        section('grants', 'person.grants', [this.grants(), this.grantForm()]),
        section('levels', 'person.levels', [this.levels(), this.levelForm()]),
        section('groups', 'person.groups', [this.groups(), this.groupForm()]),
        section('approvals', 'person.approvals', [this.waiting()]),
        section('state', 'person.state', [this.activeForm(),
          api.me.role === 'security_admin'
            ? el('p', {}, [forgiveControl(api, person.id, person.name, 'person-forgive')]) : null]),
      ]),
      section('events', 'person.events', [this.events()]));
    void person;
  }

  head() {
    const { api, person } = this;
    const now = Date.now() * 1000;
    const validity = validityState(person.valid_from_us, person.valid_until_us, now);
    const photo = person.photo_url || (person.factors && person.factors.photo ? this.path('/photo') : '');
    return el('header', { cls: 'person-head' }, [
      // The route takes no query (no cache-busting parameter): data-sha256 says which photo.
      photo ? el('img', { cls: 'person-photo', testid: 'person-photo',
                          attrs: { src: photo, 'data-sha256': person.photo_sha256 || '',
                                   alt: api.t('person.photo.alt', { name: person.name || person.id }) } })
        : el('div', { cls: 'person-photo none', testid: 'person-photo-none', text: api.t('person.photo.none') }),
      el('div', {}, [
        el('h3', { cls: 'person-name', testid: 'person-name', text: person.name || person.id }),
        el('p', { cls: 'people-id', testid: 'person-id', text: api.t('people.id', { id: person.id }) }),
        person.organisation ? el('p', { testid: 'person-organisation', text: person.organisation }) : null,
        el('p', {}, [
          el('span', { cls: 'badge people-active ' + (person.active ? 'on' : 'off'), testid: 'person-active',
                       attrs: { 'data-active': person.active ? 'true' : 'false' },
                       text: api.t(person.active ? 'people.active' : 'people.inactive') }),
          ' ',
          el('span', { cls: 'badge person-validity validity-' + validity, testid: 'person-validity',
                       attrs: { 'data-state': validity }, text: this.validityText(validity) }),
          person.escort_required ? el('span', { cls: 'badge person-escort', testid: 'person-escort',
                                                text: api.t('person.escort_required') }) : null,
        ]),
      ]),
    ]);
  }

  validityText(state) {
    const { api, person } = this;
    const offset = api.site.utc_offset_minutes;
    const from = dateInputValue(person.valid_from_us, offset);
    const until = dateInputValue(person.valid_until_us, offset, { endOfDay: true });
    // An open end is left out of the sentence rather than shown as a dash.
    const key = state === 'valid' && !until ? 'valid_from' : state === 'valid' && !from ? 'valid_until' : state;
    return api.t('person.validity.' + key, { from, until });
  }

  detailsForm() {
    const { api, person } = this;
    const offset = api.site.utc_offset_minutes;
    const name = input('person-edit-name', { value: person.name, attrs: { maxlength: 200, required: true } });
    const org = input('person-edit-organisation', { value: person.organisation || '', attrs: { maxlength: 200 } });
    const from = input('person-edit-valid-from', { type: 'date', value: dateInputValue(person.valid_from_us, offset) });
    const until = input('person-edit-valid-until', { type: 'date',
                                                     value: dateInputValue(person.valid_until_us, offset, { endOfDay: true }) });
    const escort = input('person-edit-escort', { type: 'checkbox' });
    escort.checked = person.escort_required === true;
    const line = this.outcome('details');
    return form('person-details-form', [
      el('div', { cls: 'doors-form-grid' }, [
        field(api.t('people.field.name'), name),
        field(api.t('people.field.organisation'), org),
        field(api.t('people.field.valid_from'), from),
        field(api.t('people.field.valid_until'), until),
        field(api.t('people.field.escort_required'), escort, { cls: 'check' }),
      ]),
      el('p', { cls: 'hint', text: api.t('person.dates.hint', { zone: api.zoneLabel }) }),
      el('div', { cls: 'doors-form-actions' }, [
        button(api.t('person.save'), 'person-details-save', { cls: 'primary', type: 'submit' })]),
      line,
    ], async () => {
      const fromUs = usFromDateInput(from.value, offset);
      const untilUs = usFromDateInput(until.value, offset, { endOfDay: true });
      if (!name.value.trim()) return line.show('error', api.t('people.error.name'));
      if (fromUs === null || untilUs === null || (fromUs && untilUs && untilUs <= fromUs)) {
        return line.show('error', api.t('people.error.dates'));
      }
      // Only what changed: each field's change is its own line in the trail's person.updated.
      const body = {};
      if (name.value.trim() !== person.name) body.name = name.value.trim();
      if (org.value.trim() !== (person.organisation || '')) body.organisation = org.value.trim();
      if (fromUs !== (Number(person.valid_from_us) || 0)) body.valid_from_us = fromUs;
      if (untilUs !== (Number(person.valid_until_us) || 0)) body.valid_until_us = untilUs;
      if (escort.checked !== (person.escort_required === true)) body.escort_required = escort.checked;
      if (Object.keys(body).length === 0) return line.show('done', api.t('person.unchanged'));
      await this.write('details', 'PATCH', '', body, 'person.saved');
    });
  }

  photoForm() {
    const { api } = this;
    const file = input('person-photo-file', { type: 'file', attrs: { accept: PHOTO_TYPES.join(',') } });
    const line = this.outcome('photo');
    return form('person-photo-form', [
      field(api.t('person.photo.file'), file),
      el('div', { cls: 'doors-form-actions' }, [
        button(api.t('person.photo.upload'), 'person-photo-upload', { type: 'submit' })]),
      line,
    ], async () => {
      const f = file.files && file.files[0];
      if (!f) return line.show('error', api.t('person.photo.choose'));
      if (!PHOTO_TYPES.includes(f.type)) return line.show('error', api.t('person.photo.type'));
      if (f.size > PHOTO_MAX_BYTES) return line.show('error', api.t('person.photo.size', { kb: PHOTO_MAX_BYTES / 1024 }));
      const bytes = new Uint8Array(await f.arrayBuffer());
      await this.write('photo', 'PUT', '/photo', { photo_b64: bytesToBase64(bytes) }, 'person.photo.done');
    });
  }

  factors() {
    const { api, person } = this;
    const list = el('ul', { cls: 'person-factors', testid: 'person-factors' });
    for (const { factor, enrolled } of factorRows(person)) {
      list.appendChild(el('li', { testid: 'person-factor', attrs: { 'data-factor': factor,
                                                                    'data-enrolled': enrolled ? 'true' : 'false' } }, [
        el('span', { text: api.t('person.factor.' + factor) }),
        el('span', { cls: 'badge ' + (enrolled ? 'yes' : 'no'),
                     text: api.t(enrolled ? 'person.enrolled.yes' : 'person.enrolled.no') }),
      ]));
    }
    return list;
  }

  pinForm() {
    const { api } = this;
    const pin = input('person-pin', { type: 'password', attrs: { autocomplete: 'new-password', inputmode: 'numeric',
                                                                 maxlength: 8 } });
    const line = this.outcome('pin');
    return form('person-pin-form', [
      field(api.t('people.field.pin'), pin),
      el('div', { cls: 'doors-form-actions' }, [button(api.t('person.pin.set'), 'person-pin-set', { type: 'submit' })]),
      line,
    ], async () => {
      const digits = pin.value;
      pin.value = '';  // the PIN is not kept in the page
      if (!checkPinText(digits)) return line.show('error', api.t('people.error.pin'));
      await this.write('pin', 'PUT', '/pin', { pin: digits }, 'person.pin.done');
    });
  }

  // The code a person types alone at a PIN-only keypad door (longer than a PIN: it is the
  // whole credential there); another person's code is refused doors.keypad_code_taken.
  keypadForm() {
    const { api } = this;
    const code = input('person-keypad-code', { type: 'password', attrs: { autocomplete: 'new-password',
                                                                          inputmode: 'numeric', maxlength: 8 } });
    const line = this.outcome('keypad');
    return form('person-keypad-form', [
      field(api.t('person.keypad.field'), code),
      el('div', { cls: 'doors-form-actions' }, [button(api.t('person.keypad.set'), 'person-keypad-set', { type: 'submit' })]),
      line,
    ], async () => {
      const digits = code.value;
      code.value = '';
      if (!checkKeypadText(digits)) return line.show('error', api.t('person.keypad.error'));
      await this.write('keypad', 'PUT', '/keypad_code', { code: digits }, 'person.keypad.done');
    });
  }

  // The enrollment reader at the desk saves the template as a file; the page sends it once
  // (sealed at the controller at once) and a security admin approves the enrollment.
  fingerForms() {
    const { api } = this;
    const box = el('div', { cls: 'person-fingers' });
    for (const finger of [1, 2]) {
      const file = input('person-finger-' + finger + '-file', { type: 'file' });
      const line = this.outcome('finger-' + finger);
      box.appendChild(form('person-finger-' + finger + '-form', [
        field(api.t('person.finger.file', { n: finger }), file),
        el('div', { cls: 'doors-form-actions' }, [
          button(api.t('person.finger.enroll', { n: finger }), 'person-finger-' + finger + '-enroll', { type: 'submit' })]),
        line,
      ], async () => {
        const f = file.files && file.files[0];
        if (!f) return line.show('error', api.t('person.finger.choose'));
        if (f.size === 0 || f.size > TEMPLATE_MAX_BYTES) {
          return line.show('error', api.t('person.finger.size', { bytes: TEMPLATE_MAX_BYTES }));
        }
        const bytes = new Uint8Array(await f.arrayBuffer());
        file.value = '';
        await this.write('finger-' + finger, 'PUT', '/fingerprint' + (finger === 2 ? '?finger=2' : ''),
                         { template_b64: bytesToBase64(bytes) }, 'person.finger.done');
      }));
    }
    box.appendChild(el('p', { cls: 'hint', text: api.t('person.finger.hint') }));
    return box;
  }

  cards() {
    const { api, person } = this;
    const rows = cardRows(person);
    if (rows.length === 0) return el('p', { cls: 'empty', testid: 'person-cards-empty', text: api.t('people.no_cards') });
    const list = el('ul', { cls: 'person-card-list' });
    for (const card of rows) {
      const history = el('ul', { cls: 'person-card-history' });
      for (const h of card.history) {
        history.appendChild(el('li', { testid: 'person-card-history', attrs: { 'data-type': h.type || '' } }, [
          el('span', { cls: 'cell-time', text: api.formatTime(h.time_us) }),
          el('span', { text: api.has('event.' + h.type) ? api.t('event.' + h.type) : String(h.type || '') }),
          h.actor ? el('span', { cls: 'people-id', text: api.t('person.by', { who: h.actor }) }) : null,
        ]));
      }
      const revoke = card.state === 'active'
        ? button(api.t('person.card.revoke'), 'person-card-revoke', { cls: 'danger', onClick: async () => {
          if (!window.confirm(api.t('person.card.revoke_confirm', { card: card.uid }))) return;
          await this.write('cards', 'DELETE', '/api/cards/' + encodeURIComponent(card.uid), undefined,
                           'person.card.revoked');
        } })
        : null;
      list.appendChild(el('li', { cls: 'person-card state-' + card.state, testid: 'person-card',
                                  attrs: { 'data-card': card.uid, 'data-state': card.state } }, [
        el('div', { cls: 'person-card-line' }, [
          el('span', { cls: 'uid', text: card.uid }),
          el('span', { cls: 'badge card-state', text: api.t('people.card.' + card.state) }),
          card.format ? el('span', { cls: 'people-id', text: card.format }) : null,
          revoke]),
        history]));
    }
    return list;
  }

  cardForm() {
    const { api } = this;
    const uid = input('person-card-uid', { attrs: { autocomplete: 'off', maxlength: 64 } });
    const line = this.outcome('cards');
    return form('person-card-form', [
      field(api.t('people.field.card'), uid),
      el('p', { cls: 'hint', text: api.t('person.card.hint') }),
      el('div', { cls: 'doors-form-actions' }, [button(api.t('person.card.set'), 'person-card-set', { type: 'submit' })]),
      line,
    ], async () => {
      if (!uid.value.trim()) return line.show('error', api.t('person.card.empty'));
      await this.write('cards', 'PUT', '/card', { uid: uid.value.trim() }, 'person.card.done');
    });
  }

  grants() {
    const { api, person } = this;
    const grants = Array.isArray(person.grants) ? person.grants : [];
    if (grants.length === 0) return el('p', { cls: 'empty', testid: 'person-grants-empty', text: api.t('person.grants.none') });
    const body = el('tbody');
    for (const g of grants) {
      body.appendChild(el('tr', { testid: 'person-grant', attrs: { 'data-zone': g.zone, 'data-schedule': g.schedule } }, [
        el('td', { text: api.names.get('zone', g.zone) }),
        el('td', { text: api.names.get('schedule', g.schedule) }),
        el('td', {}, [button(api.t('person.grant.remove'), 'person-grant-remove', { cls: 'danger', onClick: async () => {
          if (!window.confirm(api.t('person.grant.remove_confirm', { zone: api.names.get('zone', g.zone) }))) return;
          await this.write('grants', 'DELETE', '/grants/' + encodeURIComponent(g.zone), undefined, 'person.grant.removed');
        } })]),
      ]));
    }
    return el('table', { cls: 'person-table' }, [
      el('thead', {}, [el('tr', {}, ['person.col.zone', 'person.col.schedule', 'person.col.action']
        .map((k) => el('th', { text: api.t(k) })))]), body]);
  }

  grantForm() {
    const { api } = this;
    const zone = select('person-grant-zone', this.catalog.zones.map((z) => ({ value: z.id, text: z.name || z.id })));
    const schedule = select('person-grant-schedule', this.catalog.schedules.map((s) => ({ value: s.id, text: s.name || s.id })));
    const line = this.outcome('grants');
    return form('person-grant-form', [
      el('div', { cls: 'doors-form-grid' }, [field(api.t('person.col.zone'), zone),
                                             field(api.t('person.col.schedule'), schedule)]),
      el('p', { cls: 'hint', text: api.t('person.grant.hint') }),
      el('div', { cls: 'doors-form-actions' }, [button(api.t('person.grant.add'), 'person-grant-add', { type: 'submit' })]),
      line,
    ], async () => {
      if (!zone.value || !schedule.value) return line.show('error', api.t('person.grant.choose'));
      await this.write('grants', 'POST', '/grants', { zone: zone.value, schedule: schedule.value }, 'person.grant.done');
    });
  }

  // The levels the person holds: their own (removable here) and those of their groups.
  levels() {
    const { api, person } = this;
    const offset = api.site.utc_offset_minutes;
    const held = (Array.isArray(person.levels) ? person.levels : []).map((l) => ({ ...l, group: '' }));
    for (const g of Array.isArray(person.groups) ? person.groups : []) {
      if (!g || typeof g !== 'object') continue;
      for (const l of Array.isArray(g.levels) ? g.levels : []) held.push({ ...l, group: g.id });
    }
    if (held.length === 0) return el('p', { cls: 'empty', testid: 'person-levels-empty', text: api.t('person.levels.none') });
    const body = el('tbody');
    for (const l of held) {
      const dates = validityState(l.valid_from_us, l.valid_until_us, 0) === 'always'
        ? api.t('person.level.always')
        : api.t('person.level.dates', { from: dateInputValue(l.valid_from_us, offset) || '…',
                                        until: dateInputValue(l.valid_until_us, offset, { endOfDay: true }) || '…' });
      body.appendChild(el('tr', { testid: 'person-level', attrs: { 'data-level': l.level, 'data-via': l.group || 'person' } }, [
        el('td', { text: api.names.get('level', l.level) }),
        el('td', { text: dates }),
        el('td', { text: l.group ? api.t('person.level.via_group', { group: api.names.get('group', l.group) })
                                 : api.t('person.level.direct') }),
        el('td', {}, [l.group ? null : button(api.t('person.level.remove'), 'person-level-remove', { cls: 'danger', onClick: async () => {
          await this.write('levels', 'DELETE', '/levels/' + encodeURIComponent(l.level), undefined, 'person.level.removed');
        } })]),
      ]));
    }
    return el('table', { cls: 'person-table' }, [
      el('thead', {}, [el('tr', {}, ['person.col.level', 'person.col.validity', 'person.col.via', 'person.col.action']
        .map((k) => el('th', { text: api.t(k) })))]), body]);
  }

  levelForm() {
    const { api } = this;
    const offset = api.site.utc_offset_minutes;
    const level = select('person-level-choice', this.catalog.levels.map((l) => ({ value: l.id, text: l.name || l.id })));
    const from = input('person-level-valid-from', { type: 'date' });
    const until = input('person-level-valid-until', { type: 'date' });
    const line = this.outcome('levels');
    return form('person-level-form', [
      el('div', { cls: 'doors-form-grid' }, [field(api.t('person.col.level'), level),
                                             field(api.t('people.field.valid_from'), from),
                                             field(api.t('people.field.valid_until'), until)]),
      el('div', { cls: 'doors-form-actions' }, [button(api.t('person.level.assign'), 'person-level-assign', { type: 'submit' })]),
      line,
    ], async () => {
      const fromUs = usFromDateInput(from.value, offset);
      const untilUs = usFromDateInput(until.value, offset, { endOfDay: true });
      if (!level.value) return line.show('error', api.t('person.level.choose'));
      if (fromUs === null || untilUs === null || (fromUs && untilUs && untilUs <= fromUs)) {
        return line.show('error', api.t('people.error.dates'));
      }
      await this.write('levels', 'POST', '/levels', { level: level.value, valid_from_us: fromUs, valid_until_us: untilUs },
                       'person.level.done');
    });
  }

  groups() {
    const { api, person } = this;
    const groups = Array.isArray(person.groups) ? person.groups : [];
    if (groups.length === 0) return el('p', { cls: 'empty', testid: 'person-groups-empty', text: api.t('person.groups.none') });
    const list = el('ul', { cls: 'person-group-list' });
    for (const g of groups) {
      const id = typeof g === 'string' ? g : g.id;
      list.appendChild(el('li', { testid: 'person-group', attrs: { 'data-group': id } }, [
        el('span', { text: api.names.get('group', id) }),
        button(api.t('person.group.leave'), 'person-group-leave', { cls: 'danger', onClick: async () => {
          await this.write('groups', 'DELETE', '/api/groups/' + encodeURIComponent(id) + '/members/' +
                           encodeURIComponent(this.id), undefined, 'person.group.left');
        } })]));
    }
    return list;
  }

  groupForm() {
    const { api, person } = this;
    const mine = new Set((person.groups || []).map((g) => (typeof g === 'string' ? g : g.id)));
    const choices = this.catalog.groups.filter((g) => !mine.has(g.id));
    const group = select('person-group-choice', choices.map((g) => ({ value: g.id, text: g.name || g.id })));
    const line = this.outcome('groups');
    return form('person-group-form', [
      field(api.t('person.col.group'), group),
      el('div', { cls: 'doors-form-actions' }, [button(api.t('person.group.join'), 'person-group-join', { type: 'submit' })]),
      line,
    ], async () => {
      if (!group.value) return line.show('error', api.t('person.group.choose'));
      await this.write('groups', 'POST', '/api/groups/' + encodeURIComponent(group.value) + '/members',
                       { person: this.id }, 'person.group.done');
    });
  }

  waiting() {
    const { api } = this;
    if (this.approvals.length === 0) {
      return el('p', { cls: 'empty', testid: 'person-approvals-empty', text: api.t('person.approvals.none') });
    }
    const list = el('ul', { cls: 'person-approvals' });
    for (const a of this.approvals) {
      list.appendChild(el('li', { cls: 'tone-warning', testid: 'person-approval',
                                  attrs: { 'data-id': a.id, 'data-kind': a.kind } }, [
        el('span', { cls: 'badge', text: api.t('person.approval.waiting') }),
        el('span', { text: api.has('approvals.kind.' + a.kind) ? api.t('approvals.kind.' + a.kind) : a.summary || a.kind }),
        el('span', { cls: 'people-id', text: api.t('person.approval.asked', {
          who: a.requester || '', time: api.formatTime(a.created_us), until: api.formatTime(a.expires_us) }) }),
      ]));
    }
    return list;
  }

  activeForm() {
    const { api, person } = this;
    const comment = el('textarea', { testid: 'person-state-comment', attrs: { rows: 2, maxlength: 500 } });
    const line = this.outcome('state');
    const verb = person.active ? 'disable' : 'enable';
    return form('person-state-form', [
      el('p', { testid: 'person-state-now', text: api.t(person.active ? 'person.state.active' : 'person.state.disabled') }),
      field(api.t('doors.comment'), comment),
      el('div', { cls: 'doors-form-actions' }, [
        button(api.t('person.' + verb), 'person-' + verb, { cls: person.active ? 'danger' : 'primary', type: 'submit' })]),
      line,
    ], async () => {
      if (!comment.value.trim()) return line.show('error', api.t('doors.comment.required'));
      await this.write('state', 'POST', '/' + verb, { comment: comment.value.trim() }, 'person.' + verb + '.done');
    });
  }

  events() {
    const { api, person } = this;
    const events = (Array.isArray(person.recent_events) ? person.recent_events : []).slice()
      .sort((a, b) => b.seq - a.seq);
    if (events.length === 0) return el('p', { cls: 'empty', testid: 'person-events-empty', text: api.t('person.events.none') });
    const body = el('tbody');
    for (const e of events) {
      const d = describeEvent(e, api);
      body.appendChild(el('tr', { cls: 'tone-' + d.tone, testid: 'person-event-row',
                                  attrs: { 'data-seq': e.seq, 'data-type': e.type } }, [
        el('td', { cls: 'cell-time', text: api.formatTime(e.time_us) }),
        el('td', { cls: 'cell-event', text: d.label, attrs: { title: e.type } }),
        el('td', { cls: 'cell-where', text: d.where }),
        el('td', { cls: 'cell-result', text: d.result }),
        el('td', { cls: 'cell-detail', text: d.detail }),
      ]));
    }
    return el('table', { cls: 'doors-events', testid: 'person-events-table' }, [
      el('thead', {}, [el('tr', {}, ['feed.col.time', 'feed.col.event', 'feed.col.where', 'feed.col.result',
                                     'feed.col.detail'].map((k) => el('th', { text: api.t(k) })))]), body]);
  }
}
