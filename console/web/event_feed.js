// The overview's live event feed: newest first, at most MAX_ROWS rows, every row data-seq. Events
// are drawn once per animation frame (a burst of thousands is one DOM update), each seq once;
// while paused they wait (the newest MAX_ROWS of them) and the count shows.

import { describeEvent } from './event_text.js';

export const MAX_ROWS = 200;
const FALLBACK_MS = 100;  // a hidden tab runs no animation frames

export class EventFeed {
  // api: {t, has, names, formatTime}
  constructor(api) {
    this.api = api;
    this.pending = [];
    this.pendingSeqs = new Set();
    this.shown = new Set();
    this.paused = false;
    this.heldCount = 0;
    this.scheduled = false;
    this.timer = null;

    const t = api.t;
    this.element = document.createElement('section');
    this.element.className = 'feed';
    this.element.setAttribute('data-testid', 'overview-feed');
    const bar = document.createElement('div');
    bar.className = 'feed-bar';
    const title = document.createElement('h2');
    title.textContent = t('feed.title');
    this.pauseButton = document.createElement('button');
    this.pauseButton.type = 'button';
    this.pauseButton.setAttribute('data-testid', 'overview-feed-pause');
    this.pauseButton.addEventListener('click', () => this.setPaused(!this.paused));
    this.held = document.createElement('span');
    this.held.className = 'feed-held';
    this.held.setAttribute('data-testid', 'overview-feed-held');
    this.held.hidden = true;
    this.bar = bar;
    bar.append(title, this.pauseButton, this.held);

    const table = document.createElement('table');
    table.className = 'feed-table';
    table.setAttribute('data-testid', 'overview-feed-table');
    const head = document.createElement('thead');
    const headRow = document.createElement('tr');
    for (const key of ['feed.col.time', 'feed.col.event', 'feed.col.where', 'feed.col.who',
                       'feed.col.result', 'feed.col.detail']) {
      const th = document.createElement('th');
      th.textContent = t(key);
      headRow.appendChild(th);
    }
    head.appendChild(headRow);
    this.body = document.createElement('tbody');
    this.body.setAttribute('data-testid', 'overview-feed-body');
    table.append(head, this.body);
    const scroller = document.createElement('div');
    scroller.className = 'feed-scroll';
    scroller.appendChild(table);
    this.element.append(bar, scroller);
    this.setPaused(false);
  }

  // A link to the events page (search and the whole trail), when the operator has it.
  addSearchLink(hash) {
    const link = document.createElement('a');
    link.className = 'feed-search';
    link.href = hash;
    link.setAttribute('data-testid', 'overview-feed-search');
    link.textContent = this.api.t('feed.search');
    this.bar.appendChild(link);
  }

  setPaused(paused) {
    this.paused = paused;
    this.element.dataset.state = paused ? 'paused' : 'live';
    this.pauseButton.textContent = this.api.t(paused ? 'feed.resume' : 'feed.pause');
    this.pauseButton.setAttribute('aria-pressed', paused ? 'true' : 'false');
    if (!paused) {
      this.heldCount = 0;
      this.held.hidden = true;
      this.schedule();
    } else {
      this.showHeld();
    }
  }

  showHeld() {
    this.held.hidden = !this.paused;
    this.held.textContent = this.api.t('feed.held', { count: this.heldCount });
  }

  add(events) {
    for (const e of events) {
      if (!e || typeof e.seq !== 'number' || this.shown.has(e.seq) || this.pendingSeqs.has(e.seq)) {
        continue;
      }
      this.pending.push(e);
      this.pendingSeqs.add(e.seq);
      if (this.paused) this.heldCount += 1;
    }
    if (this.paused) {
      this.trimPending();
      this.showHeld();
      return;
    }
    this.schedule();
  }

  trimPending() {
    if (this.pending.length <= MAX_ROWS * 2) return;
    this.pending.sort((a, b) => b.seq - a.seq);
    for (const e of this.pending.splice(MAX_ROWS)) this.pendingSeqs.delete(e.seq);
  }

  schedule() {
    if (this.scheduled || this.pending.length === 0) return;
    this.scheduled = true;
    requestAnimationFrame(() => this.flush());
    this.timer = setTimeout(() => this.flush(), FALLBACK_MS);
  }

  flush() {
    if (!this.scheduled) return;
    this.scheduled = false;
    clearTimeout(this.timer);
    if (this.paused || this.pending.length === 0) return;
    const batch = this.pending.sort((a, b) => b.seq - a.seq).slice(0, MAX_ROWS);
    this.pending = [];
    this.pendingSeqs.clear();

    const top = this.body.firstElementChild ? Number(this.body.firstElementChild.dataset.seq) : -1;
    const fresh = document.createDocumentFragment();
    const older = [];
    for (const e of batch) {
      if (e.seq > top) fresh.appendChild(this.row(e)); else older.push(e);
    }
    this.body.insertBefore(fresh, this.body.firstChild);
    // Older rows (the history fetched at start, a catch-up) go where their seq puts them.
    for (const e of older) {
      if (this.body.children.length >= MAX_ROWS &&
          e.seq < Number(this.body.lastElementChild.dataset.seq)) {
        continue;
      }
      let before = this.body.firstElementChild;
      while (before && Number(before.dataset.seq) > e.seq) before = before.nextElementSibling;
      this.body.insertBefore(this.row(e), before);
    }
    for (const e of batch) this.shown.add(e.seq);
    while (this.body.children.length > MAX_ROWS) {
      this.shown.delete(Number(this.body.lastElementChild.dataset.seq));
      this.body.lastElementChild.remove();
    }
    // Seqs of rows that never made it in (older than the last row) are forgotten too.
    if (this.shown.size > MAX_ROWS) {
      this.shown = new Set(Array.from(this.body.children, (tr) => Number(tr.dataset.seq)));
    }
  }

  row(e) {
    const d = describeEvent(e, this.api);
    const tr = document.createElement('tr');
    tr.className = 'tone-' + d.tone;
    tr.dataset.seq = String(e.seq);
    tr.dataset.type = e.type;
    tr.setAttribute('data-testid', 'overview-event-row');
    const cell = (className, value) => {
      const td = document.createElement('td');
      td.className = className;
      td.textContent = value;
      tr.appendChild(td);
      return td;
    };
    // Today's events by their time; older ones (the history after a quiet night) with the date.
    const full = this.api.formatTime(e.time_us);
    const today = this.api.formatTime(Date.now() * 1000).slice(0, 10);
    cell('cell-time', full.slice(0, 10) === today ? full.slice(11) : full).title = full;
    cell('cell-event', d.label).title = e.type;
    cell('cell-where', d.where);
    cell('cell-who', d.who);
    cell('cell-result', d.result);
    cell('cell-detail', d.detail);
    return tr;
  }
}
