// The small DOM helpers the power page's modules share (power_page.js, hub_timers.js).

export function el(tag, cls, testid, text) {
  const node = document.createElement(tag);
  if (cls) node.className = cls;
  if (testid) node.setAttribute('data-testid', testid);
  if (text !== undefined) node.textContent = text;
  return node;
}

function option(value, text) {
  const o = document.createElement('option');
  o.value = value;
  o.textContent = text;
  return o;
}

// Replaces a <select>'s options only when they changed (a refresh keeps the operator's pick).
export function setOptions(select, items) {
  const want = JSON.stringify(items);
  if (select.dataset.options === want) return;
  const keep = select.value;
  select.replaceChildren(...items.map(([v, text]) => option(v, text)));
  select.dataset.options = want;
  if (items.some(([v]) => v === keep)) select.value = keep;
}
