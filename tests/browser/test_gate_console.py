#!/usr/bin/python3
"""End to end in headless Chromium: a circle gate on the security desk's console (issue 15,
"What must hold" 4: a tailgate alarm shows on the console with its camera reference), on the real
daemon and broker (tests/integration/site_under_test.py) with the server room's circle gate
configured with its camera.

The gate's panel is played by a small client (tests/browser/gate_report_client.cpp): each report
is encoded by the real codec, signed with the gate panel's own Ed25519 key and published as the
panel's MQTT account, exactly as the gate firmware sends it. The daemon's gate supervision
(doors/gate_supervision) records it and the alarm rules raise the alarm.

- The desk sees the gate idle on the overview's Circle gates tile.
- The gate refuses a cycle for tailgating (two in the booth): gate.cycle_refused is in the trail
  with the readings and the camera; GET /api/alarms has the open priority-1 gate.cycle_refused
  alarm on gate:<gate>; the overview's alarm queue lists it; the Circle gates tile shows the gate
  refused, the refusal and the camera reference.
- On the gate's page: its state, the last refused cycle with the camera reference, the refused
  condition, the event row with the camera; the desk re-arms it with a comment (door.command
  rearm by the desk), the gate reports it re-armed: gate.rearmed names the desk, the alarm is
  cleared and the tile shows the gate idle again.
Every text is from the catalogue (no missing message), in en and in ja.

  SEKIMORI_BINARY_DIR=build /usr/bin/python3 tests/browser/test_gate_console.py \\
      --report-client build/tests/browser/gate_report_client
"""
import argparse
import json
import os
import subprocess
import sys
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
sys.path.insert(0, os.path.join(HERE, "..", "..", "sim"))
from console_page import MISSING_MARK, fetch_messages, make_driver  # noqa: E402
from site_under_test import OPERATORS, SITE, SiteUnderTest  # noqa: E402
from panel_process import make_sign_key  # noqa: E402
from console_client import ConsoleClient  # noqa: E402
from test_doors_people import PeoplePages  # noqa: E402

GATE = "gate-server-room"
PANEL = "p-gate"
CAMERA = "cam-gate-server-room"
DESK = "desk"
REPORT_CLIENT = None  # --report-client

GATE_TOML = f"""
[[cameras]]
id = "{CAMERA}"
name = "Server room gate"
url = "rtsp://127.0.0.1:9/{CAMERA}"
covers = ["{GATE}"]

[[circle_gates]]
id = "{GATE}"
name = "Server room circle gate"
panel = "{PANEL}"
from_zone = "floor-3f"
to_zone = "server-room"
entry_factors = ["card", "pin", "finger"]
exit_factors = ["card"]
max_weight_kg = 150.0
camera = "{CAMERA}"
weight_tolerance_pct = 15

[offline]
sync_interval_s = 5
"""


class GateConsoleSite(SiteUnderTest):
    """The test site with the gate's panel account on the broker and its signing key enrolled."""

    def __init__(self):
        super().__init__(panels=SiteUnderTest.PANELS + (PANEL,))

    def key_file(self, panel):
        return os.path.join(self.dir, "keys", "panels", panel + ".key")


class GateOnTheConsole(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.site = GateConsoleSite()
        cls.driver = None
        cls.counter = 0
        cls.seq = 0
        try:
            with open(cls.site.config, "a") as f:
                f.write(GATE_TOML)
            cls.site.start()
            cls.site.operators  # noqa: B018
            cls.site.add_operator(DESK, "operator")
            cls.driver = make_driver()
            cls.page = PeoplePages(cls.driver, f"https://localhost:{cls.site.console_port}")
            cls.messages = {lang: fetch_messages(cls.page.base_url, lang) for lang in ("en", "ja")}
            cls.publish(cls.client_output("--status", "online"), retain=True)
            # A real door panel that takes and acknowledges its offline cache (the gate's
            # stand-in above never acknowledges one: it stays behind).
            state = os.path.join(cls.site.dir, "state-p-entrance")
            os.makedirs(state, mode=0o700)
            cls.site.panel("p-entrance", "building-entrance", extra_args=["--state-dir", state])
        except BaseException:
            cls.tearDownClass()
            raise

    @classmethod
    def tearDownClass(cls):
        if cls.driver:
            cls.driver.quit()
        cls.site.close()

    # --- the gate's panel -----------------------------------------------------------------
    @classmethod
    def client_output(cls, *args):
        out = subprocess.run([REPORT_CLIENT, "--site", SITE, "--panel", PANEL, "--gate", GATE,
                              "--panel-key-file", cls.site.key_file(PANEL)] + list(args),
                             check=True, capture_output=True, text=True)
        topic, payload = out.stdout.splitlines()[:2]
        return topic, payload

    @classmethod
    def publish(cls, topic_payload, retain=False):
        topic, payload = topic_payload
        args = ["mosquitto_pub", "-h", "127.0.0.1", "-p", str(cls.site.mqtt_port), "-q", "1",
                "-u", PANEL, "-P", cls.site.password(PANEL), "-t", topic, "-m", payload]
        if retain:
            args.append("-r")
        subprocess.run(args, check=True, capture_output=True, timeout=20)

    @classmethod
    def report(cls, kind, **fields):
        """One signed, journaled gate report (the next counter and seq)."""
        cls.counter += 1
        cls.seq += 1
        args = ["--counter", str(cls.counter), "--seq", str(cls.seq), "--kind", kind]
        for name, value in fields.items():
            args += ["--" + name.replace("_", "-"), str(value)]
        cls.publish(cls.client_output(*args))

    # --- helpers --------------------------------------------------------------------------
    def login(self, name, lang="en"):
        self.page.ensure_logged_out()
        self.assertEqual(self.page.login(name, self.site.operators.password(name)), "shell")
        self.page.set_language(lang)

    def console(self, operator):
        with open(self.site.operator_password_file(operator)) as f:
            return ConsoleClient("127.0.0.1", self.site.console_port, operator, f.read().strip())

    def t(self, key, lang="en", **params):
        text = self.messages[lang][key]
        for k, v in params.items():
            text = text.replace("{" + k + "}", str(v))
        return text

    def wait_event(self, type_, where=lambda p: True, after=0, timeout=20.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for e in self.site.events(type_):
                if e[1] == type_ and e[0] > after and where(json.loads(e[4])):
                    return e[0], json.loads(e[4])
            time.sleep(0.05)
        self.fail(f"no {type_} in the trail after {timeout} s")

    def last_seq(self):
        return max((e[0] for e in self.site.events()), default=0)

    def gate_alarms(self, state="open"):
        status, body = self.console(OPERATORS["security"]).call("GET", f"/api/alarms?state={state}")
        self.assertEqual(status, 200, body)
        return [a for a in body["alarms"] if a["source"] == f"gate:{GATE}"]

    def no_untranslated(self):
        self.assertNotIn(MISSING_MARK, self.page.visible_text())
        self.assertEqual(self.page.missing_messages(), [])

    # --- the scenario, in order -----------------------------------------------------------
    def test_1_a_tailgate_alarm_shows_with_its_camera_reference(self):
        self.login(DESK)
        self.page.wait_elements("overview-gates-row",
                                lambda r: r and r[0]["data-id"] == GATE and r[0]["data-state"] == "idle",
                                "the gate idle on the Circle gates tile")
        after = self.last_seq()
        self.report("cycle_started", session="s-tail-1", side="entry", presence=1, weight_g=71500)
        self.report("cycle_refused", session="s-tail-1", side="entry", refusal="tailgate",
                    presence=2, weight_g=141000)
        _, payload = self.wait_event("gate.cycle_refused", after=after)
        self.assertEqual((payload["gate"], payload["camera"], payload["refusal"]),
                         (GATE, CAMERA, "tailgate"), payload)
        self.assertEqual((payload["presence"], payload["weight_g"]), (2, 141000), payload)
        # The alarm: priority 1, on the gate, its trigger naming the camera.
        alarm = self.page.wait_until(lambda: next(
            (a for a in self.gate_alarms() if a["type"] == "gate.cycle_refused"), None),
            what="the open gate.cycle_refused alarm")
        self.assertEqual(alarm["priority"], 1, alarm)
        status, detail = self.console(OPERATORS["security"]).call("GET", f"/api/alarms/{alarm['id']}")
        self.assertEqual(status, 200, detail)
        self.assertEqual(detail["events"][-1]["payload"]["camera"], CAMERA, detail)
        # The overview: the alarm in the queue, the gate refused with the camera on its tile.
        self.page.wait_elements("alarms-queue-type",
                                lambda r: any(self.t("alarm.type.gate.cycle_refused") in x["text"]
                                              for x in r),
                                "the gate's alarm in the overview's queue")
        refusal = self.page.wait_elements(
            "overview-gates-refusal",
            lambda r: r and r[0]["data-refusal"] == "tailgate" and r[0]["data-camera"] == CAMERA,
            "the tailgate on the Circle gates tile")
        self.assertIn(self.t("refusal.tailgate"), refusal[0]["text"])
        camera = self.page.wait_elements("overview-gates-camera", lambda r: bool(r),
                                         "the camera reference on the tile")
        self.assertEqual(camera[0]["text"], self.t("doors.gate.camera", camera=CAMERA))
        rows = self.page.elements("overview-gates-row")
        self.assertEqual(rows[0]["data-state"], "refused", rows)
        self.no_untranslated()

    def test_2_the_gate_page_shows_the_refusal_and_the_desk_rearms_it(self):
        self.login(DESK)
        self.page.go(f"#/doors?id={GATE}")
        self.page.wait_elements("doors-detail-state", lambda r: r and r[0]["data-state"] == "refused",
                                "the gate refused on its page")
        facts = self.page.wait_elements("doors-detail-refusal", lambda r: bool(r), "the refusal")
        self.assertIn(self.t("refusal.tailgate"), facts[0]["text"])
        self.assertIn(self.t("doors.gate.camera", camera=CAMERA), facts[0]["text"])
        self.page.wait_elements("doors-detail-alert",
                                lambda r: any(a["data-alert"] == "gate_refused" for a in r),
                                "the refused condition")
        row = self.page.wait_elements(
            "doors-detail-event-row",
            lambda r: any(x["data-type"] == "gate.cycle_refused" for x in r), "the event row")
        refused = next(x for x in row if x["data-type"] == "gate.cycle_refused")
        self.assertEqual(refused["data-camera"], CAMERA)
        self.assertIn(self.t("doors.gate.camera", camera=CAMERA), refused["text"])
        # A gate's only command is rearm.
        self.assertFalse(self.page.visible("doors-command-unlock"))
        self.assertTrue(self.page.visible("doors-command-rearm"))
        self.no_untranslated()

        after = self.last_seq()
        self.page.fill("doors-command-comment", "Booth checked on camera: second person left.")
        self.page.click("doors-command-rearm")
        state, _text = self.page.outcome("doors-command-outcome")
        self.assertEqual(state, "done")
        _, command = self.wait_event("door.command", lambda p: p.get("command") == "rearm",
                                     after=after)
        self.assertEqual((command["door"], command["actor"]), (GATE, DESK), command)
        # The gate re-arms (its guard override carried out) and says so.
        self.report("gate_rearmed", presence=0, weight_g=0)
        _, rearmed = self.wait_event("gate.rearmed", after=after)
        self.assertEqual((rearmed["by"], rearmed.get("actor")), ("command", DESK), rearmed)
        self.page.wait_until(lambda: not any(a["type"] == "gate.cycle_refused"
                                             for a in self.gate_alarms()),
                             what="the refused-cycle alarm cleared by the rearm")
        self.page.wait_elements("doors-detail-state", lambda r: r and r[0]["data-state"] == "idle",
                                "the gate idle again")

    def test_4_the_doors_page_shows_which_panels_are_behind(self):
        self.login(DESK)
        self.page.go("#/doors")
        rows = self.page.wait_elements(
            "doors-panel",
            lambda r: {x["data-panel"]: x["data-in-sync"] for x in r}.get("p-entrance") == "true",
            "the door panel's offline cache in sync on the doors page")
        by_panel = {x["data-panel"]: x for x in rows}
        self.assertEqual(sorted(by_panel), sorted(["p-entrance", "p-server", PANEL]))
        self.assertEqual(by_panel[PANEL]["data-in-sync"], "false")  # never acknowledged
        self.assertEqual(by_panel["p-server"]["data-in-sync"], "false")  # no panel at all
        self.assertEqual(self.page.elements("doors-panels-all-synced"), [])
        self.no_untranslated()
        # Not on a door's own page.
        self.page.go(f"#/doors?id={GATE}")
        self.page.wait_until(lambda: self.driver.execute_script(
            "const b = document.querySelector('[data-testid=\"doors-panels\"]');"
            "return b && b.hidden;"), what="the Panels section hidden on the gate's page")

    def test_3_in_japanese(self):
        self.login(DESK, "ja")
        after = self.last_seq()
        self.report("cycle_refused", session="s-two-1", side="entry", refusal="two_bodies",
                    presence=2, weight_g=139000)
        self.wait_event("gate.cycle_refused", lambda p: p.get("refusal") == "two_bodies",
                        after=after)
        refusal = self.page.wait_elements(
            "overview-gates-refusal", lambda r: r and r[0]["data-refusal"] == "two_bodies",
            "the refusal on the tile in ja")
        self.assertIn(self.t("refusal.two_bodies", "ja"), refusal[0]["text"])
        camera = self.page.wait_elements("overview-gates-camera", lambda r: bool(r), "the camera")
        self.assertEqual(camera[0]["text"], self.t("doors.gate.camera", "ja", camera=CAMERA))
        self.no_untranslated()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--report-client", required=True)
    options, rest = parser.parse_known_args()
    REPORT_CLIENT = options.report_client
    unittest.main(argv=[sys.argv[0]] + rest, verbosity=2)
