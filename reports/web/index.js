// The reports page (監査レポート, plugin API v2, docs/console-ui.md, docs/reports.md): the five
// trail reports over a period, and the signed compliance summary of the site's physical
// safeguards. Reads GET /api/reports/{kind} and GET /api/reports/compliance; changes nothing.
// Every string comes from reports/web/messages.json (merged into the one catalogue); times are
// in the site's zone (api.formatTime), and the dates picked are the site's days.

const PAGE_ROLES = ['auditor', 'security_admin'];
const KINDS = ['access', 'suspicious', 'privileges', 'operators', 'exports'];
const STATUSES = ['ok', 'attention', 'no_evidence', 'not_built'];
const DAY_MS = 86400000;
// The signed HTML's colours (reports/compliance.cpp), set through the CSSOM (the console's CSP
// admits no inline style sheet).
const STATUS_COLOURS = { ok: '#d9f2d9', attention: '#fde2c8', no_evidence: '#fff6c2',
                         not_built: '#e4e4e4' };

function el(tag, text, testid) {
  const e = document.createElement(tag);
  if (text !== undefined && text !== null) e.textContent = String(text);
  if (testid) e.setAttribute('data-testid', testid);
  return e;
}

function link(text, href, testid) {
  const a = el('a', text, testid);
  a.href = href;
  return a;
}

// YYYY-MM-DD of `ms` in the site's zone.
function siteDate(ms, offsetMinutes) {
  return new Date(ms + offsetMinutes * 60000).toISOString().slice(0, 10);
}

// The words of one report row: who, where, what.
function rowWho(row) {
  return row.person_name || row.person || row.actor || row.subject || '';
}

function rowWhere(row) {
  return row.door || row.zone || row.path || '';
}

function rowWhat(api, row) {
  const parts = [];
  if (row.flags) parts.push(row.flags.map((f) => api.t('reports.flag.' + f)).join(', '));
  for (const key of ['decision', 'reason', 'kind', 'id', 'role', 'command', 'comment']) {
    if (row[key] !== undefined && row[key] !== '') parts.push(String(row[key]));
  }
  return parts.join(' · ');
}

export async function start(api) {
  if (!PAGE_ROLES.includes(api.me.role)) return;
  const page = api.addPage({ id: 'reports', title: 'page.reports', order: 85 });
  const offset = api.site.utc_offset_minutes;

  const zone = el('p', api.t('reports.zone', { zone: api.zoneLabel }), 'reports-zone');
  zone.className = 'status';

  // The trail reports.
  const form = el('p');
  form.className = 'reports-bar';
  const kind = el('select', null, 'reports-kind');
  for (const k of KINDS) {
    const o = el('option', api.t('reports.kind.' + k));
    o.value = k;
    kind.appendChild(o);
  }
  const from = el('input', null, 'reports-from');
  from.type = 'date';
  const to = el('input', null, 'reports-to');
  to.type = 'date';
  const now = Date.now();
  from.value = siteDate(now - 30 * DAY_MS, offset);
  to.value = siteDate(now + DAY_MS, offset);
  const run = el('button', api.t('reports.run'), 'reports-run');
  run.type = 'button';
  form.append(el('label', api.t('reports.kind')), ' ', kind, ' ', el('label', api.t('reports.from')),
              ' ', from, ' ', el('label', api.t('reports.to')), ' ', to, ' ', run);
  const message = el('p', '', 'reports-message');
  message.setAttribute('role', 'status');
  const summary = el('p', '', 'reports-summary');
  const table = el('table', null, 'reports-table');

  // The compliance summary.
  const complianceTitle = el('h2', api.t('reports.compliance.title'));
  const complianceMeta = el('p', '', 'compliance-meta');
  const complianceLinks = el('p', null, 'compliance-links');
  const complianceTable = el('table', null, 'compliance-table');

  page.element.append(zone, el('h2', api.t('reports.trail.title')), form, message, summary, table,
                      complianceTitle, complianceMeta, complianceLinks, complianceTable);

  const say = (text, isError) => {
    message.textContent = text;
    message.className = isError ? 'error' : 'status';
  };

  const renderReport = (body) => {
    table.replaceChildren();
    const head = el('tr');
    for (const key of ['seq', 'time', 'type', 'who', 'where', 'what']) {
      head.appendChild(el('th', api.t('reports.col.' + key)));
    }
    table.appendChild(head);
    for (const row of body.rows || []) {
      const tr = el('tr', null, 'reports-row');
      tr.dataset.seq = row.seq;
      tr.dataset.type = row.type;
      if (row.flags) tr.dataset.flags = row.flags.join(' ');
      tr.append(el('td', row.seq), el('td', api.formatTime(row.time_us), 'reports-time'),
                el('td', row.type), el('td', rowWho(row)), el('td', rowWhere(row)),
                el('td', rowWhat(api, row)));
      table.appendChild(tr);
    }
    summary.textContent = api.t(body.truncated ? 'reports.count_truncated' : 'reports.count',
                                { count: (body.rows || []).length });
  };

  const runReport = async () => {
    const query = '?from=' + encodeURIComponent(from.value) + '&to=' + encodeURIComponent(to.value);
    const r = await api.fetchJson('GET', '/api/reports/' + kind.value + query);
    if (r.status !== 200) {
      say(api.t('reports.unavailable', { error: api.errorText(r) }), true);
      return;
    }
    say('', false);
    renderReport(r.body);
  };
  run.addEventListener('click', runReport);

  const inLanguage = (texts) => (texts || {})[api.lang === 'ja' ? 'ja' : 'en'] || '';

  // The evidence in words, then links to the events it names (on the events page) and to the
  // route behind it; event types and routes stay in the links' data, not on the screen.
  const evidenceCell = (row) => {
    const td = el('td', null, 'compliance-evidence');
    const ev = row.evidence || {};
    td.appendChild(el('span', inLanguage(ev.text), 'compliance-evidence-text'));
    for (const key of ['event', 'witness_event', 'refusal_event']) {
      const e = ev[key];
      if (!e) continue;
      td.appendChild(el('br'));
      const a = link(api.t('reports.evidence.seq', { seq: e.seq, time: api.formatTime(e.time_us) }),
                     '#/events?type=' + encodeURIComponent(e.type), 'compliance-seq');
      a.dataset.seq = e.seq;
      a.dataset.type = e.type;
      td.appendChild(a);
    }
    if (ev.route) {
      td.appendChild(el('br'));
      const r = link(api.t('reports.evidence.route'), ev.route, 'compliance-route');
      r.dataset.route = ev.route;
      r.target = '_blank';
      td.appendChild(r);
    }
    return td;
  };

  // The tests by path, folded: paths are not words of either language.
  const testsCell = (row) => {
    const td = el('td', null, 'compliance-tests');
    const details = el('details');
    details.appendChild(el('summary', api.t('reports.compliance.tests', {
      count: (row.tests || []).length })));
    for (const t of row.tests || []) {
      const code = el('code', t, 'compliance-test');
      code.dataset.path = t;
      details.append(code, el('br'));
    }
    td.appendChild(details);
    return td;
  };

  const renderCompliance = (body) => {
    const s = body.summary;
    complianceMeta.textContent = api.t('reports.compliance.meta', {
      from: api.formatTime(s.from_us), to: api.formatTime(s.to_us),
      generated: api.formatTime(s.generated_us), size: s.trail_size,
    });
    complianceLinks.replaceChildren(
      link(api.t('reports.compliance.html'), '/api/reports/compliance.html', 'compliance-html'), ' ',
      link(api.t('reports.compliance.signature'), body.signature_route, 'compliance-signature'), ' ',
      link(api.t('reports.compliance.public_key'), '/api/reports/signing-key.pem',
           'compliance-public-key'), ' ',
      el('code', body.signing_key_sha256, 'compliance-key-sha256'));
    complianceTable.replaceChildren();
    const head = el('tr');
    for (const key of ['safeguard', 'feature', 'tests', 'status', 'evidence']) {
      head.appendChild(el('th', api.t('reports.compliance.col.' + key)));
    }
    complianceTable.appendChild(head);
    for (const row of s.rows) {
      const tr = el('tr', null, 'compliance-row');
      tr.dataset.id = row.id;
      tr.dataset.status = row.status;
      const safeguard = el('td', inLanguage(row.safeguard), 'compliance-safeguard');
      const tests = testsCell(row);
      const status = el('td', STATUSES.includes(row.status) ? api.t('reports.status.' + row.status)
                                                            : row.status, 'compliance-status');
      status.className = 'compliance-' + row.status;
      if (STATUS_COLOURS[row.status]) status.style.background = STATUS_COLOURS[row.status];
      tr.append(safeguard, el('td', inLanguage(row.feature), 'compliance-feature'), tests,
                status, evidenceCell(row));
      complianceTable.appendChild(tr);
    }
  };

  const loadCompliance = async () => {
    const r = await api.fetchJson('GET', '/api/reports/compliance');
    if (r.status !== 200) {
      complianceMeta.textContent = api.t('reports.unavailable', { error: api.errorText(r) });
      return;
    }
    renderCompliance(r.body);
  };

  page.onShow(() => {
    loadCompliance();
  });
}
