#!/usr/bin/python3
"""The power page (power/web, #/power) in headless Chromium on the real daemon, broker and CLI
(tests/integration/site_under_test.py), the plant served by Debian's pymodbus at the site file's
own addresses (sim/plant_sim.py --site --nut; its UPS behind NUT's real upsd).

The desk operator sees the one-line diagram live: both feeds live, the transfer switch confirmed
on A. Feed A is cut in the sim: the diagram shows feed A lost and the switch on B (a DOM wait,
bounded), the load carried by feed B. The page in Japanese and in English: no missing key, no
English catalogue text on the Japanese page, the catalogue's texts well formed and only
power/web declaring power.* keys. The facility admin's command form refuses an empty reason
before posting, posts a generator start that answers "awaiting approval <id>"; a second person
approves it and the command's row reaches confirmed. The sim is stopped: every value turns
stale on the page (greyed, with its badge, the switch's position no longer known), never live.

    SEKIMORI_BINARY_DIR=build /usr/bin/python3 tests/browser/test_power_page.py
"""
import glob
import json
import os
import re
import socket
import subprocess
import sys
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
from console_page import ConsolePage, make_driver  # noqa: E402
from site_under_test import OPERATORS, SOURCE_DIR, SiteUnderTest  # noqa: E402
from test_vault_page import check_catalogue_texts, load_catalogue  # noqa: E402

sys.path.insert(0, os.path.join(SOURCE_DIR, "sim"))
from console_client import ConsoleClient  # noqa: E402

DESK = "desk"
FACILITY = OPERATORS["facility"]
SECURITY = OPERATORS["security2"]
WAIT_S = 30.0  # ASan on two loaded cores: generous, and only for conditions


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def device(id_, unit, profile, poll_ms=300):
    return ('[[modbus_devices]]\nid = "%s"\nhost = "127.0.0.1"\nport = {port}\nunit_id = %d\n'
            'profile = "%s"\npoll_ms = %d\ntimeout_ms = 200\n\n' % (id_, unit, profile, poll_ms))


PLANT = (device("pm-a", 1, "meter") + device("pm-b", 2, "meter") + device("ats-1", 3, "ats")
         + device("gen-1", 4, "generator") + device("relay-1", 31, "relay") + """
[power]
ats = "ats-1"

[[power.feeds]]
id = "feed-a"
name = "Utility feed A"
meter = "pm-a"

[[power.feeds]]
id = "feed-b"
name = "Utility feed B"
meter = "pm-b"

[power.generator]
device = "gen-1"
rating_kw = 100.0
burn_curve = [[0.0, 6.8], [0.25, 10.4], [0.5, 15.2], [0.75, 20.6], [1.0, 26.9]]
site_load_kw = 42.0
day_tank_l = 1000.0
bulk_tank_l = 2000.0
ats_side = "b"

[[power.ups]]
id = "ups-1"
name = "UPS 1"
nut = "ups1@127.0.0.1:{nut_port}"
""")


class PlantSite:
    """The integration site with `extra` appended to its site file (every `{port}` one Modbus
    port, `{nut_port}` upsd's), the plant sim serving it, and the desk's account."""

    def __init__(self, extra, nut=False):
        self.site = SiteUnderTest()
        self.nut = nut
        self.sim = None
        self.modbus_port = free_port()
        with open(self.site.config, "a") as f:
            f.write(extra.replace("{port}", str(self.modbus_port))
                    .replace("{nut_port}", str(free_port())))

    def start(self):
        self.start_sim()
        self.site.start()
        self.passwords = {DESK: self.site.add_operator(DESK, "operator")}
        for name in (FACILITY, SECURITY):
            self.passwords[name] = self.site.operators.password(name)

    def start_sim(self):
        args = ["/usr/bin/python3", os.path.join(SOURCE_DIR, "sim", "plant_sim.py"),
                "--site", self.site.config, "--speed", "5"]
        self.sim = subprocess.Popen(args + (["--nut"] if self.nut else []),
                                    stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        ready = json.loads(self.sim.stdout.readline())
        assert "ready" in ready, ready

    def plant(self, command):
        """One command to the sim; its answer (the plant's own events may come first)."""
        self.sim.stdin.write(json.dumps(command) + "\n")
        self.sim.stdin.flush()
        while True:
            answer = json.loads(self.sim.stdout.readline())
            if "event" not in answer:
                return answer

    def stop_sim(self):
        if self.sim and self.sim.poll() is None:
            self.sim.kill()
            self.sim.wait(10)
        if self.sim:
            self.sim.stdin.close()
            self.sim.stdout.close()
        self.sim = None

    def client(self, name):
        return ConsoleClient("127.0.0.1", self.site.console_port, name, self.passwords[name])

    def close(self):
        self.stop_sim()
        self.site.close()


def read_json(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def check_catalogue(test, folder, prefixes):
    """The folder's catalogue well formed (each key once, en and ja, same placeholders, Japanese
    that is Japanese) and no other catalogue declaring a key of `prefixes`."""
    path = os.path.join(SOURCE_DIR, folder, "web", "messages.json")
    catalogue, keys = load_catalogue(path)
    check_catalogue_texts(catalogue, keys, path)
    mine = [k for k in keys if k.startswith(prefixes)]
    test.assertTrue(mine, prefixes)
    others = glob.glob(os.path.join(SOURCE_DIR, "*", "web", "messages.json"))
    for other in others:
        if os.path.samefile(other, path):
            continue
        theirs = read_json(other)
        clash = sorted(k for k in theirs if k.startswith(prefixes))
        test.assertEqual(clash, [], "%s declares %s keys" % (other, prefixes))
    return catalogue


class BrowserPage:
    """The console page object plus the waits these tests share."""

    def __init__(self, test, plant_site):
        self.test = test
        self.site = plant_site
        self.driver = make_driver()
        self.page = ConsolePage(self.driver, "https://localhost:%d" % plant_site.site.console_port,
                                timeout=WAIT_S)

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
                raise AssertionError("timed out (%ss) waiting for %s; page: %s" % (
                    timeout, what or script, self.js("return document.body.innerText")[:3000]))
            time.sleep(0.05)

    def login(self, name, language=None):
        self.page.ensure_logged_out()
        self.test.assertEqual(self.page.login(name, self.site.passwords[name], language), "shell")
        if language:  # the shell speaks the operator's language, whatever the login page's
            self.page.set_language(language)
        self.page.wait_until_live(WAIT_S)
        return self.page.nav_pages()

    def attrs(self, testid, *names):
        """[{attr: value}] of every element with that test id."""
        return self.js("""
            return Array.from(document.querySelectorAll('[data-testid="' + arguments[0] + '"]'))
              .map((e) => Object.fromEntries(arguments[1].map((n) => [n, e.getAttribute(n)])));""",
                       testid, list(names))

    def text(self, testid):
        return self.js("""const e = document.querySelector('[data-testid="' + arguments[0] + '"]');
                          return e ? e.textContent : null;""", testid)

    def assert_translated(self, page_id, catalogue, lang):
        """No key missing, no ⟦key⟧ shown, no script error; on a Japanese page no English text
        of the catalogue."""
        probe = self.page.probe()
        self.test.assertEqual(self.page.missing_messages(), [], "missing keys")
        self.test.assertEqual(probe["errors"], [], "script errors")
        text = self.page.page_text(page_id)
        self.test.assertNotIn("⟦", text)
        if lang == "ja":
            english = [v["en"] for v in catalogue.values()
                       if re.search(r"[A-Za-z]{3}", re.sub(r"\{\w+\}", "", v["en"]))
                       and v["en"] != v["ja"] and v["en"] in text]
            self.test.assertEqual(english, [], "English on the Japanese page")

    def quit(self):
        self.driver.quit()


FEEDS_LIVE_ON_A = """
const feeds = Array.from(document.querySelectorAll('[data-testid="power-diagram-feed"]'));
const ats = document.querySelector('[data-testid="power-diagram-ats"]');
return feeds.length === 2 && feeds.every((f) => f.dataset.state === 'live' && f.dataset.live === 'true')
  && ats && ats.dataset.position === 'a' && ats.dataset.live === 'true';"""

ON_B_AFTER_A_LOST = """
const a = document.querySelector('[data-testid="power-diagram-feed"][data-id="feed-a"]');
const ats = document.querySelector('[data-testid="power-diagram-ats"]');
const load = document.querySelector('[data-testid="power-diagram-load"]');
return a && a.dataset.state === 'lost' && ats && ats.dataset.position === 'b'
  && ats.dataset.quality === 'good' && load && load.dataset.source === 'feed-b';"""

ALL_STALE = """
const nodes = Array.from(document.querySelectorAll(
  '[data-testid="power-diagram-feed"], [data-testid="power-diagram-ats"], [data-testid="power-diagram-generator"]'));
return nodes.length === 4 && nodes.every((n) => n.dataset.live === 'false'
  && n.classList.contains('power-stale'));"""


class PowerPage(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.plant_site = PlantSite(PLANT, nut=True)
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

    def test_1_catalogue(self):
        catalogue = check_catalogue(self, "power", ("power.", "page.power"))
        for key in ("page.power", "power.ats.on", "power.fuel.endurance", "power.quality.stale_age"):
            self.assertIn(key, catalogue)

    def test_2_desk_sees_the_transfer_in_both_languages(self):
        b = self.browser
        catalogue = read_json(os.path.join(SOURCE_DIR, "power", "web", "messages.json"))
        nav = b.login(DESK, "en")
        self.assertIn("power", nav)
        b.page.open_page("power")
        b.wait_js(FEEDS_LIVE_ON_A, what="both feeds live, the switch confirmed on A")
        self.assertEqual(b.attrs("power-diagram-contact-a", "data-closed")[0]["data-closed"], "true")
        self.assertEqual(b.attrs("power-diagram-contact-b", "data-closed")[0]["data-closed"], "false")
        self.assertEqual(b.text("nav-power"), catalogue["page.power"]["en"])
        self.assertIn("On A", b.text("power-diagram-ats-position"))
        self.assertIn(" V", b.text("power-diagram-feed-voltage"))
        # The live feed's wire is drawn energised.
        wires = b.attrs("power-wire-side-a", "data-energised")
        self.assertEqual(wires, [{"data-energised": "true"}])
        b.wait_js("""const u = document.querySelector('[data-testid="power-diagram-ups"]');
                     return u && u.dataset.status === 'mains' && u.dataset.quality === 'good';""",
                  what="the UPS on mains through upsd")
        b.wait_js("""const f = document.querySelector('[data-testid="power-fuel-projection"]');
                     return f && Number(f.dataset.points) > 1;""", what="the fuel projection")
        self.assertEqual(b.attrs("power-fuel-endurance", "data-below")[0]["data-below"], "false")
        b.wait_js("""const p = document.querySelector('[data-testid="power-trend-plot"]');
                     return p && Number(p.dataset.points) > 0;""", what="a trend plotted")
        self.assertFalse(b.attrs("power-command-form", "data-testid"), "the desk asks for nothing")
        b.assert_translated("power", catalogue, "en")

        self.plant_site.plant({"do": "cut", "feed": "a"})
        b.wait_js(ON_B_AFTER_A_LOST, what="feed A lost, the switch confirmed on B")
        self.assertEqual(b.attrs("power-diagram-contact-b", "data-closed")[0]["data-closed"], "true")
        self.assertEqual(b.attrs("power-wire-side-a", "data-energised"), [{"data-energised": "false"}])

        b.page.set_language("ja")
        b.page.open_page("power")
        b.wait_js(ON_B_AFTER_A_LOST, what="the same plant in Japanese")
        self.assertEqual(b.text("nav-power"), catalogue["page.power"]["ja"])
        self.assertIn("B側", b.text("power-diagram-ats-position"))
        self.assertIn("停電", b.text("power-diagram-feed-state"))
        b.page.settle("power")
        b.assert_translated("power", catalogue, "ja")
        b.page.set_language("en")
        self.plant_site.plant({"do": "restore", "feed": "a"})
        b.wait_js(FEEDS_LIVE_ON_A, timeout=60, what="the retransfer to A")

    def test_3_facility_admin_asks_and_the_command_is_confirmed(self):
        b = self.browser
        b.login(FACILITY, "en")
        b.page.open_page("power")
        b.wait_js(FEEDS_LIVE_ON_A, what="the plant live for the facility admin")
        b.wait_js("""const s = document.querySelector('[data-testid="power-command-device"]');
                     return s && Array.from(s.options).some((o) => o.value === 'gen-1');""",
                  what="the generator in the command form")
        b.js("""const s = document.querySelector('[data-testid="power-command-device"]');
                s.value = 'gen-1'; s.dispatchEvent(new Event('change'));
                document.querySelector('[data-testid="power-command-command"]').value = 'start';""")
        posts = lambda: [r for r in b.page.probe()["responses"]  # noqa: E731
                         if r["method"] == "POST" and "/api/power/commands" in r["url"]]
        before = len(posts())
        b.driver.find_element("css selector", '[data-testid="power-command-submit"]').click()
        b.wait_js("""return document.querySelector('[data-testid="power-command-error"]')
                       .textContent.length > 0;""", what="the empty reason refused")
        self.assertEqual(len(posts()), before, "nothing posted without a reason")
        box = b.driver.find_element("css selector", '[data-testid="power-command-reason"]')
        box.send_keys("monthly test run")
        b.driver.find_element("css selector", '[data-testid="power-command-submit"]').click()
        approval = b.wait_js("""const r = document.querySelector('[data-testid="power-command-result"]');
                                return r && r.dataset.approval;""", what="awaiting approval")
        self.assertIn("Awaiting approval " + approval, b.text("power-command-result"))
        security = self.plant_site.client(SECURITY)
        security.expect("POST", "/api/approvals/%s/approve" % approval)
        b.wait_js("""const r = document.querySelector('[data-testid="power-command"][data-approval="'
                       + arguments[0] + '"]');
                     return r && r.dataset.state === 'confirmed';""", approval, timeout=60,
                  what="the command confirmed on the page")
        b.wait_js("""const g = document.querySelector('[data-testid="power-diagram-generator"]');
                     return g && g.dataset.state !== 'stopped';""", what="the generator running")
        # Left as found: stopped again through the API (its own path is tested above).
        facility = self.plant_site.client(FACILITY)
        _, asked = facility.expect("POST", "/api/power/commands",
                                   {"device": "gen-1", "command": "stop", "reason": "test over"},
                                   (202,))
        security.expect("POST", "/api/approvals/%s/approve" % asked["approval"]["id"])
        b.wait_js("""const r = document.querySelector('[data-testid="power-command"][data-approval="'
                       + arguments[0] + '"]');
                     return r && r.dataset.state === 'confirmed';""", asked["approval"]["id"],
                  timeout=60, what="the stop confirmed")

    def test_4_a_silent_plant_is_stale_on_the_page(self):
        b = self.browser
        b.login(DESK, "en")
        b.page.open_page("power")
        b.wait_js(FEEDS_LIVE_ON_A, timeout=60, what="the plant live")
        self.plant_site.stop_sim()
        b.wait_js(ALL_STALE, what="every Modbus value stale on the page")
        position = b.attrs("power-diagram-ats", "data-position")[0]["data-position"]
        self.assertNotIn(position, ("a", "b"), "a stale switch shows no position")
        badges = b.js("""return Array.from(document.querySelectorAll(
            ':is([data-testid="power-diagram-feed"], [data-testid="power-diagram-ats"],'
            + ' [data-testid="power-diagram-generator"]) [data-testid="power-diagram-stale"]'))
            .map((e) => e.textContent);""")
        self.assertEqual(len(badges), 4, badges)
        self.assertTrue(all(re.match(r"(stale|failed) · \d+ (s|min) ago$", t) for t in badges), badges)
        # What carries the load is not known either, and says why.
        self.assertEqual(b.attrs("power-diagram-load", "data-source"), [{"data-source": "unknown"}])
        self.assertEqual(b.js("""return document.querySelector(
            '[data-testid="power-diagram-load"] [data-testid="power-diagram-stale"]').textContent;"""),
            "not known: a reading is not live")
        # No energised wire is drawn from a value that is not live.
        self.assertEqual([w for w in b.attrs("power-wire-side-a", "data-energised")
                          + b.attrs("power-wire-side-b", "data-energised")
                          + b.attrs("power-diagram-contact-a", "data-energised")
                          + b.attrs("power-diagram-contact-b", "data-energised")
                          if w["data-energised"] == "true"], [])
        rows = b.attrs("power-point", "data-point", "data-quality")
        self.assertTrue([r for r in rows if r["data-point"].startswith("pm-a.")])
        self.assertTrue(all(r["data-quality"] != "good" for r in rows
                            if r["data-point"].startswith(("pm-a.", "ats-1.", "gen-1."))), rows)
        b.assert_translated("power", read_json(os.path.join(SOURCE_DIR, "power", "web", "messages.json")), "en")


if __name__ == "__main__":
    unittest.main(verbosity=2)
