"""Issue 18, hub timers, over the real daemon, broker and a relay board served by Debian's
pymodbus (sim/plant_sim.py --site): the hubs between the My Number server and its terminals are
powered only inside their schedule or an approved override.

- At start every hub's state is re-asserted and confirmed by the relay's read-back.
- A hub is warned of, then cut at its window's end (a schedule that ends at the next minute),
  and its retained MQTT state says so to an observer account.
- An override needs a second person, powers the hub and expires by itself; one the site does
  not allow, or a plant command to a timer's coil, is refused.
- A relay stuck on raises the priority-1 alarm (the network is not cut) and is retried until it
  switches.
- A restart re-asserts the state a relay lost while the daemon was down, and keeps the override
  it restores from the trail."""
import datetime
import json
import os
import queue
import socket
import subprocess
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from site_under_test import SITE, SiteUnderTest, SOURCE_DIR  # noqa: E402

sys.path.insert(0, os.path.join(SOURCE_DIR, "sim"))
from console_client import ConsoleClient  # noqa: E402
from site_operators import FACILITY, SECURITY2  # noqa: E402

DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
JST = datetime.timezone(datetime.timedelta(hours=9))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def hhmm(minute):
    return "%02d:%02d" % (minute // 60, minute % 60)


def closing_windows(lead_s=40):
    """Windows open now that close at the first whole minute at least lead_s from now (JST),
    and that instant as a UNIX time."""
    now = datetime.datetime.now(JST)
    end = now.replace(second=0, microsecond=0) + datetime.timedelta(minutes=1)
    while (end - now).total_seconds() < lead_s:
        end += datetime.timedelta(minutes=1)
    today = now.weekday()
    if end.date() == now.date():
        windows = [(DAYS[today], 0, end.hour * 60 + end.minute)]
    else:  # across midnight: today to 24:00, then tomorrow up to the end
        windows = [(DAYS[today], 0, 1440), (DAYS[(today + 1) % 7], 0, end.hour * 60 + end.minute)]
    text = ", ".join('{ days = ["%s"], start = "%s", end = "%s" }'
                     % (day, hhmm(a), "24:00" if b == 1440 else hhmm(b))
                     for day, a, b in windows if b > a)
    return "[" + text + "]", end.timestamp()


EXTRA = """
[[modbus_devices]]
id = "relay-hubs"
host = "127.0.0.1"
port = {port}
unit_id = 1
profile = "relay"
poll_ms = 300
timeout_ms = 200

[[schedules]]
id = "closing-soon"
name = "Closes within the minute"
windows = {closing}

[[schedules]]
id = "never-now"
name = "A minute a week, three days from now"
windows = [{{ days = ["{other_day}"], start = "03:00", end = "03:01" }}]

[[hub_timers]]
id = "hub-closing"
name = "Terminal hub, closing"
relay = {{ device = "relay-hubs", coil = 0 }}
schedule = "closing-soon"
warn_before_min = 1

[[hub_timers]]
id = "hub-night"
name = "Terminal hub, out of hours"
relay = {{ device = "relay-hubs", coil = 1 }}
schedule = "never-now"
allow_override = true

[[hub_timers]]
id = "hub-stuck"
name = "Terminal hub, stuck relay"
relay = {{ device = "relay-hubs", coil = 2 }}
schedule = "never-now"
"""


class HubTimers(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.site = SiteUnderTest(services=("observer",))
        cls.sim = None
        cls.sub = None
        try:
            cls.modbus_port = free_port()
            closing, cls.cut_at = closing_windows()
            other = DAYS[(datetime.datetime.now(JST).weekday() + 3) % 7]
            with open(cls.site.config, "a") as f:
                f.write(EXTRA.format(port=cls.modbus_port, closing=closing, other_day=other))
            cls.start_sim()
            # A relay stuck on before the daemon ever starts: its first write cannot cut it.
            cls.plant({"do": "stick", "device": "relay-hubs", "point": "coil_2", "value": 1})
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
        if cls.sub and cls.sub.poll() is None:
            cls.sub.kill()
            cls.sub.wait(10)
            cls.sub.stdout.close()
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
             "--site", cls.site.config],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        ready = json.loads(cls.sim.stdout.readline())
        assert ready["ready"]["relay-hubs"] == cls.modbus_port, ready

    @classmethod
    def plant(cls, command):
        cls.sim.stdin.write(json.dumps(command) + "\n")
        cls.sim.stdin.flush()
        while True:
            answer = json.loads(cls.sim.stdout.readline())
            if "event" not in answer:
                assert "error" not in answer, answer
                return answer

    def hub_events(self, type_name, hub, after=0):
        return [(seq, json.loads(payload)) for seq, t, _, _, payload in self.site.events(type_name)
                if t == type_name and seq > after and json.loads(payload)["hub"] == hub]

    def wait_hub_event(self, type_name, hub, match=lambda p: True, timeout=30.0, after=0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for seq, payload in self.hub_events(type_name, hub, after):
                if match(payload):
                    return seq, payload
            time.sleep(0.2)
        self.fail(f"no {type_name} of {hub} within {timeout} s; trail: "
                  f"{[e[1:] for e in self.site.events('power.hub')][-12:]}")

    def hubs(self):
        _, body = self.desk.expect("GET", "/api/power/hubs")
        return {h["id"]: h for h in body["hubs"]}

    def last_seq(self):
        rows = self.site.events()
        return rows[-1][0] if rows else 0

    def test_1_every_hub_is_reasserted_at_start_and_a_stuck_relay_is_an_alarm(self):
        _, on = self.wait_hub_event("power.hub_switched", "hub-closing")
        self.assertEqual((on["state"], on["cause"]), ("on", "reassert"))
        _, off = self.wait_hub_event("power.hub_switched", "hub-night")
        self.assertEqual((off["state"], off["cause"]), ("off", "reassert"))
        _, failed = self.wait_hub_event("power.hub_switch_failed", "hub-stuck")
        self.assertEqual(failed["asked"], "off")
        self.assertIn(failed["error"], ("bad_data", "unconfirmed"))
        self.wait_hub_event("power.hub_outside_window", "hub-stuck",
                            lambda p: p["state"] == "active")
        _, alarms = self.desk.expect("GET", "/api/alarms")
        mine = [a for a in alarms["alarms"] if a["source"] == "hub:hub-stuck"
                and a["type"] == "power.hub_outside_window"]
        self.assertEqual(len(mine), 1, alarms)
        self.assertEqual(mine[0]["priority"], 1)
        hubs = self.hubs()
        self.assertEqual(hubs["hub-stuck"]["state"], "on")
        self.assertTrue(hubs["hub-stuck"]["outside_window"])
        self.assertEqual(hubs["hub-night"]["state"], "off")

    def test_2_an_override_needs_a_second_person_and_expires_by_itself(self):
        _, refused = self.facility.expect(
            "POST", "/api/power/hubs/overrides",
            {"hub": "hub-closing", "minutes": 30, "reason": "no overrides here"}, (400,))
        self.assertEqual(refused["code"], "power.bad_override")
        self.facility.expect("POST", "/api/power/hubs/overrides",
                             {"hub": "hub-night", "minutes": 0, "reason": "r"}, (400,))
        self.facility.expect("POST", "/api/power/hubs/overrides",
                             {"hub": "hub-night", "minutes": 1}, (400,))
        self.desk.expect("POST", "/api/power/hubs/overrides",
                         {"hub": "hub-night", "minutes": 1, "reason": "r"}, (403,))
        _, bypass = self.facility.expect(
            "POST", "/api/power/commands",
            {"device": "relay-hubs", "command": "on", "point": "coil_1", "reason": "by hand"},
            (400,))
        self.assertIn("hub timer", bypass["error"])

        since = self.last_seq()
        _, asked = self.facility.expect(
            "POST", "/api/power/hubs/overrides",
            {"hub": "hub-night", "minutes": 1, "reason": "year-end batch"}, (202,))
        approval = asked["approval"]["id"]
        self.assertEqual(asked["approval"]["kind"], "power.hub_override")
        self.facility.expect("POST", f"/api/approvals/{approval}/approve", None, (403,))
        self.assertEqual(self.hub_events("power.hub_switched", "hub-night", since), [])
        self.security.expect("POST", f"/api/approvals/{approval}/approve")
        seq_approved, approved = self.wait_hub_event("power.hub_override_approved", "hub-night",
                                                     after=since)
        self.assertEqual(approved["approved_by"], SECURITY2)
        self.assertEqual(approved["until_us"] - approved["from_us"], 60_000_000)
        seq_on, on = self.wait_hub_event("power.hub_switched", "hub-night",
                                         lambda p: p["state"] == "on", after=since)
        self.assertEqual(on["cause"], "override_started")
        self.assertLess(seq_approved, seq_on)
        hub = self.hubs()["hub-night"]
        self.assertEqual((hub["state"], hub["override"]["approval"]), ("on", approval))
        # It ends by itself a minute later, warned of first.
        self.wait_hub_event("power.hub_cut_warning", "hub-night", after=since)
        _, ended = self.wait_hub_event("power.hub_override_ended", "hub-night", after=since,
                                       timeout=90)
        self.assertEqual(ended["reason"], "expired")
        _, off = self.wait_hub_event("power.hub_switched", "hub-night",
                                     lambda p: p["state"] == "off", after=seq_on)
        self.assertEqual(off["cause"], "override_ended")

    def test_3_a_hub_is_warned_then_cut_at_its_windows_end(self):
        sub = type(self).sub = subprocess.Popen(
            ["mosquitto_sub", "-h", "127.0.0.1", "-p", str(self.site.mqtt_port), "-q", "1",
             "-u", "observer", "-P", self.site.password("observer"), "-i", "observer",
             "-t", f"sekimori/{SITE}/hub/hub-closing/state", "-v"],
            stdout=subprocess.PIPE, text=True)
        _, warning = self.wait_hub_event("power.hub_cut_warning", "hub-closing", timeout=90)
        self.assertEqual(warning["cut_at_us"], int(self.cut_at) * 1_000_000)
        _, cut = self.wait_hub_event("power.hub_switched", "hub-closing",
                                     lambda p: p["state"] == "off", timeout=120)
        self.assertEqual((cut["cause"], cut["was"]), ("window_closed", "on"))
        self.assertLess(cut["took_ms"], 5000)
        # The observer (a terminal's notice) learns it from the retained state.
        lines = queue.Queue()
        threading.Thread(target=lambda: [lines.put(l) for l in sub.stdout], daemon=True).start()
        deadline = time.monotonic() + 20
        state = None
        while time.monotonic() < deadline:
            try:
                line = lines.get(timeout=max(0.1, deadline - time.monotonic()))
            except queue.Empty:
                break
            state = json.loads(line.split(" ", 1)[1])
            if state["state"] == "off":
                break
        self.assertIsNotNone(state, "no retained hub state reached the observer")
        self.assertEqual((state["state"], state["desired"]), ("off", "off"), state)
        self.assertIsNone(state["cut_at_us"])

    def test_4_a_stuck_relay_is_retried_until_it_switches(self):
        since = self.last_seq()
        self.plant({"do": "unstick", "device": "relay-hubs", "point": "coil_2"})
        _, off = self.wait_hub_event("power.hub_switched", "hub-stuck",
                                     lambda p: p["state"] == "off", after=since, timeout=60)
        self.assertEqual(off["cause"], "correction")
        self.wait_hub_event("power.hub_outside_window", "hub-stuck",
                            lambda p: p["state"] == "cleared", after=since)

    def test_5_a_restart_reasserts_what_a_relay_lost_meanwhile_and_keeps_the_override(self):
        since = self.last_seq()
        _, asked = self.facility.expect(
            "POST", "/api/power/hubs/overrides",
            {"hub": "hub-night", "minutes": 20, "reason": "migration over the restart"}, (202,))
        approval = asked["approval"]["id"]
        self.security.expect("POST", f"/api/approvals/{approval}/approve")
        self.wait_hub_event("power.hub_switched", "hub-night", lambda p: p["state"] == "on",
                            after=since)
        self.site.stop_daemon()
        since = self.last_seq()
        # While the daemon is down the closing hub's relay comes back on (a power blip, a hand).
        self.plant({"do": "stick", "device": "relay-hubs", "point": "coil_0", "value": 1})
        self.plant({"do": "unstick", "device": "relay-hubs", "point": "coil_0"})
        self.site.start_daemon()
        _, off = self.wait_hub_event("power.hub_switched", "hub-closing",
                                     lambda p: p["state"] == "off", after=since, timeout=60)
        self.assertEqual((off["cause"], off["was"]), ("reassert", "on"))
        # The override came back from the trail: the work's network stays up, and its start is
        # not recorded twice.
        _, on = self.wait_hub_event("power.hub_switched", "hub-night", after=since)
        self.assertEqual((on["state"], on["cause"]), ("on", "reassert"))
        # A restart ends every console session: the desk logs in again.
        type(self).desk = ConsoleClient("127.0.0.1", self.site.console_port, "desk",
                                        self.desk_password)
        self.assertEqual(self.hubs()["hub-night"]["override"]["approval"], approval)
        self.assertEqual(self.hub_events("power.hub_override_started", "hub-night", since), [])


if __name__ == "__main__":
    unittest.main()
