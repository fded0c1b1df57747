#!/usr/bin/env python3
"""Issue 17, what must hold 1 (the peers we did not write): Debian's mbpoll reads every
simulated device of the plant (sim/plant_sim.py, served by Debian's pymodbus) at the addresses
docs/modbus/ documents, and sees the plant's physics through them: a lost feed moves the
transfer switch, confirmed by its auxiliary contacts; both feeds lost start the generator; a
coil written by a peer reads back."""
import json
import os
import subprocess
import sys
import time
import unittest

SOURCE_DIR = os.environ.get("SEKIMORI_SOURCE_DIR",
                            os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
sys.path.insert(0, os.path.join(SOURCE_DIR, "sim"))
from plant_sim import DEVICES, read_profile  # noqa: E402

TYPE = {"coil": "0", "discrete_input": "1", "input": "3", "holding": "4"}


class PlantPeers(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.sim = subprocess.Popen(
            ["/usr/bin/python3", os.path.join(SOURCE_DIR, "sim", "plant_sim.py")],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        ready = json.loads(cls.sim.stdout.readline())
        cls.ports = ready["ready"]

    @classmethod
    def tearDownClass(cls):
        cls.sim.stdin.write('{"do": "quit"}\n')
        cls.sim.stdin.flush()
        cls.sim.wait(timeout=10)

    def command(self, command):
        self.sim.stdin.write(json.dumps(command) + "\n")
        self.sim.stdin.flush()
        while True:  # events may come first
            answer = json.loads(self.sim.stdout.readline())
            if "event" not in answer:
                return answer

    def mbpoll(self, device, point, write=None):
        """The point's value as mbpoll reads it at its documented address."""
        table, address, kind, words, scale = read_profile(DEVICES[device])[point]
        data = TYPE[table]
        if kind == "f32":
            data += ":float"
        elif kind in ("u32", "s32"):
            data += ":int"
        args = ["mbpoll", "-m", "tcp", "-a", "1", "-r", str(address + 1), "-t", data,
                "-1", "-p", str(self.ports[device]), "-o", "1"]
        if kind in ("f32", "u32", "s32") and words == "high_first":
            args.append("-B")
        args.append("127.0.0.1")
        if write is not None:
            args.append(str(write))
        r = subprocess.run(args, capture_output=True, text=True, timeout=10)
        self.assertEqual(r.returncode, 0, f"{device}.{point}: {r.stdout}{r.stderr}")
        if write is not None:
            return None
        lines = [line for line in r.stdout.splitlines() if line.startswith(f"[{address + 1}]:")]
        self.assertEqual(len(lines), 1, f"{device}.{point}: {r.stdout}")
        text = lines[0].split(":", 1)[1].strip()
        if kind == "f32":
            return float(text) * scale
        raw = int(text)
        if kind == "u16":
            raw &= 0xFFFF
        elif kind == "s16":
            raw = (raw & 0xFFFF) - (0x10000 if raw & 0x8000 else 0)
        elif kind == "u32":
            raw &= 0xFFFFFFFF
        return raw * scale

    def wait_for(self, device, point, wanted, timeout=20.0):
        deadline = time.monotonic() + timeout
        value = None
        while time.monotonic() < deadline:
            value = self.mbpoll(device, point)
            if value == wanted:
                return
            time.sleep(0.2)
        self.fail(f"{device}.{point} stayed {value}, never {wanted}")

    def test_1_every_documented_point_reads_at_its_address(self):
        values = {}
        for device, profile in DEVICES.items():
            for point in read_profile(profile):
                values[f"{device}.{point}"] = self.mbpoll(device, point)
        self.assertEqual(len(values), sum(len(read_profile(p)) for p in DEVICES.values()))
        self.assertAlmostEqual(values["meter-a.voltage_ln_avg"], 230.0, delta=2.0)
        self.assertAlmostEqual(values["meter-a.frequency"], 50.0, delta=0.2)
        self.assertGreater(values["meter-a.power"], 30.0)
        self.assertEqual(values["meter-b.power"], 0.0)  # B is live but carries nothing
        self.assertEqual((values["ats-1.on_a"], values["ats-1.on_b"]), (1, 0))
        self.assertEqual(values["gen-1.engine_state"], 0)
        self.assertAlmostEqual(values["gen-1.fuel_level"], 90.0, delta=1.0)
        self.assertAlmostEqual(values["gen-1.battery_volts"], 25.4, delta=0.05)  # tenths
        self.assertEqual(values["ups-1.on_battery"], 0)
        self.assertEqual(values["crac-1.running"], 1)
        self.assertAlmostEqual(values["crac-1.supply_temp"], 18.0, delta=0.5)  # tenths, s16
        self.assertAlmostEqual(values["room-1.temp"], 22.0, delta=1.0)
        self.assertEqual(values["room-1.leak"], 0)

    def test_2_feed_a_lost_the_switch_confirms_b_and_both_lost_start_the_generator(self):
        before = self.mbpoll("ats-1", "transfer_count")
        self.assertEqual(self.command({"do": "cut", "feed": "a"})["ok"], "cut")
        self.wait_for("ats-1", "on_b", 1)
        self.assertEqual(self.mbpoll("ats-1", "on_a"), 0)
        self.assertEqual(self.mbpoll("ats-1", "transfer_count"), before + 1)
        self.assertEqual(self.mbpoll("meter-a", "voltage_ln_avg"), 0.0)
        self.assertGreater(self.mbpoll("meter-b", "power"), 30.0)
        # Both gone: the UPS carries the load while the generator cranks and warms.
        self.command({"do": "cut", "feed": "b"})
        self.wait_for("ups-1", "on_battery", 1)
        self.wait_for("gen-1", "engine_state", 4)  # running on load
        self.assertEqual(self.mbpoll("ups-1", "on_battery"), 0)
        self.assertGreater(self.mbpoll("gen-1", "power"), 30.0)
        self.command({"do": "restore", "feed": "a"})
        self.command({"do": "restore", "feed": "b"})
        self.wait_for("ats-1", "on_a", 1)
        self.wait_for("gen-1", "engine_state", 5)  # cooling down off load

    def test_3_a_coil_written_by_a_peer_reads_back(self):
        self.assertEqual(self.mbpoll("pdu-1", "outlet_1"), 0)
        self.mbpoll("pdu-1", "outlet_1", write=1)
        self.assertEqual(self.mbpoll("pdu-1", "outlet_1"), 1)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and self.mbpoll("pdu-1", "load") == 0:
            time.sleep(0.2)
        self.assertGreater(self.mbpoll("pdu-1", "load"), 0.5)

    def test_4_a_bad_command_is_answered_and_changes_nothing(self):
        answer = self.command({"do": "cut", "feed": "c"})
        self.assertEqual(answer["error"], "bad_command")
        self.assertEqual(self.command({"do": "state"})["state"]["feeds"]["a"], True)


if __name__ == "__main__":
    unittest.main(verbosity=2)
