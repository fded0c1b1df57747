"""Scenario 01: one three-factor door end to end, with the real broker, the real daemon, a
simulated panel process and the console in headless Chromium.

card + right PIN + matching finger -> granted and unlocked; wrong PIN -> denied with its reason;
unknown card -> denied; someone else's finger -> denied; the console shows each one live. At the
edges: no credentials -> refused by the broker; a panel cannot speak on another panel's topics;
a malformed payload on a panel's own topic -> an error event, and the daemon keeps serving.
At the end the audit trail of the whole run verifies."""
import json
import os
import re
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "browser"))
from site_under_test import SITE, SiteUnderTest  # noqa: E402
from console_page import ConsolePage, make_driver  # noqa: E402

ALICE_CARD = "04A1B2C3D4E5F6"
ALICE_PIN = "482913"


class ThreeFactorDoor(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.site = SiteUnderTest()
        cls.driver = None
        try:
            cls.site.start()
            cls.site.enroll("alice", "Alice Aoki", ALICE_CARD, ALICE_PIN, "alice-index",
                            ["floor-3f", "server-room"])
            cls.site.enroll("bob", "Bob Baba", "04A1B2C3D4E5F7", "1357", "bob-index",
                            ["floor-3f"])
            cls.desk_password = cls.site.add_operator("desk", "operator")
            cls.panel = cls.site.panel("p-server", "server-room-door")
            cls.driver = make_driver()
            cls.page = ConsolePage(cls.driver, f"https://localhost:{cls.site.console_port}")
            cls.page.open()
            cls.page.login("desk", cls.desk_password)
            cls.page.set_language("en")  # the texts below are the English catalogue's
            cls.page.wait_until_live()
        except BaseException:
            cls.tearDownClass()
            raise

    @classmethod
    def tearDownClass(cls):
        if cls.driver:
            cls.driver.quit()
        cls.site.close()

    def console_row(self, type_, reason=None, after=0):
        """The overview feed's row for the newest trail event of `type_` (and `reason`) after
        seq `after`: found in the trail first, then waited for on the desk's screen by seq."""
        event = self.site.wait_event(
            lambda e: e[1] == type_ and e[0] > after
            and (reason is None or json.loads(e[4]).get("reason") == reason))
        return self.page.wait_for_feed_row(lambda r: r["seq"] == event[0], timeout=10)

    def newest_seq(self):
        events = self.site.events()
        return events[-1][0] if events else 0

    def test_01_three_factors_grant_and_unlock(self):
        before = self.newest_seq()
        self.panel.drain()
        decision = self.panel.badge(ALICE_CARD, pin=ALICE_PIN, finger="alice-index")
        self.assertTrue(decision["granted"], decision)
        self.assertEqual(decision["reason"], "granted")
        # The panel releases its lock for the door's unlock time.
        self.panel.send("open")
        self.panel.send("close")
        row = self.console_row("access.granted", after=before)
        self.assertIn("Alice Aoki", row["who"])
        self.assertIn("Server room", row["where"])  # the door's name, not its id
        self.assertEqual(row["result"], "Granted")
        # Stored and chained: the grant is in the audit table with its presence change.
        self.site.wait_event(lambda e: e[1] == "access.granted" and e[0] > before)
        self.site.wait_event(lambda e: e[1] == "presence.entered" and e[0] > before
                             and "server-room" in e[4])

    def test_02_wrong_pin_is_denied_with_reason(self):
        before = self.newest_seq()
        decision = self.panel.badge(ALICE_CARD, pin="000000", finger="alice-index")
        self.assertFalse(decision["granted"])
        self.assertEqual(decision["reason"], "wrong_pin")
        row = self.console_row("access.denied", reason="wrong_pin", after=before)
        self.assertEqual(row["tone"], "denied")
        self.assertIn("PIN did not match", row["detail"])
        self.assertIn("Alice Aoki", row["who"])

    def test_03_unknown_card_is_denied(self):
        before = self.newest_seq()
        decision = self.panel.badge("DEADBEEF00112233")
        self.assertFalse(decision["granted"])
        self.assertEqual(decision["reason"], "unknown_card")
        row = self.console_row("access.denied", reason="unknown_card", after=before)
        self.assertEqual(row["tone"], "denied")
        self.assertIn("DEADBEEF00112233", row["detail"])  # the card the desk can act on

    def test_04_someone_elses_finger_is_denied(self):
        before = self.newest_seq()
        decision = self.panel.badge(ALICE_CARD, pin=ALICE_PIN, finger="mallory-index")
        self.assertFalse(decision["granted"])
        self.assertEqual(decision["reason"], "finger_mismatch")
        self.console_row("access.denied", reason="finger_mismatch", after=before)

    def test_05_no_grant_for_the_zone_is_denied(self):
        decision = self.panel.badge("04A1B2C3D4E5F7", pin="1357", finger="bob-index")
        self.assertFalse(decision["granted"])
        self.assertEqual(decision["reason"], "no_access")

    def test_06_broker_refuses_a_client_without_credentials(self):
        r = self.site.mosquitto_pub(None, f"sekimori/{SITE}/panel/p-server/request", "{}")
        self.assertNotEqual(r.returncode, 0)
        r = self.site.mosquitto_pub("p-server", f"sekimori/{SITE}/panel/p-server/event", "{}",
                                    password="wrong-password")
        self.assertNotEqual(r.returncode, 0)

    def test_07_panel_cannot_speak_for_another_panel(self):
        before = self.newest_seq()
        forged = json.dumps({"door": "server-room-door", "event": "forced"})
        # p-entrance publishes on p-server's event topic: the broker's ACL drops it.
        self.site.mosquitto_pub("p-entrance", f"sekimori/{SITE}/panel/p-server/event", forged)
        # A control message on p-entrance's own topic does arrive (a malformed one, so it
        # leaves a trace we can wait for).
        self.site.mosquitto_pub("p-entrance", f"sekimori/{SITE}/panel/p-entrance/event",
                                '{"door":"building-entrance","event":"nonsense"}')
        self.site.wait_event(lambda e: e[0] > before and e[1] == "mqtt.bad_payload"
                             and "p-entrance" in (e[2] + e[4]))
        forced = [e for e in self.site.events("door.forced") if e[0] > before]
        self.assertEqual(forced, [], "a forged event from another panel's account got through")

    def test_08_malformed_payload_gives_error_event_and_daemon_keeps_serving(self):
        before = self.newest_seq()
        topic = f"sekimori/{SITE}/panel/p-server/request"
        for payload in ("not json", '{"session":"s1"}', '{"session":"s1","door":"server-room-door",'
                        '"side":"entry","step":"card","card_uid":"04A1B2C3D4E5F6","extra":1}',
                        "[]", "\u00ff\u00fe"):
            r = self.site.mosquitto_pub("p-server", topic, payload)
            self.assertEqual(r.returncode, 0, r.stderr)
        errors = []
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and len(errors) < 5:
            errors = [e for e in self.site.events("mqtt.bad_payload") if e[0] > before]
            time.sleep(0.1)
        self.assertEqual(len(errors), 5, errors)
        self.assertTrue(any("unknown field" in e[4] or "extra" in e[4] for e in errors), errors)
        self.console_row("mqtt.bad_payload", after=before)
        self.assertTrue(self.site.daemon_alive())
        decision = self.panel.badge(ALICE_CARD, pin=ALICE_PIN, finger="alice-index")
        self.assertTrue(decision["granted"], decision)

    def test_09_operator_is_refused_a_facility_admin_route(self):
        # The desk has no People page: the shell says so, and the route itself refuses.
        self.page.go("#/people")
        self.page.wait_until(lambda: self.page.missing_page_text(), what="the missing page")
        status = self.page.driver.execute_script("""
            return fetch('/api/people', {credentials: 'same-origin'}).then((r) => r.status);""")
        self.assertEqual(status, 403)
        self.site.wait_event(lambda e: e[1] == "operator.forbidden" and e[3] == "desk")
        self.page.go("#/overview")

    def test_10_secrets_never_reach_logs_events_or_the_database_in_clear(self):
        blobs = []
        for path in (self.site.database, self.site.database + "-wal", self.site.daemon_log):
            if os.path.exists(path):
                with open(path, "rb") as f:
                    blobs.append((path, f.read()))
        # Digits on both sides would be part of a longer number (a timestamp), not the PIN.
        pin = re.compile(rb"(?<![0-9])" + ALICE_PIN.encode() + rb"(?![0-9])")
        for path, data in blobs:
            self.assertIsNone(pin.search(data), path)
            self.assertNotIn(self.desk_password.encode(), data, path)

    def test_99_audit_trail_verifies_after_clean_stop(self):
        self.panel.stop()
        self.assertEqual(self.site.stop_daemon(), 0)
        r = self.site.cli("audit", "verify", "--db", self.site.database, check=False)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("OK", r.stdout)


if __name__ == "__main__":
    unittest.main(verbosity=2)
