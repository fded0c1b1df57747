"""Scenario 19 (the My Number vault link, docs/vault-api.md): a vault day against the real daemon,
broker and simulated panels, played by the reference client (sim/vault_client.py) with its own
Ed25519 key. The test site's three-factor door leads into a handling area ruled `work_window`,
`two_person` and `never_alone`; leaving is the same door's exit reader.

1. Bad input changes nothing: unsigned, wrongly signed, stale, replayed, malformed and forbidden
   requests get 401/400/403 with a clear message, and no window, no designation, no push.
2. The day: entry refused outside a window (no_work_window), granted inside (two handlers
   together); authorize true with the second handler inside, false (alone) once he left; the
   first window ends with its holder inside: authorize false (no_window),
   vault.window_ended_inside, a desk alarm; the holder leaves: overstay_cleared. Every presence change arrives over MQTT on the vault's own
   broker account, in id order, chained by prev, once each after de-duplication by id; an
   acknowledgement empties the queue.
3. A row written behind the daemon (a window for someone the vault never approved) is not
   applied after a restart: counted in the status, logged, and the door still refuses them."""
import datetime
import json
import os
import sqlite3
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from site_under_test import SITE, SiteUnderTest, SOURCE_DIR  # noqa: E402

sys.path.insert(0, os.path.join(SOURCE_DIR, "sim"))
from console_client import ConsoleClient  # noqa: E402
from vault_client import PushFollower, VaultClient, keygen  # noqa: E402

sys.path.insert(0, os.path.join(SOURCE_DIR, "tests", "tamper"))
from insider_attacks import append_event  # noqa: E402

ZONE = "handling-area"
DOOR = "handling-door"
FIRST_WINDOW_S = 40  # ann's window: long enough to badge in, be asked with bob and alone

PEOPLE = {  # id: (name, card, pin, finger seed)
    "ann": ("Ann Aoki", "04A0000000A001", "214365", "ann-index"),
    "bob": ("Bob Baba", "04A0000000B002", "365214", "bob-index"),
    "eve": ("Eve Endo", "04A0000000E005", "634125", "eve-index"),
}

RULES = f"""
[[zones]]
id = "{ZONE}"
name = "Handling area"
parent = "floor-3f"
kind = "handling_area"

[[zone_rules]]
zone = "{ZONE}"
work_window = true
two_person = true
companion_window_s = 10
never_alone = true
alone_grace_s = 2

[vault]
public_key_file = "vault-keys/vault.pub"
areas = ["{ZONE}"]
push_resend_s = 2
"""


def payload(event):
    return json.loads(event[4])


def local_now():
    return datetime.datetime.now().astimezone()


class VaultDay(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.site = SiteUnderTest(services=("vault",))
        cls.follower = None
        try:
            with open(cls.site.config) as f:
                text = f.read()
            text = text.replace('id = "server-room-door"\nname = "Server room door"',
                                f'id = "{DOOR}"\nname = "Handling area door"', 1)
            text = text.replace('from_zone = "floor-3f"\nto_zone = "server-room"',
                                f'from_zone = "floor-3f"\nto_zone = "{ZONE}"', 1)
            with open(cls.site.config, "w") as f:
                f.write(text + RULES)
            keys = os.path.join(cls.site.dir, "vault-keys")
            os.makedirs(keys)
            cls.key_file = os.path.join(keys, "vault.key")
            keygen(cls.key_file, os.path.join(keys, "vault.pub"))
            cls.site.start()
            for person, (name, card, pin, finger) in PEOPLE.items():
                cls.site.enroll(person, name, card, pin, finger, ["floor-3f", ZONE])
            cls.desk_password = cls.site.add_operator("desk", "operator")
            cls.vault = VaultClient(f"https://127.0.0.1:{cls.site.console_port}", cls.key_file)
            cls.wait_ready()
            cls.follower = PushFollower("127.0.0.1", cls.site.mqtt_port, "vault",
                                        cls.site.password_file("vault"),
                                        f"sekimori/{SITE}/vault/presence", client=cls.vault)
            cls.entry = cls.site.panel("p-server", DOOR)
        except BaseException:
            cls.tearDownClass()
            raise

    @classmethod
    def tearDownClass(cls):
        if cls.follower:
            cls.follower.close()
        cls.site.close()

    @classmethod
    def wait_ready(cls):
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            status, body = cls.vault.presence()
            if status != 503:
                return
            time.sleep(0.1)
        raise AssertionError("the vault link never left vault.starting")

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

    def desk(self):
        return ConsoleClient("127.0.0.1", self.site.console_port, "desk", self.desk_password)

    def vault_events(self):
        return [e for e in self.site.events("vault.") if e[1] != "vault.request_refused"]

    def assert_refused(self, result, status, code):
        got_status, body = result
        self.assertEqual(got_status, status, body)
        self.assertEqual(body["code"], code, body)
        self.assertTrue(body["error"], body)

    # --- the scenario, in order -----------------------------------------------------------
    def test_1_bad_requests_change_nothing(self):
        before = self.vault_events()
        good = json.dumps({"set": [{"person": "eve", "areas": [ZONE]}]}).encode()
        target = "/api/vault/handlers"
        # Unsigned; signed by another key; signed for another body; stale.
        self.assert_refused(self.vault.send("POST", target, good), 401, "vault.unauthenticated")
        stranger_dir = os.path.join(self.site.dir, "stranger")
        os.makedirs(stranger_dir, exist_ok=True)
        keygen(os.path.join(stranger_dir, "k"), os.path.join(stranger_dir, "p"))
        stranger = VaultClient(f"https://127.0.0.1:{self.site.console_port}",
                               os.path.join(stranger_dir, "k"))
        self.assert_refused(stranger.call("POST", target, json.loads(good)), 401,
                            "vault.unauthenticated")
        other = json.dumps({"set": [{"person": "bob", "areas": [ZONE]}]}).encode()
        self.assert_refused(
            self.vault.send("POST", target, good, self.vault.signed_headers("POST", target, other)),
            401, "vault.unauthenticated")
        stale = self.vault.signed_headers("POST", target, good, timestamp=int(time.time()) - 3600)
        self.assert_refused(self.vault.send("POST", target, good, stale), 401, "vault.stale")
        # Malformed bodies, signed: 400 naming the field.
        for body in (b"{", b'{"set": "eve"}', b'{"set": [{"person": "eve"}], "extra": 1}'):
            result = self.vault.send("POST", target, body,
                                     self.vault.signed_headers("POST", target, body))
            self.assert_refused(result, 400, "vault.bad_request")
        # Forbidden: an area the vault does not speak for; a window for a non-handler.
        status, body = self.vault.set_handlers({"eve": ["server-room"]})
        self.assertEqual(status, 403, body)
        now = local_now()
        status, body = self.vault.approve_window("APR-X", "eve", ZONE, now,
                                                 now + datetime.timedelta(hours=1))
        self.assertEqual(status, 403, body)
        self.assertIn("not a designated handler", body["error"])
        # Replayed: the same signed request twice. The first is accepted, the second is 401.
        signed = self.vault.signed_headers("POST", "/api/vault/authorize",
                                           b'{"person":"eve","area":"handling-area"}')
        first = self.vault.send("POST", "/api/vault/authorize",
                                b'{"person":"eve","area":"handling-area"}', signed)
        self.assertEqual(first[0], 200, first)
        self.assertEqual(first[1]["reason"], "not_a_handler")
        self.assert_refused(self.vault.send("POST", "/api/vault/authorize",
                                            b'{"person":"eve","area":"handling-area"}', signed),
                            401, "vault.replayed")

        after = self.vault_events()
        changed = [e for e in after[len(before):] if e[1] != "vault.authorized"]
        self.assertEqual(changed, [], "a refused request left a change in the trail")
        status, view = self.desk().call("GET", "/api/vault/status")
        self.assertEqual(status, 200, view)
        self.assertEqual((view["handlers"], view["windows"]), (0, []))
        refused = self.wait_events("vault.request_refused")
        self.assertIn(payload(refused[0])["reason"], ("vault.unauthenticated", "vault.stale"))

    def test_2_a_vault_day(self):
        status, body = self.vault.set_handlers({"ann": [ZONE], "bob": [ZONE]})
        self.assertEqual(status, 200, body)
        now = local_now()
        # A window that starts in an hour: entry now is refused.
        later = now + datetime.timedelta(hours=1)
        status, body = self.vault.approve_window("APR-ANN-PM", "ann", ZONE, later,
                                                 later + datetime.timedelta(hours=1))
        self.assertEqual(status, 200, body)
        refused = self.badge(self.entry, "ann")
        self.assertFalse(refused["granted"])
        self.assertEqual(refused["reason"], "no_work_window")
        # The same approval sent again is answered and changes nothing; other terms are 409.
        status, body = self.vault.approve_window("APR-ANN-PM", "ann", ZONE, later,
                                                 later + datetime.timedelta(hours=1))
        self.assertEqual(status, 200, body)
        status, body = self.vault.approve_window("APR-ANN-PM", "ann", ZONE, now, later)
        self.assertEqual((status, body["code"]), (409, "vault.conflict"), body)

        # Windows open now: ann's ends in FIRST_WINDOW_S, bob's in an hour.
        start = now - datetime.timedelta(minutes=1)
        ann_end = local_now() + datetime.timedelta(seconds=FIRST_WINDOW_S)
        self.assertEqual(self.vault.approve_window("APR-ANN-AM", "ann", ZONE, start, ann_end)[0],
                         200)
        self.assertEqual(self.vault.approve_window("APR-BOB-AM", "bob", ZONE, start, later)[0],
                         200)
        self.assertEqual(self.badge(self.entry, "ann")["reason"], "awaiting_second_person")
        granted = self.badge(self.entry, "bob")
        self.assertTrue(granted["granted"], granted)
        for person in ("ann", "bob"):
            self.follower.wait_for(lambda p: p["kind"] == "entered" and p["person"] == person)
        status, answer = self.vault.authorize("ann", ZONE)
        self.assertEqual(status, 200, answer)
        self.assertEqual((answer["authorized"], answer["reason"]), (True, "ok"), answer)
        self.assertTrue(answer["inside"])
        self.assertEqual(answer["second_person"], "bob")
        self.assertEqual(answer["window"]["approval_id"], "APR-ANN-AM")

        # Bob leaves: ann is alone.
        exit_panel = self.exit_panel()
        self.assertTrue(self.badge(exit_panel, "bob")["granted"])
        self.follower.wait_for(lambda p: p["kind"] == "left" and p["person"] == "bob")
        status, answer = self.vault.authorize("ann", ZONE)
        self.assertEqual((answer["authorized"], answer["reason"]), (False, "alone"), answer)
        self.follower.wait_for(lambda p: p["kind"] == "alone" and p["person"] == "ann")

        # Ann's window ends with her inside.
        ended = self.wait_events("vault.window_ended_inside", lambda p: p["person"] == "ann",
                                 timeout=FIRST_WINDOW_S + 10)
        self.assertEqual(payload(ended[-1])["approval_id"], "APR-ANN-AM")
        status, answer = self.vault.authorize("ann", ZONE)
        self.assertEqual((answer["authorized"], answer["reason"]), (False, "no_window"), answer)
        self.follower.wait_for(lambda p: p["kind"] == "window_ended_inside")
        raised = self.wait_events("alarm.raised",
                                  lambda p: p["alarm"]["type"] == "vault.window_ended_inside")
        alarm = payload(raised[-1])["alarm"]
        self.assertEqual((alarm["source"], alarm["priority"]), ("person:ann", 2))

        # She leaves: the overstay clears, and so does the alarm.
        self.assertTrue(self.badge(exit_panel, "ann")["granted"])
        self.follower.wait_for(lambda p: p["kind"] == "left" and p["person"] == "ann")
        last = self.follower.wait_for(lambda p: p["kind"] == "overstay_cleared")
        self.wait_events("alarm.cleared", lambda p: p["alarm"]["id"] == alarm["id"])
        self.entry_panel_again(exit_panel)
        status, answer = self.vault.authorize("bob", ZONE)
        self.assertEqual(answer["reason"], "not_inside", answer)

        # The stream: in id order, chained by prev, once each; what the trail records.
        pushes = self.follower.pushes
        ids = [p["id"] for p in pushes]
        self.assertEqual(ids, sorted(set(ids)))
        for before, push in zip(pushes, pushes[1:]):
            self.assertEqual(push["prev"], before["id"], pushes)
        kinds = [(p["kind"], p.get("person")) for p in pushes]
        self.assertEqual(sorted(kinds[:2]), [("entered", "ann"), ("entered", "bob")], kinds)
        self.assertEqual(kinds[2:5], [("left", "bob"), ("alone", "ann"),
                                      ("window_ended_inside", "ann")], kinds)
        # Ann's exit and the end of "alone" are one presence change, in either order.
        self.assertEqual(sorted(kinds[5:7]), [("alone_cleared", None), ("left", "ann")], kinds)
        self.assertEqual(kinds[7:], [("overstay_cleared", "ann")], kinds)
        print(f"vault day: {len(pushes)} pushes, {self.follower.duplicates} duplicates dropped, "
              f"{self.follower.gaps} gaps filled", file=sys.stderr)
        self.assertGreater(self.follower.duplicates, 0, "unacknowledged pushes are resent")

        status, body = self.vault.ack(last["id"])
        self.assertEqual(status, 200, body)
        status, body = self.vault.presence()
        self.assertEqual(status, 200, body)
        self.assertTrue(all(p["id"] > last["id"] for p in body["pushes"]), body)
        status, body = self.vault.ack(body["last_id"] + 1000)
        self.assertEqual((status, body["code"]), (400, "vault.bad_request"))

    def test_3_a_window_written_behind_the_daemon_is_not_applied(self):
        self.site.stop_daemon()
        now_us = int(time.time() * 1e6)
        # The attacker chains the row properly (docs/audit.md's encoding): the trail's own hash
        # chain holds; only the vault's signature, absent, tells it apart.
        forged = {"approval_id": "APR-FORGED", "person": "eve", "area": ZONE,
                  "from_us": now_us - 60_000_000, "to_us": now_us + 3_600_000_000,
                  "request": {"method": "POST", "target": "/api/vault/windows",
                              "timestamp": now_us // 1_000_000, "nonce": "forged-nonce-0001",
                              "signature": "00" * 64, "body": "{}"}}
        designation = {"set": [{"person": "eve", "areas": [ZONE]}], "removed": [],
                       "request": dict(forged["request"], target="/api/vault/handlers",
                                       nonce="forged-nonce-0002")}
        db = sqlite3.connect(self.site.database)
        try:
            append_event(db, now_us, "vault.handlers_changed", "vault", "", json.dumps(designation))
            append_event(db, now_us, "vault.window_approved", "vault", "eve", json.dumps(forged))
            db.commit()
        finally:
            db.close()
        self.site.start_daemon()
        type(self).entry = self.site.turn_panel(self.entry, "entry")  # a fresh link to the new daemon
        self.wait_ready()
        status, view = self.desk().call("GET", "/api/vault/status")
        self.assertEqual(status, 200, view)
        self.assertEqual(view["refused_recorded_requests"], 2, view)
        self.assertNotIn("APR-FORGED", [w["approval_id"] for w in view["windows"]])
        with open(self.site.daemon_log) as log:
            self.assertIn("do not carry a valid vault signature", log.read())
        refused = self.badge(self.entry, "eve")
        self.assertEqual(refused["reason"], "no_work_window", refused)


if __name__ == "__main__":
    unittest.main()
