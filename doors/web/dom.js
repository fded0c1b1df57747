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
  for (const child of children) if (child) node.appendChild(child);
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
