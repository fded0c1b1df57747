"""Scenario 14 (access rules): the zone rules through the real daemon, broker and simulated
panels (docs/access-rules.md). The test site's three-factor door leads into a handling area
with the two-person and never-alone rules ([[zone_rules]]); leaving is the same door's exit
reader (the panel run with --side exit), so presence follows every passage.

1. Alone at the two-person door: every factor given, the door stays locked
   (awaiting_second_person, access.companion_pending) and the wait lapses
   (access.companion_expired).
2. Two people badging within the window pass together (one access.granted with companions);
   one leaves: zone.alone (a priority-1 alarm, source zone:handling-area) within 5 s; a second
   pair arriving clears it (zone.alone_cleared, alarm.cleared).
3. A lockdown of the handling area, started by the desk, refuses entry `lockdown`; lifted by a
   security admin, the door admits again.
4. Duress + two-person: the duress PIN holds its person at the door like any other, the silent
   priority-1 alarm is raised at once, and the companion's arrival lets both in."""
import json
import os
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from site_under_test import OPERATORS, SiteUnderTest, SOURCE_DIR  # noqa: E402

sys.path.insert(0, os.path.join(SOURCE_DIR, "sim"))
from console_client import ConsoleClient  # noqa: E402

ZONE = "handling-area"
DOOR = "handling-door"
WINDOW_S = 10  # companion_window_s: long enough for a second person's three factors
ALONE_BAR_S = 5.0  # the bar: the alarm within 5 s of one person left alone

PEOPLE = {  # id: (name, card, pin, finger seed)
    "ann": ("Ann Aoki", "04A0000000A001", "214365", "ann-index"),
    "bob": ("Bob Baba", "04A0000000B002", "365214", "bob-index"),
    "cho": ("Cho Chiba", "04A0000000C003", "521436", "cho-index"),
    "dai": ("Dai Doi", "04A0000000D004", "143652", "dai-index"),
}

RULES = f"""
[[zones]]
id = "{ZONE}"
name = "Handling area"
parent = "floor-3f"
kind = "handling_area"

[[zone_rules]]
zone = "{ZONE}"
two_person = true
companion_window_s = {WINDOW_S}
never_alone = true
alone_grace_s = 2

[[groups]]
id = "security"
name = "Security"

[lockdown]
exempt_groups = ["security"]
"""


def payload(event):
    return json.loads(event[4])


class AccessRules(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.site = SiteUnderTest()
        try:
            # The three-factor door leads into the handling area instead of the server room.
            with open(cls.site.config) as f:
                text = f.read()
            text = text.replace('id = "server-room-door"\nname = "Server room door"',
                                f'id = "{DOOR}"\nname = "Handling area door"', 1)
            text = text.replace('from_zone = "floor-3f"\nto_zone = "server-room"',
                                f'from_zone = "floor-3f"\nto_zone = "{ZONE}"', 1)
            with open(cls.site.config, "w") as f:
                f.write(text + RULES)
            cls.site.start()
            for person, (name, card, pin, finger) in PEOPLE.items():
                cls.site.enroll(person, name, card, pin, finger, ["floor-3f", ZONE])
            cls.desk_password = cls.site.add_operator("desk", "operator")
            cls.entry = cls.site.panel("p-server", DOOR)
        except BaseException:
            cls.site.close()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.site.close()

    # --- helpers --------------------------------------------------------------------------
    def badge(self, panel, person):
        _name, card, pin, finger = PEOPLE[person]
        return panel.badge(card, pin=pin, finger=finger)

    def exit_panel(self):
        """The door's exit reader (the same panel account; the entry process steps aside)."""
        return self.site.turn_panel(self.entry, "exit")

    def entry_panel_again(self, exit_panel):
        type(self).entry = self.site.turn_panel(exit_panel, "entry")  # for the tests after it

    def wait_events(self, type_, where=lambda p: True, count=1, timeout=10.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = [e for e in self.site.events(type_) if e[1] == type_ and where(payload(e))]
            if len(found) >= count:
                return found
            time.sleep(0.02)
        self.fail(f"no {count} x {type_} in the trail after {timeout} s")

    def console(self, name, password):
        return ConsoleClient("127.0.0.1", self.site.console_port, name, password)

    def admin_password(self):
        with open(self.site.operator_password_file(OPERATORS["security"])) as f:
            return f.read().strip()

    # --- the scenario, in order -----------------------------------------------------------
    def test_1_alone_at_the_two_person_door_waits_and_lapses(self):
        decision = self.badge(self.entry, "ann")
        self.assertFalse(decision["granted"])
        self.assertEqual(decision["reason"], "awaiting_second_person")
        pending = self.wait_events("access.companion_pending",
                                   lambda p: p.get("person") == "ann")
        self.assertEqual(payload(pending[-1])["rule"], "two_person")
        expired = self.wait_events("access.companion_expired", lambda p: p.get("person") == "ann",
                                   timeout=WINDOW_S + 10)
        self.assertEqual(payload(expired[-1])["rule"], "two_person")
        self.assertFalse(self.site.events("presence.entered"), "nobody passed")

    def test_2_never_alone_raised_within_5_s_and_cleared_by_a_second_arrival(self):
        self.assertEqual(self.badge(self.entry, "ann")["reason"], "awaiting_second_person")
        second = self.badge(self.entry, "bob")
        self.assertTrue(second["granted"], second)
        granted = self.wait_events("access.granted", lambda p: p.get("person") == "bob")
        companions = payload(granted[-1]).get("companions", [])
        self.assertEqual([c["person"] for c in companions], ["ann"])
        self.wait_events("presence.entered", lambda p: p.get("zone") == ZONE, count=2)

        exit_panel = self.exit_panel()
        left = self.badge(exit_panel, "bob")
        self.assertTrue(left["granted"], left)
        alone_since = time.monotonic()
        alone = self.wait_events("zone.alone", lambda p: p.get("zone") == ZONE,
                                 timeout=ALONE_BAR_S)
        took = time.monotonic() - alone_since
        self.assertLess(took, ALONE_BAR_S)
        self.assertEqual(payload(alone[-1])["person"], "ann")
        raised = self.wait_events("alarm.raised",
                                  lambda p: p["alarm"]["type"] == "zone.alone", timeout=2)
        alarm = payload(raised[-1])["alarm"]
        self.assertEqual((alarm["source"], alarm["priority"]), (f"zone:{ZONE}", 1))
        print(f"never-alone: zone.alone {took:.2f} s after the second person left "
              f"(grace 2 s)", file=sys.stderr)

        # A second pair arrives: the first of them through makes two inside, the alarm clears.
        self.entry_panel_again(exit_panel)
        self.assertEqual(self.badge(self.entry, "cho")["reason"], "awaiting_second_person")
        self.assertTrue(self.badge(self.entry, "dai")["granted"])
        cleared = self.wait_events("zone.alone_cleared", lambda p: p.get("zone") == ZONE)
        self.assertGreaterEqual(payload(cleared[-1])["count"], 2)
        self.wait_events("alarm.cleared", lambda p: p["alarm"]["id"] == alarm["id"])

    def test_3_lockdown_refuses_entry_until_lifted(self):
        desk = self.console("desk", self.desk_password)
        status, body = desk.call("POST", "/api/lockdown",
                                 {"scope": "zone", "zone": ZONE, "comment": "drill"})
        self.assertEqual(status, 201, body)
        self.wait_events("zone.lockdown_started", lambda p: p.get("target") == ZONE)
        refused = self.badge(self.entry, "bob")
        self.assertFalse(refused["granted"])
        self.assertEqual(refused["reason"], "lockdown")
        # The desk may start a lockdown but not lift it.
        status, body = desk.call("POST", "/api/lockdown/lift",
                                 {"scope": "zone", "zone": ZONE, "comment": "over"})
        self.assertEqual(status, 403, body)
        security = self.console(OPERATORS["security"], self.admin_password())
        status, body = security.call("POST", "/api/lockdown/lift",
                                     {"scope": "zone", "zone": ZONE, "comment": "drill over"})
        self.assertEqual(status, 200, body)
        self.wait_events("zone.lockdown_lifted", lambda p: p.get("target") == ZONE)
        self.assertEqual(self.badge(self.entry, "bob")["reason"], "awaiting_second_person")
        self.assertTrue(self.badge(self.entry, "cho")["granted"], "the door admits again")

    def test_4_duress_at_the_two_person_door(self):
        """Duress + two-person: the duress PIN (last digit one higher) holds the person like
        any other at the door, and the silent alarm is raised at once, not only when they pass;
        the grant of both carries it."""
        _name, card, pin, finger = PEOPLE["dai"]
        duress_pin = pin[:-1] + str((int(pin[-1]) + 1) % 10)
        waiting = self.entry.badge(card, pin=duress_pin, finger=finger)
        self.assertEqual(waiting["reason"], "awaiting_second_person")
        self.assertEqual(waiting.get("granted"), False)
        duress = self.wait_events("access.duress", lambda p: p.get("person") == "dai", timeout=3)
        raised = self.wait_events("alarm.raised",
                                  lambda p: p["alarm"]["type"] == "access.duress", timeout=3)
        alarm = payload(raised[-1])["alarm"]
        self.assertEqual((alarm["source"], alarm["priority"]), (f"door:{DOOR}", 1))
        self.assertEqual(len(duress), 1)
        second = self.badge(self.entry, "ann")
        self.assertTrue(second["granted"], second)
        granted = self.wait_events("access.granted", lambda p: p.get("person") == "ann"
                                   and p.get("companions"))
        self.assertEqual([c["person"] for c in payload(granted[-1])["companions"]], ["dai"])


if __name__ == "__main__":
    unittest.main(verbosity=2)
