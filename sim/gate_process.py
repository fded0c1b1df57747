"""Drives one `sekimori-sim-gate` process (a circle gate, sim/README.md): writes control lines to
its stdin and reads the JSON lines it prints. Shared by the scenario driver and the tests.

Every line the gate printed is also kept, in order, in `history`, so a test can check a property
over the whole run (interlock_violations: both leaves released outside a fire release)."""
import collections
import json
import os
import queue
import subprocess
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from panel_process import PanelProcess, make_sign_key, tls_args  # noqa: E402,F401

BODY_G = 70_000  # what a body weighs when the caller gives no weight (the sim's default)


class GateProcess(PanelProcess):
    def __init__(self, binary, site, panel, gate, mqtt_uri, password_file, panel_key_file,
                 log=None, tls_files=None, options=None, state_dir=None):
        """options: the gate's settings as {"cycle-timeout-ms": 5000, "free-exit": True, ...}
        (sekimori-sim-gate --help); True is a flag. state_dir: where the journal lives (default
        beside the key file)."""
        self.panel = panel
        self.gate = gate
        self.door = gate
        self.history = []
        extra = []
        for name, value in (options or {}).items():
            if value is True:
                extra.append(f"--{name}")
            elif value is not False and value is not None:
                extra += [f"--{name}", str(value)]
        if state_dir:
            extra += ["--state-dir", state_dir]
        self.lines = queue.Queue()
        self.recent = collections.deque(maxlen=12)  # PanelProcess.wait_for's time-out message
        self.proc = subprocess.Popen(
            [binary, "--site", site, "--panel", panel, "--gate", gate, "--mqtt-uri", mqtt_uri,
             "--password-file", password_file, "--panel-key-file", panel_key_file]
            + extra + tls_args(tls_files),
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log or subprocess.DEVNULL,
            text=True, bufsize=1)
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self):
        for line in self.proc.stdout:
            try:
                parsed = json.loads(line)
            except json.JSONDecodeError:
                parsed = {"out": "unparsed", "line": line.rstrip()}
            self.history.append(parsed)
            self.lines.put(parsed)
        self.lines.put({"out": "exited"})

    # --- waiting on what the gate printed ------------------------------------------------------
    def wait_phase(self, phase, timeout=15.0):
        return self.wait_for(lambda l: l.get("out") == "phase" and l.get("phase") == phase,
                             timeout)

    def wait_event(self, kind, timeout=15.0, **fields):
        """The next event the gate journaled of `kind` (and with these fields)."""
        return self.wait_for(lambda l: l.get("out") == "event" and l.get("kind") == kind
                             and all(l.get(k) == v for k, v in fields.items()), timeout)

    def wait_position(self, leaf, closed, timeout=15.0):
        """The leaf physically reached open (closed=False) or shut (closed=True)."""
        return self.wait_for(lambda l: l.get("out") == "position" and l.get("leaf") == leaf
                             and l.get("closed") == closed, timeout)

    def wait_screen(self, reader, screen, timeout=15.0):
        return self.wait_for(lambda l: l.get("out") == "display" and l.get("reader") == reader
                             and l.get("screen") == screen, timeout)

    # --- people --------------------------------------------------------------------------------
    def present(self, card, pin=None, reader="outer", timeout=15.0):
        """A card at `reader`, answering the PIN prompt; returns "open" once the entry leaf
        stands open, or the decision line when the person was denied outside."""
        self.drain()
        self.send(f"card {reader} {card}")
        leaf = reader  # the outer reader opens the outer leaf, the inner reader the inner one
        while True:
            line = self.wait_for(lambda l: l.get("out") in ("decision", "display", "position"),
                                 timeout)
            if line["out"] == "decision":
                return line
            if line["out"] == "position" and line["leaf"] == leaf and not line["closed"]:
                return "open"
            if line["out"] == "display" and line.get("screen") == "enter_pin":
                self.send(f"pin {pin if pin is not None else '0000'}")

    def cycle(self, card, pin=None, finger=None, grams=BODY_G, side="entry", timeout=20.0):
        """One person through the gate (entry: outer -> inner; exit: inner -> outer), giving
        each factor asked for; returns the cycle's last event line (cycle_completed, or
        cycle_refused) or the decision line when denied outside."""
        entry, far = ("outer", "inner") if side == "entry" else ("inner", "outer")
        opened = self.present(card, pin=pin, reader=entry, timeout=timeout)
        if opened != "open":
            return opened
        self.send(f"enter {entry} {grams}")
        while True:
            line = self.wait_for(
                lambda l: (l.get("out") == "event" and l.get("kind") in (
                    "cycle_completed", "cycle_refused"))
                or (l.get("out") == "display" and l.get("screen") == "place_finger")
                or (l.get("out") == "position" and l.get("leaf") == far
                    and not l.get("closed")), timeout)
            if line["out"] == "event":
                return line
            if line["out"] == "display":
                self.send(f"finger {finger if finger is not None else 'nobody'}")
            else:
                self.send(f"leave {far}")

    # --- properties over the whole run -------------------------------------------------------
    def interlock_violations(self):
        """Every `lock` line after which both leaves were driven released while no fire release
        was in force (from gate_fire_released until gate_rearmed) and mains were on. The gate
        prints the lock lines of one input before that input's report (a fire release drives
        both leaves, then reports gate_fire_released), so a both-released state is judged when
        it ends (the next lock line) or at the end, with the reports that came with it."""
        released = {"outer": False, "inner": False}
        fire = False
        power_lost = False
        bad = []
        both = None  # the lock line that released the second leaf, until a leaf locks again
        for i, line in enumerate(list(self.history)):
            if line.get("out") == "event":
                kind = line.get("kind")
                if kind == "gate_fire_released":
                    fire = True
                elif kind == "gate_rearmed":
                    fire = False
                elif kind == "gate_power_lost":
                    power_lost = True
                elif kind == "gate_power_restored":
                    power_lost = False
            elif line.get("out") == "lock":
                if both is not None and not fire and not power_lost:
                    bad.append(both)
                both = None
                released[line["leaf"]] = line["released"]
                if released["outer"] and released["inner"]:
                    both = (i, line)
        if both is not None and not fire and not power_lost:
            bad.append(both)
        return bad

    def locks(self):
        """The lock lines so far, as (leaf, released)."""
        return [(l["leaf"], l["released"]) for l in list(self.history) if l.get("out") == "lock"]
