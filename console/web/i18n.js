// The message catalogue: one language at a time, loaded from GET /api/ui/messages?lang= (public:
// the login page needs it; merged by the server from console/web/messages.json and every UI
// plugin's messages.json). Before login the language is the one last used in this browser, else
// the browser's own; after login it is the operator's (GET /api/me "language").

const STORAGE_KEY = 'sekimori.lang';
export const LANGUAGES = ['ja', 'en'];

let currentLang = 'ja';
let messages = {};

function supported(lang) {
  return LANGUAGES.includes(lang) ? lang : null;
}

// The language to use before anyone has logged in.
export function initialLanguage() {
  let stored = null;
  try { stored = localStorage.getItem(STORAGE_KEY); } catch (e) { stored = null; }
  if (supported(stored)) return stored;
  const browser = String(navigator.language || '').toLowerCase();
  return browser.startsWith('ja') ? 'ja' : 'en';
}

export function rememberLanguage(lang) {
  try { localStorage.setItem(STORAGE_KEY, lang); } catch (e) { /* private mode: not kept */ }
}

export function lang() {
  return currentLang;
}

// Loads the catalogue of `wanted`; resolves to true when it was loaded. A failed load keeps the
// catalogue there was (every t() of a key it lacks then shows ⟦key⟧).
export async function loadLanguage(wanted) {
  const chosen = supported(wanted) || 'ja';
  let response;
  try {
    response = await fetch('/api/ui/messages?lang=' + encodeURIComponent(chosen),
                           { credentials: 'same-origin' });
  } catch (e) {
    console.error('message catalogue unreachable', e);
    return false;
  }
  if (!response.ok) {
    console.error('message catalogue: HTTP ' + response.status);
    return false;
  }
  let body;
  try { body = await response.json(); } catch (e) { body = null; }
  if (!body || typeof body.messages !== 'object' || body.messages === null) {
    console.error('message catalogue: not {"lang","messages"}');
    return false;
  }
  messages = body.messages;
  currentLang = chosen;
  document.documentElement.lang = chosen;
  return true;
}

export function has(key) {
  return Object.prototype.hasOwnProperty.call(messages, key);
}

// The text of `key` with {name} placeholders filled from params. A key the catalogue lacks
// shows as ⟦key⟧ and is logged, so a missing translation is seen rather than guessed.
export function t(key, params) {
  if (!has(key)) {
    console.error('missing message', key);
    return '\u27e6' + key + '\u27e7';
  }
  const text = messages[key];
  if (!params) return text;
  return text.replace(/\{([A-Za-z0-9_]+)\}/g, (whole, name) =>
    Object.prototype.hasOwnProperty.call(params, name) ? String(params[name]) : whole);
}

// Fills the static markup: data-i18n (text), data-i18n-placeholder, data-i18n-title,
// data-i18n-label (aria-label).
export function translateTree(root) {
  for (const el of root.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll('[data-i18n-placeholder]')) {
    el.placeholder = t(el.dataset.i18nPlaceholder);
  }
  for (const el of root.querySelectorAll('[data-i18n-title]')) el.title = t(el.dataset.i18nTitle);
  for (const el of root.querySelectorAll('[data-i18n-label]')) {
    el.setAttribute('aria-label', t(el.dataset.i18nLabel));
  }
}
