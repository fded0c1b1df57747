#!/usr/bin/python3
"""The room climate page (hvac/web, #/climate) in headless Chromium on the real daemon, broker and
CLI (tests/integration/site_under_test.py), two CRAC units and a room sensor served by Debian's
pymodbus at the site file's own addresses (sim/plant_sim.py --site).

The desk operator sees both CRAC units running with their supply and return air, the sensors
with their bounds, the dew point, and the inlet temperature and humidity plotted from
/api/hvac/trend. A CRAC unit fails in the sim: the page shows that unit stopped (with its unit
alarm) and the other still running (a DOM wait, bounded). The page in Japanese and in English:
no missing key, no English catalogue text on the Japanese page, the catalogue's texts well
formed and only hvac/web declaring climate.* keys. The sim is stopped: every value turns stale
on the page (greyed, with its badge), never live.

    SEKIMORI_BINARY_DIR=build /usr/bin/python3 tests/browser/test_climate_page.py
"""
import os
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
from site_under_test import SOURCE_DIR  # noqa: E402
from test_power_page import (DESK, BrowserPage, PlantSite, check_catalogue, device,  # noqa: E402
                             read_json)

ROOM = (device("crac-1", 11, "crac", 500) + device("crac-2", 12, "crac", 500)
        + device("env-1", 21, "sensor", 500) + """
[[crac_units]]
id = "crac-1"
name = "CRAC 1 (row A)"
zone = "server-room"
device = "crac-1"

[[crac_units]]
id = "crac-2"
name = "CRAC 2 (row B)"
zone = "server-room"
device = "crac-2"

[[sensors]]
id = "temp-inlet-a"
name = "Cold aisle A inlet"
zone = "server-room"
device = "env-1"
kind = "temperature"
min = 18.0
max = 27.0

[[sensors]]
id = "rh-room"
name = "Room humidity"
zone = "server-room"
device = "env-1"
kind = "humidity"
min = 20.0
max = 80.0

[[sensors]]
id = "leak-floor"
name = "Raised floor leak cable"
zone = "server-room"
device = "env-1"
kind = "leak"
""")

BOTH_RUNNING = """
const rows = Array.from(document.querySelectorAll('[data-testid="climate-crac"]'));
return rows.length === 2 && rows.every((r) => r.dataset.state === 'running' && r.dataset.live === 'true');"""

ONE_STOPPED = """
const one = document.querySelector('[data-testid="climate-crac"][data-id="crac-1"]');
const two = document.querySelector('[data-testid="climate-crac"][data-id="crac-2"]');
return one && two && one.dataset.state === 'stopped' && one.dataset.live === 'true'
  && two.dataset.state === 'running';"""

ALL_STALE = """
const rows = Array.from(document.querySelectorAll(
  '[data-testid="climate-crac"], [data-testid="climate-sensor"]'));
return rows.length === 5 && rows.every((r) => r.dataset.live === 'false'
  && r.classList.contains('climate-stale'));"""


class ClimatePage(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.plant_site = PlantSite(ROOM)
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
        self.browser.test = self

    def catalogue(self):
        return read_json(os.path.join(SOURCE_DIR, "hvac", "web", "messages.json"))

    def test_1_catalogue(self):
        catalogue = check_catalogue(self, "hvac", ("climate.", "page.climate"))
        for key in ("page.climate", "climate.crac.stopped", "climate.quality.stale_age"):
            self.assertIn(key, catalogue)

    def test_2_a_failed_crac_is_shown_stopped_in_both_languages(self):
        b = self.browser
        catalogue = self.catalogue()
        nav = b.login(DESK, "en")
        self.assertIn("climate", nav)
        b.page.open_page("climate")
        b.wait_js(BOTH_RUNNING, what="both CRAC units running")
        self.assertIn("°C", b.text("climate-crac-supply"))
        sensors = {s["data-id"]: s for s in b.attrs("climate-sensor", "data-id", "data-kind",
                                                    "data-alarm", "data-live")}
        self.assertEqual(set(sensors), {"temp-inlet-a", "rh-room", "leak-floor"})
        bounds = b.js("""return document.querySelector('[data-testid="climate-sensor"][data-id="temp-inlet-a"]')
                           .querySelector('[data-testid="climate-sensor-bounds"]').textContent;""")
        self.assertIn("18.0", bounds)
        self.assertIn("27.0", bounds)
        b.wait_js("""const d = document.querySelector('[data-testid="climate-dew-point"]');
                     return d && d.dataset.quality === 'good';""", what="the dew point")
        for kind in ("temperature", "humidity"):
            b.wait_js("""const p = document.querySelector('[data-testid="climate-trend-' + arguments[0] + '-plot"]');
                         return p && Number(p.dataset.points) > 0;""", kind, timeout=60,
                      what="the %s trend plotted" % kind)
        self.assertEqual(b.text("nav-climate"), catalogue["page.climate"]["en"])
        b.assert_translated("climate", catalogue, "en")

        self.plant_site.plant({"do": "fail", "crac": "crac-1"})
        b.wait_js(ONE_STOPPED, what="crac-1 shown stopped, crac-2 running")
        self.assertIn("Stopped", b.js("""return document.querySelector(
            '[data-testid="climate-crac"][data-id="crac-1"] [data-testid="climate-crac-state"]').textContent;"""))

        b.page.set_language("ja")
        b.page.open_page("climate")
        b.wait_js(ONE_STOPPED, what="the same room in Japanese")
        self.assertEqual(b.text("nav-climate"), catalogue["page.climate"]["ja"])
        self.assertIn("停止", b.js("""return document.querySelector(
            '[data-testid="climate-crac"][data-id="crac-1"] [data-testid="climate-crac-state"]').textContent;"""))
        b.page.settle("climate")
        b.assert_translated("climate", catalogue, "ja")
        b.page.set_language("en")
        self.plant_site.plant({"do": "repair", "crac": "crac-1"})
        b.wait_js(BOTH_RUNNING, timeout=60, what="crac-1 running again")

    def test_3_a_silent_room_is_stale_on_the_page(self):
        b = self.browser
        b.login(DESK, "en")
        b.page.open_page("climate")
        b.wait_js(BOTH_RUNNING, timeout=60, what="the room live")
        self.plant_site.stop_sim()
        b.wait_js(ALL_STALE, what="every value stale on the page")
        badges = b.js("""return Array.from(document.querySelectorAll(
            '[data-testid="climate-crac-quality"], [data-testid="climate-sensor-quality"]')).map((e) => e.textContent);""")
        self.assertTrue(badges and all("stale" in t or "failed" in t for t in badges), badges)
        b.assert_translated("climate", self.catalogue(), "en")


if __name__ == "__main__":
    unittest.main(verbosity=2)
