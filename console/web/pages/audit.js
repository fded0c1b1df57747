// The audit page (#/audit, security_admin and auditor): the chain's state in words — how many
// events, the newest checkpoint and its age, each witness's status, the last verify (who, when,
// what it found) — a one-click "Verify now" (POST /api/audit/verify), and the hashes and
// signatures only behind a details view. Contract: docs/openapi.yaml
// (GET /api/audit/status, POST /api/audit/verify; GET /api/audit/checkpoints for the details).
import { el, ensureStylesheet, messageLine, ageText, nowUs } from './page_kit.js';

const VERIFY_ROLES = ['auditor', 'security_admin'];
const WITNESS_STATES = ['current', 'behind', 'silent', 'refused', 'none'];
const DETAIL_CHECKPOINTS = 20;

export async function start(api) {
  ensureStylesheet();
  const page = api.addPage({ id: 'audit', title: 'page.audit', order: 60 });
  const root = page.element;
  const t = (k, p) => api.t(k, p);
  const message = messageLine('audit-error');

  const chain = el('p', { cls: 'pg-summary', testid: 'audit-chain' });
  const checkpoint = el('p', { cls: 'pg-summary', testid: 'audit-checkpoint' });
  const witnessBody = el('tbody', { testid: 'audit-witnesses' });
  const witnessTable = el('table', { cls: 'pg-table', testid: 'audit-witness-table' }, [
    el('thead', {}, [el('tr', {}, ['id', 'state', 'cosigned'].map(
      (c) => el('th', { text: t('audit_page.witness.col.' + c) })))]),
    witnessBody]);
  const noWitness = el('p', { cls: 'pg-empty', testid: 'audit-no-witness',
    text: t('audit_page.witness.none_configured') });
  const lastVerify = el('p', { cls: 'pg-summary', testid: 'audit-last-verify' });
  const lastProblems = el('ul', { cls: 'pg-problems', testid: 'audit-last-problems' });
  const verify = el('button', { cls: 'primary', testid: 'audit-verify',
    text: t('audit_page.verify_now'),
    attrs: { type: 'button' } });
  verify.hidden = !VERIFY_ROLES.includes(api.me.role);
  const verifyResult = el('div', { cls: 'pg-verify-result', testid: 'audit-verify-result' });
  verifyResult.hidden = true;

  const details = el('details', { cls: 'pg-details', testid: 'audit-details' });
  const detailsBody = el('div', { testid: 'audit-details-body' });
  details.append(el('summary', { testid: 'audit-details-toggle',
    text: t('audit_page.details') }), detailsBody);

  root.append(
    el('section', { cls: 'pg-section' }, [el('h2', { text: t('audit_page.chain') }), chain,
      checkpoint]),
    el('section', { cls: 'pg-section' }, [el('h2', { text: t('audit_page.witnesses') }),
      witnessTable, noWitness]),
    el('section', { cls: 'pg-section' }, [el('h2', { text: t('audit_page.last_verify') }),
      lastVerify, lastProblems, verify, verifyResult]),
    message.element, details);

  let status = null;

  function problemList(list, problems) {
    list.replaceChildren();
    for (const p of Array.isArray(problems) ? problems : []) {
      list.appendChild(el('li', { testid: 'audit-problem',
        text: typeof p === 'string' ? p : JSON.stringify(p) }));
    }
  }

  function render() {
    if (!status) return;
    const now = nowUs();
    chain.textContent = status.size > 0
      ? t('audit_page.chain_state', { n: status.size,
        time: api.formatTime(status.head_time_us), age: ageText(api, status.head_time_us, now) })
      : t('audit_page.chain_empty');
    const c = status.checkpoint;
    checkpoint.textContent = c
      ? t('audit_page.checkpoint_state', { n: c.tree_size, time: api.formatTime(c.time_us),
        age: ageText(api, c.time_us, now), behind: Math.max(0, status.size - c.tree_size) })
      : t('audit_page.checkpoint_none');

    const witnesses = Array.isArray(status.witnesses) ? status.witnesses : [];
    witnessBody.replaceChildren();
    for (const w of witnesses) {
      const state = WITNESS_STATES.includes(w.state) ? w.state : 'none';
      const tr = el('tr', { testid: 'audit-witness-row' });
      tr.dataset.witness = w.id;
      tr.dataset.state = state;
      tr.classList.add('pg-witness-' + state);
      tr.append(
        el('td', { text: w.id }),
        el('td', { testid: 'audit-witness-state', text: t('audit_page.witness.state.' + state) }),
        el('td', { text: w.cosigned_size
          ? t('audit_page.witness.cosigned', { n: w.cosigned_size,
            time: api.formatTime(w.cosigned_time_us),
            age: ageText(api, w.cosigned_time_us, now) })
          : t('audit_page.witness.never') }));
      witnessBody.appendChild(tr);
    }
    witnessTable.hidden = witnesses.length === 0;
    noWitness.hidden = witnesses.length > 0;

    const v = status.last_verify;
    if (!v) {
      lastVerify.textContent = t('audit_page.never_verified');
      lastProblems.replaceChildren();
    } else {
      lastVerify.textContent = t(v.ok ? 'audit_page.verify_ok_by' : 'audit_page.verify_failed_by',
        { actor: v.actor || '?', time: api.formatTime(v.time_us),
          age: ageText(api, v.time_us, now), n: v.size,
          problems: Array.isArray(v.problems) ? v.problems.length : 0 });
      lastVerify.classList.toggle('pg-ok', !!v.ok);
      lastVerify.classList.toggle('pg-error', !v.ok);
      problemList(lastProblems, v.problems);
    }
  }

  async function loadStatus() {
    const r = await api.fetchJson('GET', '/api/audit/status');
    if (r.status !== 200) {
      message.show(api.errorText(r), 'error');
      return;
    }
    message.clear();
    status = r.body;
    render();
    if (details.open) loadDetails();
  }

  // Hashes and signatures, for whoever wants to check them by hand (docs/audit.md).
  async function loadDetails() {
    const r = await api.fetchJson('GET', '/api/audit/checkpoints?limit=' + DETAIL_CHECKPOINTS);
    detailsBody.replaceChildren();
    const dl = el('dl', { cls: 'pg-hashes' });
    const pair = (k, v, testid) => {
      dl.append(el('dt', { text: k }), el('dd', { cls: 'pg-hash', testid, text: v }));
    };
    if (status) {
      pair(t('audit_page.head_hash'), status.head_hash || '', 'audit-head-hash');
      if (status.checkpoint) {
        pair(t('audit_page.checkpoint_hash'), status.checkpoint.head_hash || '',
          'audit-checkpoint-hash');
      }
    }
    detailsBody.appendChild(dl);
    if (r.status !== 200) {
      detailsBody.appendChild(el('p', { cls: 'pg-error', text: api.errorText(r) }));
      return;
    }
    const rows = Array.isArray(r.body.checkpoints) ? r.body.checkpoints : [];
    const table = el('table', { cls: 'pg-table pg-hash-table', testid: 'audit-checkpoints' }, [
      el('thead', {}, [el('tr', {}, ['size', 'time', 'hash', 'signature'].map(
        (c) => el('th', { text: t('audit_page.cp.' + c) })))])]);
    const tbody = el('tbody');
    for (const cp of rows) {
      tbody.appendChild(el('tr', { testid: 'audit-checkpoint-row' }, [
        el('td', { text: cp.tree_size }),
        el('td', { text: api.formatTime(cp.time_us) }),
        el('td', { cls: 'pg-hash', text: cp.head_hash }),
        el('td', { cls: 'pg-hash', text: cp.signature }),
      ]));
    }
    table.appendChild(tbody);
    detailsBody.appendChild(table);
  }

  verify.addEventListener('click', async () => {
    verify.disabled = true;
    verifyResult.hidden = false;
    verifyResult.className = 'pg-verify-result';
    verifyResult.replaceChildren(el('p', { text: t('audit_page.verifying') }));
    const r = await api.fetchJson('POST', '/api/audit/verify', {});
    verify.disabled = false;
    if (r.status !== 200) {
      verifyResult.replaceChildren(el('p', { cls: 'pg-error', text: api.errorText(r) }));
      return;
    }
    const v = r.body;
    const problems = el('ul', { cls: 'pg-problems', testid: 'audit-verify-problems' });
    problemList(problems, v.problems);
    verifyResult.classList.add(v.ok ? 'pg-ok' : 'pg-error');
    verifyResult.dataset.ok = v.ok ? 'true' : 'false';
    verifyResult.replaceChildren(el('p', { testid: 'audit-verify-summary',
      text: t(v.ok ? 'audit_page.verify_ok' : 'audit_page.verify_failed',
        { n: v.size, time: api.formatTime(v.time_us),
          problems: Array.isArray(v.problems) ? v.problems.length : 0 }) }), problems);
    loadStatus();
  });
  details.addEventListener('toggle', () => {
    if (details.open) loadDetails();
  });

  // A checkpoint, a cosignature, a refusal or a verify changes what the page says; the event
  // count and the ages move on by themselves (a refresh every 15 s while shown).
  let shown = false;
  let ticker = null;
  let pending = null;
  const refreshSoon = () => {
    if (!shown || pending) return;
    pending = setTimeout(() => { pending = null; loadStatus(); }, 500);
  };
  api.onEvents('audit.', refreshSoon);
  api.onEvents('witness.', refreshSoon);
  page.onShow(() => {
    shown = true;
    loadStatus();
    if (!ticker) ticker = setInterval(loadStatus, 15000);
  });
  page.onHide(() => {
    shown = false;
    if (ticker) { clearInterval(ticker); ticker = null; }
  });
}
