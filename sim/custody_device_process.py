"""Drives one sim/custody_device.py process (a key cabinet or a metal detector): writes control
lines to its stdin and reads the JSON lines it prints. Shared by the demo and the tests. The line
reading, waiting and stopping are PanelProcess's (sim/panel_process.py)."""
import collections
import json
import os
import queue
import subprocess
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from panel_process import PanelProcess  # noqa: E402

DEVICE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "custody_device.py")


class CustodyDeviceProcess(PanelProcess):
    def __init__(self, site, device, kind, mqtt_uri, password_file, slots=0, tags=(),
                 state_file=None, log=None, wait_connected=True):
        self.panel = device  # PanelProcess's messages name it
        self.device = device
        self.lines = queue.Queue()
        self.recent = collections.deque(maxlen=12)
        args = [sys.executable, DEVICE, "--site", site, "--device", device, "--kind", kind,
                "--mqtt-uri", mqtt_uri, "--password-file", password_file]
        if slots:
            args += ["--slots", str(slots), "--tags", ",".join(tags)]
        if state_file:
            args += ["--state-file", state_file]
        self.proc = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=log or subprocess.DEVNULL, text=True, bufsize=1)
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        if wait_connected:
            self.expect("connected")

    def send(self, control):
        """A control line: a dict ({"do": "take", "slot": 1}) as JSON; "quit" as it is."""
        super().send(control if isinstance(control, str) else json.dumps(control))

    def expect(self, out, pred=lambda line: True, timeout=15.0):
        """The next line with "out" == out (and pred), skipping others; TimeoutError after
        `timeout`, RuntimeError once the device exited."""
        return self.wait_for(lambda line: line.get("out") == out and pred(line), timeout)
