#!/usr/bin/python3
"""End to end in headless Chromium: the security desk's alarm workflow on the real daemon, broker
and a simulated panel (tests/integration/site_under_test.py), through the alarms plugin
(alarms/web) in the console shell.

A desk operator (role operator) is logged in on the overview. The building entrance's panel
reports its door opened without a grant (door.forced); the alarm must appear in the overview's
alarm queue within 1 s of the door.forced event's commit, measured from the event's time_us to
the moment a MutationObserver in the page sees the queue row inserted. The operator opens it
from the queue, acknowledges it and resolves it with a comment through the page (a resolve
without a comment is refused on the page); the trail holds alarm.raised (naming the door.forced
event), alarm.acknowledged and alarm.resolved, the last two with the operator as actor and the
comment. A bcp_coordinator then sees the alarm on the alarms page, read only: no step offered,
and a forced POST refused by the server. A security admin shelves the next forced-door alarm
for a few minutes (it leaves the queue, counted as shelved) and unshelves it (it is back).

Every wait is on a condition, never a fixed sleep (CI: two cores, ASan build).

  SEKIMORI_BINARY_DIR=build /usr/bin/python3 tests/browser/test_alarm_desk.py
"""
import json
import os
import sqlite3
import sys
import time
import unittest

from selenium.webdriver.common.by import By

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
from console_page import ConsolePage, make_driver  # noqa: E402
from site_under_test import OPERATORS, SiteUnderTest  # noqa: E402

DESK = "desk"
BCP = "bcp"
SECURITY = OPERATORS["security2"]
PANEL = "p-entrance"
DOOR = "building-entrance"
# What the desk operator writes when closing the alarm (both scripts: the trail keeps UTF-8).
RESOLUTION = "Checked on camera and on site: contractor without badge. 入館証なしの業者、確認済み"
ALARM_TO_DOM_LIMIT_US = 1_000_000  # issue 13, "What must hold" 1
WAIT_S = 20.0                      # ASan on two loaded cores: generous, and only for conditions


def by_testid(testid):
    return (By.CSS_SELECTOR, '[data-testid="%s"]' % testid)


# Records, per alarm id, when its queue row first entered the document (Date.now(), ms) and what
# the row said then. Installed in the page before the door is forced.
INSTALL_ROW_OBSERVER = """
window.alarmRowsSeen = {};
const seen = window.alarmRowsSeen;
const pick = (node) => node.matches('[data-testid="alarms-queue-row"]') ? [node]
  : Array.from(node.querySelectorAll('[data-testid="alarms-queue-row"]'));
new MutationObserver((records) => {
  const ms = Date.now();
  for (const record of records) {
    for (const node of record.addedNodes) {
      if (node.nodeType !== Node.ELEMENT_NODE) continue;
      for (const row of pick(node)) {
        if (row.dataset.id in seen) continue;
        seen[row.dataset.id] = {ms, type: row.dataset.type, source: row.dataset.source,
                                state: row.dataset.state, priority: row.dataset.priority,
                                flashed: row.classList.contains('highlight')};
      }
    }
  }
}).observe(document.documentElement, {childList: true, subtree: true});
return true;
"""


class AlarmDeskInTheBrowser(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.site = SiteUnderTest()
        cls.driver = None
        # SiteUnderTest links every domain's web/ where the daemon serves it.
        try:
            cls.site.start()
            cls.passwords = {DESK: cls.site.add_operator(DESK, "operator"),
                             BCP: cls.site.add_operator(BCP, "bcp_coordinator")}
            cls.passwords[SECURITY] = cls.site.operators.password(SECURITY)
            cls.panel = cls.site.panel(PANEL, DOOR)
            cls.driver = make_driver()
            cls.page = ConsolePage(cls.driver, f"https://localhost:{cls.site.console_port}",
                                   timeout=WAIT_S)
        except BaseException:
            cls.tearDownClass()
            raise

    @classmethod
    def tearDownClass(cls):
        if cls.driver:
            cls.driver.quit()
        cls.site.close()

    # --- the page ---------------------------------------------------------------------------
    def js(self, script, *args):
        return self.driver.execute_script(script, *args)

    def wait_js(self, script, *args, timeout=WAIT_S, what=None):
        """Polls `script` (a function body returning a value) until it is truthy; returns it."""
        deadline = time.monotonic() + timeout
        while True:
            value = self.js(script, *args)
            if value:
                return value
            if time.monotonic() > deadline:
                raise AssertionError("timed out waiting for " + (what or script))
            time.sleep(0.02)

    def login(self, name):
        """Logs `name` in (after logging out whoever was); returns the nav's page ids once the
        shell started and its live stream is up."""
        self.page.ensure_logged_out()
        self.assertEqual(self.page.login(name, self.passwords[name]), "shell")
        self.page.wait_until_live(WAIT_S)
        return self.page.nav_pages()

    def assert_no_missing_alarm_messages(self):
        """Nothing of the alarms plugin was shown as ⟦key⟧ or failed in this document."""
        mine = ("alarm", "event.alarm.", "error.alarms.", "page.alarms")
        self.assertEqual([k for k in self.page.missing_messages() if k.startswith(mine)], [])
        errors = [e for e in self.page.probe()["errors"] if "alarms" in e]
        self.assertEqual(errors, [])

    def queue_ready(self):
        self.wait_js("""
            const b = document.querySelector('[data-testid="overview-panel-alarm-queue-body"]');
            return !!b && b.dataset.state === 'ready';""", what="the alarm queue's first load")

    def queue_rows(self):
        return self.js("""
            return Array.from(document.querySelectorAll('[data-testid="alarms-queue-row"]'))
              .map((r) => ({id: Number(r.dataset.id), state: r.dataset.state,
                            priority: Number(r.dataset.priority), type: r.dataset.type,
                            source: r.dataset.source, dim: r.classList.contains('alarm-dim'),
                            text: r.textContent}));""")

    def detail(self):
        return self.js("""
            const d = document.querySelector('[data-testid="alarms-detail"]');
            if (!d || d.hidden) return null;
            const rows = (id) => Array.from(d.querySelectorAll('[data-testid="' + id + '"]'));
            return {id: Number(d.dataset.id), state: d.dataset.state, load: d.dataset.load,
                    busy: d.dataset.busy === 'true',
                    events: rows('alarms-event-row').map((r) => Number(r.dataset.seq)),
                    history: rows('alarms-history-row').map((r) => ({
                      type: r.dataset.type, seq: Number(r.dataset.seq),
                      by: r.querySelector('[data-testid="alarms-history-by"]').textContent,
                      time: r.cells[0].textContent})),
                    comments: rows('alarms-comment-text').map((r) => r.textContent),
                    buttons: Object.fromEntries(
                      ['acknowledge', 'comment', 'resolve', 'shelve', 'unshelve'].map((s) => {
                        const b = d.querySelector('[data-testid="alarms-' + s + '"]');
                        return [s, !!b && b.offsetParent !== null && !b.disabled]; })),
                    actionsShown: d.querySelector('[data-testid="alarms-actions"]')
                      .offsetParent !== null};""")

    def wait_detail(self, predicate, what):
        deadline = time.monotonic() + WAIT_S
        while True:
            d = self.detail()
            # Settled: loaded, and no step still being sent (its buttons are disabled meanwhile,
            # while the live feed may already show the new state).
            if d and d["load"] == "ready" and not d["busy"] and predicate(d):
                return d
            if time.monotonic() > deadline:
                raise AssertionError(f"the alarm detail never showed {what}: {d!r}")
            time.sleep(0.02)

    def message(self):
        return self.js("""
            const m = document.querySelector('[data-testid="alarms-message"]');
            return {text: m.textContent, kind: m.dataset.kind || '', shown: !m.hidden};""")

    def click(self, testid):
        self.driver.find_element(*by_testid(testid)).click()

    # --- the trail --------------------------------------------------------------------------
    def trail(self, sql, *args):
        db = sqlite3.connect(f"file:{self.site.database}?mode=ro", uri=True)
        try:
            return db.execute(sql, args).fetchall()
        finally:
            db.close()

    def newest_seq(self):
        return self.trail("SELECT COALESCE(MAX(seq), 0) FROM audit_events")[0][0]

    def wait_trail(self, sql, *args, what):
        deadline = time.monotonic() + WAIT_S
        while True:
            rows = self.trail(sql, *args)
            if rows:
                return rows[0]
            if time.monotonic() > deadline:
                raise AssertionError("not in the trail: " + what)
            time.sleep(0.02)

    def alarm_steps(self, alarm_id):
        """(type, payload) of every alarm.* event of the alarm, in seq order."""
        steps = []
        for _seq, type_, _source, _subject, payload in self.site.events("alarm."):
            p = json.loads(payload)
            if p.get("alarm", {}).get("id") == alarm_id:
                steps.append((type_, p))
        return steps

    # --- the scenario -----------------------------------------------------------------------
    def test_01_forced_door_reaches_the_queue_and_is_acknowledged_and_resolved(self):
        pages = self.login(DESK)
        self.assertIn("alarms", pages)
        self.assertTrue(self.js("return location.hash").startswith("#/overview"),
                        "the desk operator's landing page is the overview")
        self.queue_ready()
        self.assertEqual(self.queue_rows(), [], "a fresh site has no open alarm")
        self.assertTrue(self.js(INSTALL_ROW_OBSERVER))

        before = self.newest_seq()
        self.panel.send("open")  # no grant, no request to exit: the panel reports forced
        forced_seq, forced_us = self.wait_trail(
            "SELECT seq, time_us FROM audit_events WHERE type = 'door.forced' AND seq > ? "
            "AND json_extract(payload, '$.door') = ?", before, DOOR, what="door.forced")
        self.panel.send("close")
        raised_seq, raised_payload = self.wait_trail(
            "SELECT seq, payload FROM audit_events WHERE type = 'alarm.raised' AND seq > ? "
            "AND json_extract(payload, '$.event_seq') = ?", forced_seq, forced_seq,
            what="alarm.raised naming the door.forced event")
        alarm = json.loads(raised_payload)["alarm"]
        alarm_id = alarm["id"]
        self.assertEqual((alarm["type"], alarm["source"], alarm["priority"], alarm["state"]),
                         ("door.forced", "door:" + DOOR, 1, "active"), alarm)

        seen = self.wait_js("return window.alarmRowsSeen[arguments[0]]", str(alarm_id),
                            what="the queue row of alarm %d" % alarm_id)
        latency_us = seen["ms"] * 1000 - forced_us
        print(f"door.forced commit -> queue row in the DOM: {latency_us / 1000:.1f} ms "
              f"(alarm {alarm_id}, event seq {forced_seq}, alarm.raised seq {raised_seq})",
              file=sys.stderr)
        self.assertLess(latency_us, ALARM_TO_DOM_LIMIT_US)
        self.assertEqual((seen["type"], seen["source"], seen["state"], seen["priority"]),
                         ("door.forced", "door:" + DOOR, "active", "1"), seen)
        self.assertTrue(seen["flashed"], "a new priority 1 alarm is highlighted: %r" % seen)
        [row] = [r for r in self.queue_rows() if r["id"] == alarm_id]
        self.assertFalse(row["dim"], row)

        # From the queue to the alarms page, on that alarm, with the event that triggered it.
        self.driver.find_element(
            By.CSS_SELECTOR, f'[data-testid="alarms-queue-row"][data-id="{alarm_id}"]').click()
        self.wait_js("return location.hash.startsWith('#/alarms') && "
                     "new URLSearchParams(location.hash.split('?')[1]).get('id') === arguments[0]",
                     str(alarm_id), what="the alarms page on the alarm")
        d = self.wait_detail(lambda d: d["id"] == alarm_id and d["state"] == "active", "active")
        self.assertIn(forced_seq, d["events"])
        self.assertTrue(d["buttons"]["acknowledge"] and d["buttons"]["resolve"], d)
        self.assertFalse(d["buttons"]["shelve"], "an operator does not shelve: %r" % d)
        self.assertIn("UTC+09:00",
                      self.driver.find_element(*by_testid("alarms-zone")).text)

        self.click("alarms-acknowledge")
        d = self.wait_detail(lambda d: d["state"] == "acknowledged", "acknowledged")
        # The state may come with the live event before the POST's answer; the answer says ok.
        self.wait_js("""return document.querySelector('[data-testid="alarms-message"]')
                                .dataset.kind === 'ok';""", what="the acknowledge confirmed")
        self.assertFalse(d["buttons"]["acknowledge"], d)
        # The queue (on the overview, not shown now) followed the event: dimmed, still open.
        self.wait_js("""
            const r = document.querySelector('[data-testid="alarms-queue-row"][data-id="' +
                                             arguments[0] + '"]');
            return !!r && r.dataset.state === 'acknowledged' && r.classList.contains('alarm-dim');
            """, str(alarm_id), what="the queue row dimmed as acknowledged")

        # Resolving needs a comment: without one the page asks for it and nothing is sent.
        steps_before = len(self.alarm_steps(alarm_id))
        self.click("alarms-resolve")
        self.wait_js("""const m = document.querySelector('[data-testid="alarms-message"]');
                        return !m.hidden && m.dataset.kind === 'error';""",
                     what="the page asking for a comment")
        self.assertEqual(self.detail()["state"], "acknowledged")

        box = self.driver.find_element(*by_testid("alarms-comment-input"))
        box.send_keys(RESOLUTION)
        self.click("alarms-resolve")
        d = self.wait_detail(lambda d: d["state"] == "resolved", "resolved")
        self.assertIn(RESOLUTION, d["comments"])
        self.wait_js("""return !document.querySelector('[data-testid="alarms-queue-row"]' +
                                                       '[data-id="' + arguments[0] + '"]');""",
                     str(alarm_id), what="the resolved alarm leaving the queue")
        d = self.wait_detail(lambda d: [h["type"] for h in d["history"]] == [
            "alarm.raised", "alarm.acknowledged", "alarm.resolved"], "the whole history")
        self.assertEqual([h["by"] for h in d["history"][1:]], [DESK, DESK])
        for h in d["history"]:
            self.assertRegex(h["time"], r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$")

        # The trail: each step, the operator as actor, the comment.
        steps = self.alarm_steps(alarm_id)
        self.assertEqual(len(steps), steps_before + 1, "the refused resolve recorded nothing")
        self.assertEqual([s[0] for s in steps],
                         ["alarm.raised", "alarm.acknowledged", "alarm.resolved"])
        raised, acknowledged, resolved = (s[1] for s in steps)
        self.assertEqual(raised["event_seq"], forced_seq)
        self.assertEqual(acknowledged["actor"], DESK)
        self.assertEqual(acknowledged["alarm"]["owner"], DESK)
        self.assertEqual(resolved["actor"], DESK)
        self.assertEqual(resolved["comment"], RESOLUTION)
        self.assertEqual(resolved["alarm"]["state"], "resolved")
        self.assertEqual(resolved["alarm"]["resolved_by"], DESK)
        self.assertEqual([(c["by"], c["text"]) for c in resolved["alarm"]["comments"]],
                         [(DESK, RESOLUTION)])
        self.assert_no_missing_alarm_messages()
        type(self).resolved_id = alarm_id

    def test_02_the_bcp_coordinator_reads_and_cannot_act(self):
        alarm_id = getattr(type(self), "resolved_id", None)
        if alarm_id is None:
            self.skipTest("needs the alarm test_01 resolved")
        pages = self.login(BCP)
        self.assertIn("alarms", pages)
        self.js("location.hash = arguments[0]", f"#/alarms?state=all&id={alarm_id}")
        self.wait_js("""return !!document.querySelector(
                          '[data-testid="alarms-row"][data-id="' + arguments[0] + '"]');""",
                     str(alarm_id), what="the alarm in the list")
        d = self.wait_detail(lambda d: d["id"] == alarm_id and d["state"] == "resolved",
                             "the resolved alarm")
        self.assertFalse(d["actionsShown"], d)
        self.assertFalse(any(d["buttons"].values()), d)
        self.assertTrue(self.page.visible("alarms-read-only"))
        status, body = self.driver.execute_async_script("""
            const done = arguments[arguments.length - 1];
            fetch('/api/alarms/' + arguments[0] + '/comment',
                  {method: 'POST', credentials: 'same-origin',
                   headers: {'Content-Type': 'application/json'},
                   body: JSON.stringify({comment: 'not mine to add'})})
              .then(async (r) => done([r.status, await r.json()]))
              .catch((e) => done([0, {error: String(e)}]));""", alarm_id)
        self.assertEqual(status, 403, body)
        self.assert_no_missing_alarm_messages()

    def test_03_a_security_admin_shelves_and_unshelves(self):
        self.login(SECURITY)
        self.queue_ready()
        before = self.newest_seq()
        self.panel.send("open")
        forced_seq, _ = self.wait_trail(
            "SELECT seq, time_us FROM audit_events WHERE type = 'door.forced' AND seq > ?",
            before, what="door.forced")
        self.panel.send("close")
        _, payload = self.wait_trail(
            "SELECT seq, payload FROM audit_events WHERE type = 'alarm.raised' AND "
            "json_extract(payload, '$.event_seq') = ?", forced_seq, what="alarm.raised")
        alarm_id = json.loads(payload)["alarm"]["id"]
        row = f'[data-testid="alarms-queue-row"][data-id="{alarm_id}"]'
        self.wait_js("return !!document.querySelector(arguments[0])", row, what="the queue row")
        self.driver.find_element(By.CSS_SELECTOR, row).click()
        d = self.wait_detail(lambda d: d["id"] == alarm_id and d["state"] == "active", "active")
        self.assertTrue(d["buttons"]["shelve"] and not d["buttons"]["unshelve"], d)

        minutes = self.driver.find_element(*by_testid("alarms-shelve-minutes"))
        minutes.clear()
        minutes.send_keys("5")
        self.driver.find_element(*by_testid("alarms-comment-input")).send_keys("Door contractor")
        self.click("alarms-shelve")
        d = self.wait_detail(lambda d: d["state"] == "shelved", "shelved")
        self.assertTrue(d["buttons"]["unshelve"] and not d["buttons"]["resolve"], d)
        # Out of the queue's sight, and counted.
        self.wait_js("""return !document.querySelector(arguments[0]) && document.querySelector(
                          '[data-testid="alarms-queue-summary"]').dataset.shelved === '1';""",
                     row, what="the shelved alarm out of the queue")

        self.click("alarms-unshelve")
        self.wait_detail(lambda d: d["state"] == "active", "active again")
        self.wait_js("return !!document.querySelector(arguments[0])", row,
                     what="the unshelved alarm back in the queue")
        steps = self.alarm_steps(alarm_id)
        self.assertEqual([s[0] for s in steps],
                         ["alarm.raised", "alarm.shelved", "alarm.unshelved"])
        shelved, unshelved = steps[1][1], steps[2][1]
        self.assertEqual((shelved["actor"], shelved["minutes"], shelved["comment"]),
                         (SECURITY, 5, "Door contractor"))
        self.assertEqual(shelved["alarm"]["shelved_by"], SECURITY)
        self.assertEqual(unshelved["actor"], SECURITY)
        self.assertEqual(unshelved["alarm"]["state"], "active")
        self.assert_no_missing_alarm_messages()


if __name__ == "__main__":
    unittest.main(verbosity=2)
