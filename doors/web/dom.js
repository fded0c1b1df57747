// Small DOM helpers of the doors plugin. No inline style or script (CSP default-src 'self');
// every text a caller passes is already translated (api.t).

export function el(tag, { cls, testid, text, attrs } = {}, children = []) {
  const node = document.createElement(tag);
  if (cls) node.className = cls;
  if (testid) node.setAttribute('data-testid', testid);
  if (text !== undefined && text !== null) node.textContent = String(text);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v !== undefined && v !== null && v !== false) node.setAttribute(k, v === true ? '' : String(v));
  }
  for (const child of children) {
    if (typeof child === 'string') node.appendChild(document.createTextNode(child));
    else if (child) node.appendChild(child);
  }
  return node;
}

const SVG = 'http://www.w3.org/2000/svg';

export function svg(name, attributes, children = []) {
  const node = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attributes || {})) {
    if (v !== undefined && v !== null) node.setAttribute(k, String(v));
  }
  for (const child of children) if (child) node.appendChild(child);
  return node;
}

// A row that opens `open` on click and on Enter/Space (keyboard users reach it with Tab).
export function activatable(node, open) {
  node.tabIndex = 0;
  node.addEventListener('click', open);
  node.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      open();
    }
  });
  return node;
}

// The plugin's stylesheet, once (a <link>, which style-src 'self' allows).
export function ensureStylesheet() {
  if (document.querySelector('link[data-doors-css]')) return;
  const link = document.createElement('link');
  link.rel = 'stylesheet';
  link.href = new URL('./doors.css', import.meta.url).pathname;
  link.setAttribute('data-doors-css', '');
  document.head.appendChild(link);
}

// A labelled control: <label><span>text</span>control</label>.
export function field(text, control, { cls } = {}) {
  return el('label', { cls: 'doors-field' + (cls ? ' ' + cls : '') }, [el('span', { text }), control]);
}

export function input(testid, { type = 'text', value, attrs } = {}) {
  const node = el('input', { testid, attrs: { type, ...(attrs || {}) } });
  if (value !== undefined && value !== null) node.value = String(value);
  return node;
}

export function button(text, testid, { cls, type = 'button', onClick } = {}) {
  const node = el('button', { cls, testid, text, attrs: { type } });
  if (onClick) node.addEventListener('click', onClick);
  return node;
}

export function select(testid, options, value) {
  const node = el('select', { testid });
  for (const { value: v, text } of options) {
    const option = el('option', { text, attrs: { value: v } });
    node.appendChild(option);
  }
  if (value !== undefined) node.value = value;
  return node;
}

// A form that runs `submit()` (async) with its buttons disabled meanwhile, so a double click
// sends once.
export function form(testid, children, submit) {
  const node = el('form', { cls: 'doors-form', testid }, children);
  node.addEventListener('submit', async (e) => {
    e.preventDefault();
    const buttons = [...node.querySelectorAll('button')];
    for (const b of buttons) b.disabled = true;
    try {
      await submit();
    } finally {
      for (const b of buttons) b.disabled = false;
    }
  });
  return node;
}

// The one line under a form that says what its last request did: data-state done | waiting |
// error (a 202 waits for a second person's approval).
export function outcomeLine(testid) {
  const node = el('p', { cls: 'doors-outcome', testid, attrs: { 'data-state': '', 'aria-live': 'polite' } });
  node.show = (state, text) => {
    node.dataset.state = state;
    node.className = 'doors-outcome ' + (state === 'error' ? 'error' : state === 'waiting' ? 'hint' : 'status');
    node.textContent = text;
  };
  node.clear = () => node.show('', '');
  return node;
}

// Shows a write's answer on `line`: 2xx done (doneText), 202 waiting for approval, else the
// server's refusal in words. Returns 'done' | 'waiting' | 'error'.
export function showOutcome(api, line, response, doneText) {
  if (response.status === 202) {
    const approval = (response.body && response.body.approval) || {};
    line.show('waiting', api.t('doors.outcome.waiting', { id: approval.id || '' }));
    return 'waiting';
  }
  if (response.status >= 200 && response.status < 300) {
    line.show('done', doneText);
    return 'done';
  }
  line.show('error', api.errorText(response));
  return 'error';
}
