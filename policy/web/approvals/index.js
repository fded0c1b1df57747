// The approvals page (申請・承認): requests waiting for a second person, with approve and reject
// for those who may decide them. Loaded by the console shell (console/web/app.js, start(api));
// reads GET /api/approvals and refreshes on approval.* events. The server decides: the buttons
// only mirror its may_approve / may_reject, and every refusal it answers is shown as it said it.
// Times are in the site's time zone (utc_offset_minutes from the route); strings in English and
// Japanese.

const STRINGS = {
  en: {
    title: 'Approvals',
    pending: 'Pending', all: 'All', show: 'Show',
    id: 'Request', kind: 'Kind', summary: 'Change', subject: 'About', requester: 'Requested by',
    created: 'Requested', expires: 'Expires', state: 'State', decided: 'Decided by',
    actions: '', approve: 'Approve', reject: 'Reject', withdraw: 'Withdraw',
    reason: 'Reason', reasonNeeded: 'Give a reason to reject.',
    none: 'No requests.', failed: 'Approvals unavailable',
    approved: 'approved', rejected: 'rejected', expired: 'expired', pendingState: 'pending',
    done: (id, state) => id + ' ' + state + '.',
    zone: 'Times in',
    kinds: {
      'doors.grant_restricted': 'Grant to a restricted zone',
      'doors.enroll_template': 'Enroll a fingerprint',
      'operators.add': 'Add an operator',
      'operators.change_role': 'Change an operator\'s role',
    },
  },
  ja: {
    title: '申請・承認',
    pending: '承認待ち', all: 'すべて', show: '表示',
    id: '申請', kind: '種別', summary: '内容', subject: '対象', requester: '申請者',
    created: '申請日時', expires: '期限', state: '状態', decided: '決裁者',
    actions: '', approve: '承認', reject: '却下', withdraw: '取り下げ',
    reason: '理由', reasonNeeded: '却下の理由を入力してください。',
    none: '申請はありません。', failed: '申請を取得できません',
    approved: '承認済み', rejected: '却下', expired: '期限切れ', pendingState: '承認待ち',
    done: (id, state) => id + ' を' + state + 'にしました。',
    zone: '時刻の基準',
    kinds: {
      'doors.grant_restricted': '管理区域・取扱区域への入室権限',
      'doors.enroll_template': '指紋の登録',
      'operators.add': 'オペレーターの追加',
      'operators.change_role': 'オペレーターの権限変更',
    },
  },
};

function language() {
  const lang = document.documentElement.lang || navigator.language || 'en';
  return lang.toLowerCase().startsWith('ja') ? 'ja' : 'en';
}

// "2026-12-01 17:05" in the site's zone, whatever the browser's zone is.
export function siteTime(us, offsetMinutes) {
  if (!us) return '';
  const d = new Date(us / 1000 + offsetMinutes * 60000);
  return d.toISOString().slice(0, 16).replace('T', ' ');
}

export function zoneName(offsetMinutes) {
  const sign = offsetMinutes < 0 ? '-' : '+';
  const m = Math.abs(offsetMinutes);
  return 'UTC' + sign + String(Math.floor(m / 60)).padStart(2, '0') + ':' +
    String(m % 60).padStart(2, '0');
}

function stateText(state, t) {
  return { pending: t.pendingState, approved: t.approved, rejected: t.rejected,
           expired: t.expired }[state] || state;
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
  if (title) b.title = title;
  b.addEventListener('click', onClick);
  return b;
}

export async function start(api) {
  const t = STRINGS[language()];
  let filter = 'pending';
  let page = null;
  let message = null;
  let zone = null;
  let table = null;

  const say = (text, isError) => {
    message.textContent = text;
    message.className = isError ? 'error' : 'status';
  };

  const decide = async (item, verb, reason) => {
    const body = verb === 'reject' ? { reason } : undefined;
    const r = await api.fetchJson('POST', '/api/approvals/' + encodeURIComponent(item.id) + '/' +
                                  verb, body);
    if (r.status !== 200) {
      say(item.id + ': ' + (r.body.error || ('HTTP ' + r.status)), true);
    } else {
      let text = t.done(item.id, stateText(r.body.approval.state, t));
      // A new operator's one-time password reaches only the approver, once.
      if (r.body.result && r.body.result.password) text += ' ' + r.body.result.password;
      say(text, false);
    }
    await refresh();
  };

  const render = (list) => {
    const offset = list.utc_offset_minutes || 0;
    zone.textContent = t.zone + ' ' + zoneName(offset);
    table.replaceChildren();
    const items = list.approvals || [];
    if (items.length === 0) {
      const tr = document.createElement('tr');
      cell(tr, t.none, 'approvals-empty');
      table.appendChild(tr);
      return;
    }
    const head = document.createElement('tr');
    for (const h of [t.id, t.kind, t.summary, t.subject, t.requester, t.created, t.expires,
                     t.state, t.decided, t.actions]) {
      const th = document.createElement('th');
      th.textContent = h;
      head.appendChild(th);
    }
    table.appendChild(head);
    for (const item of items) {
      const tr = document.createElement('tr');
      tr.setAttribute('data-testid', 'approval-row');
      tr.dataset.id = item.id;
      tr.dataset.kind = item.kind;
      tr.dataset.state = item.state;
      cell(tr, item.id, 'approval-id');
      cell(tr, t.kinds[item.kind] || item.kind, 'approval-kind');
      cell(tr, item.summary, 'approval-summary');
      cell(tr, item.subject, 'approval-subject');
      cell(tr, item.requester + ' (' + item.requester_role + ')', 'approval-requester');
      cell(tr, siteTime(item.created_us, offset));
      cell(tr, siteTime(item.expires_us, offset), 'approval-expires');
      cell(tr, stateText(item.state, t) + (item.reason ? ' — ' + item.reason : ''),
           'approval-state');
      cell(tr, item.decided_by ? item.decided_by + ' ' + siteTime(item.decided_us, offset) : '');
      const actions = cell(tr, '');
      if (item.state === 'pending') {
        actions.appendChild(button(t.approve, 'approval-approve', item.may_approve,
                                   item.refusal, () => decide(item, 'approve')));
        const reason = document.createElement('input');
        reason.type = 'text';
        reason.maxLength = 500;
        reason.placeholder = t.reason;
        reason.setAttribute('data-testid', 'approval-reason');
        reason.disabled = !item.may_reject;
        const own = item.requester === api.me.name;
        actions.appendChild(reason);
        actions.appendChild(button(own ? t.withdraw : t.reject, 'approval-reject',
                                   item.may_reject, item.may_reject ? '' : item.refusal, () => {
          const text = reason.value.trim();
          if (!text) { say(t.reasonNeeded, true); return; }
          decide(item, 'reject', text);
        }));
      }
      table.appendChild(tr);
    }
  };

  const refresh = async () => {
    if (!page || !page.isConnected) return;
    const query = filter === 'pending' ? '?state=pending' : '';
    const r = await api.fetchJson('GET', '/api/approvals' + query);
    if (r.status !== 200) {
      say(t.failed + ' (' + (r.body.error || r.status) + ')', true);
      return;
    }
    render(r.body);
  };

  page = api.addPage('requests', t.title, refresh);
  const bar = document.createElement('p');
  const label = document.createElement('label');
  label.textContent = t.show + ' ';
  const select = document.createElement('select');
  select.setAttribute('data-testid', 'approvals-filter');
  for (const [value, text] of [['pending', t.pending], ['all', t.all]]) {
    const option = document.createElement('option');
    option.value = value;
    option.textContent = text;
    select.appendChild(option);
  }
  select.addEventListener('change', () => { filter = select.value; refresh(); });
  label.appendChild(select);
  zone = document.createElement('span');
  zone.setAttribute('data-testid', 'approvals-zone');
  zone.className = 'status';
  bar.append(label, ' ', zone);
  message = document.createElement('p');
  message.setAttribute('data-testid', 'approvals-message');
  message.setAttribute('role', 'status');
  table = document.createElement('table');
  table.setAttribute('data-testid', 'approvals-table');
  page.append(bar, message, table);

  api.onEvents('approval.', refresh);
  // Expiry moves without an event until the sweep records it; the page ends with the session.
  const timer = setInterval(() => {
    if (!page.isConnected) { clearInterval(timer); return; }
    refresh();
  }, 10000);
  await refresh();
}
