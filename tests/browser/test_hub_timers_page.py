#!/usr/bin/python3
"""The hub timers on the power page (power/web/hub_timers.js, #/power) in headless Chromium on the
real daemon, broker and CLI (tests/integration/site_under_test.py), the relay board served by
Debian's pymodbus at the site file's address (sim/plant_sim.py --site).

Two hubs on one relay board: one on the always-open schedule "24x7" (site_under_test's), one on a
schedule that is open one minute a week three days from now and that allows overrides. The desk
operator sees the first on and the second off, read back from the relay (DOM waits, bounded),
each with its schedule, window and next change in the site's zone, in English and in Japanese
(no missing key, no English catalogue text on the Japanese page), and no override form. The
facility admin's form offers only the hub that allows overrides, refuses an empty reason before
posting, shows the server's 400, sends a start in the site's wall clock as RFC 3339 with the
site's offset, and shows "Awaiting approval <id>"; a second person (a security admin) approves
through the API and the closed hub turns on with its override (until, reason, who asked, who
approved). The sim is stopped: both hubs turn unknown on the page, never off.

    SEKIMORI_BINARY_DIR=build /usr/bin/python3 tests/browser/test_hub_timers_page.py
"""
import datetime
import os
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from test_power_page import (DESK, FACILITY, SECURITY, SOURCE_DIR, BrowserPage,  # noqa: E402
                             PlantSite, check_catalogue, read_json)

DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
SITE_TZ = datetime.timezone(datetime.timedelta(minutes=540))  # site_under_test's offset
REASON = "monthly batch run"

# {port}: the relay board's Modbus port (PlantSite); {other_day}: three days from today.
HUBS = """
[[modbus_devices]]
id = "relay-1"
host = "127.0.0.1"
port = {port}
unit_id = 1
profile = "relay"
poll_ms = 300
timeout_ms = 200

[[schedules]]
id = "closed-now"
name = "One minute a week, three days from now"
windows = [{ days = ["{other_day}"], start = "03:00", end = "03:01" }]

[[hub_timers]]
id = "hub-open"
name = "Terminal hub, always open"
relay = { device = "relay-1", coil = 0 }
schedule = "24x7"

[[hub_timers]]
id = "hub-closed"
name = "Terminal hub, out of hours"
relay = { device = "relay-1", coil = 1 }
schedule = "closed-now"
allow_override = true
"""

# The rows of the hub table as {id: {state, desired, in_window, override, live}}.
ROWS = """
const out = {};
for (const r of document.querySelectorAll('[data-testid="power-hub"]')) {
  out[r.dataset.id] = {state: r.dataset.state, desired: r.dataset.desired,
                       in_window: r.dataset.inWindow, override: r.dataset.override,
                       live: r.dataset.live};
}
return out;"""

OPEN_ON_CLOSED_OFF = """
const row = (id) => document.querySelector('[data-testid="power-hub"][data-id="' + id + '"]');
const a = row('hub-open'), b = row('hub-closed');
return !!a && !!b && a.dataset.state === 'on' && a.dataset.desired === 'on'
  && a.dataset.inWindow === 'true' && b.dataset.state === 'off' && b.dataset.desired === 'off'
  && b.dataset.inWindow === 'false';"""

CLOSED_ON_BY_OVERRIDE = """
const r = document.querySelector('[data-testid="power-hub"][data-id="hub-closed"]');
const o = r && r.querySelector('[data-testid="power-hub-override"]');
return !!r && r.dataset.state === 'on' && r.dataset.desired === 'on'
  && r.dataset.override === arguments[0] && !!o && o.dataset.started === 'true';"""


def cell(b, hub, testid):
    return b.js("""const r = document.querySelector('[data-testid="power-hub"][data-id="'
                     + arguments[0] + '"]');
                   const c = r && r.querySelector('[data-testid="' + arguments[1] + '"]');
                   return c ? c.textContent : null;""", hub, testid)


def set_field(b, testid, value):
    b.js("""const e = document.querySelector('[data-testid="' + arguments[0] + '"]');
            e.value = arguments[1];
            e.dispatchEvent(new Event('input'));
            e.dispatchEvent(new Event('change'));""", testid, value)


def site_time(dt):
    """What the page shows of an instant: "2026-12-04 03:00" in the site's zone."""
    return dt.astimezone(SITE_TZ).strftime("%Y-%m-%d %H:%M")


class HubTimersPage(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        today = datetime.datetime.now(SITE_TZ)
        cls.opens = (today + datetime.timedelta(days=3)).replace(hour=3, minute=0, second=0,
                                                                  microsecond=0)
        cls.plant_site = PlantSite(HUBS.replace("{other_day}", DAYS[cls.opens.weekday()]))
        cls.browser = None
        try:
            cls.plant_site.start()
            cls.browser = BrowserPage(None, cls.plant_site)
        except BaseException:
            cls.tearDownClass()
            raise

    @classmethod
    def tearDownClass(cls):
        if cls.browser:
            cls.browser.quit()
        cls.plant_site.close()

    def setUp(self):
        self.browser.test = self  # its checks fail this test

    def catalogue(self):
        return read_json(os.path.join(SOURCE_DIR, "power", "web", "messages.json"))

    def test_1_catalogue(self):
        catalogue = check_catalogue(self, "power", ("power.", "page.power"))
        for key in ("power.section.hubs", "power.hubs.state.unknown",
                    "power.hubs.override.awaiting", "power.hubs.override.reason_required",
                    "event.power.hub_switched"):
            self.assertIn(key, catalogue)

    def test_2_desk_sees_one_hub_on_and_one_off_in_both_languages(self):
        b = self.browser
        catalogue = self.catalogue()
        nav = b.login(DESK, "en")
        self.assertIn("power", nav)
        b.page.open_page("power")
        b.wait_js(OPEN_ON_CLOSED_OFF, what="the open hub on and the closed one off, read back")
        self.assertEqual(cell(b, "hub-open", "power-hub-state"), "On")
        self.assertEqual(cell(b, "hub-closed", "power-hub-state"), "Off")
        self.assertEqual(cell(b, "hub-open", "power-hub-schedule"), "24x7: in its window")
        self.assertEqual(cell(b, "hub-closed", "power-hub-schedule"),
                         "closed-now: outside its window")
        # Nothing ends the always-open window within a week; the closed one opens at its minute,
        # shown in the site's zone.
        self.assertEqual(cell(b, "hub-open", "power-hub-change"), "No cut within 7 days")
        self.assertEqual(cell(b, "hub-closed", "power-hub-change"),
                         "Powered at " + site_time(self.opens))
        self.assertEqual(cell(b, "hub-closed", "power-hub-override"), "—")
        self.assertIn("(UTC+09:00)", b.js("""return document.querySelector(
            '[data-testid="power-hubs-table"] thead').textContent;"""))
        b.wait_js("""return !document.querySelector('[data-testid="power-hub-flag"]');""",
                  what="no flag on either hub (switched and confirmed)")
        self.assertFalse(b.attrs("power-hub-override-form", "data-testid"), "the desk asks nothing")
        b.page.settle("power")
        b.assert_translated("power", catalogue, "en")

        b.page.set_language("ja")
        b.page.open_page("power")
        b.wait_js(OPEN_ON_CLOSED_OFF, what="the same hubs in Japanese")
        self.assertEqual(cell(b, "hub-open", "power-hub-state"),
                         catalogue["power.hubs.state.on"]["ja"])
        self.assertEqual(cell(b, "hub-closed", "power-hub-state"),
                         catalogue["power.hubs.state.off"]["ja"])
        self.assertIn(site_time(self.opens), cell(b, "hub-closed", "power-hub-change"))
        b.page.settle("power")
        b.assert_translated("power", catalogue, "ja")
        b.page.set_language("en")

    def test_3_facility_admin_asks_and_the_approved_override_powers_the_hub(self):
        b = self.browser
        b.login(FACILITY, "en")
        b.page.open_page("power")
        b.wait_js(OPEN_ON_CLOSED_OFF, what="the hubs for the facility admin")
        options = b.js("""return Array.from(document.querySelector(
            '[data-testid="power-hub-override-hub"]').options).map((o) => o.value);""")
        self.assertEqual(options, ["hub-closed"], "only the hub that allows overrides")
        posts = lambda: [r for r in b.page.probe()["responses"]  # noqa: E731
                         if r["method"] == "POST" and "/api/power/hubs/overrides" in r["url"]]
        error = lambda: b.text("power-hub-override-error")  # noqa: E731
        submit = lambda: b.driver.find_element(  # noqa: E731
            "css selector", '[data-testid="power-hub-override-submit"]').click()

        # An empty reason is refused on the page: nothing is posted.
        set_field(b, "power-hub-override-minutes", "30")
        set_field(b, "power-hub-override-reason", "   ")
        submit()
        b.wait_js("""return document.querySelector('[data-testid="power-hub-override-error"]')
                       .textContent.length > 0;""", what="the empty reason refused")
        self.assertEqual(error(), "A reason is required")
        self.assertEqual(posts(), [], "nothing posted without a reason")

        # More than the timer's override_max_h (12 h): the server's 400, shown.
        set_field(b, "power-hub-override-minutes", "100000")
        set_field(b, "power-hub-override-reason", REASON)
        submit()
        b.wait_js("""return document.querySelector('[data-testid="power-hub-override-error"]')
                       .textContent.startsWith('Not accepted: ');""", what="the 400 shown")
        self.assertEqual([r["status"] for r in posts()], [400])
        self.assertGreater(len(error()), len("Not accepted: "), error())

        # A start typed in the site's wall clock reaches the server as that time with the
        # site's offset; the request is withdrawn again.
        tomorrow = (datetime.datetime.now(SITE_TZ) + datetime.timedelta(days=1)).replace(
            hour=10, minute=0, second=0, microsecond=0)
        set_field(b, "power-hub-override-minutes", "30")
        set_field(b, "power-hub-override-from", tomorrow.strftime("%Y-%m-%dT%H:%M"))
        submit()
        later = b.wait_js("""const r = document.querySelector(
                               '[data-testid="power-hub-override-result"]');
                             return r && r.dataset.approval;""", what="the later start awaited")
        facility = self.plant_site.client(FACILITY)
        _, listed = facility.expect("GET", "/api/approvals?kind=power.hub_override")
        asked = [a for a in listed["approvals"] if a["id"] == later]
        self.assertEqual(len(asked), 1, listed)
        sent = datetime.datetime.fromisoformat(asked[0]["action"]["from"])
        self.assertEqual((sent, sent.utcoffset()), (tomorrow, tomorrow.utcoffset()), asked[0])
        self.assertEqual(asked[0]["action"].get("minutes"), 30, asked[0])
        facility.expect("POST", "/api/approvals/%s/reject" % later, {"reason": "asked again"})
        self.assertEqual(b.js("""return document.querySelector(
            '[data-testid="power-hub-override-from"]').value;"""), "", "the start is cleared")

        # From the approval on: awaiting approval, approved by a second person, then on.
        set_field(b, "power-hub-override-reason", REASON)
        submit()
        approval = b.wait_js("""const r = document.querySelector(
                                  '[data-testid="power-hub-override-result"]');
                                const id = r && r.dataset.approval;
                                return id && id !== arguments[0] && id;""", later,
                             what="awaiting approval")
        self.assertEqual(b.text("power-hub-override-result"), "Awaiting approval " + approval)
        self.assertEqual(error(), "")
        self.assertEqual(b.js(ROWS)["hub-closed"]["state"], "off", "nothing before the approval")
        security = self.plant_site.client(SECURITY)
        security.expect("POST", "/api/approvals/%s/approve" % approval)
        b.wait_js(CLOSED_ON_BY_OVERRIDE, approval, timeout=60,
                  what="the closed hub on by its override, read back")
        override = cell(b, "hub-closed", "power-hub-override")
        self.assertIn("Reason: " + REASON, override)
        self.assertIn("Asked by %s, approved by %s" % (FACILITY, SECURITY), override)
        self.assertRegex(override, r"^Until \d{4}-\d{2}-\d{2} \d{2}:\d{2}")
        until = override[len("Until "):len("Until 2026-12-04 03:00")]
        self.assertEqual(cell(b, "hub-closed", "power-hub-change"), "Cut at " + until)
        self.assertEqual(cell(b, "hub-closed", "power-hub-schedule"),
                         "closed-now: outside its window")
        # The window the approval gave: about 30 minutes from now (the page's clock is the site's).
        _, hubs = facility.expect("GET", "/api/power/hubs")
        o = [h for h in hubs["hubs"] if h["id"] == "hub-closed"][0]["override"]
        self.assertEqual(until, site_time(datetime.datetime.fromtimestamp(o["until_us"] / 1e6,
                                                                          SITE_TZ)))
        self.assertAlmostEqual((o["until_us"] - o["from_us"]) / 60e6, 30, delta=0.01)
        self.assertEqual(b.js(ROWS)["hub-open"]["state"], "on")

        b.page.set_language("ja")
        b.page.open_page("power")
        b.wait_js(CLOSED_ON_BY_OVERRIDE, approval, what="the override in Japanese")
        self.assertIn(REASON, cell(b, "hub-closed", "power-hub-override"))
        b.page.settle("power")
        b.assert_translated("power", self.catalogue(), "ja")
        b.page.set_language("en")

    def test_4_a_silent_relay_shows_unknown_never_off(self):
        b = self.browser
        b.login(DESK, "en")
        b.page.open_page("power")
        b.wait_js("""const r = document.querySelector(
                       '[data-testid="power-hub"][data-id="hub-open"]');
                     return r && r.dataset.state === 'on';""", what="the open hub on")
        b.page.settle("power")
        on_before = sorted(h for h, r in b.js(ROWS).items() if r["state"] == "on")
        self.assertIn("hub-open", on_before)
        # Every state each render draws from now on, not only what a poll happens to sample.
        b.js("""window.__hubStates = [];
                const sec = document.querySelector('[data-testid="power-hubs"]');
                new MutationObserver(() => {
                  for (const r of sec.querySelectorAll('[data-testid="power-hub"]')) {
                    window.__hubStates.push(r.dataset.id + '=' + r.dataset.state);
                  }
                }).observe(sec, {childList: true, subtree: true});""")
        self.plant_site.stop_sim()
        b.wait_js("""const rows = Array.from(
                       document.querySelectorAll('[data-testid="power-hub"]'));
                     return rows.length === 2 && rows.every((r) => r.dataset.state === 'unknown'
                       && r.dataset.live === 'false');""", what="both hubs unknown")
        seen = b.js("return window.__hubStates;")
        self.assertTrue(seen)
        self.assertEqual([s for s in seen if s.split("=")[0] in on_before and s.endswith("=off")],
                         [], "a hub that was on shown off once the relay went silent")
        for hub in ("hub-open", "hub-closed"):
            self.assertEqual(cell(b, hub, "power-hub-state"), "Not known (relay not read)")
        styles = b.js("""return Array.from(
                           document.querySelectorAll('[data-testid="power-hub-state"]'))
                           .map((e) => [e.className, getComputedStyle(e).borderTopStyle]);""")
        self.assertTrue(all("power-hub-state-unknown" in c and border == "dashed"
                            for c, border in styles), styles)
        # What the timer wants stays shown beside it: the open hub should be on.
        self.assertEqual(b.js(ROWS)["hub-open"]["desired"], "on")
        b.assert_translated("power", self.catalogue(), "en")


if __name__ == "__main__":
    unittest.main(verbosity=2)
