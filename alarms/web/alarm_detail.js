// One alarm on the alarms page: what it is and where, its state and who has it, the steps the
// operator may take (acknowledge with an optional comment, comment, resolve with a comment,
// shelve for some minutes and unshelve for a security admin), its comments, the events that
// triggered it and its history (GET /api/alarms/{id}). Times in the site's zone. Reloads when
// an alarm.* event about it arrives.

import { describeEvent } from '/event_text.js';
import { allowedSteps, priorityText, sourceText, stateText, typeText } from './alarm_text.js';
import { getAlarm, postStep } from './alarm_requests.js';

const DEFAULT_SHELVE_MINUTES = 30;
// Steps whose comment the server requires (docs/alarms.md); acknowledge takes one if given.
const COMMENT_REQUIRED = new Set(['comment', 'resolve', 'shelve']);
const STEPS = ['acknowledge', 'comment', 'resolve', 'shelve', 'unshelve'];

function el(tag, cls, testid, text) {
  const node = document.createElement(tag);
  if (cls) node.className = cls;
  if (testid) node.setAttribute('data-testid', testid);
  if (text !== undefined && text !== null) node.textContent = String(text);
  return node;
}

function table(api, testid, columns) {
  const node = el('table', 'alarm-detail-table', testid);
  const head = el('thead');
  const row = el('tr');
  for (const key of columns) row.appendChild(el('th', null, null, api.t(key)));
  head.appendChild(row);
  const body = el('tbody');
  node.append(head, body);
  return { node, body };
}

export class AlarmDetail {
  // hooks: say(text, kind) shows a message on the page; close() leaves the detail.
  constructor(api, hooks) {
    this.api = api;
    this.hooks = hooks;
    this.id = null;
    this.alarm = null;
    this.generation = 0;
    this.busy = false;
    this.reloadTimer = null;
    const t = api.t;

    this.element = el('section', 'alarm-detail panel', 'alarms-detail');
    this.element.hidden = true;
    const head = el('div', 'alarm-detail-head');
    this.title = el('h2', 'alarm-detail-title', 'alarms-detail-title');
    const close = el('button', null, 'alarms-detail-close', t('alarms.detail.close'));
    close.type = 'button';
    close.addEventListener('click', () => this.hooks.close());
    head.append(this.title, close);
    this.facts = el('dl', 'alarm-facts', 'alarms-detail-facts');

    this.actions = el('div', 'alarm-actions', 'alarms-actions');
    this.input = el('textarea', 'alarm-comment-input', 'alarms-comment-input');
    this.input.maxLength = 1000;
    this.input.rows = 3;
    this.input.placeholder = t('alarms.comment.placeholder');
    this.input.setAttribute('aria-label', t('alarms.comment.label'));
    const buttons = el('div', 'alarm-buttons');
    this.buttons = {};
    for (const step of STEPS) {
      const b = el('button', step === 'resolve' ? 'primary' : null, 'alarms-' + step,
                   t('alarms.step.' + step));
      b.type = 'button';
      b.addEventListener('click', () => this.step(step));
      this.buttons[step] = b;
    }
    this.minutes = el('input', 'alarm-shelve-minutes', 'alarms-shelve-minutes');
    this.minutes.type = 'number';
    this.minutes.min = '1';
    this.minutes.step = '1';
    this.minutes.value = String(DEFAULT_SHELVE_MINUTES);
    this.minutes.setAttribute('aria-label', t('alarms.shelve.minutes'));
    const shelve = el('span', 'alarm-shelve');
    shelve.append(this.minutes, el('span', null, null, t('alarms.shelve.unit')),
                  this.buttons.shelve, this.buttons.unshelve);
    this.shelveBox = shelve;
    buttons.append(this.buttons.acknowledge, this.buttons.comment, this.buttons.resolve, shelve);
    this.actions.append(this.input, buttons);

    this.comments = el('ol', 'alarm-comments', 'alarms-comments');
    this.linked = table(api, 'alarms-events', ['alarms.events.time', 'alarms.events.event',
                                               'alarms.events.where', 'alarms.events.who',
                                               'alarms.events.detail']);
    this.history = table(api, 'alarms-history', ['alarms.history.time', 'alarms.history.step',
                                                 'alarms.history.by', 'alarms.history.detail']);
    this.element.append(head, this.facts, this.actions,
                        el('h3', null, null, t('alarms.detail.comments')), this.comments,
                        el('h3', null, null, t('alarms.detail.events')), this.linked.node,
                        el('h3', null, null, t('alarms.detail.history')), this.history.node);
  }

  show(id) {
    if (this.id !== id) {
      this.input.value = '';
      this.alarm = null;
      this.title.textContent = '#' + id;
      this.facts.replaceChildren();
      this.comments.replaceChildren();
      this.linked.body.replaceChildren();
      this.history.body.replaceChildren();
    }
    this.id = id;
    this.element.dataset.id = String(id);
    this.element.hidden = false;
    this.load();
  }

  hide() {
    this.id = null;
    this.alarm = null;
    this.generation += 1;
    this.element.hidden = true;
    delete this.element.dataset.id;
    delete this.element.dataset.state;
  }

  // An alarm.* event about the alarm shown: its history (and maybe its linked events) grew.
  onAlarmEvent(event) {
    if (this.id === null || event.payload.alarm.id !== this.id) return;
    this.alarm = event.payload.alarm;
    this.renderAlarm();
    if (this.reloadTimer) return;
    this.reloadTimer = setTimeout(() => {
      this.reloadTimer = null;
      if (this.id !== null) this.load();
    }, 0);
  }

  async load() {
    const id = this.id;
    const generation = ++this.generation;
    this.element.dataset.load = 'loading';
    const r = await getAlarm(this.api, id);
    if (generation !== this.generation || id !== this.id) return;
    if (r.error) {
      this.element.dataset.load = 'failed';
      this.hooks.say(r.error, 'error');
      return;
    }
    this.alarm = r.alarm;
    this.renderAlarm();
    this.renderEvents(r.events);
    this.renderHistory(r.history);
    this.element.dataset.load = 'ready';
  }

  fact(label, value, testid) {
    if (value === '' || value === null || value === undefined) return;
    this.facts.append(el('dt', null, null, this.api.t(label)), el('dd', null, testid, value));
  }

  renderAlarm() {
    const api = this.api;
    const a = this.alarm;
    if (!a) return;
    const time = (us) => (us ? api.formatTime(us) : '');
    this.element.dataset.state = a.state;
    this.element.dataset.priority = String(a.priority);
    this.element.className = 'alarm-detail panel priority-' + a.priority;
    this.title.textContent = api.t('alarms.detail.title',
                                   { id: a.id, type: typeText(api, a.type) });
    this.facts.replaceChildren();
    this.fact('alarms.fact.state', stateText(api, a.state), 'alarms-detail-state');
    this.fact('alarms.fact.priority', a.priority === a.base_priority
      ? priorityText(api, a.priority)
      : api.t('alarms.fact.escalated_priority', { priority: priorityText(api, a.priority),
                                                  base: priorityText(api, a.base_priority) }),
              'alarms-detail-priority');
    this.fact('alarms.fact.source', sourceText(api, a), 'alarms-detail-source');
    this.fact('alarms.fact.raised', time(a.raised_us) + ' ' + api.zoneLabel,
              'alarms-detail-raised');
    this.fact('alarms.fact.count', a.count > 1
      ? api.t('alarms.fact.count_last', { count: a.count, time: time(a.last_us) })
      : String(a.count), 'alarms-detail-count');
    if (a.owner) {
      this.fact('alarms.fact.owner', api.t('alarms.fact.by_at', { who: a.owner,
                                                                  time: time(a.acknowledged_us) }),
                'alarms-detail-owner');
    }
    if (a.escalated) {
      this.fact('alarms.fact.escalated', time(a.escalated_us), 'alarms-detail-escalated');
    }
    if (a.state === 'shelved') {
      this.fact('alarms.fact.shelved', api.t('alarms.fact.shelved_until', {
        who: a.shelved_by, time: time(a.shelved_until_us) }), 'alarms-detail-shelved');
    }
    if (a.resolved_by) {
      this.fact('alarms.fact.resolved', api.t('alarms.fact.by_at', { who: a.resolved_by,
                                                                     time: time(a.resolved_us) }),
                'alarms-detail-resolved');
    }
    if (a.cleared_us) this.fact('alarms.fact.cleared', time(a.cleared_us), 'alarms-detail-cleared');

    this.comments.replaceChildren();
    for (const c of a.comments || []) {
      const li = el('li', 'alarm-comment', 'alarms-comment-row');
      li.append(el('span', 'alarm-comment-meta', null,
                   api.t('alarms.fact.by_at', { who: c.by, time: time(c.time_us) })),
                el('span', 'alarm-comment-text', 'alarms-comment-text', c.text));
      this.comments.appendChild(li);
    }
    if (!(a.comments || []).length) {
      this.comments.appendChild(el('li', 'empty', 'alarms-comments-empty',
                                   api.t('alarms.detail.no_comments')));
    }
    this.renderActions();
  }

  renderActions() {
    const allowed = allowedSteps(this.alarm || { state: '' }, this.api.me.role);
    const acts = allowed.comment;  // a role that acts at all may comment
    this.actions.hidden = !acts;
    this.shelveBox.hidden = this.api.me.role !== 'security_admin';
    this.element.dataset.busy = this.busy ? 'true' : 'false';  // a step is being sent
    for (const step of STEPS) this.buttons[step].disabled = this.busy || !allowed[step];
    this.input.disabled = this.busy;
    this.minutes.disabled = this.busy || !allowed.shelve;
  }

  renderEvents(events) {
    const api = this.api;
    this.linked.body.replaceChildren();
    for (const e of events.slice().sort((x, y) => y.seq - x.seq)) {
      const d = describeEvent(e, api);
      const tr = el('tr', 'tone-' + d.tone, 'alarms-event-row');
      tr.dataset.seq = String(e.seq);
      tr.dataset.type = e.type;
      tr.append(el('td', 'alarms-time', null, api.formatTime(e.time_us)),
                el('td', null, null, d.label), el('td', null, null, d.where),
                el('td', null, null, d.who), el('td', null, null, d.detail));
      this.linked.body.appendChild(tr);
    }
  }

  renderHistory(history) {
    const api = this.api;
    this.history.body.replaceChildren();
    for (const e of history.slice().sort((x, y) => x.seq - y.seq)) {
      const p = e.payload || {};
      const tr = el('tr', null, 'alarms-history-row');
      tr.dataset.seq = String(e.seq);
      tr.dataset.type = e.type;
      const details = [];
      if (e.type === 'alarm.escalated' && p.alarm) {
        details.push(p.from_priority
          ? api.t('alarms.history.escalated', { from: priorityText(api, p.from_priority),
                                                to: priorityText(api, p.alarm.priority) })
          : priorityText(api, p.alarm.priority));
      }
      if (e.type === 'alarm.unshelved' && p.expired) details.push(api.t('alarms.history.expired'));
      if (e.type === 'alarm.retriggered' && p.alarm) {
        details.push(api.t('alarms.count', { count: p.alarm.count }));
      }
      if (e.type === 'alarm.shelved' && p.minutes) {
        details.push(api.t('alarms.history.minutes', { minutes: p.minutes }));
      }
      if (p.comment) details.push(p.comment);
      tr.append(el('td', 'alarms-time', null, api.formatTime(e.time_us)),
                el('td', null, 'alarms-history-step',
                   api.has('event.' + e.type) ? api.t('event.' + e.type) : e.type),
                el('td', null, 'alarms-history-by', p.actor || api.t('alarms.history.system')),
                el('td', null, 'alarms-history-detail', details.join(' · ')));
      this.history.body.appendChild(tr);
    }
  }

  async step(step) {
    const id = this.id;
    if (id === null || this.busy) return;
    const comment = this.input.value.trim();
    if (COMMENT_REQUIRED.has(step) && !comment) {
      this.hooks.say(this.api.t('alarms.comment_required'), 'error');
      this.input.focus();
      return;
    }
    let body = {};
    if (step === 'acknowledge') body = comment ? { comment } : {};
    if (step === 'comment' || step === 'resolve') body = { comment };
    if (step === 'shelve') body = { minutes: Number(this.minutes.value), comment };
    this.busy = true;
    this.renderActions();
    const r = await postStep(this.api, id, step, body);
    this.busy = false;
    if (id !== this.id) return;
    if (r.error) {
      this.hooks.say(r.error, 'error');
    } else {
      this.hooks.say(this.api.t('alarms.done.' + step, { id }), 'ok');
      this.input.value = '';
      if (r.alarm) this.alarm = r.alarm;
    }
    this.renderActions();
    this.renderAlarm();
    this.load();
  }
}
