"""Scenario 03: the authenticated panel link against the real mosquitto and the real daemon
(docs/mqtt.md, "The authenticated link").

A stolen panel password alone cannot produce a grant: requests without the panel's key (no
valid MAC) and replays of captured genuine requests are refused, recorded as
panel.link_refused, and answered with nothing. An injected grant, or a captured reply played
again, does not unlock the panel. A retained request left on the broker while the daemon is
down is cleared, recorded and never acted on after the restart. Wrong PINs lock the card out
([door_lockout], 5 by default): access.card_locked_out, then locked_out until it passes."""
import json
import os
import queue
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from site_under_test import SITE, SiteUnderTest  # noqa: E402

CARD = "04C0FFEE000001"
PIN = "603917"
REQUEST = f"sekimori/{SITE}/panel/p-server/request"
REPLY = f"sekimori/{SITE}/panel/p-server/reply"


def compact(payload):
    """The panel's payload exactly as it sent it (the sim prints it parsed, in order)."""
    return json.dumps(payload, separators=(",", ":"))


class PanelLink(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.site = SiteUnderTest()
        try:
            cls.site.start()
            cls.site.enroll("carol", "Carol Chiba", CARD, PIN, "carol-index",
                            ["floor-3f", "server-room"])
            cls.panel = cls.site.panel("p-server", "server-room-door")
        except BaseException:
            cls.site.close()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.site.close()

    def newest_seq(self):
        events = self.site.events()
        return events[-1][0] if events else 0

    def access_events_after(self, seq):
        return [e for e in self.site.events("access.") if e[0] > seq]

    def sent(self, step):
        return self.panel.wait_for(
            lambda l: l.get("out") == "sent" and l["topic"] == REQUEST
            and l["payload"].get("step") == step)["payload"]

    def screen(self, name):
        self.panel.wait_for(lambda l: l.get("out") == "display" and l.get("screen") == name)

    def panel_lines(self):
        lines = []
        while True:
            try:
                lines.append(self.panel.lines.get_nowait())
            except queue.Empty:
                return lines

    def test_01_stolen_password_alone_cannot_produce_a_grant(self):
        # A genuine entry, captured on the wire by the attacker.
        self.panel.drain()
        self.panel.send(f"card {CARD}")
        card = self.sent("card")
        self.screen("enter_pin")
        self.panel.send(f"pin {PIN}")
        pin = self.sent("pin")
        self.screen("place_finger")
        self.panel.send("finger carol-index")
        decision = self.panel.wait_for(lambda l: l.get("out") == "decision")
        self.assertTrue(decision["granted"], decision)
        before = self.newest_seq()

        # With the panel's password but not its key: forged steps and replays.
        forged = dict(card, session="evil-1", mac="0" * 64)
        self.site.mosquitto_pub("p-server", REQUEST, compact(forged))
        self.site.mosquitto_pub("p-server", REQUEST, compact(card))  # replayed card step
        self.site.mosquitto_pub("p-server", REQUEST, compact(pin))   # replayed sealed PIN
        finger = dict(card, step="finger", score=99, nonce=pin["nonce"], mac="1" * 64)
        del finger["card_uid"]
        self.site.mosquitto_pub("p-server", REQUEST, compact(finger))

        refusals = []
        def refused(e):
            if e[1] == "panel.link_refused" and e[0] > before:
                refusals.append(json.loads(e[4])["reason"])
            return len(set(refusals)) >= 2 and len(refusals) >= 4
        self.site.wait_event(refused)
        # The forged steps fail their MAC; the genuine captured ones answer counters the
        # daemon has seen pass.
        self.assertEqual(set(refusals), {"bad_mac", "out_of_order"}, refusals)
        # Nothing was decided, so nothing was answered (a reply follows only a durable
        # access event) and no door opened.
        self.assertEqual(self.access_events_after(before), [])

    def test_02_injected_or_replayed_reply_does_not_unlock(self):
        self.panel.drain()
        self.panel.send(f"card {CARD}")
        card = self.sent("card")
        self.screen("enter_pin")
        # What an attacker holding the panel's password can reach: the reply topic is the
        # controller's (the broker drops it), and without the panel key no MAC verifies.
        grant = {"session": card["session"], "door": card["door"], "step": "card",
                 "type": "decision", "granted": True, "reason": "granted", "unlock_ms": 5000,
                 "epoch": card["epoch"], "counter": card["counter"], "nonce": card["nonce"],
                 "mac": "0" * 64}
        self.site.mosquitto_pub("p-server", REPLY, compact(grant))
        lines = self.panel_lines()
        self.assertFalse([l for l in lines if l.get("out") == "lock" and l.get("released")],
                         lines)
        # The session goes on: a wrong PIN ends it the honest way.
        self.panel.send("pin 1")
        decision = self.panel.wait_for(lambda l: l.get("out") == "decision")
        self.assertEqual(decision["reason"], "wrong_pin")

    def test_03_retained_request_is_not_acted_on_after_a_restart(self):
        self.site.stop_daemon()
        before = self.newest_seq()
        request = {"session": "ret-1", "door": "building-entrance", "side": "entry",
                   "step": "card", "card_uid": CARD, "epoch": "e" * 32, "counter": 1,
                   "nonce": "c" * 32, "mac": "f" * 64}
        topic = f"sekimori/{SITE}/panel/p-entrance/request"
        r = subprocess.run(["mosquitto_pub", "-h", "127.0.0.1", "-p", str(self.site.mqtt_port),
                            "-q", "1", "-r", "-u", "p-entrance", "-P",
                            self.site.password("p-entrance"), "-t", topic,
                            "-m", compact(request)], capture_output=True, text=True, timeout=20)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.site.start_daemon()
        cleared = self.site.wait_event(lambda e: e[1] == "panel.retained_cleared"
                                       and e[0] > before, timeout=30)
        self.assertIn(topic, cleared[4])
        self.assertEqual([e for e in self.access_events_after(before) if "ret-1" in e[4]], [])
        self.panel.wait_link(timeout=30)  # the panel takes the restarted daemon's epoch

    def test_04_wrong_pins_lock_the_card_out(self):
        before = self.newest_seq()
        for attempt in range(5):
            decision = self.panel.badge(CARD, pin="111111")
            self.assertEqual(decision["reason"], "wrong_pin", attempt)
        locked = self.site.wait_event(lambda e: e[1] == "access.card_locked_out"
                                      and e[0] > before)
        self.assertEqual(json.loads(locked[4])["card"], CARD)
        # The right PIN no longer helps until the lock passes.
        decision = self.panel.badge(CARD, pin=PIN, finger="carol-index")
        self.assertFalse(decision["granted"])
        self.assertEqual(decision["reason"], "locked_out")


if __name__ == "__main__":
    unittest.main()
