#!/usr/bin/python3
"""The BCP drills page (drills/web, #/drills) in headless Chromium on the real daemon, broker and
CLI (tests/integration/site_under_test.py), the plant served by Debian's pymodbus at the site
file's own addresses and its UPS behind NUT's real upsd (sim/plant_sim.py --site --nut), the
simulator's control port (--control) named by the site file's [drills] simulator (docs/drills.md;
hold 5 s, settle 8 s: a feed_a_loss drill lasts 13 s).

1. The BCP coordinator sees the scenarios (steps, criteria: the catalogue has a label for every
   one GET /api/drills answers), is refused an empty reason on the page (nothing posted), sees the
   server's 400 for an unknown scenario, asks for a feed_a_loss simulation and reads "Asked:
   approval <id> ... Approvals page"; the request is pending and the coordinator cannot approve
   it (403); a facility admin approves it through the approvals API. The page, left
   open, shows the run live (recorded by a MutationObserver, so a short phase is never missed): a
   countdown to ends_us that goes down, the cut step done, the timeline's power.transfer labelled
   from the catalogue while the run still runs; a second request meanwhile shows 409
   drills.running by its code. The simulator printed the transfer the cut caused. Then finished:
   every criterion of the scenario in the page's table, as the run's API object has it (the
   transfer time measured and passed), the runs list with who asked and approved, the trail's
   drill.approved / started / step / finished naming the run.
2. The report in the page's <iframe> (/api/drills/runs/{id}/report.html): an SVG plot
   (`drill-plot`) with drawn lines, its criteria (`drill-criteria`: `data-criterion`,
   `data-verdict`) those of the run, its `drill-meta` naming who asked and approved. A
   screenshot of the plot (non-blank) and of the page go to $SEKIMORI_TEST_OUTPUT (else
   <build>/tests/browser/screenshots). 2b: the report opened from the page's link is
   self-contained (no script, nothing fetched), its plot drawn, printed to PDF through
   Selenium's print_page a PDF with at least one page, and its own (print) style applies where
   it is served.
3. The report's bytes, its .sig and the signing key, fetched by the page's own links, verify
   with `openssl pkeyutl -verify -pubin -rawin` (nothing of ours); the bytes' SHA-256 and the
   key's fingerprint are the ones drill.finished recorded; the served files are the stored ones;
   one changed byte fails the check, and a stored file changed on disk is refused (409
   drills.report_altered), served again once restored.
4. The desk operator sees the runs in Japanese, with no request form, no abort or mark control
   (and the server refuses the desk's request, 403): no missing key, no English left on the
   Japanese page.
5. An observed run: the coordinator asks for it on the page, a second person approves, the
   coordinator confirms the cut step with the page's button (drill.marked, by the coordinator),
   is refused an empty abort reason on the page, aborts it with a reason (drill.aborted,
   operator): the run shows aborted with no report, and the runs list is newest first.

Every wait is on a condition with a deadline, never a fixed sleep.

    SEKIMORI_BINARY_DIR=build /usr/bin/python3 tests/browser/test_drills_page.py
"""
import base64
import hashlib
import http.client
import json
import os
import re
import shutil
import ssl
import struct
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
from console_page import fetch_messages, test_output_dir  # noqa: E402
from site_under_test import BINARY_DIR  # noqa: E402
from test_console_languages import allowed_words, words_left_in_english  # noqa: E402
from test_power_page import (DESK, FACILITY, PLANT, SECURITY, SOURCE_DIR,  # noqa: E402
                             BrowserPage, PlantSite, check_catalogue, device, free_port,
                             read_json)

from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.print_page_options import PrintOptions  # noqa: E402

BCP = "bcp"  # the BCP coordinator who asks for the drills
REASON = "四半期の A 系統喪失訓練"  # what the coordinator types (shown on the Japanese page too)
OBSERVE_REASON = "A 系統遮断の実機試験"
ABORT_REASON = "試験の中断"
DRILL_S = 5 + 8  # hold_s + settle_s below: a feed_a_loss run's length
SCENARIO_IDS = ("feed_a_loss", "both_feeds_loss", "retransfer", "endurance", "site_switchover")
MARKS = ("feed_a_cut", "feed_a_restored", "feed_b_cut", "feed_b_restored", "standby_notified",
         "doors_handed_over", "doors_handed_back")
CRITERIA = ("transfer_time", "generator_on_load", "ups_min_charge", "voltage_settling",
            "frequency_settling", "fuel_endurance", "room_temp_rise")
FEED_A_CRITERIA = ["transfer_time", "ups_min_charge", "voltage_settling", "frequency_settling",
                   "room_temp_rise"]
EVENT_TYPES = ("drill.approved", "drill.started", "drill.step", "drill.marked", "drill.finished",
               "drill.aborted")
PREFIXES = ("drill.", "drills.", "page.drills", "event.drill.", "error.drills.")
# The series the criteria read: the UPS behind upsd, the room's temperature sensor.
SERIES = ("ups-1.battery_charge", "ups-1.input_voltage", "ups-1.input_frequency")
ROOM_TEMP = "env-1.temp"

# The plant of the power page's test, a room sensor, and the drills' table ({control}: the
# simulator's control port).
SITE = PLANT + device("env-1", 21, "sensor", 500) + """
[[sensors]]
id = "temp-room"
name = "Server room temperature"
zone = "server-room"
device = "env-1"
kind = "temperature"
min = 18.0
max = 27.0

[drills]
simulator = "127.0.0.1:{control}"
hold_s = 5
settle_s = 8
ups_charge = "ups-1.battery_charge"
load_voltage = "ups-1.input_voltage"
load_frequency = "ups-1.input_frequency"
room_temp = "env-1.temp"
"""

# Records what the run on screen showed at every change of the page (window.__drillId names
# it): its states in order, whether a power.transfer row was in its timeline while it ran, the
# countdown's values while it ran, whether the cut step showed done while it ran.
RECORDER = """
const rec = window.__drill = {states: [], runningTransfer: false, countdowns: [],
                              cutDoneRunning: false};
const page = document.querySelector('[data-testid="page-drills"]');
const look = () => {
  const run = page.querySelector('[data-testid="drills-run"]');
  if (!run || run.hidden || !window.__drillId || run.dataset.id !== window.__drillId) return;
  const s = run.dataset.state;
  if (rec.states[rec.states.length - 1] !== s) rec.states.push(s);
  if (s !== 'running') return;
  if (run.querySelector('[data-testid="drills-timeline-event"][data-type="power.transfer"]')) {
    rec.runningTransfer = true;
  }
  const cut = run.querySelector('[data-testid="drills-run-step"][data-mark="feed_a_cut"]');
  if (cut && cut.dataset.done === 'true') rec.cutDoneRunning = true;
  const c = run.querySelector('[data-testid="drills-run-countdown"]');
  if (c && !c.hidden && c.dataset.remainingS !== undefined) {
    const v = Number(c.dataset.remainingS);
    if (rec.countdowns[rec.countdowns.length - 1] !== v) rec.countdowns.push(v);
  }
};
new MutationObserver(look).observe(page, {subtree: true, childList: true, attributes: true,
                                          characterData: true});
look();"""

RUN_IS = """
const r = document.querySelector('[data-testid="drills-run"]');
return !!r && !r.hidden && r.dataset.id === arguments[0] && r.dataset.state === arguments[1];"""

# The rows of a table of the page, as [{data attributes..., cells: {testid: text}}].
ROWS = """
return Array.from(document.querySelectorAll('[data-testid="' + arguments[0] + '"]')).map((tr) => {
  const cells = {};
  for (const c of tr.querySelectorAll('[data-testid]')) cells[c.dataset.testid] = c.textContent;
  return Object.assign({cells}, tr.dataset);
});"""

FRAME_LOADED = """
const f = document.querySelector('[data-testid="drills-report-frame"]');
let d = null;
try { d = f && f.contentDocument; } catch (e) { return false; }
return !!d && d.readyState === 'complete' && !!d.querySelector('[data-testid="drill-plot"]');"""

# What the report in the frame shows: its plot's lines (a polyline's points, a path's
# coordinate pairs), its criteria rows, its meta text.
FRAME_REPORT = """
const d = document.querySelector('[data-testid="drills-report-frame"]').contentDocument;
const svg = d.querySelector('[data-testid="drill-plot"]');
const pairs = (e) => e.tagName.toLowerCase() === 'polyline'
  ? Math.floor((e.getAttribute('points') || '').trim().split(/[\\s,]+/).filter(Boolean).length / 2)
  : ((e.getAttribute('d') || '').match(/-?[0-9.]+[ ,]+-?[0-9.]+/g) || []).length;
const lines = Array.from(svg.querySelectorAll('polyline, path')).map(pairs);
const box = svg.getBoundingClientRect();
return {
  tag: svg.tagName.toLowerCase(), lines, width: box.width, height: box.height,
  criteria: Array.from(d.querySelectorAll('[data-testid="drill-criteria"] [data-criterion]'))
    .map((r) => [r.dataset.criterion, r.dataset.verdict]),
  meta: (d.querySelector('[data-testid="drill-meta"]') || {}).textContent || null,
};"""


def set_field(b, testid, value):
    b.js("""const e = document.querySelector('[data-testid="' + arguments[0] + '"]');
            e.value = arguments[1];
            e.dispatchEvent(new Event('input'));
            e.dispatchEvent(new Event('change'));""", testid, value)


def click(b, testid, selector_extra=""):
    """A real click, on the element scrolled to the middle of the window (not under the shell's
    sticky header)."""
    e = b.driver.find_element(By.CSS_SELECTOR, '[data-testid="%s"]%s' % (testid, selector_extra))
    b.js("arguments[0].scrollIntoView({block: 'center'});", e)
    e.click()


def fetch_raw(port, cookie, path):
    """GET path with the session cookie: (status, {header: value} lower-cased, bytes)."""
    conn = http.client.HTTPSConnection("127.0.0.1", port, timeout=30,
                                       context=ssl._create_unverified_context())
    try:
        conn.request("GET", path, headers={"Cookie": cookie})
        r = conn.getresponse()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
    finally:
        conn.close()


def png_ink(data):
    """(pixels not near white, distinct colours) of an 8-bit RGB or RGBA PNG (pure Python: no
    imaging library on the test machines)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, width = 8, b"", None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, colour = struct.unpack(">IIBB", body[:10])
            assert depth == 8 and colour in (2, 6), (depth, colour)
            bpp = 3 if colour == 2 else 4
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    raw = zlib.decompress(idat)
    stride = width * bpp
    previous = bytearray(stride)
    ink, colours = 0, set()
    for y in range(height):
        filt = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            left = line[i - bpp] if i >= bpp else 0
            up = previous[i]
            corner = previous[i - bpp] if i >= bpp else 0
            if filt == 1:
                line[i] = (line[i] + left) & 0xFF
            elif filt == 2:
                line[i] = (line[i] + up) & 0xFF
            elif filt == 3:
                line[i] = (line[i] + (left + up) // 2) & 0xFF
            elif filt == 4:
                p = left + up - corner
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
                line[i] = (line[i] + (left if pa <= pb and pa <= pc else up if pb <= pc
                                      else corner)) & 0xFF
        for x in range(0, stride, bpp):
            rgb = bytes(line[x:x + 3])
            colours.add(rgb)
            if min(rgb) < 200:
                ink += 1
        previous = line
    return ink, len(colours)


def openssl_verify(pem, html, sig):
    return subprocess.run(["openssl", "pkeyutl", "-verify", "-pubin", "-inkey", pem, "-rawin",
                           "-in", html, "-sigfile", sig], capture_output=True, text=True)


class DrillSite(PlantSite):
    """The power page's plant site with a room sensor, [drills], the sim's control port, and a
    BCP coordinator. The sim's stdout (its plant events) is read all along: what it did is
    kept in `sim_events`, and its pipe never fills."""

    def __init__(self):
        self.control_port = free_port()
        self.sim_events = []
        self.clients = {}
        super().__init__(SITE.replace("{control}", str(self.control_port)), nut=True)

    def start(self):
        super().start()
        self.passwords[BCP] = self.site.add_operator(BCP, "bcp_coordinator")

    def start_sim(self):
        args = ["/usr/bin/python3", os.path.join(SOURCE_DIR, "sim", "plant_sim.py"),
                "--site", self.site.config, "--speed", "5", "--nut",
                "--control", str(self.control_port)]
        self.sim = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        ready = json.loads(self.sim.stdout.readline())
        assert "ready" in ready, ready
        threading.Thread(target=self._drain, args=(self.sim.stdout,), daemon=True).start()

    def _drain(self, stream):
        try:
            for line in stream:
                try:
                    self.sim_events.append(json.loads(line))
                except ValueError:
                    pass
        except (OSError, ValueError):
            pass  # closed by stop_sim

    def client(self, name):
        """One logged-in REST session per operator, kept for the whole test."""
        if name not in self.clients:
            self.clients[name] = super().client(name)
        return self.clients[name]

    def cookie(self, name):
        return self.client(name).cookie


class DrillsPage(unittest.TestCase):
    maxDiff = None

    @classmethod
    def setUpClass(cls):
        cls.plant_site = DrillSite()
        cls.browser = None
        cls.work = tempfile.mkdtemp(prefix="sekimori-drills-")
        cls.output = test_output_dir(os.path.join(BINARY_DIR, "tests", "browser", "screenshots"))
        cls.run_id = None
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
        shutil.rmtree(cls.work, ignore_errors=True)

    def setUp(self):
        self.browser.test = self  # its checks fail this test

    # --- helpers -------------------------------------------------------------------------
    def catalogue(self):
        return read_json(os.path.join(SOURCE_DIR, "drills", "web", "messages.json"))

    def messages(self, lang):
        """The merged catalogue the shell has (every domain's labels), in `lang`."""
        return fetch_messages(self.browser.page.base_url, lang)

    def need_run(self):
        if not type(self).run_id:
            self.fail("no finished drill: test_1 did not get that far")
        return type(self).run_id

    def api_run(self, who, run_id):
        _, run = self.plant_site.client(who).expect("GET", "/api/drills/runs/" + run_id)
        return run

    def wait_plant_ready(self):
        """Every series the criteria read good (the UPS through upsd, the room sensor), so the
        drill has samples from its first second."""
        facility = self.plant_site.client(FACILITY)

        def ready():
            _, power = facility.expect("GET", "/api/power")
            good = {p["point"] for p in power.get("points", []) if p.get("quality") == "good"}
            _, hvac = facility.expect("GET", "/api/hvac")
            good |= {s["point"] for s in hvac.get("sensors", []) if s.get("quality") == "good"}
            return set(SERIES) | {ROOM_TEMP} <= good

        deadline = time.monotonic() + 90
        while not ready():  # every half second: each answer is a whole plant view
            if time.monotonic() > deadline:
                self.fail("the UPS and room series not good within 90 s")
            time.sleep(0.5)

    def open_drills(self, who, lang="en"):
        b = self.browser
        nav = b.login(who, lang)
        self.assertIn("drills", nav)
        b.page.open_page("drills")
        b.wait_js("""const p = document.querySelector('[data-testid="page-drills"]');
                     return p && p.dataset.state === 'ready';""", what="the drills page loaded")
        return nav

    def posts(self, route):
        return [r for r in self.browser.page.probe()["responses"]
                if r["method"] == "POST" and route in r["url"]]

    def trail(self, type_name, run_id):
        return [json.loads(e[4]) for e in self.plant_site.site.events(type_name)
                if json.loads(e[4]).get("run") == run_id]

    def ask_on_page(self, scenario, mode, reason):
        """Fills and submits the request form; returns the approval id the page shows."""
        b = self.browser
        before = b.attrs("drills-request-result", "data-approval")
        set_field(b, "drills-request-scenario", scenario)
        set_field(b, "drills-request-mode", mode)
        set_field(b, "drills-request-reason", reason)
        click(b, "drills-request-submit")
        approval = b.wait_js("""const r = document.querySelector(
                                  '[data-testid="drills-request-result"]');
                                const id = r && r.dataset.approval;
                                return id && id !== arguments[0] && id;""",
                             (before[0]["data-approval"] if before else None) or "",
                             what="the 202's approval on the page")
        self.assertEqual(b.text("drills-request-error"), "")
        return approval

    # --- 0: the catalogue ----------------------------------------------------------------
    def test_0_catalogue(self):
        catalogue = check_catalogue(self, "drills", PREFIXES)
        wanted = (["page.drills"] + ["event." + t for t in EVENT_TYPES]
                  + ["drill.scenario." + s for s in SCENARIO_IDS]
                  + ["drill.mark." + m for m in MARKS]
                  + ["drill.criterion." + c for c in CRITERIA]
                  + ["drill.mode.simulation", "drill.mode.observe", "drill.state.running",
                     "drill.state.finished", "drill.state.aborted", "drill.verdict.pass",
                     "drill.verdict.fail", "error.drills.running", "error.drills.no_simulator",
                     "error.drills.report_altered"])
        self.assertEqual([k for k in wanted if k not in catalogue], [])
        # Every drill event type docs/events.md names has its label here.
        with open(os.path.join(SOURCE_DIR, "docs", "events.md"), encoding="utf-8") as f:
            documented = set(re.findall(r"^\| `(drill\.[a-z_]+)`", f.read(), re.M))
        self.assertEqual(documented, set(EVENT_TYPES))

    # --- 1: asked, approved, live, finished ----------------------------------------------
    def test_1_coordinator_asks_a_second_person_approves_and_the_run_shows_live(self):
        b = self.browser
        catalogue = self.catalogue()
        en = self.messages("en")
        self.open_drills(BCP, "en")
        self.assertEqual(b.text("nav-drills"), catalogue["page.drills"]["en"])
        self.assertEqual(b.attrs("drills-simulator", "data-simulator"),
                         [{"data-simulator": "true"}])
        # The scenarios as the daemon has them, every id, mark and criterion labelled.
        _, listed = self.plant_site.client(BCP).expect("GET", "/api/drills")
        self.assertTrue(listed["can_request"])
        self.assertEqual(listed["utc_offset_minutes"], 540)
        self.assertEqual([s["id"] for s in listed["scenarios"]], list(SCENARIO_IDS))
        for s in listed["scenarios"]:
            for step in s["steps"]:
                self.assertIn("drill.mark." + step["mark"], catalogue, step)
            for c in s["criteria"]:
                self.assertIn("drill.criterion." + (c if isinstance(c, str) else c["id"]),
                              catalogue, c)
        cards = b.js(ROWS, "drills-scenario")
        self.assertEqual([c["id"] for c in cards], list(SCENARIO_IDS))
        feed_a = [s for s in listed["scenarios"] if s["id"] == "feed_a_loss"][0]
        self.assertEqual(feed_a["duration_s"], DRILL_S)
        self.assertEqual([(st["at_s"], st["mark"]) for st in feed_a["steps"]],
                         [(0, "feed_a_cut"), (5, "feed_a_restored")])
        shown = b.js("""return Array.from(document.querySelectorAll(
            '[data-testid="drills-scenario"][data-id="feed_a_loss"] [data-testid]'))
            .map((e) => [e.dataset.testid, e.dataset.mark || e.dataset.criterion || '',
                         e.textContent]);""")
        self.assertEqual([m for t, m, _ in shown if t == "drills-scenario-step"],
                         ["feed_a_cut", "feed_a_restored"])
        self.assertEqual([m for t, m, _ in shown if t == "drills-scenario-criterion"],
                         FEED_A_CRITERIA)
        self.assertIn(catalogue["drill.mark.feed_a_cut"]["en"],
                      [x for t, _, x in shown if t == "drills-scenario-step"][0])
        self.assertEqual(b.attrs("drills-request-form", "data-testid"),
                         [{"data-testid": "drills-request-form"}])

        # An empty reason: refused on the page, nothing posted.
        set_field(b, "drills-request-reason", "   ")
        click(b, "drills-request-submit")
        b.wait_js("""return document.querySelector('[data-testid="drills-request-error"]')
                       .textContent.length > 0;""", what="the empty reason refused")
        self.assertEqual(b.text("drills-request-error"),
                         catalogue["drills.request.reason_required"]["en"])
        self.assertEqual(self.posts("/api/drills/requests"), [])
        # A scenario the daemon does not have: its 400, shown with its status.
        b.js("""const s = document.querySelector('[data-testid="drills-request-scenario"]');
                const o = document.createElement('option');
                o.value = 'no_such_scenario'; o.textContent = 'x'; s.appendChild(o);""")
        set_field(b, "drills-request-scenario", "no_such_scenario")
        set_field(b, "drills-request-reason", REASON)
        click(b, "drills-request-submit")
        b.wait_js("""const e = document.querySelector('[data-testid="drills-request-error"]');
                     return e.dataset.status === '400';""", what="the 400 shown")
        self.assertTrue(b.text("drills-request-error").startswith("Not accepted (400): "),
                        b.text("drills-request-error"))
        self.assertEqual([r["status"] for r in self.posts("/api/drills/requests")], [400])

        # The drill asked for: awaiting a second person on the Approvals page.
        self.wait_plant_ready()
        b.js(RECORDER)
        approval = self.ask_on_page("feed_a_loss", "simulation", REASON)
        b.js("window.__drillId = arguments[0];", approval)
        self.assertEqual(b.text("drills-request-result"),
                         catalogue["drills.request.awaiting"]["en"].replace("{id}", approval))
        facility = self.plant_site.client(FACILITY)
        _, pending = facility.expect("GET", "/api/approvals?kind=drills.run")
        mine = [a for a in pending["approvals"] if a["id"] == approval]
        self.assertEqual(len(mine), 1, pending)
        self.assertEqual(mine[0]["state"], "pending", mine)
        self.assertEqual(self.trail("drill.approved", approval), [], "nothing before approval")
        status, body = self.plant_site.client(BCP).call("POST",
                                                        "/api/approvals/%s/approve" % approval)
        # Neither the one who asked nor anyone of the BCP team approves a drill.
        self.assertEqual(status, 403, body)
        self.assertIn((body or {}).get("code"), ("approval.self", "approval.role"), body)
        facility.expect("POST", "/api/approvals/%s/approve" % approval)

        # Live: the page (left open) follows the run.
        b.wait_js(RUN_IS, approval, "running", timeout=30, what="the run shown running")
        # A second drill while this one runs: the 409 by its code.
        set_field(b, "drills-request-reason", REASON)
        click(b, "drills-request-submit")
        b.wait_js("""const e = document.querySelector('[data-testid="drills-request-error"]');
                     return e.dataset.status === '409';""", what="the 409 shown")
        self.assertEqual(b.attrs("drills-request-error", "data-code"),
                         [{"data-code": "drills.running"}])
        self.assertIn(catalogue["error.drills.running"]["en"], b.text("drills-request-error"))
        facts = {k: b.text("drills-run-" + k) for k in ("requested-by", "approved-by", "reason")}
        self.assertEqual(facts, {"requested-by": BCP, "approved-by": FACILITY, "reason": REASON})

        b.wait_js(RUN_IS, approval, "finished", timeout=DRILL_S + 60, what="the run finished")
        b.wait_js("""return document.querySelector('[data-testid="drills-request-error"]')
                       .textContent === '';""", what="the 409 cleared once the drill ended")
        seen = b.js("return window.__drill;")
        self.assertIn(seen["states"], (["running", "finished"], ["approved", "running", "finished"]),
                      seen)
        self.assertTrue(seen["runningTransfer"], "no power.transfer on the timeline while it ran: "
                        "%r" % seen)
        self.assertTrue(seen["cutDoneRunning"], seen)
        counts = seen["countdowns"]
        self.assertGreaterEqual(len(counts), 3, seen)
        self.assertLessEqual(counts[0], DRILL_S, seen)
        self.assertEqual(counts, sorted(counts, reverse=True), "the countdown went up: %r" % seen)
        # The simulator took the cut and the restore: its own switch moved to B and back.
        moves = [e.get("to") for e in self.plant_site.sim_events if e.get("event") == "transfer"]
        self.assertIn("b", moves, self.plant_site.sim_events)

        # Finished: the criteria as the run's API object has them.
        run = self.api_run(BCP, approval)
        self.assertEqual(run["state"], "finished", run)
        self.assertEqual(run["scenario"], "feed_a_loss")
        self.assertEqual(run["mode"], "simulation")
        self.assertEqual((run["requested_by"], run["approved_by"]), (BCP, FACILITY))
        self.assertEqual([c["id"] for c in run["criteria"]], FEED_A_CRITERIA, run["criteria"])
        self.assertTrue(all(s["done_us"] for s in run["steps"]), run["steps"])
        rows = b.js(ROWS, "drills-run-criterion")
        self.assertEqual([(r["criterion"], r["verdict"]) for r in rows],
                         [(c["id"], c["verdict"]) for c in run["criteria"]])
        for r in rows:
            self.assertEqual(r["cells"]["drills-run-criterion-name"],
                             catalogue["drill.criterion." + r["criterion"]]["en"])
            self.assertEqual(r["cells"]["drills-run-criterion-verdict"],
                             catalogue["drill.verdict." + r["verdict"]]["en"])
        transfer = [c for c in run["criteria"] if c["id"] == "transfer_time"][0]
        self.assertEqual(transfer["verdict"], "pass", transfer)
        self.assertIsInstance(transfer["measured"], (int, float), transfer)
        row = [r for r in rows if r["criterion"] == "transfer_time"][0]
        self.assertRegex(row["cells"]["drills-run-criterion-measured"], r"^\d+(\.\d)? s$")
        self.assertEqual(row["cells"]["drills-run-criterion-limit"], "≤ 10 s")
        self.assertEqual(b.attrs("drills-run-outcome", "data-passed"),
                         [{"data-passed": str(run["passed"]).lower()}])
        print("criteria:", [(c["id"], c["measured"], c["verdict"]) for c in run["criteria"]])
        # The timeline, labelled from the catalogue (no raw type on the page).
        events = b.js(ROWS, "drills-timeline-event")
        types = [e["type"] for e in events]
        self.assertIn("power.transfer", types)
        self.assertEqual(types.count("drill.step"), 2, types)
        api_types = [e["type"] for e in run["timeline"]]
        self.assertEqual(types, api_types[:len(types)], "the page's timeline is not the run's")
        for e in events:
            self.assertEqual(e["cells"]["drills-timeline-label"], en["event." + e["type"]], e)
        # The runs list; the trail names the run.
        listed_rows = b.js(ROWS, "drills-run-row")
        self.assertEqual(listed_rows[0]["id"], approval)
        self.assertEqual((listed_rows[0]["state"], listed_rows[0]["scenario"]),
                         ("finished", "feed_a_loss"))
        self.assertEqual((listed_rows[0]["cells"]["drills-run-row-requested-by"],
                          listed_rows[0]["cells"]["drills-run-row-approved-by"]), (BCP, FACILITY))
        for t in ("drill.approved", "drill.started", "drill.finished"):
            self.assertEqual(len(self.trail(t, approval)), 1, t)
        self.assertEqual(len(self.trail("drill.step", approval)), 2)
        finished = self.trail("drill.finished", approval)[0]
        self.assertEqual(finished["report_sha256"], run["report"]["sha256"])
        b.page.settle("drills")
        b.assert_translated("drills", catalogue, "en")
        type(self).run_id = approval

    # --- 2: the report in the page -------------------------------------------------------
    def test_2_the_report_shows_in_the_page_with_its_plot(self):
        run_id = self.need_run()
        b = self.browser
        if b.page.shown_page() != "drills":
            self.open_drills(BCP, "en")
        b.page.go("#/drills?run=" + run_id)
        b.wait_js(RUN_IS, run_id, "finished", what="the finished run")
        run = self.api_run(BCP, run_id)
        frame_src = b.attrs("drills-report-frame", "src")
        self.assertEqual(len(frame_src), 1, "no report frame on the page")
        self.assertTrue(frame_src[0]["src"].endswith(
            "/api/drills/runs/%s/report.html" % run_id), frame_src)
        try:
            b.wait_js(FRAME_LOADED, what="the report in the frame")
        except AssertionError:
            status, headers, _ = fetch_raw(self.plant_site.site.console_port,
                                           self.plant_site.cookie(BCP),
                                           "/api/drills/runs/%s/report.html" % run_id)
            self.fail("the report did not load in the page's iframe; the route answered %s with "
                      "X-Frame-Options %r, Content-Security-Policy %r" % (
                          status, headers.get("x-frame-options"),
                          headers.get("content-security-policy")))
        report = b.js(FRAME_REPORT)
        self.assertEqual(report["tag"], "svg", report)
        drawn = [n for n in report["lines"] if n >= 2]
        self.assertTrue(drawn, "no line with two points in the plot: %r" % report)
        self.assertGreater(report["width"], 100, report)
        self.assertEqual(report["criteria"], [[c["id"], c["verdict"]] for c in run["criteria"]])
        self.assertIn(BCP, report["meta"])
        self.assertIn(FACILITY, report["meta"])
        print("plot lines (points each):", report["lines"])

        # A screenshot of the plot (inside the frame), not blank; and of the page.
        plot_png = os.path.join(self.output, "drill-report-plot.png")
        b.driver.switch_to.frame(b.driver.find_element(
            By.CSS_SELECTOR, '[data-testid="drills-report-frame"]'))
        try:
            svg = b.driver.find_element(By.CSS_SELECTOR, '[data-testid="drill-plot"]')
            # In the middle of the window: not under the shell's sticky header.
            b.driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", svg)
            svg.screenshot(plot_png)
        finally:
            b.driver.switch_to.default_content()
        with open(plot_png, "rb") as f:
            ink, colours = png_ink(f.read())
        self.assertGreater(ink, 200, "the plot's screenshot is blank")
        self.assertGreater(colours, 3, "the plot's screenshot has no lines")
        print("screenshot:", plot_png)
        print("screenshot:", b.page.screenshot(os.path.join(self.output, "drills-page-en.png")))

    def test_2b_the_report_opened_from_its_link_prints_to_pdf(self):
        run_id = self.need_run()
        b = self.browser
        self.open_drills(BCP, "en")
        b.page.go("#/drills?run=" + run_id)
        b.wait_js(RUN_IS, run_id, "finished", what="the finished run")
        href = b.wait_js("""const a = document.querySelector('[data-testid="drills-report-html"]');
                            return a && a.href;""", what="the report's link")
        b.driver.get(href)
        b.page.wait_until(lambda: b.js(
            "return document.readyState === 'complete' && "
            "!!document.querySelector('[data-testid=\"drill-plot\"]');"), what="the report page")
        lines = b.js("""return Array.from(document.querySelectorAll(
            '[data-testid="drill-plot"] polyline')).map((e) => (e.getAttribute('points') || '')
            .trim().split(/\\s+/).filter(Boolean).length);""")
        self.assertTrue([n for n in lines if n >= 2], lines)
        # Self-contained: nothing run, nothing fetched.
        status, _, html = fetch_raw(self.plant_site.site.console_port,
                                    self.plant_site.cookie(BCP),
                                    "/api/drills/runs/%s/report.html" % run_id)
        self.assertEqual(status, 200)
        for external in (b"<script", b"<link", b'src="http', b"src='http", b"@import"):
            self.assertNotIn(external, html)
        options = PrintOptions()
        options.page_width, options.page_height = 21.0, 29.7  # A4, cm
        pdf = base64.b64decode(b.driver.print_page(options))
        pdf_path = os.path.join(self.output, "drill-report.pdf")
        with open(pdf_path, "wb") as f:
            f.write(pdf)
        self.assertEqual(pdf[:5], b"%PDF-")
        pages = len(re.findall(rb"/Type\s*/Page(?![s\w])", pdf))
        self.assertGreaterEqual(pages, 1, "no page in the PDF")
        print("pdf:", pdf_path, pages, "page(s)")
        # Its own print style (A4, its colours) applies as served: an inline sheet the page's
        # policy refuses has no CSSOM sheet, and the browser logs the refusal.
        styles = b.js("""return Array.from(document.querySelectorAll('style'))
                           .map((s) => !!s.sheet);""")
        self.assertTrue(styles, "the report has no style of its own")
        self.assertEqual(styles, [True] * len(styles),
                         "the report's own style is refused where it is served (%s)" % [
                             e["message"][:160] for e in b.driver.get_log("browser")
                             if "inline style" in e.get("message", "")][:1])

    # --- 3: openssl verifies the report --------------------------------------------------
    def test_3_openssl_verifies_the_report_and_one_changed_byte_fails(self):
        run_id = self.need_run()
        b = self.browser
        self.open_drills(BCP, "en")
        b.page.go("#/drills?run=" + run_id)
        b.wait_js(RUN_IS, run_id, "finished", what="the finished run")
        b.wait_js("""return !!document.querySelector('[data-testid="drills-report-key"]');""",
                  what="the report's links")
        hrefs = {t: b.js("""return new URL(document.querySelector('[data-testid="'
                              + arguments[0] + '"]').href).pathname;""", t)
                 for t in ("drills-report-html", "drills-report-sig", "drills-report-key")}
        self.assertEqual(hrefs, {
            "drills-report-html": "/api/drills/runs/%s/report.html" % run_id,
            "drills-report-sig": "/api/drills/runs/%s/report.html.sig" % run_id,
            "drills-report-key": "/api/drills/signing-key.pem"})
        command = b.text("drills-verify-command")
        self.assertIn("openssl pkeyutl -verify -pubin -inkey report-signing.pub.pem -rawin "
                      "-in drill.html -sigfile drill.html.sig", command)
        self.assertIn("/api/drills/runs/%s/report.html" % run_id, command)

        port, cookie = self.plant_site.site.console_port, self.plant_site.cookie(BCP)
        got = {}
        for testid, name in (("drills-report-html", "report.html"),
                             ("drills-report-sig", "report.html.sig"),
                             ("drills-report-key", "key.pem")):
            status, headers, data = fetch_raw(port, cookie, hrefs[testid])
            self.assertEqual(status, 200, (testid, data[:200]))
            got[name] = data
            with open(os.path.join(self.work, name), "wb") as f:
                f.write(data)
        self.assertEqual(len(got["report.html.sig"]), 64)
        html, sig, pem = (os.path.join(self.work, n) for n in ("report.html", "report.html.sig",
                                                               "key.pem"))
        ok = openssl_verify(pem, html, sig)
        self.assertEqual(ok.returncode, 0, ok.stdout + ok.stderr)
        self.assertIn("Signature Verified Successfully", ok.stdout)
        # What the trail recorded: the bytes' digest and the key's fingerprint.
        finished = self.trail("drill.finished", run_id)[0]
        self.assertEqual(hashlib.sha256(got["report.html"]).hexdigest(), finished["report_sha256"])
        self.assertEqual(self.api_run(BCP, run_id)["report"]["sha256"], finished["report_sha256"])
        der = subprocess.run(["openssl", "pkey", "-pubin", "-in", pem, "-outform", "DER"],
                             capture_output=True, check=True).stdout
        fingerprint = hashlib.sha256(der).hexdigest()
        self.assertEqual(fingerprint, finished["signing_key_sha256"])
        self.assertIn(fingerprint.encode(), got["report.html"], "the report names its key")
        # The same key as the compliance summary's (a route of the auditor and security admin).
        self.assertEqual(fetch_raw(port, self.plant_site.cookie(SECURITY),
                                   "/api/reports/signing-key.pem")[2], got["key.pem"])
        # Served as stored.
        stored = os.path.join(self.plant_site.site.dir, "data", "drills", run_id + ".html")
        with open(stored, "rb") as f:
            self.assertEqual(f.read(), got["report.html"])
        with open(stored + ".sig", "rb") as f:
            self.assertEqual(f.read(), got["report.html.sig"])

        # One changed byte: openssl refuses it.
        changed = bytearray(got["report.html"])
        changed[len(changed) // 2] ^= 0x01
        tampered = os.path.join(self.work, "tampered.html")
        with open(tampered, "wb") as f:
            f.write(changed)
        bad = openssl_verify(pem, tampered, sig)
        self.assertNotEqual(bad.returncode, 0, bad.stdout)
        self.assertIn("Signature Verification Failure", bad.stdout + bad.stderr)
        # The stored file changed on disk: refused, never served; served again once restored.
        with open(stored, "wb") as f:
            f.write(changed)
        try:
            status, _, body = fetch_raw(port, cookie, hrefs["drills-report-html"])
            self.assertEqual(status, 409, body[:300])
            self.assertEqual(json.loads(body)["code"], "drills.report_altered")
        finally:
            with open(stored, "wb") as f:
                f.write(got["report.html"])
        status, _, body = fetch_raw(port, cookie, hrefs["drills-report-html"])
        self.assertEqual((status, body), (200, got["report.html"]))

    # --- 4: the desk in Japanese ---------------------------------------------------------
    def test_4_the_desk_sees_the_runs_in_japanese_and_asks_nothing(self):
        run_id = self.need_run()
        b = self.browser
        catalogue = self.catalogue()
        self.open_drills(DESK, "ja")
        self.assertEqual(b.page.lang(), "ja")
        self.assertEqual(b.text("nav-drills"), catalogue["page.drills"]["ja"])
        rows = b.wait_js("""const rows = Array.from(
                              document.querySelectorAll('[data-testid="drills-run-row"]'));
                            return rows.length ? rows.map((r) => Object.assign({}, r.dataset))
                                               : null;""", what="the runs for the desk")
        self.assertEqual(rows[0]["id"], run_id)
        row = b.js(ROWS, "drills-run-row")[0]
        self.assertEqual(row["cells"]["drills-run-row-scenario"],
                         catalogue["drill.scenario.feed_a_loss"]["ja"])
        self.assertEqual(row["cells"]["drills-run-row-mode"],
                         catalogue["drill.mode.simulation"]["ja"])
        self.assertEqual(row["cells"]["drills-run-row-state"],
                         catalogue["drill.state.finished"]["ja"])
        b.wait_js(RUN_IS, run_id, "finished", what="the finished run for the desk")
        verdicts = [r["cells"]["drills-run-criterion-verdict"]
                    for r in b.js(ROWS, "drills-run-criterion")]
        self.assertTrue(verdicts)
        self.assertTrue(set(verdicts) <= {catalogue["drill.verdict.pass"]["ja"],
                                          catalogue["drill.verdict.fail"]["ja"]}, verdicts)
        # Nothing to ask, mark or abort for the desk; the server says the same.
        for testid in ("drills-request-form", "drills-abort-form", "drills-run-mark"):
            self.assertEqual(b.attrs(testid, "data-testid"), [], testid)
        _, body = self.plant_site.client(DESK).expect("GET", "/api/drills")
        self.assertFalse(body["can_request"])
        status, _ = self.plant_site.client(DESK).call(
            "POST", "/api/drills/requests",
            {"scenario": "feed_a_loss", "mode": "simulation", "reason": "desk"})
        self.assertEqual(status, 403)
        b.page.settle("drills")
        b.assert_translated("drills", catalogue, "ja")
        # No English word on the Japanese page (the command line and the digest are code; the
        # feeds' ids and the operators' names are the site's).
        text = b.js("""const p = document.querySelector('[data-testid="page-drills"]')
                         .cloneNode(true);
                       for (const c of p.querySelectorAll('pre, code, iframe')) c.remove();
                       document.body.appendChild(p);
                       p.hidden = false;
                       const t = p.innerText;
                       p.remove();
                       return t;""")
        allowed = allowed_words() | {"feed-a", "feed-b"}
        self.assertEqual(words_left_in_english(text, allowed), [], text)
        print("screenshot:", b.page.screenshot(os.path.join(self.output, "drills-page-ja.png")))
        b.page.set_language("en")

    # --- 5: an observed run, marked and aborted ------------------------------------------
    def test_5_an_observed_run_is_marked_and_aborted_on_the_page(self):
        first = self.need_run()
        b = self.browser
        catalogue = self.catalogue()
        self.open_drills(BCP, "en")
        b.js(RECORDER)
        approval = self.ask_on_page("feed_a_loss", "observe", OBSERVE_REASON)
        b.js("window.__drillId = arguments[0];", approval)
        self.plant_site.client(FACILITY).expect("POST", "/api/approvals/%s/approve" % approval)
        b.wait_js(RUN_IS, approval, "running", what="the observed run running")
        self.assertEqual(b.attrs("drills-run", "data-mode")[0]["data-mode"], "observe")
        # Nothing is sent in observe: the coordinator confirms the cut.
        b.wait_js("""return !!document.querySelector(
                       '[data-testid="drills-run-mark"][data-mark="feed_a_cut"]');""",
                  what="the cut's mark button")
        click(b, "drills-run-mark", '[data-mark="feed_a_cut"]')
        b.wait_js("""const r = document.querySelector(
                       '[data-testid="drills-run-step"][data-mark="feed_a_cut"]');
                     return r && r.dataset.done === 'true' && !!document.querySelector(
                       '[data-testid="drills-timeline-event"][data-type="drill.marked"]');""",
                  what="the cut confirmed, on the timeline")
        marked = self.trail("drill.marked", approval)
        self.assertEqual([(m["mark"], m["by"]) for m in marked], [("feed_a_cut", BCP)])
        # Abort: an empty reason refused on the page, then with one.
        set_field(b, "drills-abort-reason", " ")
        click(b, "drills-abort-submit")
        b.wait_js("""return document.querySelector('[data-testid="drills-abort-error"]')
                       .textContent.length > 0;""", what="the empty abort reason refused")
        self.assertEqual(b.text("drills-abort-error"), catalogue["drills.abort.reason_required"]["en"])
        self.assertEqual(self.posts("/abort"), [])
        set_field(b, "drills-abort-reason", ABORT_REASON)
        click(b, "drills-abort-submit")
        b.wait_js(RUN_IS, approval, "aborted", what="the run aborted")
        self.assertEqual(b.attrs("drills-run-abort-reason", "data-reason"),
                         [{"data-reason": "operator"}])
        self.assertEqual(b.text("drills-run-abort-by"), BCP)
        b.wait_js("""return !!document.querySelector('[data-testid="drills-report-none"]');""",
                  what="no report for an aborted run")
        self.assertEqual(b.attrs("drills-report-frame", "src"), [])
        self.assertTrue(b.js("""return document.querySelector(
            '[data-testid="drills-abort-form"]').hidden;"""), "the abort form of an ended run")
        aborted = self.trail("drill.aborted", approval)
        self.assertEqual([(a["reason"], a["by"]) for a in aborted], [("operator", BCP)])
        run = self.api_run(BCP, approval)
        self.assertEqual((run["state"], run["report"], run["passed"]), ("aborted", None, None))
        self.assertIn(b.js("return window.__drill.states;"),
                      (["running", "aborted"], ["approved", "running", "aborted"]))
        # Newest first, on the page as in the API.
        _, listed = self.plant_site.client(BCP).expect("GET", "/api/drills")
        self.assertEqual([r["id"] for r in listed["runs"]][:2], [approval, first])
        b.wait_js("""const rows = document.querySelectorAll('[data-testid="drills-run-row"]');
                     return rows.length >= 2 && rows[0].dataset.id === arguments[0]
                       && rows[0].dataset.state === 'aborted' && rows[1].dataset.id === arguments[1];""",
                  approval, first, what="the runs newest first")
        b.assert_translated("drills", catalogue, "en")


if __name__ == "__main__":
    unittest.main(verbosity=2)
