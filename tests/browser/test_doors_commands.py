#!/usr/bin/python3
"""End to end in headless Chromium: the desk's side of issue 14 in the doors plugin
(doors/web: zone_pieces.js on the overview, door_commands.js on a door's page) on the real
daemon, broker and simulated panels (tests/integration/site_under_test.py), with the 3F made a
two-person, never-alone zone and the building entrance badged on both sides.

- Never alone: two people enter together; when one leaves, the overview's Never alone panel
  names the one left, within 5 s; it clears when the last leaves.
- Muster: the desk starts a roll call with a comment; the panel shows who was on the roll and,
  as people leave, who has left since.
- Lockdown: the desk starts one for a zone with a comment (the trail names the desk); only a
  security admin can lift it, from the same panel.
- Door commands: on a door's page the desk unlocks for a time and locks with a comment (one
  door.command each, by the desk); at the server room door (a management area) a command waits
  for a second person's approval and says so. A facility admin sees the door, not the commands.
- Revocations: a revoked card's push to the panels is listed until every online panel has
  acknowledged it, as GET /api/revocations says.
Every text on these pieces is from the catalogue (no ⟦key⟧), in en and ja.

  SEKIMORI_BINARY_DIR=build /usr/bin/python3 tests/browser/test_doors_commands.py
"""
import json
import os
import sys
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
sys.path.insert(0, os.path.join(HERE, "..", "..", "sim"))
from console_page import MISSING_MARK, fetch_messages, make_driver  # noqa: E402
from site_under_test import OPERATORS, SITE, SiteUnderTest  # noqa: E402
from panel_process import PanelProcess  # noqa: E402
from test_doors_people import PeoplePages  # noqa: E402

SECURITY2 = OPERATORS["security2"]
FACILITY = OPERATORS["facility"]
DESK = "desk"
AIKO = ("p-aiko", "Aiko Sato", "04A1B2C3D4E5F6", "4826", "aiko-index")
KEN = ("p-ken", "Ken Ito", "04B1B2C3D4E5F7", "5937", "ken-index")
# The 3F: nobody enters alone, nobody stays alone (docs/access-rules.md).
RULES_TOML = """
[[zone_rules]]
zone = "floor-3f"
two_person = true
companion_window_s = 30
never_alone = true
alone_grace_s = 1
"""


class DeskInTheBrowser(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.site = SiteUnderTest()
        cls.driver = None
        with open(cls.site.config) as f:
            text = f.read()
        # The entrance is badged on the way out too (presence follows both ways).
        text = text.replace('to_zone = "floor-3f"\nentry_factors = ["card"]\nexit_factors = []',
                            'to_zone = "floor-3f"\nentry_factors = ["card"]\nexit_factors = ["card"]')
        assert 'exit_factors = ["card"]\n\n[[doors]]\nid = "server-room-door"' in text, text
        with open(cls.site.config, "w") as f:
            f.write(text + RULES_TOML)
        try:
            cls.site.start()
            cls.site.operators  # noqa: B018
            cls.site.add_operator(DESK, "operator")
            for person in (AIKO, KEN):
                cls.site.enroll(*person, ["floor-3f"])
            cls.driver = make_driver()
            cls.page = PeoplePages(cls.driver, f"https://localhost:{cls.site.console_port}")
            cls.messages = {lang: fetch_messages(cls.page.base_url, lang) for lang in ("en", "ja")}
            cls.entry = cls.site.panel("p-entrance", "building-entrance")
            cls.server = cls.site.panel("p-server", "server-room-door")  # commands need it online
        except BaseException:
            cls.tearDownClass()
            raise

    @classmethod
    def tearDownClass(cls):
        if cls.driver:
            cls.driver.quit()
        cls.site.close()

    def login(self, name, lang="en"):
        self.page.ensure_logged_out()
        self.assertEqual(self.page.login(name, self.site.operators.password(name)), "shell")
        self.page.set_language(lang)
        self.page.accept_confirms()

    def t(self, key, **params):
        text = self.messages["en"][key]
        for k, v in params.items():
            text = text.replace("{" + k + "}", str(v))
        return text

    def last_seq(self):
        return max((e[0] for e in self.site.events()), default=0)

    def events_since(self, seq, prefix=""):
        return [e for e in self.site.events(prefix) if e[0] > seq]

    def no_untranslated(self):
        self.assertNotIn(MISSING_MARK, self.page.visible_text())
        self.assertEqual(self.page.missing_messages(), [])

    def pass_door(self, panel, person):
        decision = panel.badge(person[2])
        self.assertTrue(decision.get("granted"), decision)
        panel.send("open")
        panel.send("close")

    def exit_panel(self):
        """The entrance's panel, restarted as its exit side's reader (the simulator plays one
        side at a time)."""
        self.entry.stop()
        panel = PanelProcess(self.site.panel_path, SITE, "p-entrance", "building-entrance",
                             f"tcp://127.0.0.1:{self.site.mqtt_port}",
                             self.site.password_file("p-entrance"),
                             os.path.join(self.site.dir, "keys", "panels", "p-entrance.key"),
                             side="exit", log=self.site._log(os.path.join(self.site.dir, "p-entrance-exit.log")))
        self.site.panels.append(panel)
        panel.wait_connected()
        return panel

    # ---------------------------------------------------------------------------------------
    def test_01_muster_and_never_alone_on_the_overview(self):
        self.login(DESK)
        self.page.wait_for_testid("overview-lockdown-none")
        self.page.wait_for_testid("overview-alone-none")
        self.page.wait_for_testid("overview-muster-none")
        # Two-person zone: the first waits for the second, then both pass.
        first = self.entry.badge(AIKO[2])
        self.assertFalse(first.get("granted"), first)
        self.assertEqual(first.get("reason"), "awaiting_second_person")
        self.pass_door(self.entry, KEN)
        inside = self.page.wait_elements("overview-muster-inside", lambda r: r and r[0]["data-count"] == "2",
                                         "two inside on the muster panel")
        self.assertIn(self.t("zones.muster.inside", n=2), inside[0]["text"])
        # The desk calls the roll.
        before = self.last_seq()
        self.page.click("overview-muster-start")
        self.assertEqual(self.page.outcome("overview-muster-outcome"), ("error", self.t("doors.comment.required")))
        self.page.clear_outcome("overview-muster-outcome")
        self.page.fill("overview-muster-comment", "fire drill")
        self.page.click("overview-muster-start")
        self.assertEqual(self.page.outcome("overview-muster-outcome", ("done",))[0], "done")
        roll = self.page.wait_elements("overview-muster-roll", lambda r: r, "the roll")[0]
        self.assertEqual((roll["data-on-roll"], roll["data-left"]), ("2", "0"))
        started = self.events_since(before, "zone.muster_started")
        self.assertEqual(len(started), 1)
        self.assertEqual(json.loads(started[0][4]).get("actor"), DESK)
        # Aiko leaves: Ken is alone in the 3F, on the overview within 5 s of her exit.
        exit_panel = self.exit_panel()
        self.pass_door(exit_panel, AIKO)
        left = time.monotonic()
        row = self.page.wait_elements("overview-alone-row", lambda r: r, "the never-alone row")[0]
        self.assertLess(time.monotonic() - left, 5.0)
        self.assertEqual((row["data-zone"], row["data-person"]), ("floor-3f", "p-ken"))
        self.assertIn("Ken Ito", row["text"])
        self.assertTrue(self.events_since(before, "zone.alone"))
        zone = self.page.wait_elements("overview-muster-zone", lambda r: r and r[0]["data-left"] == "1",
                                       "Aiko on the roll as left")[0]
        self.assertEqual((zone["data-zone"], zone["data-remaining"]), ("floor-3f", "1"))
        # Ken leaves too: nobody is alone any more.
        self.pass_door(exit_panel, KEN)
        self.page.wait_for_testid("overview-alone-none")
        self.assertTrue(self.events_since(before, "zone.alone_cleared"))
        self.no_untranslated()

    def test_02_lockdown_started_by_the_desk_lifted_by_security(self):
        self.login(DESK)
        self.page.wait_for_testid("overview-lockdown-form")
        before = self.last_seq()
        self.page.fill("overview-lockdown-scope", "zone:server-room")
        self.page.fill("overview-lockdown-comment", "intruder reported")
        self.page.click("overview-lockdown-start")
        self.assertEqual(self.page.outcome("overview-lockdown-outcome")[0], "done")
        row = self.page.wait_elements("overview-lockdown-row", lambda r: r, "the lockdown")[0]
        self.assertEqual((row["data-scope"], row["data-target"]), ("zone", "server-room"))
        self.assertIn("Server room", row["text"])
        # The desk cannot lift it; the page says who can.
        self.assertEqual(self.page.elements("overview-lockdown-lift"), [])
        self.page.wait_for_testid("overview-lockdown-lift-note")
        started = json.loads(self.events_since(before, "zone.lockdown_started")[0][4])
        self.assertEqual((started["target"], started["comment"], started["actor"]),
                         ("server-room", "intruder reported", DESK))
        self.login(SECURITY2)
        self.page.wait_elements("overview-lockdown-row", lambda r: r, "the lockdown for security")
        self.page.click("overview-lockdown-lift")
        self.assertEqual(self.page.outcome("overview-lockdown-outcome"), ("error", self.t("doors.comment.required")))
        self.page.clear_outcome("overview-lockdown-outcome")
        self.page.fill("overview-lockdown-lift-comment", "all clear")
        self.page.click("overview-lockdown-lift")
        self.page.wait_for_testid("overview-lockdown-none")
        lifted = json.loads(self.events_since(before, "zone.lockdown_lifted")[0][4])
        self.assertEqual((lifted["comment"], lifted["actor"]), ("all clear", SECURITY2))
        self.no_untranslated()

    def test_03_door_commands_with_a_comment(self):
        self.login(DESK)
        self.page.go("#/doors?id=building-entrance")
        self.page.wait_for_testid("doors-command-form")
        before = self.last_seq()
        self.page.fill("doors-command-minutes", "5")
        self.page.click("doors-command-timed_unlock")
        self.assertEqual(self.page.outcome("doors-command-outcome"), ("error", self.t("doors.comment.required")))
        self.page.clear_outcome("doors-command-outcome")
        self.page.fill("doors-command-comment", "delivery at the entrance")
        self.page.click("doors-command-timed_unlock")
        state, text = self.page.outcome("doors-command-outcome", ("done", "waiting", "error"))
        self.assertEqual(state, "done", text)
        self.page.wait_elements("doors-detail-alert",
                                lambda r: any(a["data-alert"] == "timed_unlocked" for a in r),
                                "the door held unlocked for a time")
        command = json.loads(self.page.wait_until(
            lambda: self.events_since(before, "door.command"), what="door.command")[0][4])
        self.assertEqual((command["door"], command["command"], command["comment"], command["actor"]),
                         ("building-entrance", "timed_unlock", "delivery at the entrance", DESK))
        self.assertGreater(command["until_us"], 0)
        self.page.clear_outcome("doors-command-outcome")
        self.page.fill("doors-command-comment", "delivery done")
        self.page.click("doors-command-lock")
        self.assertEqual(self.page.outcome("doors-command-outcome")[0], "done")
        self.page.wait_until(lambda: len(self.events_since(before, "door.command")) == 2, what="the lock")
        # The server room is a management area: a command waits for a second person.
        self.page.go("#/doors?id=server-room-door")
        self.page.wait_for_testid("doors-command-approval-note")
        self.page.fill("doors-command-comment", "vendor visit")
        self.page.click("doors-command-unlock")
        state, text = self.page.outcome("doors-command-outcome", ("waiting", "error"))
        self.assertEqual(state, "waiting", text)
        self.assertEqual(len(self.events_since(before, "door.command")), 2)  # nothing yet
        self.no_untranslated()
        # A facility admin sees the door, not its commands.
        self.login(FACILITY)
        self.page.go("#/doors?id=building-entrance")
        self.page.wait_for_testid("doors-detail-name")
        self.assertEqual(self.page.elements("doors-command-form"), [])

    def test_04_revocations_not_yet_acknowledged(self):
        if not self.site.panels or self.site.panels[-1].proc.poll() is not None:
            self.entry = self.site.panel("p-entrance", "building-entrance")
        self.login(SECURITY2)
        self.page.go("#/doors?id=building-entrance")
        self.page.wait_for_testid("doors-revocations")
        before = self.last_seq()
        status = self.page.driver.execute_async_script("""
            const done = arguments[arguments.length - 1];
            fetch('/api/cards/' + arguments[0], {method: 'DELETE'}).then((r) => done(r.status));""",
                                                       AIKO[2])
        self.assertEqual(status, 200)
        self.page.wait_until(lambda: self.events_since(before, "panel.revocation_sent"), what="the push")

        def page_matches_route():
            listed = json.loads(self.page.driver.execute_async_script("""
                const done = arguments[arguments.length - 1];
                fetch('/api/revocations').then((r) => r.text()).then(done);"""))["revocations"]
            waiting = sorted(r["id"] for r in listed if r.get("pending"))
            shown = sorted(r["data-id"] for r in self.page.elements("doors-revocation"))
            none = bool(self.page.elements("doors-revocations-none"))
            return (waiting == shown and (none == (not waiting))) and (listed, shown)

        listed, shown = self.page.wait_until(page_matches_route, what="the page showing what the route says")
        self.assertTrue(any(AIKO[2] in (r.get("cards") or []) for r in listed), listed)
        # Every online panel acknowledges: nothing is left waiting.
        self.page.wait_until(lambda: self.events_since(before, "panel.revocation_acked"),
                             what="the entrance panel's acknowledgement")
        self.page.wait_for_testid("doors-revocations-none")
        self.no_untranslated()

    def test_05_the_desk_pieces_speak_japanese(self):
        self.login(DESK, lang="ja")
        self.page.wait_for_testid("overview-lockdown-form")
        text = self.page.visible_text()
        for key in ("zones.lockdown.title", "zones.alone.title", "zones.muster.title"):
            self.assertIn(self.messages["ja"][key], text)
        self.page.go("#/doors?id=building-entrance")
        self.page.wait_for_testid("doors-command-form")
        self.assertIn(self.messages["ja"]["doors.command.timed_unlock"], self.page.visible_text())
        self.no_untranslated()


if __name__ == "__main__":
    unittest.main(verbosity=2)
