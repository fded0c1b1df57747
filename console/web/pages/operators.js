// The operators page (#/operators, security_admin): the console's accounts; add one, change a
// role, disable one. Adding and role changes usually need a second security admin's approval:
// the page shows the server's answer ("waiting for approval #n") and links to the approvals
// page. Routes: console/operator_routes.cpp (GET/POST /api/operators,
// PUT /api/operators/{name}/role, POST /api/operators/{name}/disable); errors through
// api.errorText.
import { el, field, select, ensureStylesheet, messageLine } from './page_kit.js';

const ROLES = ['operator', 'facility_admin', 'security_admin', 'auditor', 'bcp_coordinator'];
const NAME_PATTERN = '[a-z0-9_\\-]{1,64}';

export async function start(api) {
  ensureStylesheet();
  const page = api.addPage({ id: 'operators', title: 'page.operators', order: 80 });
  const root = page.element;
  const t = (k, p) => api.t(k, p);
  const roleOptions = ROLES.map((r) => [r, t('role.' + r)]);
  const message = messageLine('operators-message');

  // --- add ----------------------------------------------------------------------------------
  const name = el('input', { testid: 'operators-add-name',
    attrs: { required: true, maxlength: 64, pattern: NAME_PATTERN, autocomplete: 'off' } });
  const role = select('operators-add-role', roleOptions, 'operator');
  const person = el('input', { testid: 'operators-add-person',
    attrs: { maxlength: 64, pattern: NAME_PATTERN, autocomplete: 'off' } });
  const add = el('button', { cls: 'primary', testid: 'operators-add-submit',
    text: t('operators_page.add'),
    attrs: { type: 'submit' } });
  const addForm = el('form', { cls: 'pg-form', testid: 'operators-add-form' }, [
    field(t('operators_page.name'), name),
    field(t('operators_page.role'), role),
    field(t('operators_page.person'), person),
    el('span', { cls: 'pg-actions' }, [add]),
  ]);

  // --- list ---------------------------------------------------------------------------------
  const body = el('tbody', { testid: 'operators-body' });
  const table = el('table', { cls: 'pg-table', testid: 'operators-table' }, [
    el('thead', {}, [el('tr', {}, ['name', 'role', 'person', 'status', 'created', 'actions']
      .map((c) => el('th', { text: t('operators_page.col.' + c,
        c === 'created' ? { zone: api.zoneLabel } : undefined) })))]),
    body]);
  root.append(el('h2', { text: t('operators_page.add_title') }), addForm, message.element,
    el('h2', { text: t('operators_page.list_title') }), table);

  // What an action's answer means, in words, with a link to the approval when one is pending.
  function answered(r, doneKey, params) {
    if (r.status === 202 && r.body && r.body.approval) {
      const a = r.body.approval;
      message.show(t('operators_page.waiting_approval', { id: a.id, summary: a.summary || '' }),
        'ok');
      const link = el('a', { testid: 'operators-approval-link',
        text: t('operators_page.open_approval'),
        attrs: { href: '#/approvals?id=' + encodeURIComponent(a.id) } });
      link.addEventListener('click', (event) => {
        event.preventDefault();
        api.navigate('#/approvals?id=' + encodeURIComponent(a.id));
      });
      message.element.append(' ', link);
      return true;
    }
    if (r.status === 200 || r.status === 201) {
      message.show(t(doneKey, params), 'ok');
      return true;
    }
    message.show(api.errorText(r), 'error');
    return false;
  }

  function statusText(op) {
    if (op.disabled) return t('operators_page.status.disabled');
    if (op.must_change_password) return t('operators_page.status.must_change');
    return t('operators_page.status.active');
  }

  function row(op) {
    const tr = el('tr', { testid: 'operators-row' });
    tr.dataset.name = op.name;
    if (op.disabled) tr.classList.add('pg-disabled');
    const roleSelect = select('operators-role', roleOptions, op.role);
    const change = el('button', { testid: 'operators-change-role',
      text: t('operators_page.change_role'), attrs: { type: 'button' } });
    const disable = el('button', { cls: 'danger', testid: 'operators-disable',
      text: t('operators_page.disable'), attrs: { type: 'button' } });
    const self = op.name === api.me.name;
    roleSelect.disabled = op.disabled || self;
    change.disabled = op.disabled || self;
    disable.disabled = op.disabled || self;
    change.addEventListener('click', async () => {
      if (roleSelect.value === op.role) {
        message.show(t('operators_page.same_role', { name: op.name }), 'error');
        return;
      }
      change.disabled = true;
      const r = await api.fetchJson('PUT', '/api/operators/' + encodeURIComponent(op.name) +
        '/role', { role: roleSelect.value });
      change.disabled = false;
      answered(r, 'operators_page.role_changed', { name: op.name,
        role: t('role.' + roleSelect.value) });
      load();
    });
    disable.addEventListener('click', async () => {
      if (!window.confirm(t('operators_page.confirm_disable', { name: op.name }))) return;
      disable.disabled = true;
      const r = await api.fetchJson('POST', '/api/operators/' + encodeURIComponent(op.name) +
        '/disable', {});
      answered(r, 'operators_page.disabled', { name: op.name });
      load();
    });
    tr.append(
      el('td', { testid: 'operators-name', text: op.name }),
      el('td', {}, [roleSelect]),
      el('td', { text: op.person ? api.names.get('person', op.person) : '' }),
      el('td', { testid: 'operators-status', text: statusText(op) }),
      el('td', { text: op.created_us ? api.formatTime(op.created_us) : '' }),
      el('td', { cls: 'pg-actions' }, [change, disable]));
    return tr;
  }

  async function load() {
    const r = await api.fetchJson('GET', '/api/operators');
    if (r.status !== 200) {
      message.show(api.errorText(r), 'error');
      return;
    }
    const list = Array.isArray(r.body.operators) ? r.body.operators : [];
    body.replaceChildren(...list.sort((a, b) => a.name.localeCompare(b.name)).map(row));
  }

  addForm.addEventListener('submit', async (event) => {
    event.preventDefault();
    const request = { name: name.value.trim(), role: role.value };
    if (person.value.trim()) request.person = person.value.trim();
    add.disabled = true;
    const r = await api.fetchJson('POST', '/api/operators', request);
    add.disabled = false;
    if (r.status === 201 && r.body && r.body.password) {
      // The bootstrap window: the account exists at once; its one-time password is shown
      // here only, to hand over (it must be changed at the first login).
      message.show(t('operators_page.created_with_password',
        { name: r.body.name, password: r.body.password }), 'ok');
    } else if (!answered(r, 'operators_page.added', { name: request.name })) {
      return;
    }
    addForm.reset();
    load();
  });

  // Another admin's change (or an approval taking effect) shows up without a reload.
  let shown = false;
  let pending = null;
  api.onEvents('operator.', (e) => {
    const changesList = /^operator\.(added|role_changed|disabled|password_changed)$/.test(e.type);
    if (!shown || pending || !changesList) return;
    pending = setTimeout(() => { pending = null; load(); }, 300);
  });
  page.onShow(() => {
    shown = true;
    load();
  });
  page.onHide(() => {
    shown = false;
  });
}
