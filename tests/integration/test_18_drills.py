"""Issue 18, BCP drills, over the real daemon and broker, the plant served by Debian's pymodbus
(sim/plant_sim.py --site, at the site file's addresses) and the UPS through NUT's real upsd
following the plant (--nut). A drill needs a BCP coordinator's request and a second person's
approval; in simulation the daemon plays the scenario to the simulator's control port (--control)
and nowhere else, follows what the plant does through Modbus and upsd like any day, and at the
end judges the criteria from the trail's events and the trend stores and writes a signed report.

- Loss of feed A: the transfer to B, measured; the report holds the timeline, verifies with
  openssl, and one changed byte fails it; no door, gate, hub or plant device was commanded.
- Loss of both feeds: the generator on load within 10 s, the UPS riding through.
- Who may ask and approve; a second drill while one runs; a simulation without a simulator.
- A report altered on disk is refused, never served; a restart during a drill aborts it and
  restores the simulator's feeds.
- An observed test: people perform and confirm the steps, the daemon sends nothing and measures.
- An operator stops a drill: the simulator's feeds come back."""
import hashlib
import http.client
import json
import os
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from site_under_test import SiteUnderTest, SOURCE_DIR  # noqa: E402

sys.path.insert(0, os.path.join(SOURCE_DIR, "sim"))
from console_client import ConsoleClient  # noqa: E402
from site_operators import FACILITY, SECURITY2  # noqa: E402

HOLD_S, SETTLE_S = 15, 12


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def device(name, unit, profile, port):
    return (f'\n[[modbus_devices]]\nid = "{name}"\nhost = "127.0.0.1"\nport = {port}\n'
            f'unit_id = {unit}\nprofile = "{profile}"\npoll_ms = 300\ntimeout_ms = 200\n')


def extra(port, nut_port, control_port):
    return (device("pm-a", 1, "meter", port) + device("pm-b", 2, "meter", port)
            + device("ats-1", 3, "ats", port) + device("gen-1", 4, "generator", port)
            + device("env-1", 21, "sensor", port) + device("relay-hubs", 31, "relay", port) + f"""
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
bulk_tank_l = 20000.0
ats_side = "b"

[[power.ups]]
id = "ups-1"
name = "UPS 1"
nut = "ups1@127.0.0.1:{nut_port}"

[[sensors]]
id = "temp-room"
name = "Server room temperature"
zone = "server-room"
device = "env-1"
kind = "temperature"
min = 15.0
max = 30.0

[[schedules]]
id = "always"
name = "Always"
windows = [{{ days = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"], start = "00:00", end = "24:00" }}]

[[hub_timers]]
id = "hub-terminals"
name = "Terminal hub"
relay = {{ device = "relay-hubs", coil = 0 }}
schedule = "always"

[drills]
simulator = "127.0.0.1:{control_port}"
hold_s = {HOLD_S}
settle_s = {SETTLE_S}
ups_charge = "ups-1.battery_charge"
load_voltage = "ups-1.input_voltage"
load_frequency = "ups-1.input_frequency"
room_temp = "env-1.temp"
""")


class Drills(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.site = SiteUnderTest()
        cls.sim = None
        try:
            cls.modbus_port = free_port()
            cls.nut_port = free_port()
            cls.control_port = free_port()
            with open(cls.site.config, "a") as f:
                f.write(extra(cls.modbus_port, cls.nut_port, cls.control_port))
            cls.start_sim()
            cls.site.start()
            ops = cls.site.operators
            port = cls.site.console_port
            cls.passwords = {"bcp1": cls.site.add_operator("bcp1", "bcp_coordinator"),
                             "desk": cls.site.add_operator("desk", "operator")}
            cls.login()
        except BaseException:
            cls.tearDownClass()
            raise

    @classmethod
    def login(cls):
        port = cls.site.console_port
        ops = cls.site.operators
        cls.bcp = ConsoleClient("127.0.0.1", port, "bcp1", cls.passwords["bcp1"])
        cls.desk = ConsoleClient("127.0.0.1", port, "desk", cls.passwords["desk"])
        cls.facility = ConsoleClient("127.0.0.1", port, FACILITY, ops.password(FACILITY))
        cls.security = ConsoleClient("127.0.0.1", port, SECURITY2, ops.password(SECURITY2))

    @classmethod
    def tearDownClass(cls):
        if cls.sim and cls.sim.poll() is None:
            cls.sim.kill()
            cls.sim.wait(10)
        if cls.sim:
            cls.sim.stdin.close()
            cls.sim.stdout.close()
        cls.site.close()

    @classmethod
    def start_sim(cls):
        cls.sim = subprocess.Popen(
            ["/usr/bin/python3", os.path.join(SOURCE_DIR, "sim", "plant_sim.py"),
             "--site", cls.site.config, "--nut", "--control", str(cls.control_port)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        ready = json.loads(cls.sim.stdout.readline())
        assert ready["ready"]["pm-a"] == cls.modbus_port, ready

    def plant(self, command):
        """A command to the simulator over its control port (its stdout carries its events)."""
        with socket.create_connection(("127.0.0.1", self.control_port), timeout=10) as s:
            s.sendall((json.dumps(command) + "\n").encode())
            return json.loads(s.makefile().readline())

    def raw(self, client, path):
        """(status, bytes) of a GET with the client's session."""
        conn = http.client.HTTPSConnection("127.0.0.1", self.site.console_port, timeout=20,
                                           context=ssl._create_unverified_context())
        try:
            conn.request("GET", path, headers={"Cookie": client.cookie})
            response = conn.getresponse()
            return response.status, response.read()
        finally:
            conn.close()

    def events(self, type_name, after=0):
        return [(seq, json.loads(payload)) for seq, t, _, _, payload in self.site.events(type_name)
                if t == type_name and seq > after]

    def last_seq(self):
        rows = self.site.events()
        return rows[-1][0] if rows else 0

    def wait(self, predicate, timeout, what):
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            last = predicate()
            if last:
                return last
            time.sleep(0.3)
        self.fail(f"{what} not seen within {timeout} s; drills: "
                  f"{[e[1:] for e in self.site.events('drill.')][-6:]}")

    def wait_plant_ready(self):
        """Both feeds live, the switch on A, the generator at rest and the UPS read: a drill
        starts from a plant at rest."""
        def ready():
            _, body = self.desk.expect("GET", "/api/power")
            plant = body["plant"]
            return (plant["ats"]["position"] == "a"
                    and all(f["state"] == "live" for f in plant["feeds"])
                    and plant["generator"]["state"] in ("stopped", "cooling")
                    and plant["ups"][0]["quality"] == "good") and body
        return self.wait(ready, 90, "the plant at rest")

    def run_drill(self, scenario, mode="simulation"):
        """Requested by the coordinator, approved by the facility admin: the run's id."""
        status, asked = self.bcp.call("POST", "/api/drills/requests",
                                      {"scenario": scenario, "mode": mode,
                                       "reason": "四半期BCP訓練 / quarterly drill"})
        self.assertEqual(status, 202, asked)
        approval = asked["approval"]
        self.assertEqual(approval["kind"], "drills.run")
        status, _ = self.bcp.call("POST", f"/api/approvals/{approval['id']}/approve")
        self.assertEqual(status, 403, "the coordinator who asked cannot approve")
        self.facility.expect("POST", f"/api/approvals/{approval['id']}/approve")
        return approval["id"]

    def wait_finished(self, run, timeout):
        def finished():
            _, body = self.desk.expect("GET", f"/api/drills/runs/{run}")
            return body if body["state"] in ("finished", "aborted") else None
        body = self.wait(finished, timeout, f"drill {run} finished")
        self.assertEqual(body["state"], "finished", body)
        return body

    def relay_coils(self):
        out = subprocess.run(["mbpoll", "-m", "tcp", "-p", str(self.modbus_port), "-a", "31",
                              "-t", "0", "-r", "1", "-c", "8", "-1", "127.0.0.1"],
                             capture_output=True, text=True, timeout=20)
        self.assertEqual(out.returncode, 0, out.stderr)
        return [line for line in out.stdout.splitlines() if line.startswith("[")]

    def verify(self, html, sig, key):
        with tempfile.TemporaryDirectory() as d:
            paths = {n: os.path.join(d, n) for n in ("r.html", "r.sig", "k.pem")}
            for name, data in zip(paths, (html, sig, key)):
                with open(paths[name], "wb") as f:
                    f.write(data)
            return subprocess.run(["openssl", "pkeyutl", "-verify", "-pubin", "-inkey",
                                   paths["k.pem"], "-rawin", "-in", paths["r.html"],
                                   "-sigfile", paths["r.sig"]],
                                  capture_output=True, text=True).returncode == 0

    def test_1_feed_a_loss_is_measured_and_its_signed_report_verifies(self):
        self.wait_plant_ready()
        coils_before = self.relay_coils()
        since = self.last_seq()
        run = self.run_drill("feed_a_loss")
        # Live: the run and its timeline as the plant changes.
        def transferred():
            _, body = self.desk.expect("GET", f"/api/drills/runs/{run}")
            return any(e["type"] == "power.transfer" for e in body["timeline"]) and body
        live = self.wait(transferred, 30, "the transfer in the live timeline")
        self.assertEqual(live["state"], "running")
        self.assertEqual(live["requested_by"], "bcp1")
        self.assertEqual(live["approved_by"], FACILITY)
        body = self.wait_finished(run, HOLD_S + SETTLE_S + 40)
        criteria = {c["id"]: c for c in body["criteria"]}
        self.assertEqual(set(criteria), {"transfer_time", "ups_min_charge", "voltage_settling",
                                         "frequency_settling", "room_temp_rise"})
        for c in criteria.values():
            self.assertEqual(c["verdict"], "pass", c)
        self.assertTrue(body["passed"])
        self.assertGreater(criteria["transfer_time"]["measured"], 2.0)  # the switch's 3 s delay
        self.assertLessEqual(criteria["transfer_time"]["measured"], 10.0)
        marks = [e["payload"]["mark"] for e in body["timeline"] if e["type"] == "drill.step"]
        self.assertEqual(marks, ["feed_a_cut", "feed_a_restored"])

        # The trail: who asked and approved, each step sent, the report's digest.
        approved = self.events("drill.approved", since)
        self.assertEqual([(p["requested_by"], p["approved_by"]) for _, p in approved],
                         [("bcp1", FACILITY)])
        started = [seq for seq, p in self.events("drill.started", since) if p["run"] == run]
        steps = [seq for seq, p in self.events("drill.step", since) if p["run"] == run]
        self.assertEqual(len(started), 1)
        self.assertLess(started[0], steps[0], "nothing is played before drill.started is stored")
        finished = self.events("drill.finished", since)
        self.assertEqual(len(finished), 1)
        digest = finished[0][1]["report_sha256"]

        status, html = self.raw(self.desk, f"/api/drills/runs/{run}/report.html")
        self.assertEqual(status, 200)
        self.assertEqual(hashlib.sha256(html).hexdigest(), digest)
        status, sig = self.raw(self.desk, f"/api/drills/runs/{run}/report.html.sig")
        self.assertEqual((status, len(sig)), (200, 64))
        status, key = self.raw(self.desk, "/api/drills/signing-key.pem")
        self.assertEqual(status, 200)
        _, reports_key = self.raw(self.security, "/api/reports/signing-key.pem")
        self.assertEqual(key, reports_key, "one report-signing key for the site")
        self.assertTrue(self.verify(html, sig, key))
        changed = bytearray(html)
        changed[html.index(b"bcp1")] ^= 0x01
        self.assertFalse(self.verify(bytes(changed), sig, key), "one changed byte fails")
        text = html.decode()
        self.assertIn('data-event="power.transfer"', text)
        self.assertIn('data-testid="drill-plot"', text)
        self.assertIn("<polyline", text)
        self.assertIn(FACILITY, text)

        # Nothing but the simulator was told anything: no door or gate command, no hub switch,
        # no plant command; the hub relay reads as before.
        window = [t for seq, t, _, _, _ in self.site.events() if seq > since]
        for prefix in ("door.command", "gate.command", "power.hub_switched", "power.command"):
            self.assertFalse([t for t in window if t.startswith(prefix)], prefix)
        self.assertEqual(self.relay_coils(), coils_before)

    def test_2_both_feeds_lost_the_generator_takes_the_load_in_time(self):
        self.wait_plant_ready()
        run = self.run_drill("both_feeds_loss")
        body = self.wait_finished(run, HOLD_S + SETTLE_S + 40)
        criteria = {c["id"]: c for c in body["criteria"]}
        self.assertIn("generator_on_load", criteria)
        self.assertNotIn("fuel_endurance", criteria, "judged by the endurance run")
        for c in criteria.values():
            self.assertEqual(c["verdict"], "pass", c)
        self.assertLessEqual(criteria["generator_on_load"]["measured"], 10.0)
        # The generator sags as it takes the load and its governor pulls it back: measured.
        self.assertGreater(criteria["frequency_settling"]["measured"], 0.0)
        self.assertGreaterEqual(criteria["ups_min_charge"]["measured"], 50.0)
        types = [e["type"] for e in body["timeline"]]
        self.assertIn("power.generator_state", types)
        self.assertIn("power.on_battery", types)
        status, html = self.raw(self.bcp, f"/api/drills/runs/{run}/report.html")
        self.assertEqual(status, 200)
        self.assertIn(b'data-criterion="generator_on_load" data-verdict="pass"', html)

    def test_3_who_may_ask_and_what_is_refused(self):
        status, body = self.desk.call("POST", "/api/drills/requests",
                                      {"scenario": "feed_a_loss", "mode": "observe",
                                       "reason": "x"})
        self.assertEqual(status, 403, body)
        for bad, code in (({"scenario": "fire", "mode": "observe", "reason": "x"},
                           "drills.bad_request"),
                          ({"scenario": "feed_a_loss", "mode": "observe", "reason": "\u3000"},
                           "drills.bad_request")):
            status, body = self.bcp.call("POST", "/api/drills/requests", bad)
            self.assertEqual((status, body["code"]), (400, code), body)
        _, listing = self.desk.expect("GET", "/api/drills")
        self.assertTrue(listing["simulator"])
        self.assertTrue(listing["configured"])
        self.assertFalse(listing["can_request"])
        self.assertEqual([s["id"] for s in listing["scenarios"]],
                         ["feed_a_loss", "both_feeds_loss", "retransfer", "endurance",
                          "site_switchover"])
        _, listing = self.bcp.expect("GET", "/api/drills")
        self.assertTrue(listing["can_request"])

    def test_4_an_altered_report_is_refused_and_a_restart_aborts_a_running_drill(self):
        finished = self.events("drill.finished")
        self.assertTrue(finished, "test 1 ran first")
        run = finished[0][1]["run"]
        path = os.path.join(self.site.dir, "data", "drills", run + ".html")
        with open(path, "rb") as f:
            original = f.read()
        with open(path, "wb") as f:  # who can write the files beside the database
            f.write(original.replace(b"PASSED", b"PASSED!"))
        status, body = self.raw(self.desk, f"/api/drills/runs/{run}/report.html")
        self.assertEqual(status, 409)
        self.assertEqual(json.loads(body)["code"], "drills.report_altered")
        with open(path, "wb") as f:
            f.write(original)
        self.assertEqual(self.raw(self.desk, f"/api/drills/runs/{run}/report.html")[0], 200)
        # A signature file replaced: neither the report nor its signature is served.
        with open(path + ".sig", "rb") as f:
            signature = f.read()
        with open(path + ".sig", "wb") as f:
            f.write(bytes(64))
        for route in ("report.html", "report.html.sig"):
            status, body = self.raw(self.desk, f"/api/drills/runs/{run}/{route}")
            self.assertEqual((status, json.loads(body)["code"]), (409, "drills.report_altered"))
        with open(path + ".sig", "wb") as f:
            f.write(signature)

        self.wait_plant_ready()
        run = self.run_drill("feed_a_loss")
        self.wait(lambda: self.events("drill.step") and any(
            p["run"] == run for _, p in self.events("drill.step")), 20, "the first step sent")
        self.assertFalse(self.plant({"do": "state"})["state"]["feeds"]["a"], "feed A cut by the drill")
        status, body = self.bcp.call("POST", "/api/drills/requests",
                                     {"scenario": "retransfer", "mode": "simulation",
                                      "reason": "again"})
        self.assertEqual((status, body["code"]), (409, "drills.running"), body)
        self.site.stop_daemon()
        self.site.start_daemon()
        type(self).login()
        aborted = self.wait(lambda: [p for _, p in self.events("drill.aborted") if p["run"] == run],
                            30, "the interrupted drill aborted")
        self.assertEqual(aborted[0]["reason"], "restart")
        self.assertTrue(aborted[0]["feeds_restored"])
        self.assertTrue(self.plant({"do": "state"})["state"]["feeds"]["a"], "feed A restored")
        _, body = self.desk.expect("GET", f"/api/drills/runs/{run}")
        self.assertEqual((body["state"], body["report"]), ("aborted", None))
        # The finished runs and their reports survive the restart.
        first = self.events("drill.finished")[0][1]["run"]
        self.assertEqual(self.raw(self.desk, f"/api/drills/runs/{first}/report.html")[0], 200)

    def test_5_an_observed_test_is_marked_by_people_and_measured(self):
        self.wait_plant_ready()
        since = self.last_seq()
        run = self.run_drill("feed_a_loss", mode="observe")
        self.wait(lambda: [p for _, p in self.events("drill.started", since) if p["run"] == run],
                  20, "the observed drill started")
        # The operators open feed A's breaker (here: the simulator, by the test, not the daemon)
        # and the coordinator confirms it; the daemon sent nothing.
        self.plant({"do": "cut", "feed": "a"})
        status, body = self.desk.call("POST", f"/api/drills/runs/{run}/marks",
                                      {"mark": "feed_a_cut"})
        self.assertEqual(status, 403, body)
        status, body = self.bcp.call("POST", f"/api/drills/runs/{run}/marks", {"mark": "fire"})
        self.assertEqual((status, body["code"]), (400, "drills.bad_request"), body)
        self.bcp.expect("POST", f"/api/drills/runs/{run}/marks", {"mark": "feed_a_cut"})
        status, body = self.bcp.call("POST", f"/api/drills/runs/{run}/marks",
                                     {"mark": "feed_a_cut"})
        self.assertEqual(status, 400, "a step is confirmed once")
        self.wait(lambda: [p for _, p in self.events("power.transfer", since)], 20,
                  "the transfer to B confirmed by the daemon")
        self.plant({"do": "restore", "feed": "a"})
        self.bcp.expect("POST", f"/api/drills/runs/{run}/marks", {"mark": "feed_a_restored"})
        body = self.wait_finished(run, HOLD_S + SETTLE_S + 40)
        self.assertEqual(body["mode"], "observe")
        self.assertFalse(self.events("drill.step", since), "an observed drill sends nothing")
        marked = [p for _, p in self.events("drill.marked", since)]
        self.assertEqual([(p["mark"], p["by"], p["actor"]) for p in marked],
                         [("feed_a_cut", "bcp1", "bcp1"), ("feed_a_restored", "bcp1", "bcp1")])
        criteria = {c["id"]: c for c in body["criteria"]}
        self.assertEqual(criteria["transfer_time"]["verdict"], "pass", criteria)
        status, html = self.raw(self.desk, f"/api/drills/runs/{run}/report.html")
        self.assertEqual(status, 200)
        self.assertIn("実機観測 / observed real test", html.decode())

    def test_6_an_operator_stops_a_drill_and_the_feeds_come_back(self):
        self.wait_plant_ready()
        run = self.run_drill("both_feeds_loss")
        self.wait(lambda: not self.plant({"do": "state"})["state"]["feeds"]["b"], 20,
                  "both feeds cut by the drill")
        status, body = self.facility.call("POST", f"/api/drills/runs/{run}/abort",
                                          {"reason": " "})
        self.assertEqual(status, 400, body)
        self.facility.expect("POST", f"/api/drills/runs/{run}/abort",
                             {"reason": "発電機の異音 / the generator sounds wrong"})
        _, body = self.desk.expect("GET", f"/api/drills/runs/{run}")
        self.assertEqual(body["state"], "aborted")
        self.assertEqual((body["abort"]["reason"], body["abort"]["by"]), ("operator", FACILITY))
        state = self.plant({"do": "state"})["state"]
        self.assertTrue(state["feeds"]["a"] and state["feeds"]["b"], state)
        aborted = [p for _, p in self.events("drill.aborted") if p["run"] == run]
        self.assertEqual((aborted[0]["actor"], aborted[0]["feeds_restored"]), (FACILITY, True))
        status, body = self.facility.call("POST", f"/api/drills/runs/{run}/abort",
                                          {"reason": "again"})
        self.assertEqual((status, body["code"]), (409, "drills.not_running"), body)


if __name__ == "__main__":
    unittest.main(verbosity=2)
