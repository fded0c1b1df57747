"""Scenario 15 (offline panels): five door panels keep deciding and keep every event while the
broker, then the daemon, is gone, and upload their journals when it is back (docs/offline.md).
Real mosquitto, the real sekimorid, five sekimori-sim-panel processes with their journal and
encrypted cache on disk (--state-dir).

1. Every panel gets its offline cache (GET /api/panels: online, in sync).
2. The broker is killed; 1,000 badges across the five panels are decided offline and granted.
   The broker comes back: every access.offline_granted arrives exactly once, in each panel's
   journal order (panel_seq strictly increasing in the trail), with its own occurred_us.
3. The daemon is killed (-9) with the broker up; the panels find the controller silent and decide
   alone; the restarted daemon takes each journal exactly once.
4. A panel is killed (-9) in the middle of its upload and restarted from its state dir: still
   exactly once.
5. A card revoked while the panels were online is refused offline by every one of them (they
   all acknowledged the cache change first); the others' cards still pass.
After each, `sekimori audit verify` passes on the trail.

Run alone:
  SEKIMORI_BINARY_DIR=build-test python3 tests/integration/test_15_offline_panels.py"""
import json
import os
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from site_under_test import OPERATORS, SITE, SOURCE_DIR, SiteUnderTest  # noqa: E402

sys.path.insert(0, os.path.join(SOURCE_DIR, "sim"))
from console_client import ConsoleClient  # noqa: E402

BADGES = 1000
DOORS = {  # panel: door (each card only, into 3F)
    "p-entrance": "building-entrance",
    "p-off1": "side-door-1",
    "p-off2": "side-door-2",
    "p-off3": "side-door-3",
    "p-off4": "side-door-4",
}
PEOPLE = {  # id: (name, card, pin, finger seed)
    "aoi": ("Aoi Abe", "04B0000000B001", "135790", "aoi-index"),
    "ken": ("Ken Kato", "04B0000000B002", "246801", "ken-index"),
    "rin": ("Rin Mori", "04B0000000B003", "975310", "rin-index"),
}

OFFLINE_TOML = "".join(f"""
[[doors]]
id = "{door}"
name = "Side door {door[-1]}"
panel = "{panel}"
from_zone = "{SITE}"
to_zone = "floor-3f"
entry_factors = ["card"]
exit_factors = []
""" for panel, door in DOORS.items() if panel != "p-entrance") + """
[offline]
staleness_s = 900
sync_interval_s = 5
"""


LATE_AFTER_S = 5  # doors/panel_gateway kLateAfter


def payload(event):
    return json.loads(event[4])


class OfflinePanels(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.site = SiteUnderTest(panels=tuple(DOORS) + ("p-server",))
        try:
            with open(cls.site.config, "a") as f:
                f.write(OFFLINE_TOML)
            cls.site.start()
            for person, (name, card, pin, finger) in PEOPLE.items():
                cls.site.enroll(person, name, card, pin, finger, ["floor-3f"])
            cls.panels = {}
            for panel, door in DOORS.items():
                cls.panels[panel] = cls.start_panel(panel)
            cls.wait_synced(set(DOORS))
        except BaseException:
            cls.site.close()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.site.close()

    # --- helpers --------------------------------------------------------------------------
    @classmethod
    def start_panel(cls, panel):
        state = os.path.join(cls.site.dir, "state-" + panel)
        os.makedirs(state, mode=0o700, exist_ok=True)
        return cls.site.panel(panel, DOORS[panel], extra_args=[
            "--state-dir", state, "--reply-timeout-ms", "1500", "--utc-offset-minutes", "540"])

    @classmethod
    def panels_view(cls):
        """GET /api/panels as the security admin (logged in again after a daemon restart)."""
        for _ in range(2):
            if getattr(cls, "security", None) is None:
                with open(cls.site.operator_password_file(OPERATORS["security"])) as f:
                    cls.security = ConsoleClient("127.0.0.1", cls.site.console_port,
                                                 OPERATORS["security"], f.read().strip())
            status, body = cls.security.call("GET", "/api/panels")
            if status == 401:
                cls.security = None
                continue
            assert status == 200, (status, body)
            return body["panels"]
        raise AssertionError("GET /api/panels: not logged in after a fresh login")

    @classmethod
    def cache_versions(cls):
        return {p["panel"]: p["cache"]["version"] for p in cls.panels_view()}

    @classmethod
    def wait_synced(cls, panels, timeout=60.0, newer_than=None):
        """Until GET /api/panels shows each panel online with its whole cache acknowledged (at
        a version above newer_than's, when given)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            body = cls.panels_view()
            synced = {p["panel"] for p in body
                      if p.get("online") and p["cache"]["in_sync"] and p["cache"]["entries"] > 0
                      and p["cache"]["version"] > (newer_than or {}).get(p["panel"], -1)}
            if panels <= synced:
                return
            time.sleep(0.2)
        raise AssertionError(f"panels never synced: {sorted(panels - synced)}: {body}")

    def granted_offline(self):
        return [e for e in self.site.events("access.offline_granted")]

    def wait_granted(self, count, timeout=180.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.granted_offline()
            if len(found) >= count:
                return found
            time.sleep(0.25)
        self.fail(f"{len(self.granted_offline())} of {count} offline grants in the trail "
                  f"after {timeout} s")

    def badge_round(self, count):
        """`count` badges spread over the panels in turn, each decided offline and granted;
        returns how many each panel decided."""
        people = list(PEOPLE.values())
        per_panel = {panel: 0 for panel in DOORS}
        for i in range(count):
            panel = list(DOORS)[i % len(DOORS)]
            _, card, _, _ = people[i % len(people)]
            decision = self.panels[panel].badge(card, timeout=15.0)
            self.assertTrue(decision["granted"], f"badge {i} at {panel}: {decision}")
            per_panel[panel] += 1
        return per_panel

    def assert_exactly_once_in_order(self, expected_total):
        events = self.granted_offline()
        self.assertEqual(len(events), expected_total)
        keys = [(payload(e)["panel"], payload(e)["panel_seq"]) for e in events]
        self.assertEqual(len(set(keys)), len(keys), "an offline grant stored twice")
        for panel in DOORS:
            seqs = [s for p, s in keys if p == panel]
            self.assertEqual(seqs, sorted(seqs), f"{panel}'s reports out of journal order")
        for e in events:
            p = payload(e)
            self.assertGreater(p["occurred_us"], 0)
            self.assertEqual(e[3], next(k for k, v in PEOPLE.items() if v[1] == p["card"]))
        verify = self.site.cli("audit", "verify", "--db", self.site.database, check=False)
        self.assertEqual(verify.returncode, 0, verify.stdout + verify.stderr)

    # --- cases ----------------------------------------------------------------------------
    def test_1_broker_gone_a_thousand_badges_arrive_exactly_once(self):
        self.site.stop_broker()
        for panel in self.panels.values():
            panel.wait_for(lambda l: l.get("out") == "connection" and not l["connected"], 30)
        before = len(self.granted_offline())
        started = time.time()
        per_panel = self.badge_round(BADGES)
        self.assertEqual(sorted(per_panel.values()), [BADGES // len(DOORS)] * len(DOORS))
        # "late" is wall-clock by definition (recorded more than 5 s after it happened,
        # doors/panel_gateway kLateAfter): the first badges must be that old when the broker is
        # back, and a fast machine badges the 1,000 in less.
        outage = time.time() - started
        if outage < LATE_AFTER_S + 1:
            time.sleep(LATE_AFTER_S + 1 - outage)
        self.site.start_broker()
        events = self.wait_granted(before + BADGES)
        self.assert_exactly_once_in_order(before + BADGES)
        late = [payload(e) for e in events if payload(e)["occurred_us"] < started * 1e6 - 5e6]
        self.assertEqual(late, [], "an occurred_us from before the outage")
        self.assertTrue(any(payload(e).get("late") for e in events),
                        "none of the uploaded reports is marked late")

    def test_2_daemon_killed_the_panels_decide_alone(self):
        before = len(self.granted_offline())
        self.site.kill_daemon()
        try:
            self.badge_round(BADGES)
        finally:
            self.site.start_daemon()
        self.wait_granted(before + BADGES)
        self.assert_exactly_once_in_order(before + BADGES)

    def test_3_a_panel_killed_mid_upload_still_exactly_once(self):
        self.site.stop_broker()
        panel = "p-off1"
        self.panels[panel].wait_for(lambda l: l.get("out") == "connection" and not l["connected"],
                                    30)
        before = len(self.granted_offline())
        people = list(PEOPLE.values())
        for i in range(300):
            decision = self.panels[panel].badge(people[i % len(people)][1], timeout=15.0)
            self.assertTrue(decision["granted"], decision)
        self.site.start_broker()
        self.wait_granted(before + 1, timeout=60)  # the upload has begun
        self.panels[panel].kill()
        self.site.panels.remove(self.panels[panel])
        self.panels[panel] = self.start_panel(panel)
        self.wait_granted(before + 300)
        self.assert_exactly_once_in_order(before + 300)

    def test_4_a_card_revoked_before_the_outage_is_refused_offline_everywhere(self):
        versions = self.cache_versions()
        _, card, _, _ = PEOPLE["rin"]
        out = self.site.operators.as_(OPERATORS["facility"], "person", "revoke-card",
                                      "--uid", card).stdout
        if out.startswith("approval "):
            self.site.approve(out)
        # Every panel takes the change (its cache version moves on and is acknowledged).
        self.wait_synced(set(DOORS), newer_than=versions)
        self.site.stop_broker()
        for panel in self.panels.values():
            panel.wait_for(lambda l: l.get("out") == "connection" and not l["connected"], 30)
        before = len(self.site.events("access.offline_denied"))
        for name, panel in self.panels.items():
            decision = panel.badge(card, timeout=15.0)
            self.assertFalse(decision["granted"], f"{name}: {decision}")
            self.assertIn(decision["reason"], ("revoked", "unknown_card"), name)
            # The others still pass.
            self.assertTrue(panel.badge(PEOPLE["aoi"][1], timeout=15.0)["granted"], name)
        self.site.start_broker()
        deadline = time.monotonic() + 60
        while len(self.site.events("access.offline_denied")) < before + len(DOORS):
            self.assertLess(time.monotonic(), deadline, "the offline refusals never arrived")
            time.sleep(0.25)
        refused = self.site.events("access.offline_denied")[before:]
        self.assertEqual(sorted(payload(e)["panel"] for e in refused), sorted(DOORS))
        self.assertTrue(all(payload(e)["card"] == card for e in refused))


if __name__ == "__main__":
    unittest.main(verbosity=2)
