#!/usr/bin/env python3
"""The power plant and room climate as Modbus TCP devices, served by Debian's pymodbus, with
physics: utility feeds A and B that can be cut, a transfer switch with its delay, a generator
that cranks, warms, carries the load and burns fuel along its curve, a UPS that rides through,
CRAC units whose failure lets the room drift, sensors with noise.

Every device is its own server on 127.0.0.1 (one port each; unit id 1). The register maps are
read from docs/modbus/<profile>.md, the pages a unit test holds against io/modbus, so the sim,
the docs and the engine agree by construction.

  plant_sim.py [--speed X]        prints {"ready": {"<device>": port, ...}} once listening
  plant_sim.py --site site.toml   serves the site's own [[modbus_devices]] instead, at their
                                  host, port and unit id (several units may share a port), each
                                  in the part of the plant the site file gives it: the meters of
                                  [[power.feeds]], [power] ats and generator, the devices of
                                  [[crac_units]] and [[sensors]], the first relay board and PDU;
                                  prints {"ready": {"<device id>": port, ...}}
  plant_sim.py --site site.toml --nut
                                  also serves the site's [[power.ups]] through NUT's real upsd
                                  (sim/nut_ups.py) at the host:port their `nut` names, the UPS
                                  following the plant: on battery while nothing feeds it, its
                                  charge and runtime as the plant's battery has them

Then it reads one JSON command a line on stdin and answers each with one JSON line:
  {"do": "cut", "feed": "a"}   {"do": "restore", "feed": "b"}
  {"do": "fail", "crac": "crac-1"}   {"do": "repair", "crac": "crac-1"}
  {"do": "leak", "on": true}   {"do": "refuel", "litres": 200}   {"do": "state"}   {"do": "quit"}
  {"do": "stick", "device": "relay-1", "point": "coil_6"}   (a coil that stays off: the device
  answers a write with its own state; device is the site's id in --site mode; "value": 1 sticks
  it on instead)   {"do": "unstick", "device": "relay-1", "point": "coil_6"}
  {"do": "jam", "on": true}   (a generator that ignores its start request: it never cranks)
  plant_sim.py ... --control PORT  also takes the same commands over TCP on 127.0.0.1:PORT, one
                                  JSON line each way (a drill in simulation mode plays its
                                  steps through it; [drills] simulator in the site file)
Events (a transfer, the generator's states, a CRAC restart) are printed as {"event": ...}.
--speed runs the plant's clock faster (a drill's 10 minutes in one), never its Modbus."""
import argparse
import asyncio
import json
import logging
import math
import os
import random
import struct
import sys
import threading
import time
import tomllib

from pymodbus.datastore import (ModbusSequentialDataBlock, ModbusServerContext,
                                ModbusSlaveContext)
from pymodbus.server.async_io import ModbusTcpServer

DOCS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "docs", "modbus")
FUNCTION = {"coil": 1, "discrete_input": 2, "holding": 3, "input": 4}

# The plant: device id -> profile.
DEVICES = {"meter-a": "meter", "meter-b": "meter", "ats-1": "ats", "gen-1": "generator",
           "ups-1": "ups", "crac-1": "crac", "crac-2": "crac", "room-1": "sensor",
           "hubs-1": "relay", "pdu-1": "pdu"}

# Generator: fuel burn (L/h) by load fraction of its rating, interpolated between the points
# (a diesel's curve is not linear: a third of full-load burn at no load).
GEN_RATING_KW = 100.0
BURN_CURVE = [(0.0, 6.8), (0.25, 10.4), (0.5, 15.2), (0.75, 20.6), (1.0, 26.9)]
DAY_TANK_L = 1000.0
# On load 7 s after the start request (crank 2 s, warm 5 s): a type-10 standby set (NFPA 110).
CRANK_S, WARM_S, COOL_S = 2.0, 5.0, 30.0
TRANSFER_DELAY_S = 3.0     # the switch waits this long on a lost source before it moves
CRAC_RESTART_S = 20.0      # a CRAC that lost power restarts this long after it is back
UPS_CAPACITY_KWH = 20.0


def read_profile(profile):
    """The points of docs/modbus/<profile>.md: {name: (table, address, type, words, scale)}."""
    points = {}
    with open(os.path.join(DOCS, profile + ".md"), encoding="utf-8") as page:
        for line in page:
            if not line.startswith("| `"):
                continue
            cells = [c.strip().strip("`") for c in line.strip().strip("|").split("|")]
            name, table, address, kind, words, scale = cells[:6]
            points[name] = (table, int(address), kind, words, float(scale))
    return points


def encode(kind, words, scale, value):
    """A value as the registers (or bit) the device holds."""
    if kind == "boolean":
        return [1 if value else 0]
    raw = value / scale
    if kind == "f32":
        hi, lo = struct.unpack(">HH", struct.pack(">f", raw))
    elif kind in ("u32", "s32"):
        n = int(round(raw)) & 0xFFFFFFFF
        hi, lo = n >> 16, n & 0xFFFF
    else:
        return [int(round(raw)) & 0xFFFF]
    return [hi, lo] if words == "high_first" else [lo, hi]


def interpolate(curve, x):
    x = min(max(x, curve[0][0]), curve[-1][0])
    for (x0, y0), (x1, y1) in zip(curve, curve[1:]):
        if x <= x1:
            return y0 + (y1 - y0) * (x - x0) / (x1 - x0)
    return curve[-1][1]


class CoilBlock(ModbusSequentialDataBlock):
    """Coils, some of which may be stuck (off, or on): a write is echoed, the coil keeps its
    stuck value."""

    def __init__(self, address, values):
        super().__init__(address, values)
        self.stuck = {}  # address -> the value it keeps

    def setValues(self, address, values):  # noqa: N802 (pymodbus' name)
        if not isinstance(values, list):
            values = [values]
        values = [self.stuck.get(address + i, v) for i, v in enumerate(values)]
        super().setValues(address, values)


class Device:
    def __init__(self, device_id, profile):
        self.id = device_id
        self.points = read_profile(profile)
        size = 8192  # the generator's start request is register 4104
        self.store = ModbusSlaveContext(
            di=ModbusSequentialDataBlock(0, [0] * size), co=CoilBlock(0, [0] * size),
            hr=ModbusSequentialDataBlock(0, [0] * size), ir=ModbusSequentialDataBlock(0, [0] * size),
            zero_mode=True)
        self.context = ModbusServerContext(slaves={1: self.store}, single=False)
        self.server = None
        self.port = None
        self.served_as = device_id  # the site's device id in --site mode

    def set(self, name, value):
        table, address, kind, words, scale = self.points[name]
        self.store.setValues(FUNCTION[table], address, encode(kind, words, scale, value))

    def register(self, name):
        table, address, _, _, _ = self.points[name]
        return self.store.getValues(FUNCTION[table], address, 1)[0]

    def coil(self, name):
        table, address, _, _, _ = self.points[name]
        return bool(self.store.getValues(FUNCTION[table], address, 1)[0])


class Plant:
    def __init__(self, devices, speed, cracs=("crac-1", "crac-2")):
        self.d = devices
        self.cracs = list(cracs)
        self.speed = speed
        self.t = 0.0
        self.feed = {"a": True, "b": True}
        self.position = "a"           # where the switch is: "a", "b" or None (moving)
        self.lost_since = None        # when the switch's source was lost
        self.transfers = 0
        self.last_transfer_ms = 0
        self.gen_state = 0            # docs/modbus/generator.md engine_state
        self.gen_since = 0.0
        self.fuel_l = DAY_TANK_L * 0.9
        self.ups_kwh = UPS_CAPACITY_KWH
        self.room_c = 22.0
        self.crac_failed = {unit: False for unit in self.cracs}
        # Powered long enough already at the start.
        self.crac_power_since = {unit: -CRAC_RESTART_S for unit in self.cracs}
        self.crac_running = {unit: True for unit in self.cracs}
        # Units the room needs: all of two, all but one standby of more.
        self.cracs_needed = len(self.cracs) if len(self.cracs) <= 2 else len(self.cracs) - 1
        self.leak = False
        self.jammed = False
        self.load_kw = 42.0
        self.pickup_at = None         # when the generator last took the load
        self.load_v, self.load_hz = 230.0, 50.0  # what the switch delivers (the UPS's input)

    def emit(self, **event):
        print(json.dumps(dict(event=event.pop("event"), t=round(self.t, 1), **event)), flush=True)

    def source_ok(self, side):
        if side == "a":
            return self.feed["a"]
        return self.feed["b"] or self.gen_state == 4 or self.gen_state == 3

    def set_gen(self, state):
        if state != self.gen_state:
            self.gen_state, self.gen_since = state, self.t
            self.emit(event="generator", state=state)

    def step(self, dt):
        self.t += dt
        # The generator starts when both utility feeds are gone or its start request is set (a
        # test run, off load), stops after a cool-down once neither holds.
        requested = self.d["gen-1"].register("start_request") == 1
        need_gen = (not self.feed["a"] and not self.feed["b"]) or requested
        if self.jammed and self.gen_state == 0:
            need_gen = False
        age = self.t - self.gen_since
        if need_gen and self.gen_state in (0, 5):
            self.set_gen(1)
        elif self.gen_state == 1 and age >= CRANK_S:
            self.set_gen(2)
        elif self.gen_state == 2 and age >= WARM_S:
            self.set_gen(3)
        elif not need_gen and self.gen_state in (3, 4):
            self.set_gen(5)
        elif self.gen_state == 5 and age >= COOL_S:
            self.set_gen(0)
        # The switch: on a lost source it waits, then moves to the other if that one is good;
        # back to A when A returns (after the same delay).
        here_ok = self.position is not None and self.source_ok(self.position)
        preferred_back = self.position == "b" and self.feed["a"]
        if (not here_ok or preferred_back) and self.lost_since is None:
            self.lost_since = self.t
        if here_ok and not preferred_back:
            self.lost_since = None
        if self.lost_since is not None and self.t - self.lost_since >= TRANSFER_DELAY_S:
            target = "a" if self.feed["a"] else ("b" if self.source_ok("b") else None)
            if target and target != self.position:
                self.last_transfer_ms = int((self.t - self.lost_since) * 1000)
                self.position = target
                self.transfers += 1
                self.lost_since = None
                self.emit(event="transfer", to=target, after_ms=self.last_transfer_ms)
        powered = self.position is not None and self.source_ok(self.position)
        if self.gen_state == 3 and powered and self.position == "b" and not self.feed["b"]:
            self.set_gen(4)  # on load
            self.pickup_at = self.t
        # Load, UPS ride-through, fuel.
        self.load_kw = 42.0 + 2.0 * math.sin(self.t / 60.0) + random.uniform(-0.3, 0.3)
        if powered:
            self.ups_kwh = min(UPS_CAPACITY_KWH, self.ups_kwh + 5.0 * dt / 3600)
        else:
            self.ups_kwh = max(0.0, self.ups_kwh - self.load_kw * dt / 3600)
        if self.gen_state in (1, 2, 3, 5):
            self.fuel_l -= interpolate(BURN_CURVE, 0.0) * dt / 3600
        elif self.gen_state == 4:
            self.fuel_l -= interpolate(BURN_CURVE, self.load_kw / GEN_RATING_KW) * dt / 3600
        self.fuel_l = max(self.fuel_l, 0.0)
        # Cooling: a CRAC runs when it has power (not on the UPS) for its restart time and has
        # not failed; the room warms by 0.5 degC a minute per unit not running, cools back.
        running = 0
        for unit in self.crac_running:
            if not powered:
                self.crac_power_since[unit] = None
            elif self.crac_power_since[unit] is None:
                self.crac_power_since[unit] = self.t
            since = self.crac_power_since[unit]
            on = (not self.crac_failed[unit] and since is not None
                  and self.t - since >= CRAC_RESTART_S)
            if on != self.crac_running[unit]:
                self.crac_running[unit] = on
                self.emit(event="crac", unit=unit, running=on)
            running += 1 if on else 0
        target = 22.0 if running else 40.0
        needed = self.cracs_needed
        rate = (0.5 / 60) * (needed - running) if running < needed else 0.2 / 60
        step = min(abs(target - self.room_c), rate * dt)
        self.room_c += step if target > self.room_c else -step
        self.publish(powered)

    def publish(self, powered):
        d, noise = self.d, lambda s: random.uniform(-s, s)
        for side, meter in (("a", "meter-a"), ("b", "meter-b")):
            carrying = powered and self.position == side and self.feed[side]
            live = self.feed[side]
            d[meter].set("voltage_ln_avg", 230.0 + noise(0.5) if live else 0.0)
            d[meter].set("frequency", 50.0 + noise(0.02) if live else 0.0)
            d[meter].set("power", self.load_kw if carrying else 0.0)
            d[meter].set("current_avg", self.load_kw * 1000 / (3 * 230) if carrying else 0.0)
        ats = d["ats-1"]
        ats.set("source_a_available", self.feed["a"])
        ats.set("source_b_available", self.source_ok("b"))
        ats.set("on_a", self.position == "a")
        ats.set("on_b", self.position == "b")
        ats.set("transferring", self.lost_since is not None)
        ats.set("transfer_count", self.transfers)
        ats.set("last_transfer_ms", min(self.last_transfer_ms, 65535))
        gen = d["gen-1"]
        running = self.gen_state in (2, 3, 4, 5)
        on_load = self.gen_state == 4
        gen.set("engine_state", self.gen_state)
        gen.set("oil_pressure", 380 + noise(5) if running else 0)
        gen.set("coolant_temp", 82 if running else 25)
        gen.set("fuel_level", 100.0 * self.fuel_l / DAY_TANK_L)
        gen.set("battery_volts", 27.6 if running else 25.4)
        gen.set("engine_rpm", 1500 + noise(3) if running else (250 if self.gen_state == 1 else 0))
        # Taking the load, the engine sags and its governor and regulator pull it back (a few
        # seconds): what a drill's settling criteria measure.
        since = self.t - self.pickup_at if on_load and self.pickup_at is not None else 1e9
        gen_hz = 50.0 - 3.5 * math.exp(-since / 2.0) + noise(0.05) if running else 0.0
        gen_v = 230.0 - 50.0 * math.exp(-since / 2.0) + noise(1) if running else 0.0
        gen.set("frequency", gen_hz)
        gen.set("voltage_l1", gen_v)
        if not powered:
            self.load_v, self.load_hz = 0.0, 0.0
        elif self.position == "b" and not self.feed["b"]:
            self.load_v, self.load_hz = gen_v, gen_hz
        else:
            self.load_v, self.load_hz = 230.0 + noise(0.5), 50.0 + noise(0.02)
        gen.set("current_l1", self.load_kw * 1000 / (3 * 230) if on_load else 0.0)
        gen.set("power", self.load_kw if on_load else 0.0)
        ups = d["ups-1"]
        ups.set("on_battery", not powered)
        charge = 100.0 * self.ups_kwh / UPS_CAPACITY_KWH
        ups.set("low_battery", charge < 30)
        ups.set("battery_charge", charge)
        ups.set("runtime", min(65535, self.ups_kwh / max(self.load_kw, 1) * 3600))
        ups.set("load", 100.0 * self.load_kw / 80.0)
        for unit in self.cracs:
            crac, on = d[unit], self.crac_running[unit]
            crac.set("running", on)
            crac.set("alarm", self.crac_failed[unit])
            crac.set("supply_temp", (18.0 if on else self.room_c) + noise(0.1))
            crac.set("return_temp", self.room_c + (8.0 if on else 0.0) + noise(0.1))
            crac.set("return_humidity", 45.0 + noise(0.5))
            crac.set("fan_speed", 70 if on else 0)
            crac.set("setpoint", 18.0)
        room = d["room-1"]
        room.set("temp", self.room_c + noise(0.1))
        room.set("humidity", 45.0 + noise(0.5))
        room.set("leak", self.leak)
        pdu = d["pdu-1"]
        outlets = sum(1 for i in range(1, 9) if pdu.coil(f"outlet_{i}"))
        pdu.set("load", 0.8 * outlets + (noise(0.02) if outlets else 0.0))

    def state(self):
        return {"t": round(self.t, 1), "feeds": self.feed, "position": self.position,
                "transfers": self.transfers, "generator": self.gen_state,
                "fuel_l": round(self.fuel_l, 2), "ups_kwh": round(self.ups_kwh, 3),
                "room_c": round(self.room_c, 2), "crac_running": self.crac_running}

    def command(self, c):
        do = c.get("do")
        if do in ("cut", "restore") and c.get("feed") in self.feed:
            self.feed[c["feed"]] = do == "restore"
            self.emit(event="feed", feed=c["feed"], available=self.feed[c["feed"]])
        elif do in ("fail", "repair") and c.get("crac") in self.crac_failed:
            self.crac_failed[c["crac"]] = do == "fail"
        elif do == "leak":
            self.leak = bool(c.get("on", True))
        elif do == "refuel" and isinstance(c.get("litres"), (int, float)) and c["litres"] > 0:
            self.fuel_l = min(DAY_TANK_L, self.fuel_l + c["litres"])
        elif do == "jam":
            self.jammed = bool(c.get("on", True))
        elif do in ("stick", "unstick"):
            device = next((dev for dev in self.d.values()
                           if c.get("device") in (dev.served_as, dev.id)), None)
            point = device.points.get(c.get("point")) if device else None
            if point is None or point[0] != "coil":
                return {"error": "bad_command", "command": c}
            coils = device.store.store["c"]
            if do == "unstick":
                coils.stuck.pop(point[1], None)
            else:
                value = 1 if c.get("value") else 0
                coils.stuck.pop(point[1], None)
                device.set(c["point"], bool(value))
                coils.stuck[point[1]] = value
        elif do == "state":
            pass
        else:
            return {"error": "bad_command", "command": c}
        return {"ok": do, "state": self.state()}


class NutFollower(threading.Thread):
    """The site's UPS units behind upsd, following the plant once a second (a write to a
    dummy-ups file waits for upsd to serve it, so it never runs on the plant's loop)."""

    def __init__(self, path, plant):
        super().__init__(daemon=True)
        from nut_ups import NutSite
        with open(path, "rb") as f:
            site = tomllib.load(f)
        names, port = [], None
        for ups in site.get("power", {}).get("ups", []):
            name, _, where = ups["nut"].partition("@")
            names.append(name)
            port = int(where.rpartition(":")[2] or 3493)
        self.plant = plant
        self.site = NutSite(ups=names, port=port) if names else None

    def run(self):
        last = None
        while self.site:
            p = self.plant
            powered = p.position is not None and p.source_ok(p.position)
            charge = round(100.0 * p.ups_kwh / UPS_CAPACITY_KWH)
            runtime = int(p.ups_kwh / max(p.load_kw, 1) * 3600)
            status = "OL" if powered else ("OB DISCHRG LB" if charge < 30 else "OB DISCHRG")
            wanted = {"ups.status": status, "battery.charge": str(charge),
                      "battery.runtime": str(runtime),
                      "input.voltage": f"{p.load_v:.0f}", "input.frequency": f"{p.load_hz:.1f}",
                      "input.transfer.reason": "none" if powered else "input voltage out of range"}
            if wanted != last:
                for name in self.site.names:
                    self.site.set(name, wanted)
                last = wanted
            time.sleep(1.0)


def site_roles(site):
    """{part of the plant: the site's device id} and the CRAC units' device ids."""
    power = site.get("power", {})
    by_profile = {}
    for device in site.get("modbus_devices", []):
        by_profile.setdefault(device.get("profile"), []).append(device["id"])
    roles = {}
    for role, feed in zip(("meter-a", "meter-b"), power.get("feeds", [])):
        roles[role] = feed["meter"]
    if "ats" in power:
        roles["ats-1"] = power["ats"]
    if "generator" in power:
        roles["gen-1"] = power["generator"]["device"]
    ups_cards = [u["device"] for u in power.get("ups", []) if "device" in u]
    if ups_cards:
        roles["ups-1"] = ups_cards[0]
    sensors = [s["device"] for s in site.get("sensors", [])]
    if sensors:
        roles["room-1"] = sensors[0]
    for role, profile in (("hubs-1", "relay"), ("pdu-1", "pdu")):
        if by_profile.get(profile):
            roles[role] = by_profile[profile][0]
    cracs = []
    for unit in site.get("crac_units", []):
        if unit["device"] not in cracs:
            cracs.append(unit["device"])
    return roles, cracs


async def serve_site(path):
    """The plant with the site's devices served where the site file says they are."""
    with open(path, "rb") as f:
        site = tomllib.load(f)
    roles, cracs = site_roles(site)
    profiles = dict(DEVICES)
    for unit in cracs:
        profiles[unit] = "crac"
    if not cracs:
        cracs = ["crac-1", "crac-2"]
    devices = {role: Device(role, profile) for role, profile in profiles.items()}
    for role, device_id in roles.items():
        devices[role].served_as = device_id
    for unit in cracs:
        roles.setdefault(unit, unit)
    config = {d["id"]: d for d in site.get("modbus_devices", [])}
    ports = {}
    for role, device_id in roles.items():
        if device_id not in config:
            continue
        c = config[device_id]
        key = (c.get("host", "127.0.0.1"), int(c.get("port", 502)))
        ports.setdefault(key, {})[int(c.get("unit_id", 1))] = devices[role].store
    ready = {}
    for (host, port), slaves in ports.items():
        server = ModbusTcpServer(ModbusServerContext(slaves=slaves, single=False),
                                 address=(host, port), allow_reuse_address=True)
        asyncio.ensure_future(server.serve_forever())
        await server.serving
        for role, device_id in roles.items():
            c = config.get(device_id)
            if c and (c.get("host", "127.0.0.1"), int(c.get("port", 502))) == (host, port):
                ready[device_id] = port
    return devices, cracs, ready


async def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--speed", type=float, default=1.0, help="plant seconds per second")
    parser.add_argument("--site", help="serve this site file's [[modbus_devices]]")
    parser.add_argument("--nut", action="store_true",
                        help="with --site: the site's UPS units through upsd")
    parser.add_argument("--control", type=int, metavar="PORT",
                        help="also take the commands over TCP on 127.0.0.1:PORT")
    args = parser.parse_args()
    logging.basicConfig(level=logging.CRITICAL)
    logging.getLogger("pymodbus").setLevel(logging.CRITICAL)
    if args.site:
        devices, cracs, ready = await serve_site(args.site)
    else:
        devices, cracs = {i: Device(i, p) for i, p in DEVICES.items()}, ("crac-1", "crac-2")
        for dev in devices.values():
            dev.server = ModbusTcpServer(dev.context, address=("127.0.0.1", 0),
                                         allow_reuse_address=True)
            asyncio.ensure_future(dev.server.serve_forever())
            await dev.server.serving
            dev.port = dev.server.server.sockets[0].getsockname()[1]
        ready = {i: d.port for i, d in devices.items()}
    plant = Plant(devices, args.speed, cracs)
    plant.step(0.0)
    if args.site and args.nut:
        NutFollower(args.site, plant).start()
    print(json.dumps({"ready": ready}), flush=True)

    async def physics():
        while True:
            await asyncio.sleep(0.1)
            plant.step(0.1 * args.speed)

    asyncio.ensure_future(physics())
    reader = asyncio.StreamReader()
    await asyncio.get_running_loop().connect_read_pipe(
        lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    if args.control is not None:
        await serve_control(plant, args.control)
    while True:
        line = await reader.readline()
        if not line:
            break
        answer = answer_line(plant, line)
        if answer is None:
            break
        print(json.dumps(answer), flush=True)


def answer_line(plant, line):
    """One JSON command line's answer; None for quit."""
    try:
        command = json.loads(line)
    except ValueError:
        return {"error": "bad_json"}
    if not isinstance(command, dict):
        return {"error": "bad_command", "command": command}
    if command.get("do") == "quit":
        return None
    return plant.command(command)


async def serve_control(plant, port):
    """The same commands over TCP on 127.0.0.1:port, one JSON line each way (a drill in
    simulation mode plays its steps through it); quit closes that connection only."""
    async def client(reader, writer):
        try:
            while True:
                line = await reader.readline()
                if not line:
                    break
                if len(line) > 4096:
                    answer = {"error": "line_too_long"}
                else:
                    answer = answer_line(plant, line)
                if answer is None:
                    break
                writer.write((json.dumps(answer) + "\n").encode())
                await writer.drain()
        except (ConnectionError, asyncio.LimitOverrunError, ValueError):
            pass
        finally:
            writer.close()

    await asyncio.start_server(client, "127.0.0.1", port, limit=8192)


if __name__ == "__main__":
    asyncio.run(main())
