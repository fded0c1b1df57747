"""Issue 17 over the real daemon, broker and peers we did not write: the plant served by Debian's
pymodbus (sim/plant_sim.py --site, at the site file's own addresses) and the UPS read through
NUT's real upsd (sim/nut_ups.py). A lost feed is a transfer to the other, confirmed by the
switch's auxiliary contacts; both feeds lost start the generator, which takes the load; a
Modbus device that stops answering makes its values stale and raises no transfer; a generator
start and an outlet switch happen only once a second person approved them, and count as done
only when the device reads back what was asked."""
import json
import os
import socket
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from site_under_test import SiteUnderTest, SOURCE_DIR  # noqa: E402

sys.path.insert(0, os.path.join(SOURCE_DIR, "sim"))
from console_client import ConsoleClient  # noqa: E402
from nut_ups import NutSite  # noqa: E402
from site_operators import FACILITY, SECURITY2  # noqa: E402


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


EXTRA = """
[[modbus_devices]]
id = "pm-a"
host = "127.0.0.1"
port = {port}
unit_id = 1
profile = "meter"
poll_ms = 300
timeout_ms = 200

[[modbus_devices]]
id = "pm-b"
host = "127.0.0.1"
port = {port}
unit_id = 2
profile = "meter"
poll_ms = 300
timeout_ms = 200

[[modbus_devices]]
id = "ats-1"
host = "127.0.0.1"
port = {port}
unit_id = 3
profile = "ats"
poll_ms = 300
timeout_ms = 200

[[modbus_devices]]
id = "gen-1"
host = "127.0.0.1"
port = {port}
unit_id = 4
profile = "generator"
poll_ms = 300
timeout_ms = 200

[[modbus_devices]]
id = "relay-1"
host = "127.0.0.1"
port = {port}
unit_id = 31
profile = "relay"
poll_ms = 300
timeout_ms = 200

[power]
ats = "ats-1"

[[power.feeds]]
id = "feed-a"
name = "Utility feed A"
meter = "pm-a"

[[power.feeds]]
id = "feed-b"
name = "Utility feed B"
meter = "pm-b"

[power.generator]
device = "gen-1"
rating_kw = 100.0
burn_curve = [[0.0, 6.8], [0.25, 10.4], [0.5, 15.2], [0.75, 20.6], [1.0, 26.9]]
site_load_kw = 42.0
day_tank_l = 1000.0
bulk_tank_l = 2000.0

[[power.ups]]
id = "ups-1"
name = "UPS 1"
nut = "ups1@127.0.0.1:{nut_port}"
"""


class PowerPlant(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.site = SiteUnderTest()
        cls.sim = None
        cls.nut = None
        try:
            cls.nut = NutSite(ups=["ups1"])
            cls.modbus_port = free_port()
            with open(cls.site.config, "a") as f:
                f.write(EXTRA.format(port=cls.modbus_port, nut_port=cls.nut.port))
            cls.start_sim()
            cls.site.start()
            ops = cls.site.operators
            port = cls.site.console_port
            cls.desk_password = cls.site.add_operator("desk", "operator")
            cls.desk = ConsoleClient("127.0.0.1", port, "desk", cls.desk_password)
            cls.facility = ConsoleClient("127.0.0.1", port, FACILITY, ops.password(FACILITY))
            cls.security = ConsoleClient("127.0.0.1", port, SECURITY2, ops.password(SECURITY2))
        except BaseException:
            cls.tearDownClass()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.stop_sim()
        if cls.nut:
            cls.nut.stop()
        cls.site.close()

    @classmethod
    def start_sim(cls):
        # Ten plant seconds a second: the switch's delay and the generator's warm-up in drill
        # time; Modbus itself is never sped up.
        cls.sim = subprocess.Popen(
            ["/usr/bin/python3", os.path.join(SOURCE_DIR, "sim", "plant_sim.py"),
             "--site", cls.site.config, "--speed", "5"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        ready = json.loads(cls.sim.stdout.readline())
        assert ready["ready"]["pm-a"] == cls.modbus_port, ready

    @classmethod
    def stop_sim(cls):
        if cls.sim and cls.sim.poll() is None:
            cls.sim.kill()
            cls.sim.wait(10)
        cls.sim = None

    def plant(self, command):
        self.sim.stdin.write(json.dumps(command) + "\n")
        self.sim.stdin.flush()
        while True:  # the plant's own events may come first
            answer = json.loads(self.sim.stdout.readline())
            if "event" not in answer:
                return answer

    def setUp(self):
        # Each case starts from a plant with both feeds up and the sim answering.
        if self.sim is None:
            type(self).start_sim()
        self.plant({"do": "restore", "feed": "a"})
        self.plant({"do": "restore", "feed": "b"})

    def power(self):
        _, body = self.desk.expect("GET", "/api/power")
        return body

    def wait_power(self, predicate, timeout=30.0, what="the plant"):
        deadline = time.monotonic() + timeout
        body = None
        while time.monotonic() < deadline:
            body = self.power()
            if predicate(body):
                return body
            time.sleep(0.2)
        self.fail(f"{what} not seen within {timeout} s; last: {json.dumps(body)[:2000]}")

    def events(self, type_name, after=0):
        return [(seq, json.loads(payload)) for seq, t, _, _, payload in self.site.events(type_name)
                if t == type_name and seq > after]

    def last_seq(self):
        rows = self.site.events()
        return rows[-1][0] if rows else 0

    def test_1_a_lost_feed_is_a_confirmed_transfer_and_both_lost_start_the_generator(self):
        self.wait_power(lambda b: b["plant"]["ats"]["position"] == "a"
                        and all(f["state"] == "live" for f in b["plant"]["feeds"]),
                        what="both feeds live, the switch on A")
        since = self.last_seq()
        self.plant({"do": "cut", "feed": "a"})
        body = self.wait_power(lambda b: b["plant"]["ats"]["position"] == "b"
                               and b["plant"]["load"]["source"] == "feed-b",
                               what="the switch confirmed on B")
        self.assertEqual(body["plant"]["ats"]["quality"], "good")
        # (The switch may move before the loss is recorded: the loss is debounced, the move is
        # what the contacts say; took_ms counts from the first lost reading.)
        self.site.wait_event(lambda e: e[1] == "power.source_lost" and e[0] > since
                             and json.loads(e[4]).get("feed") == "feed-a")
        transfer = self.site.wait_event(lambda e: e[1] == "power.transfer" and e[0] > since)
        payload = json.loads(transfer[4])
        self.assertEqual(payload.get("to"), "feed-b", payload)
        self.assertGreater(payload.get("took_ms", 0), 0, payload)

        self.plant({"do": "cut", "feed": "b"})
        self.wait_power(lambda b: b["plant"]["generator"]["state"] == "on_load"
                        and b["plant"]["load"]["source"] == "generator",
                        timeout=45, what="the generator on load")
        states = [p.get("state") for _, p in self.events("power.generator_state", since)]
        for state in ("cranking", "warming", "on_load"):
            self.assertIn(state, states)
        # The UPS rode through on battery, as upsd reported it.
        self.nut.set("ups1", {"ups.status": "OB DISCHRG", "battery.charge": "87"})
        self.wait_power(lambda b: b["plant"]["ups"][0]["on_battery"] is True
                        and b["plant"]["ups"][0]["charge"] == 87, what="the UPS on battery")
        self.nut.set("ups1", {"ups.status": "OL", "battery.charge": "90"})
        self.plant({"do": "restore", "feed": "a"})
        self.plant({"do": "restore", "feed": "b"})
        self.wait_power(lambda b: b["plant"]["ats"]["position"] == "a", timeout=45,
                        what="the retransfer to A")

    def test_2_a_silent_device_is_stale_never_a_transfer(self):
        self.wait_power(lambda b: b["plant"]["ats"]["position"] == "a"
                        and b["plant"]["ats"]["quality"] == "good", timeout=60,
                        what="the switch back on A")
        since = self.last_seq()
        type(self).stop_sim()
        body = self.wait_power(lambda b: b["plant"]["ats"]["quality"] != "good"
                               and all(f["state"] == "unknown" for f in b["plant"]["feeds"]),
                               what="every Modbus value stale")
        self.assertEqual(body["plant"]["ats"]["position"], "unknown")
        stale = [p for p in body["points"] if p["point"].startswith("pm-a.")]
        self.assertTrue(stale and all(p["quality"] != "good" for p in stale), stale)
        # The trail has the quality changes and not one transfer or lost source.
        self.site.wait_event(lambda e: e[1] == "telemetry.quality_lost" and e[0] > since)
        for kind in ("power.transfer", "power.source_lost"):
            self.assertEqual(self.events(kind, since), [], kind)
        # upsd gone: the UPS is stale at once, not its last value.
        self.nut.kill_upsd()
        self.wait_power(lambda b: b["plant"]["ups"][0]["quality"] != "good",
                        what="the UPS stale once upsd went away")
        self.nut.start_upsd()
        type(self).start_sim()
        self.wait_power(lambda b: b["plant"]["ats"]["quality"] == "good"
                        and b["plant"]["ups"][0]["quality"] == "good", timeout=60,
                        what="the plant back")

    def test_3_commands_need_a_second_person_and_a_read_back(self):
        self.wait_power(lambda b: b["plant"]["generator"]["state"] == "stopped", timeout=90,
                        what="the generator stopped")
        # The desk may watch, not switch.
        status, _ = self.desk.call("POST", "/api/power/commands",
                                   {"device": "gen-1", "command": "start", "reason": "test"})
        self.assertEqual(status, 403)
        status, body = self.facility.call("POST", "/api/power/commands",
                                          {"device": "gen-1", "command": "start"})
        self.assertEqual(status, 400, body)
        self.assertIn("reason", body["error"])
        since = self.last_seq()
        _, asked = self.facility.expect(
            "POST", "/api/power/commands",
            {"device": "gen-1", "command": "start", "reason": "monthly test run"}, (202,))
        approval = asked["approval"]["id"]
        # Nothing is sent before the approval, and the one who asked cannot approve.
        status, _ = self.facility.call("POST", f"/api/approvals/{approval}/approve")
        self.assertEqual(status, 403)
        self.assertEqual(self.events("power.command_sent", since), [])
        self.assertEqual(self.power()["plant"]["generator"]["state"], "stopped")
        self.security.expect("POST", f"/api/approvals/{approval}/approve")
        confirmed = self.site.wait_event(
            lambda e: e[1] == "power.command_confirmed" and e[0] > since, timeout=30)
        payload = json.loads(confirmed[4])
        self.assertEqual(payload["approval"], approval)
        self.assertEqual(payload["requested_by"], FACILITY)
        self.assertEqual(payload["approved_by"], SECURITY2)
        self.assertIn(payload["read_value"], [1, 2, 3, 4])
        approved = self.events("power.command_approved", since)
        sent = self.events("power.command_sent", since)
        self.assertEqual(len(approved), 1)
        self.assertEqual(len(sent), 1)
        self.assertLess(approved[0][0], sent[0][0])
        self.assertLess(sent[0][0], confirmed[0])

        # An outlet: switched and read back from its own coil.
        since = self.last_seq()
        _, asked = self.facility.expect(
            "POST", "/api/power/commands",
            {"device": "relay-1", "command": "on", "point": "coil_5", "reason": "test lamp"},
            (202,))
        self.security.expect("POST", f"/api/approvals/{asked['approval']['id']}/approve")
        self.site.wait_event(lambda e: e[1] == "power.command_confirmed" and e[0] > since
                             and json.loads(e[4])["point"] == "coil_5", timeout=30)
        point = next(p for p in self.power()["points"] if p["point"] == "relay-1.coil_5")
        self.assertEqual(point["value"], 1)

        # The generator told to stop again (so the plant is left as found).
        _, asked = self.facility.expect(
            "POST", "/api/power/commands",
            {"device": "gen-1", "command": "stop", "reason": "test run over"}, (202,))
        self.security.expect("POST", f"/api/approvals/{asked['approval']['id']}/approve")
        self.site.wait_event(lambda e: e[1] == "power.command_confirmed" and e[0] > since
                             and json.loads(e[4])["command"] == "stop", timeout=30)

    def test_4_a_command_the_device_refuses_or_never_confirms_is_an_alarm(self):
        self.wait_power(lambda b: b["plant"]["ats"]["quality"] == "good"
                        and b["plant"]["generator"]["state"] == "stopped", timeout=90,
                        what="the plant answering, the generator stopped")
        # A coil stuck off: the relay answers the write with its own state, off.
        self.plant({"do": "stick", "device": "relay-1", "point": "coil_6"})
        since = self.last_seq()
        _, asked = self.facility.expect(
            "POST", "/api/power/commands",
            {"device": "relay-1", "command": "on", "point": "coil_6", "reason": "stuck relay"},
            (202,))
        self.security.expect("POST", f"/api/approvals/{asked['approval']['id']}/approve")
        failed = self.site.wait_event(
            lambda e: e[1] == "power.command_failed" and e[0] > since, timeout=20)
        self.assertEqual(json.loads(failed[4])["error"], "bad_data", failed)
        self.site.wait_event(lambda e: e[1] == "alarm.raised" and e[0] > since
                             and "relay-1" in e[4], timeout=10)
        # A generator that never cranks: the start is echoed, the engine state never follows.
        self.plant({"do": "jam", "on": True})
        since = self.last_seq()
        _, asked = self.facility.expect(
            "POST", "/api/power/commands",
            {"device": "gen-1", "command": "start", "reason": "test run"}, (202,))
        self.security.expect("POST", f"/api/approvals/{asked['approval']['id']}/approve")
        self.site.wait_event(lambda e: e[1] == "power.command_sent" and e[0] > since)
        unconfirmed = self.site.wait_event(
            lambda e: e[1] == "power.command_unconfirmed" and e[0] > since, timeout=45)
        payload = json.loads(unconfirmed[4])
        self.assertEqual(payload["read_point"], "engine_state")
        self.assertEqual(payload["read_value"], 0)
        self.assertGreaterEqual(payload["waited_ms"], 30000)
        self.site.wait_event(lambda e: e[1] == "alarm.raised" and e[0] > since
                             and "gen-1" in e[4], timeout=10)
        self.plant({"do": "jam", "on": False})
        _, asked = self.facility.expect(
            "POST", "/api/power/commands",
            {"device": "gen-1", "command": "stop", "reason": "cancel the test run"}, (202,))
        self.security.expect("POST", f"/api/approvals/{asked['approval']['id']}/approve")
        self.site.wait_event(lambda e: e[1] == "power.command_confirmed" and e[0] > since,
                             timeout=30)


    def test_5_a_command_lost_in_a_restart_is_recorded_failed_never_resent(self):
        self.wait_power(lambda b: b["plant"]["generator"]["state"] == "stopped", timeout=90,
                        what="the generator stopped")
        self.plant({"do": "jam", "on": True})  # the start is sent and never confirmed
        since = self.last_seq()
        _, asked = self.facility.expect(
            "POST", "/api/power/commands",
            {"device": "gen-1", "command": "start", "reason": "lost in a restart"}, (202,))
        approval = asked["approval"]["id"]
        self.security.expect("POST", f"/api/approvals/{approval}/approve")
        self.site.wait_event(lambda e: e[1] == "power.command_sent" and e[0] > since)
        self.site.kill_daemon()
        self.site.start_daemon()
        failed = self.site.wait_event(
            lambda e: e[1] == "power.command_failed" and e[0] > since, timeout=20)
        payload = json.loads(failed[4])
        self.assertEqual((payload["approval"], payload["error"]), (approval, "restart"))
        self.assertEqual(len(self.events("power.command_sent", since)), 1)  # never resent
        self.plant({"do": "jam", "on": False})
        # Log in again after the restart.
        port = self.site.console_port
        ops = self.site.operators
        type(self).facility = ConsoleClient("127.0.0.1", port, FACILITY, ops.password(FACILITY))
        type(self).security = ConsoleClient("127.0.0.1", port, SECURITY2,
                                            ops.password(SECURITY2))
        type(self).desk = ConsoleClient("127.0.0.1", port, "desk", self.desk_password)


if __name__ == "__main__":
    unittest.main()
