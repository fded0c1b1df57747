"""The shell page modules of console/web/pages (events, audit, operators) in headless Chromium,
each around a stand-in of plugin API v2 (page_harness/harness.js) whose routes the test
installs, so a page is checked without the daemon: what it asks the server (filters, times in
the site's zone as µs), what it shows (names, labels, reasons, card numbers, the chain in
words, the approval a change waits for), paging, the live feed's pause/resume, the role-shaped
buttons, and no untranslated text in English or Japanese.

    /usr/bin/python3 tests/browser/test_page_modules.py [--source-dir .]
"""
import argparse
import functools
import http.server
import os
import shutil
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from console_page import make_driver  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import Select  # noqa: E402

# Keys other modules own (the doors module's types and reasons), beside the shell's catalogue
# (console/web/messages.json, where the page modules' keys live).
OTHER_MESSAGES = """
window.otherMessages = {
  'page.events': {en: 'Events', ja: 'イベント'}, 'page.audit': {en: 'Audit', ja: '監査'},
  'page.operators': {en: 'Operators', ja: 'オペレーター'},
  'event.access.denied': {en: 'Access denied', ja: '入室拒否'},
  'event.access.granted': {en: 'Access granted', ja: '入室許可'},
  'event.door.forced': {en: 'Door forced', ja: '扉のこじ開け'},
  'reason.unknown_card': {en: 'Unknown card', ja: '未登録カード'},
  'reason.wrong_pin': {en: 'Wrong PIN', ja: '暗証番号誤り'},
  'role.operator': {en: 'Desk operator', ja: '監視オペレーター'},
  'role.facility_admin': {en: 'Facility admin', ja: '施設管理者'},
  'role.security_admin': {en: 'Security admin', ja: 'セキュリティ管理者'},
  'role.auditor': {en: 'Auditor', ja: '監査担当'},
  'role.bcp_coordinator': {en: 'BCP coordinator', ja: 'BCP 担当'},
};
"""

EVENTS_ROUTES = """
const base = 1796083200000000;  // 2026-12-01T00:00:00Z = 09:00 in Tokyo
window.mk = (seq, type, payload) => ({seq, type, time_us: base + seq * 1e6,
  source: 'door:main-entrance', subject: payload.person || '', payload});
window.routes['GET /api/events'] = (path) => {
  const q = new URLSearchParams(path.split('?')[1]);
  const before = Number(q.get('before_seq') || 1000);
  const events = [];
  for (let s = before - 1; s >= Math.max(1, before - 100); s--) {
    events.push(s % 2
      ? mk(s, 'access.denied', {door: 'main-entrance', person: '', reason: 'unknown_card',
                                card: 'DEADBEEF' + s, decision: 'denied', detail: 'no such card'})
      : mk(s, 'access.granted', {door: 'main-entrance', person: 'sato',
                                 person_name: 'Sato Hiroshi', decision: 'granted',
                                 reason: 'granted'}));
  }
  return {status: 200, body: {events, next_before_seq: before - 100 > 1 ? before - 100 : null}};
};
window.routes['GET /api/site'] = () => ({status: 200, body: {site: {},
  zones: [{id: 'lobby', name: '1F lobby'}, {id: 'server-room', name: 'Server room'}]}});
window.routes['GET /api/doors'] = () => ({status: 200, body: {doors: [
  {id: 'main-entrance', name: 'Main entrance', kind: 'door'}]}});
window.routes['GET /api/people'] = () => ({status: 403, body: {error: 'forbidden',
  code: 'forbidden'}});
"""

AUDIT_ROUTES = """
const now = Date.now() * 1000;
window.routes['GET /api/audit/status'] = () => ({status: 200, body: {size: 1234,
  head_hash: 'ab'.repeat(32), head_time_us: now - 5e6,
  checkpoint: {tree_size: 1200, time_us: now - 125e6, head_hash: 'cd'.repeat(32)},
  witnesses: [{id: 'w1', cosigned_size: 1200, cosigned_time_us: now - 120e6, state: 'current'},
              {id: 'w2', cosigned_size: 0, cosigned_time_us: 0, state: 'silent'}],
  last_verify: {time_us: now - 3600e6, actor: 'auditor1', ok: true, size: 1000, problems: []}}});
window.routes['POST /api/audit/verify'] = () => ({status: 200, body: {ok: false, size: 1234,
  problems: ['seq 17: hash mismatch', 'checkpoint 1200: bad signature'], time_us: now}});
window.routes['GET /api/audit/checkpoints'] = () => ({status: 200, body: {checkpoints: [
  {tree_size: 1200, time_us: now - 125e6, head_hash: 'cd'.repeat(32),
   signature: 'ef'.repeat(64)}]}});
"""

OPERATORS_ROUTES = """
window.ops = [
  {name: 'admin', role: 'security_admin', person: '', disabled: false,
   must_change_password: false, created_us: 1796083200000000},
  {name: 'desk', role: 'operator', person: '', disabled: false, must_change_password: true,
   created_us: 1796083300000000}];
window.routes['GET /api/operators'] = () => ({status: 200, body: {operators: window.ops}});
window.routes['POST /api/operators'] = (p, b) => b.name === 'dup'
  ? {status: 409, body: {error: "operator 'dup' already exists",
                         code: 'console.operator_exists'}}
  : {status: 202, body: {approval: {id: 'a7', summary: 'add operator ' + b.name}}};
window.routes['PUT /api/operators/desk/role'] = (p, b) => ({status: 202,
  body: {approval: {id: 'a8', summary: 'change the role of desk to ' + b.role}}});
window.routes['POST /api/operators/desk/disable'] = () => {
  window.ops[1].disabled = true;
  return {status: 200, body: {name: 'desk', disabled: true}};
};
window.confirm = () => true;
"""


class Harness:
    def __init__(self, source_dir):
        self.root = tempfile.mkdtemp(prefix="sekimori-pages-")
        for name in ("index.html", "harness.js"):
            shutil.copy(os.path.join(HERE, "page_harness", name), self.root)
        for name in ("pages", "messages.json", "event_text.js"):
            os.symlink(os.path.join(source_dir, "console", "web", name),
                       os.path.join(self.root, name))
        handler = functools.partial(QuietHandler, directory=self.root)
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = "http://127.0.0.1:%d" % self.server.server_address[1]
        self.driver = make_driver()

    def close(self):
        self.driver.quit()
        self.server.shutdown()
        shutil.rmtree(self.root, ignore_errors=True)

    def by(self, testid):
        return self.driver.find_elements(By.CSS_SELECTOR, '[data-testid="%s"]' % testid)

    def one(self, testid):
        found = self.by(testid)
        assert found, "no element " + testid
        return found[0]

    def js(self, script):
        return self.driver.execute_script(script)

    def open(self, page, routes, role="security_admin", lang="en", fragment=""):
        self.driver.get("%s/index.html?page=%s&role=%s&lang=%s%s"
                        % (self.url, page, role, lang, fragment))
        wait(lambda: self.js("return window.ready === true"))
        self.js(OTHER_MESSAGES + routes)
        self.js("window.startPage()")
        wait(lambda: self.js("return window.started === true"))

    def untranslated(self):
        """Keys the page asked for that the catalogues lack, and ⟦key⟧ left on screen."""
        missing = set(self.js("return window.missing"))
        body = self.driver.find_element(By.TAG_NAME, "body").text
        return missing, "\u27e6" in body

    def queries(self, prefix):
        return [p for _, p, _ in self.js("return window.fetchLog") if p.startswith(prefix)]


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def wait(predicate, timeout=10.0):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            if predicate():
                return
        except Exception as e:  # an element not there yet
            last = e
        time.sleep(0.05)
    raise AssertionError("condition not met in %.0f s (%s)" % (timeout, last))


def test_events_live_feed(h):
    h.open("events", EVENTS_ROUTES, role="operator")
    wait(lambda: len(h.by("events-row")) == 100)
    top = h.by("events-row")[0]
    assert top.get_attribute("data-seq") == "999"
    # Names, labels, reasons and the unknown card's number.
    assert "Main entrance" in top.text and "Unknown card" in top.text, top.text
    assert "DEADBEEF999" in top.text and "Access denied" in top.text, top.text
    assert "2026-12-01 09:16:39" in top.text, top.text  # site time (UTC+9)
    second = h.by("events-row")[1]
    assert "Sato Hiroshi" in second.text and "DEADBEEF" not in second.text, second.text
    assert h.one("events-mode").text.startswith("Live feed")
    h.js("pushEvent(mk(1000, 'access.granted', {door: 'main-entrance', person: 'ito', "
         "person_name: 'Ito Mai', decision: 'granted'}))")
    wait(lambda: h.by("events-row")[0].get_attribute("data-seq") == "1000")
    # Paused: a new event waits, counted; resumed: it goes on top.
    h.one("events-pause").click()
    h.js("pushEvent(mk(1001, 'door.forced', {door: 'main-entrance'}))")
    wait(lambda: "1 new" in h.one("events-mode").text)
    assert h.by("events-row")[0].get_attribute("data-seq") == "1000"
    h.one("events-pause").click()
    wait(lambda: h.by("events-row")[0].get_attribute("data-seq") == "1001")
    assert "Door forced" in h.by("events-row")[0].text
    # Sources and other families' reasons in words, not as codes.
    h.js("pushEvent(Object.assign(mk(1002, 'alarm.raised', {}), {source: 'alarm:12'}));"
         "pushEvent(Object.assign(mk(1003, 'operator.login_failed', {reason: 'bad_password'}),"
         " {source: 'console', subject: 'desk'}))")
    wait(lambda: h.by("events-row")[0].get_attribute("data-seq") == "1003")
    rows = h.by("events-row")
    assert "Wrong password" in rows[0].text and "Console" in rows[0].text, rows[0].text
    assert "bad_password" not in rows[0].text, rows[0].text
    assert "Alarm #12" in rows[1].text and "alarm:12" not in rows[1].text, rows[1].text
    # Older: the next page, from next_before_seq.
    h.one("events-older").click()
    wait(lambda: len(h.by("events-row")) == 204)
    assert any("before_seq=900" in q for q in h.queries("/api/events?"))
    assert h.one("events-export").is_displayed()


def test_events_search(h):
    h.open("events", EVENTS_ROUTES, role="auditor")
    wait(lambda: len(h.by("events-row")) == 100)
    h.js("document.querySelector('[data-testid=events-from]').value = '2026-12-01T09:00'")
    h.js("document.querySelector('[data-testid=events-to]').value = '2026-12-01T10:30'")
    h.one("events-door").send_keys("main-entrance")
    Select(h.one("events-result")).select_by_value("denied")
    Select(h.one("events-reason")).select_by_value("unknown_card")
    h.one("events-search").click()
    wait(lambda: any("result=denied" in q for q in h.queries("/api/events?")))
    q = [q for q in h.queries("/api/events?") if "result=denied" in q][-1]
    # 09:00 in Tokyo is 00:00Z; a "to" of 10:30 covers its whole minute.
    assert "from_us=1796083200000000" in q, q
    assert "to_us=%d" % (1796088600000000 + 60000000 - 1) in q, q
    assert "door=main-entrance" in q and "reason=unknown_card" in q, q
    href = h.one("events-export").get_attribute("href")
    assert "/api/events.csv?" in href and "result=denied" in href and "limit" not in href, href
    assert h.one("events-mode").text.startswith("Search results")
    assert not h.one("events-pause").is_displayed()
    assert "result=denied" in h.js("return location.hash")
    # While a filter is set the live feed leaves the results alone.
    h.js("pushEvent(mk(5000, 'access.granted', {door: 'main-entrance'}))")
    time.sleep(0.2)
    assert h.by("events-row")[0].get_attribute("data-seq") != "5000"
    h.one("events-clear").click()
    wait(lambda: h.one("events-mode").text.startswith("Live feed"))


def test_events_filters_from_the_url(h):
    h.open("events", EVENTS_ROUTES, role="bcp_coordinator",
           fragment="#/events?type=door.opened&zone=lobby")
    wait(lambda: len(h.by("events-row")) > 0)
    q = h.queries("/api/events?")[-1]
    assert "type=door.opened" in q and "zone=lobby" in q, q
    assert Select(h.one("events-type")).first_selected_option.get_attribute("value") == \
        "door.opened"
    assert not h.one("events-export").is_displayed()  # bcp_coordinator may not export


def test_audit(h, lang):
    h.open("audit", AUDIT_ROUTES, role="auditor", lang=lang)
    wait(lambda: h.one("audit-chain").text)
    chain, cp = h.one("audit-chain").text, h.one("audit-checkpoint").text
    assert "1234" in chain and "1200" in cp and "34" in cp, (chain, cp)
    states = {r.get_attribute("data-witness"): r.get_attribute("data-state")
              for r in h.by("audit-witness-row")}
    assert states == {"w1": "current", "w2": "silent"}, states
    assert "auditor1" in h.one("audit-last-verify").text
    assert not h.one("audit-details-body").is_displayed()  # hashes only behind details
    h.one("audit-verify").click()
    wait(lambda: h.by("audit-verify-summary"))
    assert h.one("audit-verify-result").get_attribute("data-ok") == "false"
    assert len(h.by("audit-problem")) >= 2
    assert ("POST", "/api/audit/verify") in [(m, p) for m, p, _ in h.js("return window.fetchLog")]
    h.one("audit-details-toggle").click()
    wait(lambda: h.by("audit-checkpoint-row"))
    assert h.one("audit-head-hash").text == "ab" * 32


def test_audit_verify_button_by_role(h):
    h.open("audit", AUDIT_ROUTES, role="security_admin")
    wait(lambda: h.one("audit-chain").text)
    assert h.one("audit-verify").is_displayed()


def test_operators(h, lang):
    h.open("operators", OPERATORS_ROUTES, lang=lang)
    wait(lambda: len(h.by("operators-row")) == 2)
    h.one("operators-add-name").send_keys("night-desk")
    h.one("operators-add-submit").click()
    wait(lambda: "#a7" in h.one("operators-message").text)
    assert h.one("operators-approval-link").get_attribute("href").endswith("#/approvals?id=a7")
    h.one("operators-add-name").send_keys("dup")
    h.one("operators-add-submit").click()
    wait(lambda: "ERR:operator 'dup' already exists" in h.one("operators-message").text)

    def desk():
        return [r for r in h.by("operators-row") if r.get_attribute("data-name") == "desk"][0]
    Select(desk().find_element(By.CSS_SELECTOR, '[data-testid="operators-role"]')) \
        .select_by_value("auditor")
    desk().find_element(By.CSS_SELECTOR, '[data-testid="operators-change-role"]').click()
    wait(lambda: "#a8" in h.one("operators-message").text)
    desk().find_element(By.CSS_SELECTOR, '[data-testid="operators-disable"]').click()
    wait(lambda: desk().get_attribute("class") == "pg-disabled")
    admin = [r for r in h.by("operators-row") if r.get_attribute("data-name") == "admin"][0]
    # The signed-in admin cannot disable themselves (the server refuses it too).
    assert not admin.find_element(By.CSS_SELECTOR,
                                  '[data-testid="operators-disable"]').is_enabled()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--source-dir", default=os.path.dirname(os.path.dirname(HERE)))
    args = parser.parse_args()
    h = Harness(os.path.abspath(args.source_dir))
    failures = 0
    tests = [("events live feed", test_events_live_feed, ()),
             ("events search", test_events_search, ()),
             ("events filters from the url", test_events_filters_from_the_url, ()),
             ("audit en", test_audit, ("en",)), ("audit ja", test_audit, ("ja",)),
             ("audit verify by role", test_audit_verify_button_by_role, ()),
             ("operators en", test_operators, ("en",)),
             ("operators ja", test_operators, ("ja",))]
    try:
        for name, test, extra in tests:
            try:
                test(h, *extra)
                missing, brackets = h.untranslated()
                assert not missing and not brackets, "untranslated: %s" % sorted(missing)
                print("PASS", name, flush=True)
            except Exception as e:  # report every test, then fail
                failures += 1
                print("FAIL", name, repr(e), flush=True)
    finally:
        h.close()
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
