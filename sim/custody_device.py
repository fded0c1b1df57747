#!/usr/bin/python3
"""A simulated custody device (docs/custody-devices.md): a key cabinet or a metal detector on the
site broker, under its own account. It speaks the device profile exactly as hardware would —
retained status with a will, reports numbered from 1 and resent until acknowledged, commands
obeyed — so the controller is tested against the wire, not a mock.

Control lines on stdin, one JSON object each:
  {"do": "take", "slot": 1}            a key lifted from its slot (only while the slot is released)
  {"do": "return", "slot": 1, "tag": "K-A1"}   a key put back (the tag read)
  {"do": "force", "slot": 2}           a slot forced open: the key leaves without a release
  {"do": "detect", "level": 83}        a detector hit
  {"do": "tamper"} / {"do": "door_open_too_long"}
  {"do": "quit"} or the plain line quit (stdin EOF quits too)
What it did goes to stdout, one JSON object each: {"out": "connected"}, {"out": "released",
"slots": [..], "ref": ..}, {"out": "refused", "slot": n, "why": ..}, {"out": "sent", "seq": n,
"kind": ..}, {"out": "acked", "seq": n}, {"out": "locked"}, {"out": "bad_command", "error": ..}.

The next report number is kept in --state-file (a real device keeps it in flash): a device that
restarts at 1 would have its new reports taken for resends of old ones."""
import argparse
import json
import os
import sys
import threading
import time
import urllib.parse

import paho.mqtt.client as mqtt

RESEND_S = 1.0


def emit(**fields):
    sys.stdout.write(json.dumps(fields, separators=(",", ":")) + "\n")
    sys.stdout.flush()


class Device:
    def __init__(self, args):
        self.site, self.device, self.kind = args.site, args.device, args.kind
        self.lock = threading.Lock()
        tags = [t for t in (args.tags or "").split(",") if t]
        self.slots = {n: (tags[n - 1] if n <= len(tags) else None)
                      for n in range(1, args.slots + 1)} if args.kind == "key_cabinet" else {}
        self.released = {}  # slot -> monotonic deadline
        self.state_file = args.state_file
        self.next_seq = self._load_seq()
        self.pending = {}  # seq -> payload, until acknowledged
        with open(args.password_file) as f:
            password = f.read().strip()
        uri = urllib.parse.urlparse(args.mqtt_uri)
        if uri.scheme != "tcp":
            raise SystemExit(f"custody_device: only tcp:// brokers, not {args.mqtt_uri}")
        self.client = mqtt.Client(client_id=f"{self.site}-{self.device}", clean_session=True)
        self.client.username_pw_set(self.device, password)
        self.client.will_set(self.topic("status"), json.dumps({"online": False}), qos=1,
                             retain=True)
        self.client.on_connect = self._on_connect
        self.client.on_message = self._on_message
        self.client.reconnect_delay_set(min_delay=1, max_delay=5)
        self.client.connect_async(uri.hostname, uri.port or 1883, keepalive=10)
        self.client.loop_start()
        self.resender = threading.Thread(target=self._resend, daemon=True)
        self.resender.start()

    def topic(self, leaf):
        return f"sekimori/{self.site}/device/{self.device}/{leaf}"

    # --- the report number, durable -----------------------------------------------------------
    def _load_seq(self):
        if self.state_file and os.path.exists(self.state_file):
            with open(self.state_file) as f:
                return int(json.load(f)["next_seq"])
        return 1

    def _store_seq(self):
        if not self.state_file:
            return
        tmp = self.state_file + ".tmp"
        with open(tmp, "w") as f:
            json.dump({"next_seq": self.next_seq}, f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, self.state_file)

    # --- the broker ---------------------------------------------------------------------------
    def _on_connect(self, client, _userdata, _flags, rc):
        if rc != 0:
            emit(out="connect_refused", rc=rc)
            return
        client.subscribe(self.topic("command"), qos=1)
        self.publish_status()
        with self.lock:
            for payload in self.pending.values():
                client.publish(self.topic("report"), payload, qos=1)
        emit(out="connected")

    def publish_status(self):
        status = {"online": True, "kind": self.kind}
        if self.kind == "key_cabinet":
            with self.lock:
                status["slots"] = [{"slot": n, "tag": tag} for n, tag in sorted(self.slots.items())]
        self.client.publish(self.topic("status"), json.dumps(status), qos=1, retain=True)

    def _on_message(self, _client, _userdata, message):
        try:
            command = json.loads(message.payload)
            kind = command["kind"]
        except (ValueError, KeyError, TypeError) as e:
            emit(out="bad_command", error=str(e))
            return
        if kind == "ack":
            with self.lock:
                done = [s for s in self.pending if s <= int(command["seq"])]
                for s in done:
                    del self.pending[s]
            emit(out="acked", seq=int(command["seq"]))
        elif kind == "release":
            deadline = time.monotonic() + int(command["for_ms"]) / 1000.0
            with self.lock:
                for slot in command["slots"]:
                    if slot in self.slots:
                        self.released[slot] = deadline
            emit(out="released", slots=command["slots"], ref=command.get("ref"))
        elif kind == "lock_all":
            with self.lock:
                self.released.clear()
            emit(out="locked")
        else:
            emit(out="bad_command", error=f"unknown kind {kind!r}")

    def _resend(self):
        while True:
            time.sleep(RESEND_S)
            with self.lock:
                waiting = list(self.pending.values())
            for payload in waiting:
                self.client.publish(self.topic("report"), payload, qos=1)

    def report(self, kind, **fields):
        with self.lock:
            seq = self.next_seq
            self.next_seq += 1
            self._store_seq()
            payload = json.dumps(dict(seq=seq, kind=kind, **fields))
            self.pending[seq] = payload
        self.client.publish(self.topic("report"), payload, qos=1)
        emit(out="sent", seq=seq, kind=kind)

    # --- what happens at the device -----------------------------------------------------------
    def act(self, line):
        do = line.get("do")
        slot = line.get("slot")
        if do in ("take", "return", "force") and slot not in self.slots:
            emit(out="refused", slot=slot, why="no such slot")
            return
        if do == "take":
            with self.lock:
                open_now = self.released.get(slot, 0) > time.monotonic()
                tag = self.slots[slot]
                if open_now and tag is not None:
                    self.slots[slot] = None
                    self.released.pop(slot, None)
            if not open_now or tag is None:
                emit(out="refused", slot=slot, why="locked" if not open_now else "empty")
                return
            self.report("key_removed", slot=slot, tag=tag)
            self.publish_status()
        elif do == "return":
            with self.lock:
                full = self.slots[slot] is not None
                if not full:
                    self.slots[slot] = line["tag"]
            if full:
                emit(out="refused", slot=slot, why="full")
                return
            self.report("key_returned", slot=slot, tag=line["tag"])
            self.publish_status()
        elif do == "force":
            with self.lock:
                tag, self.slots[slot] = self.slots[slot], None
            self.report("slot_forced", slot=slot, tag=tag or "")
            self.publish_status()
        elif do == "detect":
            self.report("detection", level=int(line["level"]))
        elif do in ("tamper", "door_open_too_long"):
            self.report(do)
        else:
            emit(out="bad_control", line=line)

    def stop(self):
        # A clean stop says offline itself; a kill leaves it to the will.
        self.client.publish(self.topic("status"), json.dumps({"online": False}), qos=1,
                            retain=True).wait_for_publish(2)
        self.client.disconnect()
        self.client.loop_stop()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--site", required=True)
    parser.add_argument("--device", required=True)
    parser.add_argument("--kind", required=True, choices=("key_cabinet", "metal_detector"))
    parser.add_argument("--mqtt-uri", required=True)
    parser.add_argument("--password-file", required=True)
    parser.add_argument("--slots", type=int, default=0, help="a cabinet's slot count")
    parser.add_argument("--tags", help="the tags in slots 1.. at start, comma-separated")
    parser.add_argument("--state-file", help="where the next report number is kept")
    args = parser.parse_args()
    device = Device(args)
    for raw in sys.stdin:
        raw = raw.strip()
        if not raw:
            continue
        if raw == "quit":  # PanelProcess.stop's word
            break
        try:
            line = json.loads(raw)
        except ValueError as e:
            emit(out="bad_control", error=str(e))
            continue
        if not isinstance(line, dict):
            emit(out="bad_control", error="not a JSON object")
            continue
        if line.get("do") == "quit":
            break
        try:
            device.act(line)
        except (KeyError, TypeError, ValueError) as e:  # a field missing or of the wrong type
            emit(out="bad_control", error=repr(e), line=line)
    device.stop()


if __name__ == "__main__":
    main()
