"""The demo's custody devices and what people do with them (docs/custody.md): one simulated
device per [[key_cabinets]] and [[metal_detectors]] (sim/custody_device.py), people who badge at
a cabinet's reader, take a key it releases and bring it back later, and now and then a metal
detector hit that holds its portal until the desk clears it (cleared by the scenario after
`clear_after_s` if nobody at the desk did, so an unattended demo does not stall the gate)."""
import os
import time

from custody_device_process import CustodyDeviceProcess


def start_custody_devices(site, secrets, state_dir, log, say=print):
    """{device id: CustodyDeviceProcess}, each connected, its cabinet slots holding their keys;
    a device that cannot connect is left out (said), the rest of the demo goes on."""
    devices = {}

    def start(device_id, *args, **kwargs):
        try:
            devices[device_id] = CustodyDeviceProcess(*args, **kwargs)
        except (TimeoutError, RuntimeError, OSError) as e:
            say(f"custody device {device_id} stays offline: {e}")
    os.makedirs(state_dir, mode=0o700, exist_ok=True)
    site_id, uri = site["site"]["id"], site["daemon"]["mqtt_uri"]
    keys = site.get("keys", [])
    for cabinet in site.get("key_cabinets", []):
        mine = {k["slot"]: k["tag"] for k in keys if k["cabinet"] == cabinet["id"]}
        slots = max(mine, default=0)
        start(cabinet["id"], site_id, cabinet["id"], "key_cabinet", uri,
            os.path.join(secrets, cabinet["id"] + ".password"), slots=slots,
            tags=[mine.get(n, "") for n in range(1, slots + 1)],
            state_file=os.path.join(state_dir, cabinet["id"] + ".seq"), log=log)
    for detector in site.get("metal_detectors", []):
        start(detector["id"], site_id, detector["id"], "metal_detector", uri,
            os.path.join(secrets, detector["id"] + ".password"),
            state_file=os.path.join(state_dir, detector["id"] + ".seq"), log=log)
    return devices


class CustodyActor:
    def __init__(self, site, walk, devices, desk, log, clear_after_s=180):
        self.walk = walk
        self.devices = devices
        self.desk = desk
        self.log = log
        self.clear_after_s = clear_after_s
        self.cabinets = [c for c in site.get("key_cabinets", []) if c["id"] in devices]
        self.detectors = [d for d in site.get("metal_detectors", []) if d["id"] in devices]
        self.tags = {(k["cabinet"], k["slot"]): k["tag"] for k in site.get("keys", [])}
        self.doors = {d["id"]: d for d in site["doors"]}
        self.out = set()  # (cabinet, slot) taken by the demo and not yet back

    def key_round(self):
        """Someone allowed at a cabinet takes one released key and returns it 1-6 min later."""
        try:
            self._key_round()
        except (OSError, ValueError) as e:  # a device gone: the rest of the demo goes on
            self.log(f"custody: {e}")

    def _key_round(self):
        if not self.cabinets:
            return
        cabinet = self.walk.rng.choice(self.cabinets)
        door = self.doors[cabinet["door"]]
        people = [p for p in self.walk.people if p["id"] not in self.walk.busy_people
                  and self.walk.granted_into(p, door["to_zone"])]
        if not people:
            return
        # Someone standing in front of the cabinet if there is one (the walk's where).
        near = [p for p in people if self.walk.where.get(p["id"]) == door["from_zone"]]
        p = self.walk.rng.choice(near or people)
        decision = self.walk.badge(door, p["card"], p["pin"], p["finger"])
        if not decision or not decision.get("granted"):
            self.log(f"{cabinet['id']}: {p['id']} at the reader -> "
                     f"{decision.get('reason') if decision else 'no answer'}")
            return
        device = self.devices[cabinet["id"]]
        try:
            released = device.expect("released", timeout=5)["slots"]
        except (TimeoutError, RuntimeError):
            self.log(f"{cabinet['id']}: granted to {p['id']} but nothing released")
            return
        free = [s for s in released if (cabinet["id"], s) not in self.out]
        if not free:
            self.log(f"{cabinet['id']}: {p['id']} may take nothing that is in")
            return
        slot = self.walk.rng.choice(free)
        device.send({"do": "take", "slot": slot})
        self.out.add((cabinet["id"], slot))
        self.log(f"{cabinet['id']}: {p['id']} takes slot {slot}")

        def give_back():
            try:
                device.send({"do": "return", "slot": slot, "tag": self.tags[(cabinet["id"], slot)]})
            except (OSError, ValueError) as e:
                self.log(f"{cabinet['id']}: {e}")
                return
            self.out.discard((cabinet["id"], slot))
            self.log(f"{cabinet['id']}: slot {slot} back")
        self.walk.timeline.at(time.monotonic() + self.walk.rng.uniform(60, 360), give_back)

    def detector_hit(self):
        try:
            self._detector_hit()
        except (OSError, ValueError) as e:
            self.log(f"custody: {e}")

    def _detector_hit(self):
        if not self.detectors:
            return
        detector = self.walk.rng.choice(self.detectors)
        level = self.walk.rng.randint(55, 95)
        self.devices[detector["id"]].send({"do": "detect", "level": level})
        self.log(f"{detector['id']}: detection {level}; {detector['portal']} held")

        def clear_if_left():
            if self.desk is None:
                return
            try:
                status, body = self.desk.call("GET", "/api/custody")
            except (OSError, RuntimeError) as e:
                self.log(f"{detector['id']}: {e}")
                return
            held = status == 200 and any(d["id"] == detector["id"] and d.get("held")
                                         for d in body.get("detectors", []))
            if held:
                try:
                    self.desk.call("POST", f"/api/custody/detectors/{detector['id']}/clear",
                                   {"comment": "demo: cleared by the scenario, nobody at the desk"})
                except (OSError, RuntimeError) as e:
                    self.log(f"{detector['id']}: {e}")
                    return
                self.log(f"{detector['id']}: cleared by the scenario")
        self.walk.timeline.at(time.monotonic() + self.clear_after_s, clear_if_left)

    def stop(self):
        for device in self.devices.values():
            device.stop()
