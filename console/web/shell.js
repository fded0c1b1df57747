// The console's shell: boot, login and the first-login password change, the header (site, clock
// in the site's zone, live status, operator, language), navigation shaped by role, hash routing,
// and the page modules and UI plugins it starts with the plugin API v2 (plugin_api.js).
// Plain ES modules, no build step; the CSP (default-src 'self') allows nothing inline.

import * as i18n from './i18n.js';
import { request, fetchJson, setSessionLostHandler } from './http.js';
import { formatTime, zoneLabel } from './time.js';
import { setName, getName } from './names.js';
import { LiveEvents } from './live.js';
import { Router } from './router.js';
import { Overview } from './overview.js';
import { makePluginApi, errorText } from './plugin_api.js';
import { readyAudioOnGesture } from './alert_cues.js';

const NOTICE_KEY = 'sekimori.notice';  // a message for the login view after a reload
const MODULE_START_WAIT_MS = 5000;
// The overview leads the nav; the others place themselves by order (docs/console-ui.md).
const OVERVIEW_ORDER = 10;

const $ = (id) => document.getElementById(id);

let resolveReady;
const ready = new Promise((resolve) => { resolveReady = resolve; });
// The only global: what the browser tests wait on.
window.sekimoriShell = Object.freeze({
  ready,
  get lang() { return i18n.lang(); },
});

let knownPassword = '';  // typed at login, offered as the old one for a first-login change
let sessionLost = false;

function showView(id) {
  for (const view of ['login-view', 'password-view', 'shell-view']) $(view).hidden = view !== id;
}

function notice(key) {
  try { sessionStorage.setItem(NOTICE_KEY, key); } catch (e) { /* not kept */ }
}

function takeNotice() {
  let key = null;
  try {
    key = sessionStorage.getItem(NOTICE_KEY);
    sessionStorage.removeItem(NOTICE_KEY);
  } catch (e) {
    key = null;
  }
  return key;
}

// A 401 (or a password change now required) anywhere inside the session: start over, so no
// page or plugin of the old session keeps running.
function onSessionLost(response) {
  if (sessionLost) return;
  sessionLost = true;
  notice(response.status === 401 ? 'login.session_ended' : 'password.required');
  location.reload();
}

async function useLanguage(lang) {
  if (lang && lang !== i18n.lang()) await i18n.loadLanguage(lang);
  i18n.translateTree(document);
}

// --- login and password views -------------------------------------------------------------

function showLogin(messageKey) {
  showView('login-view');
  document.title = i18n.t('shell.product');
  $('login-language').value = i18n.lang();
  $('login-error').textContent = messageKey ? i18n.t(messageKey) : '';
  $('login-password').value = '';
  $('login-name').focus();
}

function loginErrorText(r) {
  if (r.body && r.body.code && i18n.has('error.' + r.body.code)) return errorText(r);
  if (r.status === 401) return i18n.t('login.failed');
  return errorText(r);
}

async function onLogin(event) {
  event.preventDefault();
  $('login-error').textContent = '';
  $('login-submit').disabled = true;
  const password = $('login-password').value;
  const r = await request('POST', '/api/login', { name: $('login-name').value.trim(), password });
  $('login-submit').disabled = false;
  if (r.status !== 200) {
    $('login-error').textContent = loginErrorText(r);
    return;
  }
  $('login-password').value = '';
  knownPassword = password;
  const me = await request('GET', '/api/me');
  if (me.status !== 200) {
    $('login-error').textContent = errorText(me);
    return;
  }
  await enter(me.body);
}

function showPassword(me) {
  showView('password-view');
  document.title = i18n.t('password.title');
  $('password-name').textContent = i18n.t('password.for', { name: me.name });
  $('password-username').value = me.name;
  $('password-old').value = knownPassword;
  $('password-new').value = '';
  $('password-confirm').value = '';
  $('password-error').textContent = '';
  (knownPassword ? $('password-new') : $('password-old')).focus();
}

async function onPassword(event) {
  event.preventDefault();
  const oldPassword = $('password-old').value;
  const newPassword = $('password-new').value;
  if (newPassword !== $('password-confirm').value) {
    $('password-error').textContent = i18n.t('password.mismatch');
    return;
  }
  $('password-error').textContent = '';
  $('password-submit').disabled = true;
  const r = await request('POST', '/api/session/password', { old: oldPassword, new: newPassword });
  $('password-submit').disabled = false;
  if (r.status !== 200) {
    const known = r.body && r.body.code && i18n.has('error.' + r.body.code);
    $('password-error').textContent = !known && r.status === 403 ? i18n.t('password.bad_old')
                                                                  : errorText(r);
    return;
  }
  knownPassword = '';
  const me = await request('GET', '/api/me');
  if (me.status !== 200) {
    showLogin('login.session_ended');
    return;
  }
  history.replaceState(null, '', '#/');  // straight into the operator's landing page
  await enter(me.body);
}

async function logout() {
  sessionLost = true;  // the streams the logout closes are not a lost session
  await request('POST', '/api/logout');
  notice('login.logged_out');
  location.replace('/');
}

// --- the shell ---------------------------------------------------------------------------

async function enter(me) {
  await useLanguage(me.language);
  i18n.rememberLanguage(i18n.lang());
  if (me.must_change_password) {
    showPassword(me);
    return;
  }
  knownPassword = '';
  await startShell(me);
}

function setLiveStatus(state) {
  const el = $('shell-live-status');
  el.dataset.state = state;
  el.textContent = i18n.t('live.' + state);
}

function showError(text) {
  const box = $('shell-error');
  const line = document.createElement('span');
  line.className = 'banner-line';
  line.textContent = text;
  box.appendChild(line);
  box.hidden = false;
}

function startClock(offset) {
  const tick = () => {
    const nowUs = Date.now() * 1000;
    $('shell-clock').textContent = formatTime(nowUs, offset);
    $('shell-clock').dateTime = new Date(Date.now()).toISOString();
  };
  tick();
  // On the second boundary, so the seconds turn over when the wall clock's do.
  setTimeout(() => { tick(); setInterval(tick, 1000); }, 1000 - (Date.now() % 1000));
  $('shell-zone').textContent = zoneLabel(offset);
}

function landingPage(role, router) {
  if (router.has('overview')) return 'overview';
  const byRole = { facility_admin: 'people', auditor: 'audit' }[role];
  if (byRole && router.has(byRole)) return byRole;
  return router.ids()[0] || 'overview';
}

async function startModule(shell, name, url) {
  const started = (async () => {
    const module = await import(url);
    if (typeof module.start !== 'function') throw new Error('exports no start(api)');
    await module.start(makePluginApi(shell, name));
  })();
  started.catch((e) => {
    console.error('module ' + name, e);
    showError(i18n.t('shell.module_failed', { name, error: e && e.message ? e.message : e }));
  });
  // One slow module does not hold the others' pages back; it finishes when it finishes.
  await Promise.race([started.catch(() => {}),
                      new Promise((resolve) => setTimeout(resolve, MODULE_START_WAIT_MS))]);
}

async function startShell(me) {
  const siteAnswer = await fetchJson('GET', '/api/site');
  const site = me.site || (siteAnswer.body && siteAnswer.body.site) ||
    { id: '', name: '', utc_offset_minutes: 0 };
  const zones = siteAnswer.status === 200 && Array.isArray(siteAnswer.body.zones)
    ? siteAnswer.body.zones : [];
  if (siteAnswer.status !== 200) showError(errorText(siteAnswer));
  for (const z of zones) setName('zone', z.id, z.name);
  const offset = Number(site.utc_offset_minutes) || 0;

  showView('shell-view');
  document.title = (site.name ? site.name + ' — ' : '') + i18n.t('shell.product');
  $('shell-site-name').textContent = site.name || '';
  $('shell-me-name').textContent = me.name;
  $('shell-me-role').textContent = i18n.t('role.' + me.role);
  for (const b of document.querySelectorAll('.language-switch button')) {
    const on = b.dataset.lang === i18n.lang();
    b.classList.toggle('active', on);
    b.setAttribute('aria-pressed', on ? 'true' : 'false');
  }
  startClock(offset);

  const live = new LiveEvents({ fetchJson, onState: setLiveStatus });
  setLiveStatus('connecting');
  // People's names as events bring them (before any other subscriber sees the event).
  live.subscribe('', (e) => {
    const p = e.payload || {};
    if (p.person && p.person_name) setName('person', p.person, p.person_name);
  });

  const missing = {
    element: $('shell-page-missing'),
    show: (id) => {
      $('shell-page-missing').hidden = false;
      // An operator with no page at all (a role whose domains are not installed) is told so.
      $('shell-page-missing-text').textContent = router.ids().length === 0
        ? i18n.t('shell.no_pages') : i18n.t('shell.page_missing', { page: id });
      $('shell-page-missing-home').hidden = router.ids().length === 0;
    },
  };
  const router = new Router({ nav: $('shell-nav'), container: $('shell-pages'), missing,
                              t: i18n.t });
  const pages = Array.isArray(me.pages) ? me.pages : [];
  const overviewPage = pages.includes('overview')
    ? router.add({ id: 'overview', title: 'page.overview', order: OVERVIEW_ORDER })
    : null;
  const overview = new Overview({
    t: i18n.t,
    has: i18n.has,
    names: { get: getName },
    formatTime: (us, options) => formatTime(us, offset, options || {}),
    navigate: (hash) => router.navigate(hash),
    hasPage: (id) => router.has(id),
    fetchJson,
    live,
  }, overviewPage && overviewPage.element);
  const shell = { me, site, router, live, overview, plan: overview.plan };
  live.start();

  const modules = pages.filter((id) => id !== 'overview' && /^[a-z0-9_-]+$/.test(id))
    .map((id) => ({ name: 'page:' + id, url: '/pages/' + id + '.js' }));
  const plugins = await fetchJson('GET', '/api/ui/plugins');
  if (plugins.status === 200) {
    for (const p of plugins.body.plugins || []) modules.push({ name: p.name, url: p.entry });
  } else {
    showError(errorText(plugins));
  }
  await Promise.all(modules.map((m) => startModule(shell, m.name, m.url)));

  router.start(landingPage(me.role, router));
  if (overviewPage) await overview.start(zones);
  resolveReady({ pages: router.ids() });
}

async function onLanguage(lang) {
  if (lang === i18n.lang()) return;
  const r = await fetchJson('POST', '/api/session/language', { language: lang });
  if (r.status !== 200) {
    showError(errorText(r));
    return;
  }
  i18n.rememberLanguage(lang);
  // Every page and plugin renders again in the new language: the session stays, the page
  // starts over with the operator's new language from /api/me.
  location.reload();
}

async function onLoginLanguage() {
  const lang = $('login-language').value;
  await i18n.loadLanguage(lang);
  i18n.rememberLanguage(i18n.lang());
  i18n.translateTree(document);
  document.title = i18n.t('shell.product');
}

async function boot() {
  setSessionLostHandler(onSessionLost);
  readyAudioOnGesture();
  $('login-form').addEventListener('submit', onLogin);
  $('password-form').addEventListener('submit', onPassword);
  $('password-logout').addEventListener('click', logout);
  $('shell-logout').addEventListener('click', logout);
  $('login-language').addEventListener('change', onLoginLanguage);
  $('shell-error').addEventListener('click', () => {
    $('shell-error').hidden = true;
    $('shell-error').replaceChildren();
  });
  for (const b of document.querySelectorAll('.language-switch button')) {
    b.addEventListener('click', () => onLanguage(b.dataset.lang));
  }

  await i18n.loadLanguage(i18n.initialLanguage());
  i18n.translateTree(document);
  const noticeKey = takeNotice();
  const me = await request('GET', '/api/me');
  document.body.classList.remove('booting');
  if (me.status === 200) {
    await enter(me.body);
  } else {
    showLogin(noticeKey);
  }
}

boot().catch((e) => {
  console.error('console shell', e);
  document.body.classList.remove('booting');
  showView('shell-view');
  showError(String(e && e.message ? e.message : e));
});
