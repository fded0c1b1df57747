// The overview's alarm queue: every open alarm that is not shelved, in the desk's order
// (alarm_text.js deskOrder), with its priority colour, a count of re-triggers, its source by name
// and its age; acknowledged ones dimmed. Shelved alarms are out of sight until they come back
// (only their number shows). Loaded once from GET /api/alarms?state=open, then kept up to date
// from the alarm.* events alone (each carries the alarm after its step), so a new alarm shows
// as soon as its event arrives. A priority 1-2 alarm that is raised, re-triggered, unshelved or
// escalated flashes; its tone sounds once per alarm. A click opens it on the alarms page.

import { ageText, deskOrder, isOpen, priorityText, sourceText, stateText, typeText }
  from './alarm_text.js';
import { listAlarms } from './alarm_requests.js';

const LOUD_PRIORITY = 2;     // priorities 1 and 2 draw the desk's attention
// Steps that put an alarm (back) in front of the desk: a flash each time, a tone once per alarm.
// An escalation is one: nobody took the alarm in time, and it may only now be priority 2.
const LOUD_STEPS = new Set(['alarm.raised', 'alarm.retriggered', 'alarm.unshelved',
                            'alarm.escalated']);
const AGE_TICK_MS = 1000;
const RETRY_MS = 5000;       // a failed load is tried again
const FALLBACK_MS = 100;     // a hidden tab runs no animation frames

function el(tag, cls, testid) {
  const node = document.createElement(tag);
  if (cls) node.className = cls;
  if (testid) node.setAttribute('data-testid', testid);
  return node;
}

export class AlarmQueue {
  // body: the overview panel's body (api.addOverviewPanel).
  constructor(api, body) {
    this.api = api;
    this.body = body;
    this.alarms = new Map();  // id -> alarm JSON (open ones only)
    this.rows = new Map();    // id -> <li>
    this.loading = false;
    this.loaded = false;
    this.buffered = [];       // alarm.* events that came during a load
    this.loud = [];           // alarms to flash (and sound) after the next render
    this.sounded = new Set(); // ids already sounded: once per alarm
    this.scheduled = false;

    this.summary = el('p', 'alarm-queue-summary', 'alarms-queue-summary');
    this.error = el('p', 'error', 'alarms-queue-error');
    this.error.setAttribute('role', 'alert');
    this.error.hidden = true;
    this.empty = el('p', 'empty', 'alarms-queue-empty');
    this.empty.textContent = api.t('alarms.queue.empty');
    this.list = el('ol', 'alarm-queue', 'alarms-queue');
    this.body.dataset.state = 'loading';
    this.body.append(this.summary, this.error, this.empty, this.list);
  }

  async start() {
    // Subscribed before the load: an event during it waits in `buffered` and is applied on top.
    this.api.onEvents('alarm.', (event) => this.onEvent(event));
    setInterval(() => this.tick(), AGE_TICK_MS);
    await this.load();
  }

  async load() {
    if (this.loading) return;
    this.loading = true;
    // Whatever was delivered before the request was committed before it: the answer holds it.
    this.buffered = [];
    const r = await listAlarms(this.api, 'open');
    this.loading = false;
    if (r.error) {
      this.error.textContent = this.api.t('alarms.queue.failed', { error: r.error });
      this.error.hidden = false;
      this.body.dataset.state = 'failed';
      setTimeout(() => this.load(), RETRY_MS);
      return;
    }
    this.error.hidden = true;
    this.alarms.clear();
    for (const a of r.alarms) if (isOpen(a)) this.alarms.set(a.id, a);
    // Events that came during the load may be newer than what it read; in seq order each
    // leaves its alarm as it was after its step, so the last one per alarm wins.
    const waiting = this.buffered;
    this.buffered = [];
    for (const e of waiting) this.apply(e);
    this.loaded = true;
    this.render();
    this.body.dataset.state = 'ready';
  }

  onEvent(event) {
    const alarm = event.payload && event.payload.alarm;
    if (!alarm || typeof alarm.id !== 'number') return;
    if (this.loading || !this.loaded) {
      this.buffered.push(event);
      return;
    }
    this.apply(event);
    this.schedule();
  }

  apply(event) {
    const alarm = event.payload.alarm;
    if (isOpen(alarm)) {
      this.alarms.set(alarm.id, alarm);
    } else {
      this.alarms.delete(alarm.id);
    }
    if (isOpen(alarm) && alarm.priority <= LOUD_PRIORITY && LOUD_STEPS.has(event.type)) {
      this.loud.push(alarm);
    }
  }

  // One DOM update per animation frame however many events came.
  schedule() {
    if (this.scheduled) return;
    this.scheduled = true;
    let timer = null;
    const run = () => {
      if (!this.scheduled) return;
      this.scheduled = false;
      if (timer) clearTimeout(timer);
      this.render();
    };
    requestAnimationFrame(run);
    timer = setTimeout(run, FALLBACK_MS);
  }

  render() {
    const nowUs = Date.now() * 1000;
    const all = Array.from(this.alarms.values());
    const sorted = all.filter((a) => a.state !== 'shelved').sort(deskOrder);
    const shelved = all.length - sorted.length;
    let cursor = this.list.firstChild;
    for (const alarm of sorted) {
      let row = this.rows.get(alarm.id);
      if (!row) {
        row = this.makeRow(alarm.id);
        this.rows.set(alarm.id, row);
      }
      this.fill(row, alarm, nowUs);
      if (row === cursor) {
        cursor = cursor.nextSibling;
      } else {
        this.list.insertBefore(row, cursor);
      }
    }
    const shown = new Set(sorted.map((a) => a.id));
    for (const [id, row] of this.rows) {
      if (!shown.has(id)) {
        row.remove();
        this.rows.delete(id);
      }
    }
    const unacknowledged = sorted.filter((a) => a.state === 'active').length;
    let summary = this.api.t('alarms.queue.summary', { open: all.length, unacknowledged });
    if (shelved > 0) summary += ' · ' + this.api.t('alarms.queue.shelved', { count: shelved });
    this.summary.textContent = summary;
    this.summary.dataset.open = String(all.length);
    this.summary.dataset.unacknowledged = String(unacknowledged);
    this.summary.dataset.shelved = String(shelved);
    this.empty.hidden = all.length > 0;
    this.list.hidden = sorted.length === 0;

    const loud = this.loud;
    this.loud = [];
    for (const alarm of loud) {
      const row = this.rows.get(alarm.id);
      if (!row) continue;
      this.api.highlight(row);
      if (!this.sounded.has(alarm.id)) {
        this.sounded.add(alarm.id);
        this.api.sound(alarm.priority);
      }
    }
  }

  makeRow(id) {
    const row = el('li', 'alarm-queue-row', 'alarms-queue-row');
    row.dataset.id = String(id);
    row.tabIndex = 0;
    row.setAttribute('role', 'button');
    const open = () => this.api.navigate('#/alarms?id=' + encodeURIComponent(id));
    row.addEventListener('click', open);
    row.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' || e.key === ' ') {
        e.preventDefault();
        open();
      }
    });
    row.parts = {
      priority: el('span', 'badge alarm-priority', 'alarms-queue-priority'),
      type: el('span', 'alarm-type', 'alarms-queue-type'),
      count: el('span', 'alarm-count', 'alarms-queue-retriggers'),
      source: el('span', 'alarm-source', 'alarms-queue-source'),
      state: el('span', 'alarm-state', 'alarms-queue-state'),
      age: el('time', 'alarm-age', 'alarms-queue-age'),
    };
    const p = row.parts;
    const top = el('span', 'alarm-queue-line');
    top.append(p.priority, p.type, p.count);
    const bottom = el('span', 'alarm-queue-line alarm-queue-sub');
    bottom.append(p.source, p.state, p.age);
    row.append(top, bottom);
    return row;
  }

  fill(row, alarm, nowUs) {
    const api = this.api;
    const p = row.parts;
    row.alarm = alarm;
    row.className = 'alarm-queue-row priority-' + alarm.priority +
      (alarm.state === 'active' ? '' : ' alarm-dim');
    row.dataset.state = alarm.state;
    row.dataset.priority = String(alarm.priority);
    row.dataset.type = alarm.type;
    row.dataset.source = alarm.source;
    row.dataset.count = String(alarm.count);
    p.priority.className = 'badge alarm-priority priority-' + alarm.priority;
    p.priority.textContent = priorityText(api, alarm.priority);
    p.type.textContent = typeText(api, alarm.type);
    p.count.hidden = !(alarm.count > 1);
    p.count.textContent = alarm.count > 1 ? api.t('alarms.count', { count: alarm.count }) : '';
    p.count.title = alarm.count > 1
      ? api.t('alarms.last_trigger', { time: api.formatTime(alarm.last_us) }) : '';
    p.source.textContent = sourceText(api, alarm);
    p.state.textContent = alarm.state === 'active' ? '' : stateText(api, alarm.state) +
      (alarm.owner ? ' · ' + alarm.owner : '');
    p.age.textContent = ageText(api, alarm.raised_us, nowUs);
    p.age.title = api.formatTime(alarm.raised_us) + ' ' + api.zoneLabel;
    row.title = api.t('alarms.queue.open_hint');
  }

  // Ages move on, and names (doors, panels) may arrive after the first render.
  tick() {
    if (!this.loaded || this.rows.size === 0) return;
    const nowUs = Date.now() * 1000;
    for (const row of this.rows.values()) {
      row.parts.age.textContent = ageText(this.api, row.alarm.raised_us, nowUs);
      row.parts.source.textContent = sourceText(this.api, row.alarm);
    }
  }
}
