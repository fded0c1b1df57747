// The doors page (#/doors): every door and circle gate with its state in words, live; and a
// portal's detail (#/doors?id=<id>): GET /api/doors/{id}, its conditions, commands and the
// revocations its panels have not acknowledged (door_commands.js), and its recent events
// (GET /api/events?door=<id>), newest first, new ones added as they happen.

import { describeEvent } from '/event_text.js';
import { el, activatable } from './dom.js';
import { DoorControls, COMMAND_ROLES } from './door_commands.js';
import { forgiveControl } from './forgive.js';
import { PanelSync } from './panel_sync.js';
import { doorState } from './door_state_words.js';
import { stateText, toneClass, kindText, lockText, positionText, panelText, tamperText,
         zonesText, lastEventText, refusalWords, gateReadings } from './door_text.js';

const DETAIL_EVENTS = 50;

export class DoorsPage {
  constructor(api, store, page) {
    this.api = api;
    this.store = store;
    this.page = page;
    this.detailId = null;
    this.detail = null;        // GET /api/doors/{id}'s row
    this.detailSeqs = new Set();
    this.visible = false;

    this.list = el('div', { cls: 'doors-list', testid: 'doors-list' });
    this.detailView = el('div', { cls: 'doors-detail', testid: 'doors-detail' });
    this.detailView.hidden = true;
    this.controls = new DoorControls(api);
    this.panelSync = new PanelSync(api);  // below the list: which panels' caches are behind
    page.element.append(
      el('h2', { cls: 'page-title', text: api.t('page.doors') }),
      this.list, this.panelSync.box, this.detailView);

    page.onShow((params) => this.show(params));
    page.onHide(() => {
      this.visible = false;
      this.panelSync.stop();
    });
    store.onChange(() => {
      this.renderList();
      if (!this.detailView.hidden) this.renderDetail();
    });
    store.onEvent((e) => {
      this.panelSync.onEvent(e);
      this.onEvent(e);
    });
  }

  show(params) {
    this.visible = true;
    const id = params && params.get('id');
    if (id) {
      this.openDetail(id);
    } else {
      this.detailId = null;
      this.detailView.hidden = true;
      this.list.hidden = false;
      this.panelSync.box.hidden = false;
      this.panelSync.start();
      this.renderList();
    }
  }

  renderList() {
    const { api, store } = this;
    if (this.list.hidden) return;
    if (store.error && !store.loaded) {
      this.list.replaceChildren(el('p', { cls: 'error', testid: 'doors-error',
                                          text: api.errorText(store.error) }));
      return;
    }
    const head = el('tr', {}, ['doors.col.name', 'doors.col.kind', 'doors.col.zones',
                               'doors.col.state', 'doors.col.lock', 'doors.col.position',
                               'doors.col.panel', 'doors.col.tamper', 'doors.col.last_event']
      .map((key) => el('th', { text: api.t(key) })));
    const body = el('tbody', { testid: 'doors-body' });
    for (const row of store.rows) {
      const tr = el('tr', { cls: 'doors-row ' + toneClass(row), testid: 'doors-row',
                            attrs: { 'data-id': row.id, 'data-kind': row.kind || 'door',
                                     'data-state': doorState(row), role: 'link' } }, [
        el('td', { cls: 'cell-name', text: row.name || row.id }),
        el('td', { cls: 'cell-kind', text: kindText(api, row) }),
        el('td', { cls: 'cell-zones', text: zonesText(api, row) }),
        el('td', { cls: 'cell-state', testid: 'doors-row-state' },
           [el('span', { cls: 'doors-state ' + toneClass(row), text: stateText(api, row) })]),
        el('td', { cls: 'cell-lock', text: lockText(api, row) }),
        el('td', { cls: 'cell-position', text: positionText(api, row) }),
        el('td', { cls: 'cell-panel', text: panelText(api, row) }),
        el('td', { cls: 'cell-tamper', text: tamperText(api, row) }),
        el('td', { cls: 'cell-last-event', text: lastEventText(api, row) }),
      ]);
      activatable(tr, () => api.navigate('#/doors?id=' + encodeURIComponent(row.id)));
      body.appendChild(tr);
    }
    const children = [];
    if (store.rows.length === 0) {
      children.push(el('p', { cls: 'empty', testid: 'doors-empty', text: api.t('doors.none') }));
    } else {
      children.push(el('table', { cls: 'doors-table', testid: 'doors-table' },
                       [el('thead', {}, [head]), body]));
    }
    if (store.gates().some((g) => g.supervised === false)) {
      children.push(el('p', { cls: 'hint', testid: 'doors-gates-note',
                              text: api.t('doors.gate.unsupervised') }));
    }
    if (store.error) {
      children.push(el('p', { cls: 'error', testid: 'doors-error', text: api.errorText(store.error) }));
    }
    this.list.replaceChildren(...children);
  }

  async openDetail(id) {
    const { api } = this;
    this.detailId = id;
    this.detail = null;
    this.detailSeqs = new Set();
    this.list.hidden = true;
    this.panelSync.stop();
    this.panelSync.box.hidden = true;
    this.detailView.hidden = false;
    const back = el('a', { cls: 'doors-back', testid: 'doors-detail-back', text: api.t('doors.back'),
                           attrs: { href: '#/doors' } });
    this.detailHead = el('div', { cls: 'doors-detail-head' });
    this.detailFacts = el('dl', { cls: 'doors-facts', testid: 'doors-detail-facts' });
    this.eventsBody = el('tbody', { testid: 'doors-detail-events' });
    this.eventsNote = el('p', { cls: 'status', testid: 'doors-detail-events-status' });
    const eventsTable = el('table', { cls: 'doors-events' }, [
      el('thead', {}, [el('tr', {}, ['feed.col.time', 'feed.col.event', 'feed.col.who',
                                     'feed.col.result', 'feed.col.detail']
        .map((key) => el('th', { text: api.t(key) })))]),
      this.eventsBody]);
    this.detailView.replaceChildren(back, this.detailHead, this.detailFacts, this.controls.element,
                                    el('h3', { text: api.t('doors.detail.events') }),
                                    this.eventsNote, eventsTable);
    const [door, events] = await Promise.all([
      api.fetchJson('GET', '/api/doors/' + encodeURIComponent(id)),
      api.fetchJson('GET', '/api/events?door=' + encodeURIComponent(id) + '&limit=' + DETAIL_EVENTS),
    ]);
    if (this.detailId !== id) return;  // another door was opened meanwhile
    if (door.status === 404) {
      this.detailHead.replaceChildren(el('p', { cls: 'error', testid: 'doors-detail-missing',
                                                text: api.t('doors.detail.missing', { id }) }));
      this.eventsBody.replaceChildren();
      return;
    }
    if (door.status !== 200) {
      this.detailHead.replaceChildren(el('p', { cls: 'error', testid: 'doors-error',
                                                text: api.errorText(door) }));
      return;
    }
    this.detail = door.body.door;
    this.renderDetail();
    if (events.status !== 200) {
      this.eventsNote.textContent = api.errorText(events);
      this.eventsNote.className = 'error';
      return;
    }
    const list = Array.isArray(events.body.events) ? events.body.events : [];
    this.addEvents(list);
    this.eventsNote.textContent = list.length === 0 ? api.t('doors.detail.no_events') : '';
  }

  renderDetail() {
    const { api } = this;
    const row = (this.detailId && this.store.row(this.detailId)) || this.detail;
    if (!row || !this.detailHead) return;
    this.detailHead.replaceChildren(
      el('h3', { cls: 'doors-detail-name', testid: 'doors-detail-name', text: row.name || row.id }),
      el('span', { cls: 'doors-state ' + toneClass(row), testid: 'doors-detail-state',
                   attrs: { 'data-state': doorState(row) }, text: stateText(api, row) }));
    const gate = row.kind === 'circle_gate' && row.supervised !== false;
    const facts = [
      ['doors.col.kind', kindText(api, row), 'kind'],
      ['doors.col.zones', zonesText(api, row), 'zones'],
      ...(gate ? this.gateFacts(row) : [
        ['doors.col.lock', lockText(api, row), 'lock'],
        ['doors.col.position', positionText(api, row), 'position']]),
      ['doors.col.panel', panelText(api, row) +
        (row.panel_firmware ? ' · ' + api.t('doors.firmware', { version: row.panel_firmware }) : ''), 'panel'],
      ['doors.col.tamper', tamperText(api, row), 'tamper'],
      ['doors.col.last_event', lastEventText(api, row), 'last-event'],
    ];
    if (row.last_command && row.last_command.command) {
      facts.push(['doors.col.last_command', api.t('doors.last_event.at', {
        event: api.t('doors.command.' + row.last_command.command),
        time: api.formatTime(row.last_command.time_us) }), 'last-command']);
    }
    if (row.first_person_in && row.first_person_in.schedule) {
      facts.push(['doors.col.first_person_in', api.t('doors.first_person_in', {
        schedule: api.names.get('schedule', row.first_person_in.schedule) }), 'first-person-in']);
    }
    const children = [];
    for (const [key, value, thing] of facts) {
      children.push(el('dt', { text: api.t(key) }));
      children.push(el('dd', { testid: 'doors-detail-' + thing, text: value }));
    }
    if (row.supervised === false) {
      children.push(el('dd', { cls: 'hint', testid: 'doors-detail-unsupervised',
                               text: api.t('doors.gate.unsupervised') }));
    }
    this.detailFacts.replaceChildren(...children);
    if (row.supervised !== false) this.controls.show(row);
    this.controls.element.hidden = row.supervised === false;
  }

  // A supervised gate's facts: its camera, the booth's readings, the last refused cycle (with the
  // camera to look at), the cycles since the controller started, the plate and power loss.
  gateFacts(row) {
    const { api } = this;
    const refusal = refusalWords(api, row.last_refusal);
    let refusalText = api.t('doors.gate.no_refusal');
    if (refusal) {
      const r = row.last_refusal;
      const who = r.person_name || (r.person ? api.names.get('person', r.person) : '');
      refusalText = api.t(who ? 'doors.gate.refused_person' : 'doors.gate.refused_at',
                          { refusal: refusal.refusal, person: who, time: api.formatTime(r.time_us) });
      for (const more of [refusal.readings, refusal.camera]) if (more) refusalText += ' · ' + more;
    }
    return [
      ['doors.col.gate_camera', row.camera ? api.t('doors.gate.camera', { camera: row.camera })
        : api.t('doors.gate.no_camera'), 'camera'],
      ['doors.col.gate_readings', gateReadings(api, row) || api.t('doors.gate.readings_none'), 'readings'],
      ['doors.col.gate_refusal', refusalText, 'refusal'],
      ['doors.col.gate_cycles', api.t('doors.gate.cycles', { completed: row.cycles_completed || 0,
                                                             refused: row.cycles_refused || 0 }), 'cycles'],
      ['doors.col.gate_weight', api.t('doors.gate.tolerance', { pct: row.weight_tolerance_pct,
                                                                max: row.max_weight_kg }), 'weight'],
      ['doors.col.gate_power', api.t('doors.gate.fail', {
        outer: api.t('doors.gate.leaf.' + (row.outer_fail_safe ? 'released' : 'locked')),
        inner: api.t('doors.gate.leaf.' + (row.inner_fail_safe ? 'released' : 'locked')) }), 'power'],
    ];
  }

  // A gate event's own detail: the refusal, the booth's readings, the leaf and the camera.
  gateDetail(event) {
    const { api } = this;
    const p = event.payload || {};
    if (!String(event.type).startsWith('gate.')) return '';
    const parts = [];
    if (p.refusal) parts.push(api.has('refusal.' + p.refusal) ? api.t('refusal.' + p.refusal) : p.refusal);
    const words = refusalWords(api, { refusal: '', presence: p.presence, weight_g: p.weight_g,
                                      camera: p.camera });
    if (words.readings) parts.push(words.readings);
    if (p.leaf) parts.push(api.t('doors.gate.leaf.' + p.leaf));
    if (words.camera) parts.push(words.camera);
    return parts.join(' · ');
  }

  // Events newest first by seq, each once.
  addEvents(events) {
    const { api } = this;
    for (const e of events.slice().sort((a, b) => a.seq - b.seq)) {
      if (this.detailSeqs.has(e.seq)) continue;
      this.detailSeqs.add(e.seq);
      const d = describeEvent(e, api);
      const gateDetail = this.gateDetail(e);
      if (gateDetail) d.detail = [d.detail, gateDetail].filter(Boolean).join(' · ');
      if (e.type === 'gate.cycle_refused' || e.type === 'gate.fire_released') d.tone = 'alarm';
      const tr = el('tr', { cls: 'tone-' + d.tone, testid: 'doors-detail-event-row',
                            attrs: { 'data-seq': e.seq, 'data-type': e.type,
                                     'data-camera': (e.payload || {}).camera || '' } }, [
        el('td', { cls: 'cell-time', text: api.formatTime(e.time_us) }),
        el('td', { cls: 'cell-event', text: d.label, attrs: { title: e.type } }),
        el('td', { cls: 'cell-who', text: d.who }),
        el('td', { cls: 'cell-result', text: d.result }),
        el('td', { cls: 'cell-detail', text: d.detail }, [this.forgiveFor(e)]),
      ]);
      let before = this.eventsBody.firstChild;
      while (before && Number(before.dataset.seq) > e.seq) before = before.nextSibling;
      this.eventsBody.insertBefore(tr, before);
    }
    while (this.eventsBody.children.length > DETAIL_EVENTS * 4) {
      this.eventsBody.removeChild(this.eventsBody.lastChild);
    }
  }

  // A person refused for anti-passback can be let through once by the desk (with a comment).
  forgiveFor(event) {
    const p = event.payload || {};
    if (event.type !== 'access.denied' || p.reason !== 'anti_passback' || !p.person) return null;
    if (!COMMAND_ROLES.has(this.api.me.role)) return null;
    return forgiveControl(this.api, p.person, p.person_name || '', 'doors-detail-forgive');
  }

  onEvent(event) {
    if (!this.detailId || this.detailView.hidden) return;
    this.controls.onEvent(event);
    const p = event.payload || {};
    const row = this.store.row(this.detailId);
    const mine = p.door === this.detailId ||
                 (row && p.panel && p.panel === row.panel && String(event.type).startsWith('panel.'));
    if (!mine) return;
    this.addEvents([event]);
    this.eventsNote.textContent = '';
    this.renderDetail();
  }
}
