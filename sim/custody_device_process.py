"""Drives one sim/custody_device.py process (a key cabinet or a metal detector): writes control
lines to its stdin and reads the JSON lines it prints. Shared by the demo and the tests."""
import collections
import json
import os
import queue
import subprocess
import sys
import threading
import time

DEVICE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "custody_device.py")


class CustodyDeviceProcess:
    def __init__(self, site, device, kind, mqtt_uri, password_file, slots=0, tags=(),
                 state_file=None, log=None, wait_connected=True):
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

    def _read(self):
        for line in self.proc.stdout:
            try:
                self.lines.put(json.loads(line))
            except json.JSONDecodeError:
                self.lines.put({"out": "unparsed", "line": line.rstrip()})
        self.lines.put({"out": "exited"})

    def send(self, control):
        self.proc.stdin.write(json.dumps(control) + "\n")
        self.proc.stdin.flush()

    def expect(self, out, pred=lambda line: True, timeout=15.0):
        """The next line with "out" == out (and pred), skipping others; fails on time-out."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"{self.device}: no {out!r} within {timeout} s; "
                                     f"last lines {list(self.recent)}")
            try:
                line = self.lines.get(timeout=left)
            except queue.Empty:
                continue
            self.recent.append(line)
            if line.get("out") == "exited" and out != "exited":
                raise AssertionError(f"{self.device} exited; last lines {list(self.recent)}")
            if line.get("out") == out and pred(line):
                return line

    def stop(self, timeout=5.0):
        if self.proc.poll() is None:
            try:
                self.send({"do": "quit"})
                self.proc.wait(timeout)
            except (BrokenPipeError, subprocess.TimeoutExpired, ValueError, OSError):
                self.proc.kill()
                self.proc.wait()
        for pipe in (self.proc.stdin, self.proc.stdout):
            try:
                pipe.close()
            except (BrokenPipeError, OSError):
                pass
