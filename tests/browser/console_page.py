"""Page object for the Sekimori console shell (console/web) in headless Chromium (Debian
chromium + chromedriver + python3-selenium).

    from console_page import ConsolePage, make_driver
    driver = make_driver()
    page = ConsolePage(driver, "https://localhost:8443")
    page.open()
    if page.login("admin", initial_password) == "password":   # first login: a new password
        page.change_password(new_password)
    assert page.nav_pages() == ["overview", "alarms", ...]
    page.open_page("events")
    row = page.wait_for_feed_row(lambda r: r["type"] == "access.granted")
    page.set_language("en")
    page.screenshot("/tmp/overview-en.png")

What the shell is tested through (data-testid, docs/console-ui.md): the views `login-view`,
`password-view`, `shell-view`; nav entries `nav-<page>`; pages `page-<page>`; the page a role
lacks `shell-page-missing`; `window.sekimoriShell.ready` (resolves once every page module and
plugin has started). Every document the driver loads also gets a probe (installed through the
DevTools protocol, so the CSP does not apply to it) that keeps each console.error (the shell's
`console.error('missing message', key)` among them), uncaught errors and the status of every
fetch: `page.probe()`.

Every wait is on a condition with a timeout (2 loaded cores under ASan: generous ones), never a
fixed sleep.
"""
import os
import shutil
import tempfile
import time

from selenium import webdriver
from selenium.common.exceptions import JavascriptException, WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
# The shell's marker for a key the catalogue lacks (i18n.js t()): ⟦key⟧.
MISSING_MARK = "\u27e6"

# Runs before any script of every document: records console.error calls, uncaught errors and
# fetch statuses in window.__sekimoriProbe.
PROBE_SCRIPT = r"""
(() => {
  if (window.__sekimoriProbe) return;
  const probe = { errors: [], missing: [], responses: [], inflight: 0 };
  Object.defineProperty(window, '__sekimoriProbe', { value: probe });
  const text = (v) => {
    if (v instanceof Error) return v.name + ': ' + v.message;
    if (typeof v === 'object') { try { return JSON.stringify(v); } catch (e) { return String(v); } }
    return String(v);
  };
  const original = console.error.bind(console);
  console.error = (...args) => {
    try {
      probe.errors.push(args.map(text).join(' '));
      if (args[0] === 'missing message') probe.missing.push(String(args[1]));
    } catch (e) { /* the probe never breaks the page */ }
    original(...args);
  };
  window.addEventListener('error', (e) => probe.errors.push('uncaught: ' + e.message));
  window.addEventListener('unhandledrejection',
                          (e) => probe.errors.push('unhandled rejection: ' + text(e.reason)));
  const fetchOriginal = window.fetch.bind(window);
  window.fetch = async (input, init) => {
    probe.inflight += 1;
    let response;
    try {
      response = await fetchOriginal(input, init);
    } finally {
      probe.inflight -= 1;
    }
    try {
      probe.responses.push({ url: String(input && input.url ? input.url : input),
                             method: (init && init.method) || 'GET', status: response.status });
    } catch (e) { /* as above */ }
    return response;
  };
})();
"""


def make_driver(window_size="1440,1000"):
    """A headless Chromium with a fresh profile and the probe; driver.quit() also removes the
    profile."""
    profile = tempfile.mkdtemp(prefix="sekimori-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic",
                "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--mute-audio",
                "--autoplay-policy=no-user-gesture-required", "--ignore-certificate-errors",
                "--lang=ja-JP", "--window-size=" + window_size, "--user-data-dir=" + profile):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_script_timeout(60)
    driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": PROBE_SCRIPT})
    quit_driver = driver.quit

    def quit_and_clean():
        try:
            quit_driver()
        finally:
            shutil.rmtree(profile, ignore_errors=True)

    driver.quit = quit_and_clean
    return driver


def test_output_dir(default):
    """Where a test leaves its artefacts (screenshots): $SEKIMORI_TEST_OUTPUT, else `default`
    (ctest passes its binary dir)."""
    path = os.environ.get("SEKIMORI_TEST_OUTPUT") or default
    os.makedirs(path, exist_ok=True)
    return path


class ConsolePage:
    VIEWS = ("login-view", "password-view", "shell-view")

    def __init__(self, driver, base_url, timeout=30):
        self.driver = driver
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout

    # --- small tools -----------------------------------------------------------------------
    def _wait(self, timeout=None):
        return WebDriverWait(self.driver, timeout or self.timeout, poll_frequency=0.05,
                             ignored_exceptions=(JavascriptException,))

    def _by_testid(self, testid):
        return (By.CSS_SELECTOR, '[data-testid="%s"]' % testid)

    def wait_until(self, condition, timeout=None, what="condition"):
        """Polls condition() (no argument) until it returns something truthy; returns it."""
        deadline = time.monotonic() + (timeout or self.timeout)
        last_error = None
        while time.monotonic() < deadline:
            try:
                value = condition()
                if value:
                    return value
            except (JavascriptException, WebDriverException) as e:
                last_error = e
            time.sleep(0.05)
        raise AssertionError("%s not met within %ss%s" % (
            what, timeout or self.timeout, "; last error: %s" % last_error if last_error else ""))

    def wait_for_testid(self, testid, timeout=None):
        """Waits for an element with data-testid to be visible; returns it."""
        return self._wait(timeout).until(
            ec.visibility_of_element_located(self._by_testid(testid)))

    def testid_texts(self, testid):
        return self.driver.execute_script("""
            return Array.from(document.querySelectorAll('[data-testid="' + arguments[0] + '"]'))
              .map((e) => e.textContent);""", testid)

    def visible(self, testid):
        return bool(self.driver.execute_script("""
            const e = document.querySelector('[data-testid="' + arguments[0] + '"]');
            return !!e && !e.hidden && e.offsetParent !== null;""", testid))

    def view(self):
        """Which of login-view, password-view, shell-view shows ('' while booting)."""
        return self.driver.execute_script("""
            for (const id of arguments[0]) {
              const e = document.getElementById(id);
              if (e && !e.hidden) return id;
            }
            return '';""", list(self.VIEWS))

    # --- boot, login, first-login password change ------------------------------------------
    def open(self, hash_path=""):
        """Loads the console (optionally at `#/<page>...`) and waits for a view; a shell view
        is waited on until every module started."""
        # From a blank page, so a URL that differs from the current one only by its hash is a
        # full load too (not a same-document navigation).
        self.driver.get("about:blank")
        self.driver.get(self.base_url + "/" + hash_path)
        view = self.wait_until(self.view, what="a view of the console")
        if view == "shell-view":
            self.wait_ready()
        return view

    def wait_ready(self, timeout=None):
        """Waits for window.sekimoriShell.ready (every page module and plugin started); returns
        the page ids it reports."""
        self.wait_until(lambda: self.driver.execute_script(
            "return !!window.sekimoriShell && !!window.sekimoriShell.ready"), timeout,
            "the shell's ready promise")
        result = self.driver.execute_async_script("""
            const done = arguments[arguments.length - 1];
            window.sekimoriShell.ready.then((r) => done(r), (e) => done({error: String(e)}));""")
        if isinstance(result, dict) and "error" in result:
            raise AssertionError("the shell failed to start: %s" % result["error"])
        return result.get("pages", []) if isinstance(result, dict) else []

    def login(self, name, password, language=None):
        """Logs in through the form; returns 'shell' (the shell started) or 'password' (a
        first-login password change is asked for). Raises with the form's error text."""
        self.wait_for_testid("login-name")
        if language:
            self.driver.execute_script("""
                const s = document.querySelector('[data-testid="login-language"]');
                s.value = arguments[0]; s.dispatchEvent(new Event('change'));""", language)
            self.wait_until(lambda: self.lang() == language, what="login page in " + language)
        for testid, value in (("login-name", name), ("login-password", password)):
            box = self.driver.find_element(*self._by_testid(testid))
            box.clear()
            box.send_keys(value)
        self.driver.find_element(*self._by_testid("login-submit")).click()

        def settled():
            view = self.view()
            if view in ("shell-view", "password-view"):
                return view
            error = self.driver.find_element(*self._by_testid("login-error")).text
            return ("error", error) if error else None

        result = self.wait_until(settled, what="login of " + name)
        if result == "password-view":
            return "password"
        if result != "shell-view":
            raise AssertionError("login failed: %s" % result[1])
        self.wait_ready()
        return "shell"

    def change_password(self, new_password, old_password=None):
        """On the password view: sets a new password (the old one is the one just typed at the
        login unless given) and waits for the shell."""
        self.wait_for_testid("password-new")
        if old_password is not None:
            box = self.driver.find_element(*self._by_testid("password-old"))
            box.clear()
            box.send_keys(old_password)
        for testid in ("password-new", "password-confirm"):
            box = self.driver.find_element(*self._by_testid(testid))
            box.clear()
            box.send_keys(new_password)
        self.driver.find_element(*self._by_testid("password-submit")).click()

        def settled():
            if self.view() == "shell-view":
                return "shell"
            error = self.driver.find_element(*self._by_testid("password-error")).text
            return ("error", error) if error else None

        result = self.wait_until(settled, what="the password change")
        if result != "shell":
            raise AssertionError("password change failed: %s" % result[1])
        self.wait_ready()

    def logout(self):
        self.driver.find_element(*self._by_testid("shell-logout")).click()
        self.wait_until(lambda: self.view() == "login-view", what="the login view after logout")

    def ensure_logged_out(self):
        """From whatever state: the login view, no session."""
        view = self.open()
        if view == "shell-view":
            self.logout()
        elif view == "password-view":
            self.driver.find_element(*self._by_testid("password-logout")).click()
            self.wait_until(lambda: self.view() == "login-view", what="the login view")

    def me(self):
        """(name, role text) shown in the header."""
        return (self.driver.find_element(*self._by_testid("shell-me-name")).text,
                self.driver.find_element(*self._by_testid("shell-me-role")).text)

    # --- navigation ------------------------------------------------------------------------
    def nav_pages(self):
        """Page ids of the nav entries, in their order."""
        return self.driver.execute_script("""
            return Array.from(document.querySelectorAll('#shell-nav [data-testid^="nav-"]'))
              .map((a) => a.getAttribute('data-testid').slice(4));""")

    def nav_texts(self):
        return self.driver.execute_script("""
            return Array.from(document.querySelectorAll('#shell-nav [data-testid^="nav-"]'))
              .map((a) => a.textContent);""")

    def shown_page(self):
        """Id of the page on screen; 'missing' for the page a role lacks; '' for none."""
        return self.driver.execute_script("""
            const missing = document.querySelector('[data-testid="shell-page-missing"]');
            if (missing && !missing.hidden) return 'missing';
            for (const s of document.querySelectorAll('#shell-pages > section[data-page]')) {
              if (!s.hidden) return s.dataset.page;
            }
            return '';""")

    def open_page(self, page_id, timeout=None):
        """Clicks the page's nav entry and waits until it is the page on screen."""
        self.driver.find_element(*self._by_testid("nav-" + page_id)).click()
        self.wait_until(lambda: self.shown_page() == page_id, timeout, "page " + page_id)
        return self.driver.find_element(*self._by_testid("page-" + page_id))

    def go(self, hash_path):
        """An in-app navigation to `#/<page>[?query]` (a hash change, no reload)."""
        self.driver.execute_script("location.hash = arguments[0];", hash_path)
        self.wait_until(lambda: self.driver.execute_script("return location.hash") == hash_path
                        or self.shown_page(), what="navigation to " + hash_path)

    def settle(self, page_id=None, timeout=None):
        """Waits until no fetch is in flight (the page's data is in) and, for `page_id`, that
        page shows with some text; then for two animation frames (it is drawn)."""
        def settled():
            if page_id and self.shown_page() != page_id:
                return False
            if page_id and not self.page_text(page_id).strip():
                return False
            return self.driver.execute_script(
                "return !!window.__sekimoriProbe && window.__sekimoriProbe.inflight === 0;")
        self.wait_until(settled, timeout, "page %s settled" % (page_id or "(any)"))
        self.driver.execute_async_script("""
            const done = arguments[arguments.length - 1];
            requestAnimationFrame(() => requestAnimationFrame(() => done(true)));""")

    def visit(self, page_id, timeout=None):
        """Opens a page from the nav and waits until it settled; returns its visible text."""
        self.open_page(page_id, timeout)
        self.settle(page_id, timeout)
        return self.page_text(page_id)

    def missing_page_text(self):
        """The "not available for your role" text ('' when that page is not shown)."""
        if self.shown_page() != "missing":
            return ""
        return self.driver.find_element(*self._by_testid("shell-page-missing")).text

    def page_text(self, page_id):
        """Visible text of a page (innerText: what is rendered)."""
        return self.driver.execute_script("""
            const s = document.querySelector('[data-testid="page-' + arguments[0] + '"]');
            return s ? s.innerText : '';""", page_id)

    def visible_text(self):
        return self.driver.execute_script("return document.body.innerText;")

    def shell_errors(self):
        """Lines of the shell's error banner when it shows ([] otherwise)."""
        return self.driver.execute_script("""
            const b = document.querySelector('[data-testid="shell-error"]');
            if (!b || b.hidden) return [];
            return Array.from(b.childNodes).map((n) => n.textContent).filter((t) => t);""")

    # --- language ----------------------------------------------------------------------------
    def lang(self):
        return self.driver.execute_script("return document.documentElement.lang;")

    def set_language(self, lang):
        """Switches the operator's language with the header's buttons (the shell stores it and
        reloads) and waits for the shell to come back in it."""
        if self.lang() == lang:
            return
        self.driver.execute_script("window.__sekimoriBeforeSwitch = true;")
        self.driver.find_element(*self._by_testid("shell-language-" + lang)).click()
        self.wait_until(lambda: self.driver.execute_script(
            "return !window.__sekimoriBeforeSwitch && document.documentElement.lang === "
            "arguments[0] && !!window.sekimoriShell;", lang), what="the shell in " + lang)
        self.wait_until(lambda: self.view() == "shell-view", what="the shell view")
        self.wait_ready()

    # --- live feed ---------------------------------------------------------------------------
    def live_state(self):
        return self.driver.execute_script("""
            const e = document.querySelector('[data-testid="shell-live-status"]');
            return e ? e.dataset.state : '';""")

    def wait_until_live(self, timeout=None):
        self.wait_until(lambda: self.live_state() == "live", timeout, "the live stream")

    def feed_rows(self):
        """Rows of the overview's event feed, newest first, as dicts (one script call, so a
        feed being re-rendered never yields a stale element)."""
        return self.driver.execute_script("""
            return Array.from(document.querySelectorAll('[data-testid="overview-event-row"]'))
              .map((tr) => {
                const c = (name) => { const td = tr.querySelector('.cell-' + name);
                                      return td ? td.textContent : ''; };
                const tone = Array.from(tr.classList).find((k) => k.startsWith('tone-')) || '';
                return {seq: Number(tr.dataset.seq), type: tr.dataset.type,
                        tone: tone.slice(5), time: c('time'), event: c('event'),
                        where: c('where'), who: c('who'), result: c('result'),
                        detail: c('detail')};
              });""")

    def wait_for_feed_row(self, predicate, timeout=None):
        """Waits until a feed row satisfies predicate(row); returns that row."""
        found = []

        def match():
            for row in self.feed_rows():
                if predicate(row):
                    found.append(row)
                    return True
            return False

        try:
            self.wait_until(match, timeout, "a matching feed row")
        except AssertionError:
            raise AssertionError("no matching feed row within %ss; rows: %r"
                                 % (timeout or self.timeout, self.feed_rows()[:10]))
        return found[0]

    def events_page_rows(self):
        """Rows of the events page (console/web/pages/events.js), newest first, as dicts."""
        return self.driver.execute_script("""
            return Array.from(document.querySelectorAll('[data-testid="events-row"]'))
              .map((tr) => {
                const c = (name) => {
                  const td = tr.querySelector('[data-testid="events-cell-' + name + '"]');
                  return td ? td.textContent : ''; };
                return {seq: Number(tr.dataset.seq), type: tr.dataset.type, time: c('time'),
                        event: c('type'), door: c('door'), zone: c('zone'),
                        person: c('person'), result: c('result'), reason: c('reason'),
                        card: c('card')};
              });""")

    def start_stream_sample(self):
        """Opens a WebSocket /ws/events of its own with the page's session, collecting event
        messages in the page; returns once the server's hello came (events after it count)."""
        self.driver.execute_script("""
            const sample = {hello: false, seen: []};
            window.__sekimoriStreamSample = sample;
            const ws = new WebSocket('wss://' + location.host + '/ws/events');
            ws.onmessage = (m) => {
              const data = JSON.parse(m.data);
              if (data.control === 'hello') { sample.hello = true; return; }
              if (data.control) return;
              sample.seen.push({seq: data.seq, type: data.type, subject: data.subject});
            };""")
        self.wait_until(lambda: self.driver.execute_script(
            "return window.__sekimoriStreamSample.hello;"), what="the stream's hello")

    def stream_sample(self):
        """The events the sample's stream brought so far: [{seq, type, subject}]."""
        return self.driver.execute_script("return window.__sekimoriStreamSample.seen;")

    def rows(self, testid):
        """Cell texts of every element with data-testid (table rows), in one script call."""
        return self.driver.execute_script("""
            return Array.from(document.querySelectorAll('[data-testid="' + arguments[0] + '"]'))
              .map((tr) => tr.cells ? Array.from(tr.cells).map((td) => td.textContent)
                                    : [tr.textContent]);""", testid)

    # --- what the probe saw -----------------------------------------------------------------
    def probe(self):
        """{errors, missing, responses} of the current document (see PROBE_SCRIPT)."""
        return self.driver.execute_script(
            "return window.__sekimoriProbe || {errors: [], missing: [], responses: [], "
            "inflight: 0};")

    def missing_messages(self):
        """Keys the shell logged as 'missing message' in this document."""
        return sorted(set(self.probe()["missing"]))

    def screenshot(self, path, full_page=True):
        """Saves a PNG of the page (the whole document height when full_page); returns path."""
        size = self.driver.get_window_size()
        if full_page:
            height = self.driver.execute_script(
                "return Math.max(document.body.scrollHeight, document.documentElement.scrollHeight);")
            self.driver.set_window_size(size["width"], min(max(int(height) + 120,
                                                                size["height"]), 4000))
        try:
            self.driver.save_screenshot(path)
        finally:
            if full_page:
                self.driver.set_window_size(size["width"], size["height"])
        return path


def fetch_json(base_url, path):
    """GET base_url + path without a session (the console's self-signed certificate is not
    checked); returns (status, body)."""
    import json
    import ssl
    import urllib.error
    import urllib.request
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    try:
        with urllib.request.urlopen(base_url.rstrip("/") + path, context=context,
                                    timeout=60) as r:
            return r.status, json.loads(r.read().decode("utf-8"))
    except urllib.error.HTTPError as e:
        try:
            return e.code, json.loads(e.read().decode("utf-8"))
        except ValueError:
            return e.code, {}


def fetch_messages(base_url, lang):
    """The merged catalogue GET /api/ui/messages?lang= answers (public): {key: text}."""
    status, body = fetch_json(base_url, "/api/ui/messages?lang=" + lang)
    if status != 200:
        raise AssertionError("GET /api/ui/messages?lang=%s answered %s %r" % (lang, status, body))
    if body.get("lang") != lang or not isinstance(body.get("messages"), dict):
        raise AssertionError("GET /api/ui/messages?lang=%s: not {lang, messages}: %r"
                             % (lang, list(body)))
    return body["messages"]


def template_regex(text):
    """A regex matching a catalogue text with its {placeholders} filled by anything."""
    import re
    parts = re.split(r"\{[A-Za-z0-9_]+\}", text)
    return re.compile("^" + ".+?".join(re.escape(p) for p in parts) + "$", re.S)
