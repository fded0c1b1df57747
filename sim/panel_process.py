"""Drives one `sekimori-sim-panel` process: writes control lines to its stdin and reads the
JSON lines it prints (see sim/README.md). Shared by the scenario driver and the tests."""
import collections
import json
import queue
import subprocess
import threading
import time


def tls_args(tls_files):
    if not tls_files:
        return []
    ca, cert, key = tls_files
    return ["--ca-file", ca, "--cert-file", cert, "--key-file", key]


def make_sign_key(binary, panel_key_file):
    """Makes the panel's signing key on the panel's side (K.sign, 0600) if it has none and
    returns its public half (hex, also in K.sign.pub) for enrollment."""
    out = subprocess.run([binary, "--make-sign-key", "--panel-key-file", panel_key_file],
                         check=True, capture_output=True, text=True)
    return out.stdout.strip()


class PanelProcess:
    def __init__(self, binary, site, panel, door, mqtt_uri, password_file, panel_key_file,
                 side="entry", log=None, tls_files=None, extra_args=()):
        """tls_files: (ca, cert, key) to connect over TLS with the panel's certificate; then
        mqtt_uri is the broker's ssl:// panel listener (docs/broker.md). extra_args: more of the
        simulator's options (--state-dir D for its journal and cache, ...)."""
        self.panel = panel
        self.door = door
        self.lines = queue.Queue()
        self.recent = collections.deque(maxlen=12)  # the last lines seen, for a time-out's message
        self.proc = subprocess.Popen(
            [binary, "--site", site, "--panel", panel, "--door", door, "--mqtt-uri", mqtt_uri,
             "--password-file", password_file, "--panel-key-file", panel_key_file,
             "--side", side] + tls_args(tls_files) + list(extra_args),
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log or subprocess.DEVNULL,
            text=True, bufsize=1)
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self):
        for line in self.proc.stdout:
            try:
                self.lines.put(json.loads(line))
            except json.JSONDecodeError:
                self.lines.put({"out": "unparsed", "line": line.rstrip()})
        self.lines.put({"out": "exited"})

    def send(self, command):
        self.proc.stdin.write(command + "\n")
        self.proc.stdin.flush()

    def drain(self):
        while True:
            try:
                self.lines.get_nowait()
            except queue.Empty:
                return

    def wait_for(self, predicate, timeout=10.0):
        """Returns the first output line satisfying predicate; raises TimeoutError otherwise."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"panel {self.panel}: no matching output in {timeout} s; "
                                   f"last lines: {list(self.recent)}")
            try:
                line = self.lines.get(timeout=left)
            except queue.Empty:
                continue
            self.recent.append(line)
            if line.get("out") == "exited":
                raise RuntimeError(f"panel {self.panel} exited")
            if predicate(line):
                return line

    def wait_connected(self, timeout=15.0):
        """Connected to the broker and holding the controller's link epoch (either may come
        first: the retained link announcement arrives with the subscription)."""
        seen = set()

        def ready(line):
            if line.get("out") == "connection" and line.get("connected"):
                seen.add("connection")
            elif line.get("out") == "link":
                seen.add("link")
            return seen == {"connection", "link"}
        self.wait_for(ready, timeout)

    def wait_link(self, timeout=15.0):
        """Returns the epoch of the next link announcement the panel accepts."""
        return self.wait_for(lambda l: l.get("out") == "link", timeout)["epoch"]

    def badge(self, card, pin=None, finger=None, timeout=10.0):
        """Presents a card and answers the prompts the controller asks for; returns the
        decision line ({"out":"decision","granted":..,"reason":..})."""
        self.drain()
        self.send(f"card {card}")
        while True:
            line = self.wait_for(lambda l: l.get("out") in ("decision", "display"), timeout)
            if line["out"] == "decision":
                return line
            screen = line.get("screen")
            if screen == "enter_pin":
                self.send(f"pin {pin if pin is not None else '0000'}")
            elif screen == "place_finger":
                self.send(f"finger {finger if finger is not None else 'nobody'}")

    def _close_pipes(self):
        for pipe in (self.proc.stdin, self.proc.stdout):
            try:
                pipe.close()
            except (BrokenPipeError, OSError):
                pass

    def kill(self):
        """SIGKILL: the panel dies as at a power cut; what it journaled is on its disk."""
        self.proc.kill()
        self.proc.wait()
        self._close_pipes()

    def stop(self, timeout=5.0):
        if self.proc.poll() is None:
            try:
                self.send("quit")
                self.proc.wait(timeout)
            except (BrokenPipeError, subprocess.TimeoutExpired, ValueError):
                self.proc.kill()
                self.proc.wait()
        self._close_pipes()
