"""Scenario 15 (circle gate): the server room's circle gate through the real daemon, the real
mosquitto and the gate simulator (sekimori-sim-gate, our gate firmware on a host; sim/README.md).
Each case drives people (bodies crossing the leaves, the plate, the overhead sensor) through the
booth and asserts two things: what the gate's firmware did with its leaves (the `lock` lines the
sim prints: the inner leaf never opens on a refused entry; both leaves are never released together
outside a fire release, checked over the whole run), and what the controller made of it (the trail's
gate.* events and the alarm GET /api/alarms shows, with the gate's readings and camera reference).

1. A normal cycle: card, PIN at the outer reader, the outer leaf opens, one body steps in, the leaf
   shuts, the finger is taken inside, the grant carries the person's enrolled weight, the inner
   leaf opens, the person leaves: gate.cycle_completed, presence moves into the server room.
   Out again by the exit reader (card only): presence moves back.
2. Tailgate: a second body follows through the open outer leaf -> refused tailgate (priority 1).
3. Two bodies: the overhead sensor counts two in the shut booth -> refused two_bodies.
4. Return: the person steps in and back out by the outer leaf -> refused returned.
5. Piggyback: the plate reads far above the person's enrolled weight -> refused piggyback.
6. Linger: nobody gives the finger within the cycle time-out -> refused linger.
7. Stuck door: the inner leaf jams shut when the grant releases it -> gate.door_stuck and a
   refused door_stuck cycle; the person goes back out the outer leaf.
8. Fire release: both leaves released at once (gate.fire_released, priority 1); the input clears,
   the gate stays released until a guard re-arms it (gate.rearmed clears the alarms). A daemon
   restarted meanwhile still shows the gate awaiting its re-arm (rebuilt from the trail).
1b. A metal-detector hit at the gate (a custody device, sim/custody_device.py) holds it: the
   cycle is refused at the finger (access.denied portal_held), the inner leaf never opens, until
   a guard clears the hit with a comment; then a whole cycle goes through again.
9. Controller loss mid-cycle: the daemon is killed (-9) while the person waits in the booth; the
   finger gets no answer, the gate refuses controller_lost on its own and lets the person back
   out; the restarted daemon gets the journaled report and raises the alarm.

With an offline cache ([offline], docs/circle-gates.md "Offline"), on a second site:
10. The daemon killed (-9) while the person waits in the booth: the gate takes the finger from its
    cache (the card and PIN the controller accepted stand), checks the plate against the cached
    weight and lets the person through; the restarted daemon records access.offline_granted and
    the completed cycle, and presence moves into the server room.
11. The broker gone: a whole cycle decided by the gate alone (card and PIN at the outer reader,
    finger inside); a piggyback is still refused; both arrive when the broker is back.

Run alone:
  SEKIMORI_BINARY_DIR=build-test python3 tests/integration/test_15_circle_gate.py"""
import json
import os
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import site_under_test  # noqa: E402
from site_under_test import OPERATORS, SITE, SiteUnderTest, SOURCE_DIR  # noqa: E402

sys.path.insert(0, os.path.join(SOURCE_DIR, "sim"))
from console_client import ConsoleClient  # noqa: E402
from custody_device_process import CustodyDeviceProcess  # noqa: E402
from gate_process import GateProcess, make_sign_key  # noqa: E402

GATE = "gate-server-room"
PANEL = "p-gate"
CAMERA = "cam-gate"
CYCLE_TIMEOUT_MS = 6000
WEIGHT_G = 72_000  # ann's enrolled weight
PEOPLE = {  # id: (name, card, pin, finger seed)
    "ann": ("Ann Aoki", "04A0000000A001", "214365", "ann-index"),
}
# The gate's own settings (the sim's options): quick leaves and delays, a short linger.
GATE_OPTIONS = {
    "leaf-motion-ms": 150,      # the simulated operator moves a leaf this fast
    "leaf-move-ms": 3000,       # a leaf not where it was driven after this: stuck
    "close-delay-ms": 400,
    "settle-ms": 300,
    "enter-ms": 8000,
    "cycle-timeout-ms": CYCLE_TIMEOUT_MS,
    "reply-timeout-ms": 4000,
    "weight-tolerance-pct": 15,
    "max-weight-g": 150_000,
}

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
max_occupants = 1
max_weight_kg = 150.0
cycle_timeout_ms = {CYCLE_TIMEOUT_MS}
finger_threshold = 60
camera = "{CAMERA}"
weight_tolerance_pct = 15
"""


class GateSite(SiteUnderTest):
    """The test site with the gate's panel account on the broker and its signing key enrolled."""

    def __init__(self, devices=()):
        super().__init__(panels=SiteUnderTest.PANELS + (PANEL,), devices=devices)

    def enroll_panel_sign_keys(self, panels=None):
        super().enroll_panel_sign_keys(SiteUnderTest.PANELS)  # the door panels; the gate's below
        public = make_sign_key(self.gate_path, self.key_file(PANEL))
        with open(os.path.join(self.dir, "keys", "panels", PANEL + ".sign.pub"), "w") as f:
            f.write(public + "\n")

    @property
    def gate_path(self):
        return os.path.join(site_under_test.BINARY_DIR, "sim", "sekimori-sim-gate")

    def key_file(self, panel):
        return os.path.join(self.dir, "keys", "panels", panel + ".key")

    def gate(self):
        g = GateProcess(self.gate_path, SITE, PANEL, GATE, f"tcp://127.0.0.1:{self.mqtt_port}",
                        self.password_file(PANEL), self.key_file(PANEL),
                        log=self._log(os.path.join(self.dir, PANEL + ".log")),
                        options=GATE_OPTIONS, state_dir=os.path.join(self.dir, "gate-state"))
        self.panels.append(g)
        g.wait_connected()
        return g


def payload(event):
    return json.loads(event[4])


OFFLINE_TOML = """
[offline]
staleness_s = 900
sync_interval_s = 5
"""


class GateScenario(unittest.TestCase):
    """The site with the gate, Ann enrolled with her weight, the gate sim running; the helpers
    both scenarios use. No test of its own."""
    EXTRA_TOML = ""
    DEVICES = ()

    @classmethod
    def setUpClass(cls):
        cls.site = GateSite(devices=cls.DEVICES)
        try:
            with open(cls.site.config, "a") as f:
                f.write(GATE_TOML + cls.EXTRA_TOML)
            os.makedirs(os.path.join(cls.site.dir, "gate-state"), mode=0o700)
            cls.site.start()
            for person, (name, card, pin, finger) in PEOPLE.items():
                cls.site.enroll(person, name, card, pin, finger, ["floor-3f", "server-room"])
            cls.facility = cls.console(OPERATORS["facility"])
            cls.set_weight("ann", WEIGHT_G / 1000)
            cls.gate = cls.site.gate()
        except BaseException:
            cls.site.close()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.site.close()

    # --- helpers --------------------------------------------------------------------------
    @classmethod
    def console(cls, operator):
        with open(cls.site.operator_password_file(operator)) as f:
            return ConsoleClient("127.0.0.1", cls.site.console_port, operator, f.read().strip())

    @classmethod
    def set_weight(cls, person, kg):
        """The person's enrolled weight (PATCH /api/people/{id} {weight_kg}); a change held to
        four eyes is approved by the second security admin."""
        status, body = cls.facility.call("PATCH", f"/api/people/{person}", {"weight_kg": kg})
        if status == 202:
            cls.site.operators.as_(OPERATORS["security2"], "approval", "approve", "--id",
                                   body["approval"]["id"])
        elif status != 200:
            raise AssertionError(f"PATCH weight_kg: {status} {body}")

    def setUp(self):
        # Every case starts with the gate idle and both leaves shut.
        self.mark = len(self.gate.history)
        self.gate.drain()

    def tearDown(self):
        self.assertEqual(self.gate.interlock_violations(), [],
                         "both leaves released outside a fire release")

    def locks_since_mark(self):
        return [(l["leaf"], l["released"]) for l in self.gate.history[self.mark:]
                if l.get("out") == "lock"]

    def wait_events(self, type_, where=lambda p: True, count=1, timeout=15.0, after=0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = [e for e in self.site.events(type_)
                     if e[1] == type_ and e[0] > after and where(payload(e))]
            if len(found) >= count:
                return found
            time.sleep(0.05)
        self.fail(f"no {count} x {type_} in the trail after {timeout} s")

    def last_seq(self):
        events = self.site.events()
        return events[-1][0] if events else 0

    def open_gate_alarm(self, type_, refusal=None, timeout=15.0):
        """The open alarm of `type_` on the gate (GET /api/alarms), once it is there, and the
        event that raised or last re-triggered it (GET /api/alarms/{id})."""
        desk = self.console(OPERATORS["security"])
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            status, body = desk.call("GET", "/api/alarms?state=open")
            self.assertEqual(status, 200, body)
            for alarm in body["alarms"]:
                if alarm["type"] != type_ or alarm["source"] != f"gate:{GATE}":
                    continue
                status, detail = desk.call("GET", f"/api/alarms/{alarm['id']}")
                self.assertEqual(status, 200, detail)
                last = detail["events"][-1]
                if refusal is None or last["payload"].get("refusal") == refusal:
                    return alarm, last
            time.sleep(0.1)
        self.fail(f"no open {type_} alarm ({refusal}) on gate:{GATE} after {timeout} s")

    def assert_refused(self, refusal, priority, after):
        """The gate refused the cycle (its event), the trail has gate.cycle_refused with the
        readings and camera, and the open alarm carries it at `priority`."""
        recorded = self.wait_events("gate.cycle_refused", lambda p: p.get("refusal") == refusal,
                                    after=after)
        p = payload(recorded[-1])
        self.assertEqual((p["gate"], p["camera"]), (GATE, CAMERA), p)
        self.assertIn("presence", p)
        self.assertIn("weight_g", p)
        alarm, last = self.open_gate_alarm("gate.cycle_refused", refusal)
        self.assertEqual(alarm["priority"], priority, alarm)
        self.assertEqual(last["payload"]["camera"], CAMERA, last)
        return p

    def enter_booth(self, grams=WEIGHT_G):
        """Ann badges with her PIN; the outer leaf opens on the finger challenge (the finger is
        taken inside); she steps in, the leaf shuts and the booth asks for her finger."""
        _name, card, pin, _finger = PEOPLE["ann"]
        self.assertEqual(self.gate.present(card, pin=pin), "open")
        self.gate.send(f"enter outer {grams}")
        self.gate.wait_position("outer", closed=True)
        self.gate.wait_screen("booth", "place_finger")

    def leave_by(self, leaf, bodies=1):
        for _ in range(bodies):
            self.gate.send(f"leave {leaf}")
        self.gate.wait_position(leaf, closed=True)
        self.gate.wait_phase("idle")

    def rearm(self):
        """A guard's key switch re-arms the gate, clearing its refused-cycle alarm."""
        self.gate.send("rearm")
        self.gate.wait_event("gate_rearmed")



DETECTOR = "md-gate"
DETECTOR_TOML = f"""
[[metal_detectors]]
id = "{DETECTOR}"
name = "Metal detector, server room gate"
portal = "{GATE}"
"""


class CircleGate(GateScenario):
    EXTRA_TOML = DETECTOR_TOML
    DEVICES = (DETECTOR,)

    # --- the scenario, in order -----------------------------------------------------------
    def test_1_normal_cycle_moves_presence_in_and_out(self):
        after = self.last_seq()
        _name, card, pin, finger = PEOPLE["ann"]
        done = self.gate.cycle(card, pin=pin, finger=finger, grams=WEIGHT_G + 3000)
        self.assertEqual(done["kind"], "cycle_completed", done)
        self.assertEqual(self.locks_since_mark(), [("outer", True), ("outer", False),
                                                   ("inner", True), ("inner", False)])
        granted = self.wait_events("access.granted", lambda p: p.get("person") == "ann",
                                   after=after)
        self.assertEqual(payload(granted[-1]).get("weight_g"), WEIGHT_G, payload(granted[-1]))
        completed = self.wait_events("gate.cycle_completed", after=after)
        self.assertEqual(payload(completed[-1])["camera"], CAMERA)
        self.wait_events("presence.entered", lambda p: p.get("person") == "ann"
                         and p.get("zone") == "server-room", after=after)

        # Out by the exit reader (card only): the inner leaf first, the outer one after.
        self.gate.wait_phase("idle")
        self.mark = len(self.gate.history)
        out = self.gate.cycle(card, side="exit", grams=WEIGHT_G)
        self.assertEqual(out["kind"], "cycle_completed", out)
        self.assertEqual(self.locks_since_mark(), [("inner", True), ("inner", False),
                                                   ("outer", True), ("outer", False)])
        self.wait_events("presence.left", lambda p: p.get("person") == "ann"
                         and p.get("zone") == "server-room", after=after)

    def wait_detector_held(self, console, held):
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            status, body = console.call("GET", "/api/custody")
            if status == 200 and body["detectors"][0]["held"] == held:
                return
            time.sleep(0.05)
        self.fail(f"the detector's hold never became {held}")

    def test_1b_a_detector_hit_holds_the_gate_until_a_guard_clears_it(self):
        """The gate decides at the finger (card and PIN open the outer leaf on a challenge), so
        a held gate refuses the cycle there: the inner leaf never opens."""
        detector = CustodyDeviceProcess(
            site=SITE, device=DETECTOR, kind="metal_detector",
            mqtt_uri=f"tcp://127.0.0.1:{self.site.mqtt_port}",
            password_file=self.site.password_file(DETECTOR))
        guard = self.console(OPERATORS["security2"])
        cleared = False
        try:
            after = self.last_seq()
            detector.send({"do": "detect", "level": 77})
            detector.expect("acked")
            self.wait_detector_held(guard, True)
            _name, card, pin, finger = PEOPLE["ann"]
            self.enter_booth()
            self.gate.send(f"finger {finger}")
            refused = self.gate.wait_event("cycle_refused")
            self.assertEqual(refused["refusal"], "denied", refused)
            self.assertNotIn(("inner", True), self.locks_since_mark())
            self.wait_events("access.denied", lambda p: p.get("reason") == "portal_held"
                             and p.get("door") == GATE, after=after)
            self.gate.wait_position("outer", closed=False)
            self.leave_by("outer")
            status, body = guard.call("POST", f"/api/custody/detectors/{DETECTOR}/clear",
                                      {"comment": ""})
            self.assertEqual(status, 400, body)
            status, body = guard.call("POST", f"/api/custody/detectors/{DETECTOR}/clear",
                                      {"comment": "keys in a jacket pocket; checked by hand"})
            self.assertEqual(status, 200, body)
            cleared = True
            self.wait_detector_held(guard, False)
            self.rearm()
            done = self.gate.cycle(card, pin=pin, finger=finger, grams=WEIGHT_G)
            self.assertEqual(done["kind"], "cycle_completed", done)
            out = self.gate.cycle(card, side="exit", grams=WEIGHT_G)
            self.assertEqual(out["kind"], "cycle_completed", out)
        finally:
            if not cleared:  # the next cases need the gate free
                guard.call("POST", f"/api/custody/detectors/{DETECTOR}/clear",
                           {"comment": "test clean-up"})
            detector.stop()

    def test_2_tailgate_refused_inner_leaf_never_opens(self):
        after = self.last_seq()
        _name, card, pin, _finger = PEOPLE["ann"]
        self.assertEqual(self.gate.present(card, pin=pin), "open")
        self.gate.send(f"enter outer {WEIGHT_G}")
        self.gate.send("enter outer 80000")  # a second person follows through the open leaf
        refused = self.gate.wait_event("cycle_refused")
        self.assertEqual((refused["refusal"], refused["presence"]), ("tailgate", 2), refused)
        self.leave_by("outer", bodies=2)
        self.assertNotIn(("inner", True), self.locks_since_mark())
        p = self.assert_refused("tailgate", 1, after)
        self.assertEqual((p["presence"], p["weight_g"]), (2, WEIGHT_G + 80000), p)
        self.rearm()

    def test_3_two_bodies_in_the_shut_booth(self):
        after = self.last_seq()
        self.enter_booth()
        self.gate.send("presence 2")  # the overhead sensor sees a second body crouched inside
        refused = self.gate.wait_event("cycle_refused")
        self.assertEqual(refused["refusal"], "two_bodies", refused)
        self.gate.wait_position("outer", closed=False)  # back out the way they came
        self.leave_by("outer", bodies=2)
        self.assertNotIn(("inner", True), self.locks_since_mark())
        self.assertEqual(self.assert_refused("two_bodies", 1, after)["presence"], 2)
        self.rearm()

    def test_4_return_by_the_entry_leaf(self):
        after = self.last_seq()
        _name, card, pin, _finger = PEOPLE["ann"]
        self.assertEqual(self.gate.present(card, pin=pin), "open")
        self.gate.send(f"enter outer {WEIGHT_G}")
        self.gate.send("leave outer")  # turns back before the leaf shuts
        refused = self.gate.wait_event("cycle_refused")
        self.assertEqual(refused["refusal"], "returned", refused)
        self.gate.wait_position("outer", closed=True)
        self.gate.wait_phase("idle")
        self.assertNotIn(("inner", True), self.locks_since_mark())
        self.assertEqual(self.assert_refused("returned", 2, after)["presence"], 0)
        self.rearm()

    def test_5_piggyback_on_the_plate(self):
        after = self.last_seq()
        _name, _card, _pin, finger = PEOPLE["ann"]
        self.enter_booth(grams=WEIGHT_G + 40_000)  # someone carried in on her back
        self.gate.send(f"finger {finger}")
        refused = self.gate.wait_event("cycle_refused")
        self.assertEqual((refused["refusal"], refused["weight_g"]),
                         ("piggyback", WEIGHT_G + 40_000), refused)
        self.gate.wait_position("outer", closed=False)
        self.leave_by("outer")
        self.assertNotIn(("inner", True), self.locks_since_mark())
        self.assert_refused("piggyback", 1, after)
        self.rearm()

    def test_6_linger_past_the_cycle_time_out(self):
        after = self.last_seq()
        self.enter_booth()
        waited = time.monotonic()
        refused = self.gate.wait_event("cycle_refused", timeout=CYCLE_TIMEOUT_MS / 1000 + 10)
        took = time.monotonic() - waited
        self.assertEqual(refused["refusal"], "linger", refused)
        self.assertGreater(took, CYCLE_TIMEOUT_MS / 1000 - 2, "refused before the time-out")
        self.gate.wait_position("outer", closed=False)
        self.leave_by("outer")
        self.assertNotIn(("inner", True), self.locks_since_mark())
        self.assert_refused("linger", 2, after)
        self.rearm()

    def test_7_stuck_inner_leaf(self):
        after = self.last_seq()
        _name, _card, _pin, finger = PEOPLE["ann"]
        self.enter_booth()
        self.gate.send("stick inner")  # jammed shut
        self.gate.send(f"finger {finger}")
        stuck = self.gate.wait_event("gate_door_stuck")
        self.assertEqual(stuck["leaf"], "inner", stuck)
        refused = self.gate.wait_event("cycle_refused")
        self.assertEqual((refused["refusal"], refused.get("leaf")), ("door_stuck", "inner"))
        # The inner leaf is driven locked again before the outer one lets her back out.
        locks = self.locks_since_mark()
        self.assertEqual(locks[-2:], [("inner", False), ("outer", True)], locks)
        self.gate.wait_position("outer", closed=False)
        self.leave_by("outer")
        self.gate.send("unstick inner")
        recorded = self.wait_events("gate.door_stuck", after=after)
        self.assertEqual((payload(recorded[-1])["leaf"], payload(recorded[-1])["camera"]),
                         ("inner", CAMERA))
        alarm, _ = self.open_gate_alarm("gate.door_stuck")
        self.assertEqual(alarm["priority"], 2)
        self.assert_refused("door_stuck", 2, after)
        self.rearm()

    def test_8_fire_release_then_rearm(self):
        after = self.last_seq()
        self.gate.send("fire on")
        self.gate.wait_event("gate_fire_released")
        self.gate.wait_position("outer", closed=False)
        self.gate.wait_position("inner", closed=False)
        self.assertEqual(sorted(self.locks_since_mark()), [("inner", True), ("outer", True)])
        alarm, last = self.open_gate_alarm("gate.fire_released")
        self.assertEqual((alarm["priority"], last["payload"]["camera"]), (1, CAMERA))
        # The input clears: the gate stays released until a guard re-arms it.
        self.gate.send("fire off")
        self.gate.wait_event("gate_fire_cleared")
        _name, card, _pin, _finger = PEOPLE["ann"]
        self.gate.send(f"card outer {card}")
        self.gate.wait_screen("outer", "fire_release")
        self.assertEqual(sorted(self.locks_since_mark()), [("inner", True), ("outer", True)])
        self.wait_events("gate.fire_cleared", after=after)
        # The controller restarts before the re-arm: the gate is still shown awaiting it.
        self.site.kill_daemon()
        self.site.start_daemon()
        self.gate.wait_link()
        self.facility = self.console(OPERATORS["facility"])
        status, body = self.facility.call("GET", "/api/doors")
        self.assertEqual(status, 200, body)
        shown = [d for d in body["doors"] if d["id"] == GATE]
        self.assertEqual([d["gate_state"] for d in shown], ["awaiting_rearm"], shown)
        self.rearm()
        self.gate.wait_position("outer", closed=True)
        self.gate.wait_position("inner", closed=True)
        rearmed = self.wait_events("gate.rearmed", after=after)
        cleared = self.wait_events("alarm.cleared",
                                   lambda p: p["alarm"]["id"] == alarm["id"], after=after)
        self.assertEqual(payload(cleared[-1])["event_seq"], rearmed[-1][0])

    def test_9_controller_killed_while_a_person_is_in_the_booth(self):
        after = self.last_seq()
        _name, _card, _pin, finger = PEOPLE["ann"]
        self.enter_booth()
        self.site.kill_daemon()  # -9, mid-cycle
        self.gate.send(f"finger {finger}")  # no controller answers it
        refused = self.gate.wait_event("cycle_refused", timeout=15)
        self.assertEqual(refused["refusal"], "controller_lost", refused)
        self.gate.wait_position("outer", closed=False)
        self.leave_by("outer")
        self.assertNotIn(("inner", True), self.locks_since_mark())
        # The restarted controller gets the gate's journaled report and raises the alarm.
        self.site.start_daemon()
        self.gate.wait_link()
        self.assert_refused("controller_lost", 2, after)
        # And the gate works again.
        self.rearm()
        self.mark = len(self.gate.history)
        _name, card, pin, finger = PEOPLE["ann"]
        done = self.gate.cycle(card, pin=pin, finger=finger, grams=WEIGHT_G)
        self.assertEqual(done["kind"], "cycle_completed", done)


class CircleGateOffline(GateScenario):
    EXTRA_TOML = OFFLINE_TOML

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        try:
            cls.wait_fresh()
        except BaseException:
            cls.site.close()
            raise

    @classmethod
    def panels_view(cls):
        """GET /api/panels as the facility admin (logged in again after a daemon restart)."""
        for _ in range(2):
            status, body = cls.facility.call("GET", "/api/panels")
            if status == 401:
                cls.facility = cls.console(OPERATORS["facility"])
                continue
            assert status == 200, (status, body)
            return {p["panel"]: p for p in body["panels"]}
        raise AssertionError("GET /api/panels: not logged in after a fresh login")

    @classmethod
    def wait_fresh(cls, timeout=60.0):
        """Until the gate acknowledged its whole cache and then a cache_sync at that version
        (the gate's cache is fresh from that sync on)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            gate = cls.panels_view().get(PANEL, {})
            if gate.get("online") and gate["cache"]["in_sync"] and gate["cache"]["entries"] > 0:
                break
            time.sleep(0.2)
        else:
            raise AssertionError(f"the gate's cache never synced: {cls.panels_view()}")
        cls.gate.drain()
        cls.gate.wait_for(lambda l: l.get("out") == "sent" and isinstance(l.get("payload"), dict)
                          and str(l["payload"].get("command", "")).startswith("cache-sync-")
                          and l["payload"].get("result") == "done", timeout)

    def offline_grant(self, after):
        """access.offline_granted for Ann at the gate, and the completed cycle that moved her."""
        granted = self.wait_events("access.offline_granted",
                                   lambda p: p.get("person") == "ann" and p.get("side") == "entry",
                                   after=after, timeout=30)
        g = payload(granted[-1])
        self.assertEqual((g["door"], g.get("panel")), (GATE, PANEL), g)
        completed = self.wait_events("gate.cycle_completed",
                                     lambda p: p.get("session") == g.get("session"), after=after)
        self.assertEqual(payload(completed[-1]).get("person"), "ann", payload(completed[-1]))
        self.wait_events("presence.entered", lambda p: p.get("person") == "ann"
                         and p.get("zone") == "server-room", after=after)
        return g

    def leave_server_room(self):
        """Out again by the exit reader (card only), online, so the next case starts outside."""
        _name, card, _pin, _finger = PEOPLE["ann"]
        out = self.gate.cycle(card, side="exit", grams=WEIGHT_G)
        self.assertEqual(out["kind"], "cycle_completed", out)

    def test_10_daemon_killed_in_the_booth_the_cache_takes_the_finger(self):
        after = self.last_seq()
        _name, _card, _pin, finger = PEOPLE["ann"]
        self.enter_booth()  # card and PIN accepted by the controller; the finger asked for
        self.site.kill_daemon()  # -9, mid-cycle
        self.gate.send(f"finger {finger}")
        granted = self.gate.wait_event("offline_granted", timeout=15)
        self.gate.wait_position("inner", closed=False)
        self.leave_by("inner")
        done = [l for l in self.gate.history[self.mark:] if l.get("out") == "event"]
        self.assertEqual([l["kind"] for l in done][-2:], ["offline_granted", "cycle_completed"],
                         done)
        self.assertEqual(granted.get("session"), done[-1].get("session"))
        self.site.start_daemon()
        self.gate.wait_link()
        g = self.offline_grant(after)
        self.assertIn("occurred_us", g)  # the gate's own time of the decision
        self.facility = self.console(OPERATORS["facility"])
        self.leave_server_room()

    def test_11_broker_gone_the_gate_decides_whole_cycles_alone(self):
        after = self.last_seq()
        _name, card, pin, finger = PEOPLE["ann"]
        self.site.stop_broker()
        try:
            done = self.gate.cycle(card, pin=pin, finger=finger, grams=WEIGHT_G + 2000)
            self.assertEqual(done["kind"], "cycle_completed", done)
            self.assertEqual(self.locks_since_mark(), [("outer", True), ("outer", False),
                                                       ("inner", True), ("inner", False)])
            # A piggyback on the way out is still refused: the plate against the cached weight.
            self.gate.wait_phase("idle")
            self.mark = len(self.gate.history)
            refused = self.gate.cycle(card, side="exit", grams=WEIGHT_G + 40_000)
            self.assertEqual(refused.get("refusal"), "piggyback", refused)
            self.gate.wait_position("inner", closed=False)  # back in by the leaf they came
            self.leave_by("inner")
            self.assertNotIn(("outer", True), self.locks_since_mark())
        finally:
            self.site.start_broker()
        self.offline_grant(after)  # uploaded once the gate is connected again
        self.assert_refused("piggyback", 1, after)
        self.rearm()
        self.leave_server_room()


if __name__ == "__main__":
    unittest.main(verbosity=2)
