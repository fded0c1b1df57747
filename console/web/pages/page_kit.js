// Small DOM helpers shared by the shell page modules of this folder (events, audit, operators).
// Plain ES module, no inline style or script (CSP default-src 'self'); every text a caller
// passes is already translated (api.t).

// An element with a class, a data-testid and text (or children).
export function el(tag, { cls, testid, text, attrs } = {}, children = []) {
  const node = document.createElement(tag);
  if (cls) node.className = cls;
  if (testid) node.setAttribute('data-testid', testid);
  if (text !== undefined && text !== null) node.textContent = String(text);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    node.setAttribute(k, v === true ? '' : String(v));
  }
  for (const child of children) if (child) node.appendChild(child);
  return node;
}

// A labelled field: <label>text <control></label>.
export function field(labelText, control) {
  return el('label', { cls: 'pg-field' }, [el('span', { text: labelText }), control]);
}

// <select> with [value, label] options; the first is selected unless `selected` names one.
export function select(testid, options, selected) {
  const node = el('select', { testid });
  for (const [value, label] of options) {
    const option = el('option', { text: label, attrs: { value } });
    if (value === selected) option.selected = true;
    node.appendChild(option);
  }
  return node;
}

// The page stylesheet, once (a <link>, which style-src 'self' allows).
export function ensureStylesheet() {
  if (document.querySelector('link[data-pages-css]')) return;
  const link = document.createElement('link');
  link.rel = 'stylesheet';
  link.href = new URL('./pages.css', import.meta.url).pathname;
  link.setAttribute('data-pages-css', '');
  document.head.appendChild(link);
}

// A message line (role=alert) that shows errors and confirmations; hidden when empty.
export function messageLine(testid) {
  const node = el('p', { cls: 'pg-message', testid, attrs: { role: 'alert' } });
  node.hidden = true;
  return {
    element: node,
    show(text, kind) {
      node.textContent = text;
      node.classList.toggle('pg-error', kind === 'error');
      node.classList.toggle('pg-ok', kind === 'ok');
      node.hidden = !text;
    },
    clear() {
      node.textContent = '';
      node.hidden = true;
    },
  };
}

// Text for an event type: its catalogue label, else the type itself (a type a newer domain
// records before the catalogue names it).
export function typeLabel(api, type) {
  return api.has('event.' + type) ? api.t('event.' + type) : type;
}

// A denial reason in words: the catalogue's, else the server's detail, else the code.
export function reasonText(api, code, detail) {
  if (!code) return '';
  if (api.has('reason.' + code)) return api.t('reason.' + code);
  return detail || code;
}

// How long ago `us` was, in words ("3 min ago"), from `nowUs`.
export function ageText(api, us, nowUs) {
  const s = Math.max(0, Math.round((nowUs - us) / 1e6));
  if (s < 60) return api.t('pages.age.seconds', { n: s });
  if (s < 3600) return api.t('pages.age.minutes', { n: Math.floor(s / 60) });
  if (s < 86400) return api.t('pages.age.hours', { n: Math.floor(s / 3600) });
  return api.t('pages.age.days', { n: Math.floor(s / 86400) });
}

export function nowUs() {
  return Date.now() * 1000;
}
