// The approvals page (申請・承認, plugin API v2, docs/console-ui.md): requests waiting for a
// second person, with approve and reject for those who may decide them. Reads GET
// /api/approvals and refreshes on approval.* events. The server decides: the buttons only mirror
// its may_approve / may_reject, and a refusal is shown as error.<code> from the catalogue when it
// has one, else as the server said it. `#/approvals?id=apr-7` shows every state and marks that
// request. Every string comes from policy/web/approvals/messages.json (and the shell's role.*);
// times are in the site's zone (api.formatTime).

// Who gets the page (issue 13's page matrix); the server already loads this plugin only for them.
const PAGE_ROLES = ['facility_admin', 'security_admin', 'auditor'];
const STATES = ['pending', 'approved', 'rejected', 'expired'];
const REFRESH_MS = 10000;

function minutes(api, us) {
  return us ? api.formatTime(us, { seconds: false }) : '';
}

function stateText(api, state) {
  return STATES.includes(state) ? api.t('approvals.state.' + state) : String(state || '');
}

function kindText(api, kind) {
  const key = 'approvals.kind.' + kind;
  return api.has(key) ? api.t(key) : String(kind || '');
}

function roleText(api, role) {
  const key = 'role.' + role;
  return api.has(key) ? api.t(key) : String(role || '');
}

// The words for a refusal: the catalogue's error.<code> when the server named one.
function refusalText(api, item) {
  const code = item.refusal_code;
  if (code && api.has('error.' + code)) return api.t('error.' + code);
  return item.refusal || '';
}

function cell(row, text, testid) {
  const td = document.createElement('td');
  td.textContent = text === undefined || text === null ? '' : String(text);
  if (testid) td.setAttribute('data-testid', testid);
  row.appendChild(td);
  return td;
}

function button(text, testid, enabled, title, onClick) {
  const b = document.createElement('button');
  b.type = 'button';
  b.textContent = text;
  b.setAttribute('data-testid', testid);
  b.disabled = !enabled;
  b.title = title || '';
  b.addEventListener('click', onClick);
  return b;
}

export async function start(api) {
  if (!PAGE_ROLES.includes(api.me.role)) return;
  const page = api.addPage({ id: 'approvals', title: 'page.approvals', order: 70 });
  let filter = 'pending';
  let marked = '';
  let shown = false;

  const bar = document.createElement('p');
  bar.className = 'approvals-bar';
  const label = document.createElement('label');
  label.textContent = api.t('approvals.show') + ' ';
  const select = document.createElement('select');
  select.setAttribute('data-testid', 'approvals-filter');
  for (const value of ['pending', 'all']) {
    const option = document.createElement('option');
    option.value = value;
    option.textContent = api.t('approvals.filter.' + value);
    select.appendChild(option);
  }
  label.appendChild(select);
  const zone = document.createElement('span');
  zone.setAttribute('data-testid', 'approvals-zone');
  zone.className = 'status';
  zone.textContent = api.t('approvals.zone', { zone: api.zoneLabel });
  bar.append(label, ' ', zone);
  const message = document.createElement('p');
  message.setAttribute('data-testid', 'approvals-message');
  message.setAttribute('role', 'status');
  const table = document.createElement('table');
  table.setAttribute('data-testid', 'approvals-table');
  page.element.append(bar, message, table);

  const say = (text, isError) => {
    message.textContent = text;
    message.className = isError ? 'error' : 'status';
  };

  const render = (items) => {
    table.replaceChildren();
    if (items.length === 0) {
      const tr = document.createElement('tr');
      cell(tr, api.t('approvals.none'), 'approvals-empty');
      table.appendChild(tr);
      return;
    }
    const head = document.createElement('tr');
    for (const key of ['id', 'kind', 'summary', 'subject', 'requester', 'created', 'expires',
                       'state', 'decided', 'actions']) {
      const th = document.createElement('th');
      th.textContent = api.t('approvals.col.' + key);
      head.appendChild(th);
    }
    table.appendChild(head);
    for (const item of items) table.appendChild(row(item));
  };

  const row = (item) => {
    const tr = document.createElement('tr');
    tr.setAttribute('data-testid', 'approval-row');
    tr.dataset.id = item.id;
    tr.dataset.kind = item.kind;
    tr.dataset.state = item.state;
    if (item.id === marked) tr.classList.add('marked');
    cell(tr, item.id, 'approval-id');
    cell(tr, kindText(api, item.kind), 'approval-kind');
    cell(tr, item.summary, 'approval-summary');
    cell(tr, item.subject, 'approval-subject');
    cell(tr, api.t('approvals.requester', { name: item.requester,
                                            role: roleText(api, item.requester_role) }),
         'approval-requester');
    cell(tr, minutes(api, item.created_us), 'approval-created');
    cell(tr, minutes(api, item.expires_us), 'approval-expires');
    cell(tr, item.reason
      ? api.t('approvals.state_reason', { state: stateText(api, item.state), reason: item.reason })
      : stateText(api, item.state), 'approval-state');
    cell(tr, item.decided_by
      ? api.t('approvals.decided', { name: item.decided_by, time: minutes(api, item.decided_us) })
      : '', 'approval-decided');
    const actions = cell(tr, '');
    if (item.state === 'pending') {
      const refusal = refusalText(api, item);
      actions.appendChild(button(api.t('approvals.approve'), 'approval-approve', item.may_approve,
                                 item.may_approve ? '' : refusal, () => decide(item, 'approve')));
      const reason = document.createElement('input');
      reason.type = 'text';
      reason.maxLength = 500;
      reason.placeholder = api.t('approvals.reason');
      reason.setAttribute('data-testid', 'approval-reason');
      reason.disabled = !item.may_reject;
      const own = item.requester === api.me.name;
      actions.appendChild(reason);
      actions.appendChild(button(api.t(own ? 'approvals.withdraw' : 'approvals.reject'),
                                 'approval-reject', item.may_reject,
                                 item.may_reject ? '' : refusal, () => {
        const text = reason.value.trim();
        if (!text) {
          say(api.t('approvals.reason_needed'), true);
          return;
        }
        decide(item, 'reject', text);
      }));
    }
    return tr;
  };

  const decide = async (item, verb, reason) => {
    const body = verb === 'reject' ? { reason } : undefined;
    const r = await api.fetchJson('POST', '/api/approvals/' + encodeURIComponent(item.id) + '/' +
                                  verb, body);
    if (r.status !== 200) {
      say(api.t('approvals.refused', { id: item.id, error: api.errorText(r) }), true);
    } else {
      const state = stateText(api, r.body.approval.state);
      // A new operator's one-time password reaches only the approver, once.
      const password = r.body.result && r.body.result.password;
      say(password ? api.t('approvals.done_password', { id: item.id, state, password })
                   : api.t('approvals.done', { id: item.id, state }), false);
    }
    await refresh();
  };

  const refresh = async () => {
    if (!shown) return;
    const r = await api.fetchJson('GET', '/api/approvals' +
                                  (filter === 'pending' ? '?state=pending' : ''));
    if (r.status !== 200) {
      say(api.t('approvals.unavailable', { error: api.errorText(r) }), true);
      return;
    }
    render(r.body.approvals || []);
  };

  select.addEventListener('change', () => {
    filter = select.value;
    refresh();
  });
  page.onShow((params) => {
    shown = true;
    marked = (params && params.get('id')) || '';
    if (marked) {
      filter = 'all';  // the request named in the URL may be decided already
      select.value = 'all';
    }
    refresh();
  });
  page.onHide(() => { shown = false; });
  api.onEvents('approval.', refresh);
  // Expiry moves without an event until the sweep records it.
  setInterval(refresh, REFRESH_MS);
}
