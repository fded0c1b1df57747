// The drills domain's console module (plugin API v2, docs/console-ui.md): the "BCP drills" page
// (#/drills, #/drills?run=<id>) for every role (docs/drills.md). Reads GET /api/drills (the
// scenarios, can_request, the runs newest first) and, while the run on screen is approved
// (about to start) or running, GET /api/drills/runs/{id} every second: its countdown to
// ends_us, its steps done or pending, its timeline as events arrive; then its criteria and its
// signed report (an <iframe> of report.html, the links to the HTML, its signature and the
// signing key, and the openssl command that verifies them). A BCP coordinator (can_request)
// asks for a drill (a second person approves it on the Approvals page) and confirms an
// observed run's steps; a BCP coordinator, facility admin or security admin aborts a running
// one. Every text from this folder's messages.json; times in the site's zone. A site without
// the drills service (GET /api/drills 404) has no page.

const PAGE_ORDER = 79;  // after climate (78), before operators (80)
// Who the server lets mark a step and abort a run (docs/drills.md, REST): the buttons only
// mirror it, the server decides.
const MARK_ROLES = new Set(['bcp_coordinator']);
const ABORT_ROLES = new Set(['bcp_coordinator', 'facility_admin', 'security_admin']);
const MODES = ['simulation', 'observe'];
// approved: the second person said yes and the run is about to start (drills/drill_runs.hpp).
const STATES = ['approved', 'running', 'finished', 'aborted'];
const LIVE = new Set(['approved', 'running']);
const LIST_REFRESH_MS = 5000;
const RUN_POLL_MS = 1000;      // the run on screen while it runs
const REPORT_POLL_MS = 2000;   // a finished run whose report is not in yet
const REPORT_POLL_TRIES = 30;
const SIGNING_KEY_ROUTE = '/api/drills/signing-key.pem';

function el(tag, cls, testid, text) {
  const node = document.createElement(tag);
  if (cls) node.className = cls;
  if (testid) node.setAttribute('data-testid', testid);
  if (text !== undefined && text !== null) node.textContent = String(text);
  return node;
}

function link(text, href, testid) {
  const a = el('a', null, testid, text);
  a.href = href;
  return a;
}

function finite(v) {
  return typeof v === 'number' && Number.isFinite(v);
}

function ensureStylesheet() {
  if (document.querySelector('link[data-drills-css]')) return;
  const sheet = document.createElement('link');
  sheet.rel = 'stylesheet';
  sheet.href = new URL('./drills.css', import.meta.url).pathname;
  sheet.setAttribute('data-drills-css', '');
  document.head.appendChild(sheet);
}

function runRoute(id) {
  return '/api/drills/runs/' + encodeURIComponent(id);
}

// Replaces a <select>'s options only when they changed (a refresh keeps the operator's pick).
function setOptions(select, items) {
  const want = JSON.stringify(items);
  if (select.dataset.options === want) return;
  const keep = select.value;
  select.replaceChildren(...items.map(([value, text]) => {
    const o = document.createElement('option');
    o.value = value;
    o.textContent = text;
    return o;
  }));
  select.dataset.options = want;
  if (items.some(([v]) => v === keep)) select.value = keep;
}

class DrillsPage {
  constructor(api, page) {
    this.api = api;
    this.page = page;
    this.shown = false;
    this.list = null;          // the last GET /api/drills body
    this.skewUs = null;        // the server's clock minus the browser's (µs), once known
    this.listInFlight = false;
    this.listAgain = false;
    this.listTimer = null;
    this.runId = null;         // the run on screen
    this.run = null;           // its last GET /api/drills/runs/{id} body
    this.runInFlight = false;
    this.runTimer = null;
    this.reportTries = 0;
    this.timelineSeen = null;  // rows of the timeline on screen (null: none yet, none flashed)
    this.tick = null;
    this.number = new Intl.NumberFormat(api.lang === 'ja' ? 'ja-JP' : 'en-GB',
                                        { maximumFractionDigits: 1 });
    const root = page.element;
    root.classList.add('drills-page');
    const bar = el('div', 'drills-bar');
    bar.appendChild(el('p', 'hint', 'drills-intro', api.t('drills.intro')));
    this.updated = el('span', 'status', 'drills-updated');
    bar.appendChild(this.updated);
    this.simulator = el('p', 'status', 'drills-simulator');
    this.error = el('p', 'error', 'drills-error');
    this.error.setAttribute('role', 'alert');
    this.error.hidden = true;
    this.loading = el('p', 'status', 'drills-loading', api.t('drills.loading'));
    this.runSection = this.buildRunSection();
    this.requestSection = null;  // built once can_request is known
    this.requestError = null;
    this.requestSlot = el('div');
    this.runsSection = this.section('drills.section.runs', 'drills-runs-panel');
    this.runsBody = el('div');
    this.runsSection.appendChild(this.runsBody);
    this.scenariosSection = this.section('drills.section.scenarios', 'drills-scenarios');
    this.scenariosBody = el('div', 'drills-scenario-list');
    this.scenariosSection.appendChild(this.scenariosBody);
    root.append(bar, this.simulator, this.error, this.loading, this.runSection,
                this.requestSlot, this.runsSection, this.scenariosSection);
  }

  section(titleKey, testid) {
    const sec = el('section', 'panel drills-section', testid);
    sec.appendChild(el('h2', 'drills-section-title', null, this.api.t(titleKey)));
    return sec;
  }

  start() {
    this.page.onShow((params) => {
      this.shown = true;
      this.params = params;
      this.refreshList();
    });
    this.page.onHide(() => {
      this.shown = false;
      clearTimeout(this.listTimer);
      clearTimeout(this.runTimer);
      this.stopTick();
    });
    this.api.onEvents('drill.', () => { if (this.shown) this.refreshList(); });
  }

  nowUs() {
    return Date.now() * 1000 + (this.skewUs || 0);
  }

  label(prefix, id) {
    return this.api.has(prefix + id) ? this.api.t(prefix + id) : String(id === undefined ? '' : id);
  }

  duration(seconds) {
    const api = this.api;
    if (!finite(seconds)) return '';
    if (seconds < 120) return api.t('drills.duration.s', { n: this.number.format(seconds) });
    if (seconds < 7200) return api.t('drills.duration.min', { n: this.number.format(seconds / 60) });
    return api.t('drills.duration.h', { n: this.number.format(seconds / 3600) });
  }

  // --- GET /api/drills -------------------------------------------------------------------
  async refreshList() {
    if (this.listInFlight) { this.listAgain = true; return; }
    this.listInFlight = true;
    clearTimeout(this.listTimer);
    try {
      do {
        this.listAgain = false;
        this.renderList(await this.api.fetchJson('GET', '/api/drills'));
      } while (this.listAgain);
    } finally {
      this.listInFlight = false;
      this.listTimer = setTimeout(() => (this.shown ? this.refreshList() : null), LIST_REFRESH_MS);
    }
  }

  renderList(r) {
    const api = this.api;
    this.loading.hidden = true;
    if (r.status !== 200 || !r.body || typeof r.body !== 'object') {
      this.error.textContent = api.t('drills.unavailable', { error: api.errorText(r) });
      this.error.hidden = false;
      this.page.element.dataset.state = this.list ? 'stale' : 'failed';
      return;
    }
    this.error.hidden = true;
    const v = this.list = r.body;
    this.page.element.dataset.state = 'ready';
    if (finite(v.time_us)) {
      // The server's clock as seen through each answer's latency: the largest offset is the
      // least delayed one, and keeping it makes the countdown never step back up. A clock
      // that moved by seconds is taken as it is.
      const seen = v.time_us - Date.now() * 1000;
      if (this.skewUs === null || seen > this.skewUs || this.skewUs - seen > 5e6) this.skewUs = seen;
    }
    this.updated.textContent = api.t('drills.updated', {
      time: api.formatTime(this.nowUs(), { date: false }), zone: api.zoneLabel });
    this.simulator.textContent = api.t(v.simulator ? 'drills.simulator.yes' : 'drills.simulator.no');
    this.simulator.dataset.simulator = String(v.simulator === true);
    const scenarios = Array.isArray(v.scenarios) ? v.scenarios : [];
    const runs = Array.isArray(v.runs) ? v.runs : [];
    if (v.can_request === true && !this.requestSection) {
      this.requestSection = this.buildRequestForm();
      this.requestSlot.appendChild(this.requestSection);
    }
    if (this.requestSection) {
      setOptions(this.scenarioSelect,
                 scenarios.map((s) => [s.id, this.label('drill.scenario.', s.id)]));
    }
    this.renderScenarios(scenarios);
    this.renderRuns(runs);
    this.select(runs);
  }

  // Which run the page shows: the one the URL names, else the one running, else the newest.
  select(runs) {
    const wanted = this.params ? this.params.get('run') : null;
    let id = wanted || null;
    if (!id) {
      const running = runs.find((x) => LIVE.has(x.state));
      id = running ? running.id : (runs.length ? runs[0].id : null);
    }
    if (id !== this.runId) {
      this.runId = id;
      this.run = null;
      this.reportTries = 0;
      this.resetRunSection();
      for (const tr of this.runsBody.querySelectorAll('[data-testid="drills-run-row"]')) {
        tr.classList.toggle('drills-selected', tr.dataset.id === id);
      }
    }
    this.runSection.hidden = !id;
    if (!id) return;
    // The list's copy of the run tells when the one on screen changed state (or is not loaded).
    const listed = runs.find((x) => x.id === id);
    if (!this.run || (listed && listed.state !== this.run.state) ||
        (listed && listed.report && !this.run.report)) {
      this.loadRun();
    }
  }

  // --- GET /api/drills/runs/{id} ---------------------------------------------------------
  async loadRun() {
    if (this.runInFlight || !this.runId) return;
    this.runInFlight = true;
    clearTimeout(this.runTimer);
    const id = this.runId;
    let next = 0;
    try {
      const r = await this.api.fetchJson('GET', runRoute(id));
      if (id !== this.runId) return;  // another run was chosen meanwhile
      if (r.status !== 200 || !r.body) {
        this.runError.textContent = this.api.t('drills.unavailable', { error: this.api.errorText(r) });
        this.runError.hidden = false;
        next = this.run && !LIVE.has(this.run.state) ? 0 : RUN_POLL_MS * 2;
        return;
      }
      this.runError.hidden = true;
      const before = this.run ? this.run.state : null;
      this.run = r.body;
      this.renderRun(r.body);
      if (LIVE.has(r.body.state)) {
        next = RUN_POLL_MS;
      } else if (r.body.state === 'finished' && !r.body.report &&
                 this.reportTries++ < REPORT_POLL_TRIES) {
        next = REPORT_POLL_MS;
      }
      if (LIVE.has(before) && !LIVE.has(r.body.state)) {
        // "A drill is already running" no longer holds.
        if (this.requestError && this.requestError.dataset.code === 'drills.running') {
          this.requestError.textContent = '';
          this.requestError.title = '';
          delete this.requestError.dataset.status;
          delete this.requestError.dataset.code;
        }
        this.refreshList();
      }
    } finally {
      this.runInFlight = false;
      if (id !== this.runId) this.loadRun();  // the run chosen while this one was asked for
      else if (next && this.shown) this.runTimer = setTimeout(() => this.loadRun(), next);
    }
  }

  // --- the run on screen -----------------------------------------------------------------
  buildRunSection() {
    const api = this.api;
    const sec = el('section', 'panel drills-section drills-run', 'drills-run');
    sec.hidden = true;
    this.runTitle = el('h2', 'drills-section-title', 'drills-run-title', api.t('drills.section.run'));
    this.runState = el('span', 'badge drills-state', 'drills-run-state');
    const head = el('div', 'drills-run-head');
    head.append(this.runTitle, this.runState);
    this.runError = el('p', 'error', 'drills-run-error');
    this.runError.hidden = true;
    this.facts = el('dl', 'drills-facts', 'drills-run-facts');
    this.countdown = el('p', 'drills-countdown', 'drills-run-countdown');
    this.countdown.hidden = true;
    this.outcome = el('p', 'drills-outcome', 'drills-run-outcome');
    this.outcome.hidden = true;
    this.abortInfo = el('dl', 'drills-facts drills-abort-info', 'drills-run-abort');
    this.abortInfo.hidden = true;
    const stepsTitle = el('h3', null, null, api.t('drills.run.steps'));
    this.steps = el('div', null, 'drills-run-steps');
    this.markError = el('p', 'error', 'drills-mark-error');
    this.criteria = el('div', 'drills-criteria', 'drills-run-criteria-panel');
    this.criteria.hidden = true;
    const timelineTitle = el('h3', null, null, api.t('drills.run.timeline'));
    this.timeline = el('div', null, 'drills-run-timeline');
    this.abortForm = ABORT_ROLES.has(api.me.role) ? this.buildAbortForm() : null;
    this.report = el('div', 'drills-report', 'drills-report');
    this.report.hidden = true;
    sec.append(head, this.runError, this.facts, this.countdown, this.outcome, this.abortInfo,
               this.criteria, stepsTitle, this.steps, this.markError, timelineTitle,
               this.timeline);
    if (this.abortForm) sec.appendChild(this.abortForm);
    sec.appendChild(this.report);
    return sec;
  }

  resetRunSection() {
    this.stopTick();
    this.timelineSeen = null;
    for (const node of [this.facts, this.steps, this.timeline, this.criteria, this.report,
                        this.abortInfo]) {
      node.replaceChildren();
      delete node.dataset.shown;
    }
    this.runTitle.textContent = this.api.t('drills.section.run');
    this.runState.textContent = '';
    this.countdown.hidden = true;
    this.outcome.hidden = true;
    this.criteria.hidden = true;
    this.report.hidden = true;
    this.abortInfo.hidden = true;
    this.markError.textContent = '';
    if (this.abortForm) {
      this.abortForm.hidden = true;
      this.abortError.textContent = '';
    }
  }

  // Renders `fill` into `node` only when `data` differs from what it shows (a poll a second
  // must not rebuild buttons under the operator's pointer, nor reload the report).
  changed(node, data) {
    const key = JSON.stringify(data);
    if (node.dataset.shown === key) return false;
    node.dataset.shown = key;
    return true;
  }

  renderRun(run) {
    const api = this.api;
    const sec = this.runSection;
    const state = STATES.includes(run.state) ? run.state : 'approved';
    sec.dataset.id = run.id;
    sec.dataset.state = state;
    sec.dataset.mode = run.mode || '';
    sec.dataset.scenario = run.scenario || '';
    sec.dataset.passed = run.passed === true ? 'true' : run.passed === false ? 'false' : '';
    this.runTitle.textContent = api.t('drills.run.title', {
      scenario: this.label('drill.scenario.', run.scenario), mode: this.label('drill.mode.', run.mode) });
    this.runState.textContent = this.label('drill.state.', state);
    this.runState.className = 'badge drills-state drills-state-' + state;
    this.renderFacts(run);
    this.renderSteps(run, state);
    this.renderTimeline(run);
    this.renderOutcome(run, state);
    if (this.abortForm) this.abortForm.hidden = state !== 'running';
    if (LIVE.has(state)) this.startTick(); else this.stopTick();
    this.updateCountdown();
  }

  renderFacts(run) {
    const api = this.api;
    const facts = [
      ['reason', 'drills.run.reason', run.reason || ''],
      ['requested_by', 'drills.run.requested_by', run.requested_by || ''],
      ['approved_by', 'drills.run.approved_by', run.approved_by || ''],
      ['started', 'drills.run.started', api.formatTime(run.started_us)],
    ];
    if (LIVE.has(run.state)) facts.push(['ends', 'drills.run.ends', api.formatTime(run.ends_us)]);
    else if (finite(run.finished_us)) {
      facts.push(['finished', 'drills.run.finished', api.formatTime(run.finished_us)]);
    }
    if (!this.changed(this.facts, facts)) return;
    this.facts.replaceChildren();
    for (const [id, key, value] of facts) {
      this.facts.append(el('dt', null, null, api.t(key)),
                        el('dd', null, 'drills-run-' + id.replace('_', '-'), value));
    }
  }

  startTick() {
    if (!this.tick) this.tick = setInterval(() => this.updateCountdown(), 250);
  }

  stopTick() {
    if (this.tick) clearInterval(this.tick);
    this.tick = null;
  }

  updateCountdown() {
    const run = this.run;
    if (!run || run.state !== 'running' || !finite(run.ends_us)) {
      this.countdown.hidden = true;
      return;
    }
    const left = Math.max(0, Math.ceil((run.ends_us - this.nowUs()) / 1e6));
    this.countdown.hidden = false;
    this.countdown.dataset.remainingS = String(left);
    this.countdown.textContent = left > 0
      ? this.api.t('drills.run.countdown', {
        left: Math.floor(left / 60) + ':' + String(left % 60).padStart(2, '0') })
      : this.api.t('drills.run.ending');
  }

  renderSteps(run, state) {
    const api = this.api;
    const steps = Array.isArray(run.steps) ? run.steps : [];
    const canMark = state === 'running' && run.mode === 'observe' && MARK_ROLES.has(api.me.role);
    if (!this.changed(this.steps, [steps, canMark])) return;
    const table = el('table', 'drills-table', 'drills-run-steps-table');
    const head = table.createTHead().insertRow();
    for (const k of ['drills.timeline.col.offset', 'drills.timeline.col.event', 'drills.col.state']) {
      head.appendChild(el('th', null, null, api.t(k, { zone: api.zoneLabel })));
    }
    if (canMark) head.appendChild(el('th'));
    const body = table.createTBody();
    for (const s of steps) {
      const done = finite(s.done_us);
      const tr = el('tr', done ? 'drills-step-done' : 'drills-step-pending', 'drills-run-step');
      tr.dataset.mark = s.mark;
      tr.dataset.done = String(done);
      tr.append(el('td', null, null, api.t('drills.step.at', { offset: this.duration(s.at_s) })),
                el('td', null, 'drills-run-step-mark', this.label('drill.mark.', s.mark)),
                el('td', null, 'drills-run-step-state', done
                  ? api.t('drills.run.step.done', { time: api.formatTime(s.done_us, { date: false }) })
                  : api.t('drills.run.step.pending')));
      if (canMark) {
        const td = el('td');
        if (!done && !s.sends) {
          const b = el('button', 'primary', 'drills-run-mark', api.t('drills.run.mark'));
          b.type = 'button';
          b.dataset.mark = s.mark;
          b.addEventListener('click', () => this.mark(run.id, s.mark, b));
          td.appendChild(b);
        }
        tr.appendChild(td);
      }
      body.appendChild(tr);
    }
    this.steps.replaceChildren(table);
  }

  async mark(id, mark, button) {
    const api = this.api;
    this.markError.textContent = '';
    button.disabled = true;
    const r = await api.fetchJson('POST', runRoute(id) + '/marks', { mark });
    if (r.status < 200 || r.status >= 300) {
      button.disabled = false;
      this.markError.textContent = api.t('drills.run.mark_refused', { error: api.errorText(r) });
      this.markError.dataset.code = (r.body && r.body.code) || '';
    }
    this.loadRun();
  }

  timelineDetail(e) {
    const api = this.api;
    const p = e.payload || {};
    if ((e.type === 'drill.step' || e.type === 'drill.marked') && p.mark) {
      const mark = this.label('drill.mark.', p.mark);
      return e.type === 'drill.marked' && p.by
        ? mark + ' · ' + api.t('drills.timeline.by', { name: p.by }) : mark;
    }
    if (e.type === 'power.transfer' && p.from && p.to) {
      return api.t('drills.timeline.transfer', {
        from: p.from, to: p.to, took: finite(p.took_ms) ? this.duration(p.took_ms / 1000) : '' });
    }
    if (e.type === 'power.generator_state' && p.state &&
        api.has('power.generator.state.' + p.state)) {
      return api.t('power.generator.state.' + p.state);
    }
    if ((e.type === 'drill.started' || e.type === 'drill.approved') && p.scenario) {
      return this.label('drill.scenario.', p.scenario);
    }
    if (e.type === 'drill.aborted' && p.reason) return this.label('drill.abort_reason.', p.reason);
    if (e.type === 'drill.finished' && typeof p.passed === 'boolean') {
      return api.t(p.passed ? 'drill.result.passed' : 'drill.result.failed');
    }
    return '';
  }

  renderTimeline(run) {
    const api = this.api;
    const events = Array.isArray(run.timeline) ? run.timeline : [];
    const count = events.length;
    if (!this.changed(this.timeline, [run.id, count, run.state])) return;
    if (!count) {
      this.timeline.replaceChildren(el('p', 'empty', 'drills-run-timeline-empty',
        api.t(LIVE.has(run.state) ? 'drills.run.timeline_empty' : 'drills.run.timeline_in_report')));
      return;
    }
    let table = this.timeline.querySelector('table');
    if (!table) {
      table = el('table', 'drills-table', 'drills-run-timeline-table');
      const head = table.createTHead().insertRow();
      for (const k of ['time', 'offset', 'event', 'detail']) {
        head.appendChild(el('th', null, null, api.t('drills.timeline.col.' + k)));
      }
      table.createTBody();
      this.timeline.replaceChildren(table);
    }
    // Events only arrive: the rows already shown stay, the new ones are added and flashed.
    const body = table.tBodies[0];
    const start = finite(run.started_us) ? run.started_us : null;
    for (let i = body.rows.length; i < count; i++) {
      const e = events[i];
      const tr = el('tr', 'drills-event drills-event-' + String(e.type).split('.')[0],
                    'drills-timeline-event');
      tr.dataset.type = e.type;
      tr.dataset.timeUs = String(e.time_us);
      const label = api.has('event.' + e.type) ? api.t('event.' + e.type) : String(e.type);
      const offset = start !== null && finite(e.time_us) ? (e.time_us - start) / 1e6 : null;
      tr.append(el('td', null, 'drills-timeline-time', api.formatTime(e.time_us, { date: false })),
                el('td', null, 'drills-timeline-offset',
                   offset === null ? '' : (offset < 0 ? '−' : '+') + this.duration(Math.abs(offset))),
                el('td', null, 'drills-timeline-label', label),
                el('td', null, 'drills-timeline-detail', this.timelineDetail(e)));
      body.appendChild(tr);
      if (this.timelineSeen !== null && i >= this.timelineSeen) api.highlight(tr);
    }
    this.timelineSeen = count;
  }

  valueText(value, unit) {
    if (!finite(value)) return this.api.t('drills.criteria.not_measured');
    const n = this.number.format(value);
    const key = { s: 'drills.unit.s', '%': 'drills.unit.percent', h: 'drills.unit.h',
                  degC: 'drills.unit.degc' }[unit];
    return key ? this.api.t(key, { value: n }) : (unit ? n + ' ' + unit : n);
  }

  renderOutcome(run, state) {
    const api = this.api;
    // The outcome line and the criteria: a finished run only.
    if (state === 'finished' && typeof run.passed === 'boolean') {
      const criteria = Array.isArray(run.criteria) ? run.criteria : [];
      const failed = criteria.filter((c) => c.verdict !== 'pass').length;
      this.outcome.hidden = false;
      this.outcome.dataset.passed = String(run.passed);
      this.outcome.className = 'drills-outcome ' + (run.passed ? 'tone-granted' : 'tone-alarm');
      this.outcome.textContent = run.passed ? api.t('drills.outcome.passed')
        : failed ? api.t('drills.outcome.failed', { n: failed, total: criteria.length })
          : api.t('drills.outcome.failed_none');
      if (this.changed(this.criteria, criteria)) this.renderCriteria(criteria);
      this.criteria.hidden = !criteria.length;
    } else {
      this.outcome.hidden = true;
      this.criteria.hidden = true;
    }
    // Why an aborted run stopped.
    this.abortInfo.hidden = state !== 'aborted' || !run.abort;
    if (state === 'aborted' && run.abort && this.changed(this.abortInfo, run.abort)) {
      const a = run.abort;
      const why = el('dd', null, 'drills-run-abort-reason', this.label('drill.abort_reason.', a.reason));
      why.dataset.reason = a.reason || '';
      this.abortInfo.replaceChildren(el('dt', null, null, api.t('drills.aborted.reason')), why);
      if (a.by) {
        this.abortInfo.append(el('dt', null, null, api.t('drills.aborted.by')),
                              el('dd', null, 'drills-run-abort-by', a.by));
      }
      if (a.message) {
        this.abortInfo.append(el('dt', null, null, api.t('drills.aborted.note')),
                              el('dd', null, 'drills-run-abort-message', a.message));
      }
    }
    this.renderReport(run, state);
  }

  renderCriteria(criteria) {
    const api = this.api;
    const table = el('table', 'drills-table', 'drills-run-criteria');
    table.appendChild(el('caption', null, null, api.t('drills.criteria.title')));
    const head = table.createTHead().insertRow();
    for (const k of ['criterion', 'measured', 'limit', 'verdict']) {
      head.appendChild(el('th', null, null, api.t('drills.criteria.col.' + k)));
    }
    const body = table.createTBody();
    for (const c of criteria) {
      const pass = c.verdict === 'pass';
      const tr = el('tr', pass ? 'tone-granted' : 'tone-alarm', 'drills-run-criterion');
      tr.dataset.criterion = c.id;
      tr.dataset.verdict = pass ? 'pass' : 'fail';
      // How it was measured is the daemon's own sentence: kept as the row's tooltip, the report
      // has it in both languages.
      if (c.detail) tr.title = String(c.detail);
      const limit = this.valueText(c.limit, c.unit);
      const verdict = el('span', 'badge drills-verdict drills-verdict-' + tr.dataset.verdict,
                         null, api.t('drill.verdict.' + tr.dataset.verdict));
      const cell = el('td', null, 'drills-run-criterion-verdict');
      cell.appendChild(verdict);
      tr.append(el('td', null, 'drills-run-criterion-name', this.label('drill.criterion.', c.id)),
                el('td', null, 'drills-run-criterion-measured', this.valueText(c.measured, c.unit)),
                el('td', null, 'drills-run-criterion-limit',
                   api.t(c.comparison === '>=' ? 'drills.limit.at_least' : 'drills.limit.at_most',
                         { value: limit })),
                cell);
      body.appendChild(tr);
    }
    this.criteria.replaceChildren(table);
  }

  renderReport(run, state) {
    const api = this.api;
    const report = run.report && typeof run.report === 'object' ? run.report : null;
    if (LIVE.has(state)) {
      this.report.hidden = true;
      return;
    }
    const shape = [run.id, state, report];
    if (!this.changed(this.report, shape)) return;
    this.report.hidden = false;
    this.report.dataset.sha256 = report ? String(report.sha256 || '') : '';
    if (!report) {
      this.report.replaceChildren(el('p', 'empty', 'drills-report-none',
        api.t(state === 'aborted' ? 'drills.report.none' : 'drills.report.pending')));
      return;
    }
    const base = runRoute(run.id);
    const htmlRoute = typeof report.html === 'string' && report.html.startsWith('/api/')
      ? report.html : base + '/report.html';
    const sigRoute = typeof report.signature === 'string' && report.signature.startsWith('/api/')
      ? report.signature : base + '/report.html.sig';
    const title = el('h3', null, null, api.t('drills.report.title'));
    const links = el('p', 'drills-report-links', 'drills-report-links');
    const html = link(api.t('drills.report.html'), htmlRoute, 'drills-report-html');
    html.target = '_blank';
    html.rel = 'noopener';
    const sig = link(api.t('drills.report.sig'), sigRoute, 'drills-report-sig');
    sig.download = run.id + '.html.sig';
    const key = link(api.t('drills.report.key'), SIGNING_KEY_ROUTE, 'drills-report-key');
    key.download = 'report-signing.pub.pem';
    links.append(html, ' · ', sig, ' · ', key);
    const digest = el('p', 'drills-report-digest');
    digest.append(api.t('drills.report.digest') + ' ',
                  el('code', null, 'drills-report-sha256', report.sha256 || ''));
    const verify = el('p', 'hint', null, api.t('drills.report.verify'));
    // The commands of docs/drills.md ("Verify a report") with this run's routes: a command
    // line, not text for translation.
    const origin = location.origin;
    const command = el('pre', 'drills-verify', 'drills-verify-command');
    command.textContent = [
      'curl -k -b cookies ' + origin + htmlRoute + ' -o drill.html',
      'curl -k -b cookies ' + origin + sigRoute + ' -o drill.html.sig',
      'curl -k -b cookies ' + origin + SIGNING_KEY_ROUTE + ' -o report-signing.pub.pem',
      'openssl pkeyutl -verify -pubin -inkey report-signing.pub.pem -rawin -in drill.html ' +
        '-sigfile drill.html.sig',
    ].join('\n');
    const frame = el('iframe', 'drills-report-frame', 'drills-report-frame');
    frame.title = api.t('drills.report.frame');
    frame.src = htmlRoute;
    this.report.replaceChildren(title, links, digest, verify, command, frame);
  }

  buildAbortForm() {
    const api = this.api;
    const form = el('form', 'drills-form drills-abort-form', 'drills-abort-form');
    form.hidden = true;
    form.appendChild(el('h3', null, null, api.t('drills.abort.title')));
    form.appendChild(el('p', 'hint', null, api.t('drills.abort.hint')));
    const label = el('label', null, null, api.t('drills.abort.reason'));
    const reason = el('input', null, 'drills-abort-reason');
    reason.type = 'text';
    reason.maxLength = 500;
    label.appendChild(reason);
    const submit = el('button', 'danger', 'drills-abort-submit', api.t('drills.abort.submit'));
    submit.type = 'submit';
    this.abortError = el('p', 'error', 'drills-abort-error');
    form.append(label, submit, this.abortError);
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      this.abortError.textContent = '';
      delete this.abortError.dataset.code;
      const why = reason.value.trim();
      if (!why) {
        this.abortError.textContent = api.t('drills.abort.reason_required');
        return;
      }
      if (!this.runId) return;
      submit.disabled = true;
      const r = await api.fetchJson('POST', runRoute(this.runId) + '/abort', { reason: why });
      submit.disabled = false;
      if (r.status >= 200 && r.status < 300) {
        reason.value = '';
      } else {
        this.abortError.textContent = api.t('drills.abort.refused', { error: api.errorText(r) });
        this.abortError.dataset.code = (r.body && r.body.code) || '';
      }
      this.loadRun();
      this.refreshList();
    });
    return form;
  }

  // --- the request form (a BCP coordinator) ---------------------------------------------
  buildRequestForm() {
    const api = this.api;
    const sec = this.section('drills.section.request', 'drills-request');
    const form = el('form', 'drills-form', 'drills-request-form');
    form.appendChild(el('p', 'hint', null, api.t('drills.request.hint')));
    const field = (key, input) => {
      const label = el('label', null, null, api.t(key));
      label.appendChild(input);
      form.appendChild(label);
    };
    this.scenarioSelect = el('select', null, 'drills-request-scenario');
    const mode = el('select', null, 'drills-request-mode');
    setOptions(mode, MODES.map((m) => [m, api.t('drill.mode.' + m)]));
    const reason = el('input', null, 'drills-request-reason');
    reason.type = 'text';
    reason.maxLength = 500;
    field('drills.request.scenario', this.scenarioSelect);
    field('drills.request.mode', mode);
    field('drills.request.reason', reason);
    const submit = el('button', 'primary', 'drills-request-submit', api.t('drills.request.submit'));
    submit.type = 'submit';
    const error = this.requestError = el('p', 'error', 'drills-request-error');
    const result = el('p', 'status', 'drills-request-result');
    result.setAttribute('role', 'status');
    form.append(submit, error, result);
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      error.textContent = '';
      error.title = '';
      delete error.dataset.status;
      delete error.dataset.code;
      result.textContent = '';
      delete result.dataset.approval;
      const why = reason.value.trim();
      if (!why) {
        error.textContent = api.t('drills.request.reason_required');
        return;
      }
      submit.disabled = true;
      const r = await api.fetchJson('POST', '/api/drills/requests',
                                    { scenario: this.scenarioSelect.value, mode: mode.value, reason: why });
      submit.disabled = false;
      if (r.status === 202 && r.body && r.body.approval && r.body.approval.id) {
        result.textContent = api.t('drills.request.awaiting', { id: r.body.approval.id });
        result.dataset.approval = r.body.approval.id;
        reason.value = '';
        this.refreshList();
      } else {
        error.dataset.status = String(r.status);
        error.dataset.code = (r.body && r.body.code) || '';
        error.title = (r.body && r.body.error) || '';
        error.textContent = api.t('drills.request.refused', { status: r.status, error: api.errorText(r) });
      }
    });
    sec.appendChild(form);
    return sec;
  }

  // --- the runs list ---------------------------------------------------------------------
  renderRuns(runs) {
    const api = this.api;
    const rows = runs.map((x) => [x.id, x.state, x.passed, x.scenario, x.mode, x.started_us,
                                  x.requested_by, x.approved_by]);
    if (!this.changed(this.runsBody, rows)) return;
    if (!runs.length) {
      this.runsBody.replaceChildren(el('p', 'empty', 'drills-runs-empty', api.t('drills.runs.empty')));
      return;
    }
    const table = el('table', 'drills-table', 'drills-runs');
    const head = table.createTHead().insertRow();
    for (const k of ['started', 'scenario', 'mode', 'state', 'requested_by', 'approved_by', 'result']) {
      head.appendChild(el('th', null, null, api.t('drills.col.' + k, { zone: api.zoneLabel })));
    }
    head.appendChild(el('th'));
    const body = table.createTBody();
    for (const x of runs) {
      const state = STATES.includes(x.state) ? x.state : 'approved';
      const tr = el('tr', 'drills-run-row-' + state, 'drills-run-row');
      tr.dataset.id = x.id;
      tr.dataset.state = state;
      tr.dataset.scenario = x.scenario || '';
      tr.dataset.mode = x.mode || '';
      tr.dataset.passed = x.passed === true ? 'true' : x.passed === false ? 'false' : '';
      if (x.id === this.runId) tr.classList.add('drills-selected');
      const stateCell = el('td', null, 'drills-run-row-state');
      stateCell.appendChild(el('span', 'badge drills-state drills-state-' + state, null,
                               this.label('drill.state.', state)));
      const result = x.passed === true ? api.t('drill.result.passed')
        : x.passed === false ? api.t('drill.result.failed') : api.t('drills.result.none');
      const open = el('button', null, 'drills-run-open', api.t('drills.runs.open'));
      open.type = 'button';
      open.addEventListener('click', () => api.navigate('#/drills?run=' + encodeURIComponent(x.id)));
      const openCell = el('td');
      openCell.appendChild(open);
      tr.append(el('td', null, 'drills-run-row-started', api.formatTime(x.started_us)),
                el('td', null, 'drills-run-row-scenario', this.label('drill.scenario.', x.scenario)),
                el('td', null, 'drills-run-row-mode', this.label('drill.mode.', x.mode)),
                stateCell,
                el('td', null, 'drills-run-row-requested-by', x.requested_by || ''),
                el('td', null, 'drills-run-row-approved-by', x.approved_by || ''),
                el('td', x.passed === false ? 'drills-failed' : null, 'drills-run-row-result', result),
                openCell);
      body.appendChild(tr);
    }
    this.runsBody.replaceChildren(table);
  }

  // --- the scenarios ---------------------------------------------------------------------
  renderScenarios(scenarios) {
    const api = this.api;
    if (!this.changed(this.scenariosBody, scenarios)) return;
    this.scenariosBody.replaceChildren();
    for (const s of scenarios) {
      const card = el('article', 'drills-scenario', 'drills-scenario');
      card.dataset.id = s.id;
      card.appendChild(el('h3', null, 'drills-scenario-name', this.label('drill.scenario.', s.id)));
      card.appendChild(el('p', 'status', 'drills-scenario-length',
                          api.t('drills.scenario.length', { duration: this.duration(s.duration_s) })));
      card.appendChild(el('h4', null, null, api.t('drills.scenario.steps')));
      const steps = el('ol', 'drills-scenario-steps');
      for (const step of Array.isArray(s.steps) ? s.steps : []) {
        const li = el('li', null, 'drills-scenario-step');
        li.dataset.mark = step.mark;
        li.dataset.atS = String(step.at_s);
        li.append(el('span', 'drills-step-at', null, api.t('drills.step.at', { offset: this.duration(step.at_s) })),
                  ' ', el('span', 'drills-step-mark', null, this.label('drill.mark.', step.mark)),
                  ' ', el('span', 'hint', null,
                          api.t(step.sends ? 'drills.step.simulator' : 'drills.step.people')));
        steps.appendChild(li);
      }
      card.appendChild(steps);
      card.appendChild(el('h4', null, null, api.t('drills.scenario.criteria')));
      const criteria = Array.isArray(s.criteria) ? s.criteria : [];
      if (!criteria.length) {
        card.appendChild(el('p', 'empty', 'drills-scenario-no-criteria',
                            api.t('drills.scenario.no_criteria')));
      } else {
        const list = el('ul', 'drills-scenario-criteria');
        for (const c of criteria) {
          const id = typeof c === 'string' ? c : (c && c.id) || '';
          const li = el('li', null, 'drills-scenario-criterion', this.label('drill.criterion.', id));
          li.dataset.criterion = id;
          list.appendChild(li);
        }
        card.appendChild(list);
      }
      this.scenariosBody.appendChild(card);
    }
  }
}

export async function start(api) {
  const first = await api.fetchJson('GET', '/api/drills');
  if (first.status === 404) return;  // no drills service on this site
  // A site whose file has no [drills] rehearses nothing: no page (the catalogue still loads,
  // for the drill events the trail may show).
  if (first.status === 200 && first.body && first.body.configured === false) return;
  ensureStylesheet();
  const page = new DrillsPage(api, api.addPage({ id: 'drills', title: 'page.drills', order: PAGE_ORDER }));
  page.start();
  page.renderList(first);
}
