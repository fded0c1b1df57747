#!/usr/bin/env python3
"""UPS units behind NUT's real upsd, for tests and the demo: one dummy-ups driver per UPS and
one upsd on a free loopback port, all in a temporary directory (NUT_CONFPATH, NUT_STATEPATH),
nothing of /etc/nut used or changed. Each UPS is driven by rewriting its dummy-ups .dev file;
dummy-ups re-reads it when its mtime changes (compared in whole seconds, so every write moves
the mtime on by at least a second).

As root (CI) the daemons run with `-u root`: both take it, nothing needs chown to the `nut`
user, and the parent-death signal (cleared by a change of user) still ends them if this process
dies. As another user they run as that user.

As a library:
    site = NutSite(ups=["ups1", "ups2"], user="admin", password="pw")   # user: instcmds = ALL
    site.port                                   # upsd's port on 127.0.0.1
    site.set("ups1", {"ups.status": "OB", "battery.charge": "80"})   # returns once upsd serves it
    site.stop_driver("ups1")     # SIGSTOP: upsd answers ERR DATA-STALE after MAXAGE (default 2 s)
    site.resume_driver("ups1")   # SIGCONT
    site.kill_driver("ups1")     # gone: ERR DRIVER-NOT-CONNECTED;  site.start_driver("ups1")
    site.kill_upsd()             # SIGKILL: connections refused;     site.start_upsd()
    site.stop()                  # or use it as a context manager

As a process:
    nut_ups.py [--ups NAME]... [--values JSON] [--user U --password P] [--maxage S] [--port N]
(--values {"ups2": {"ups.status": "OL"}} replaces a UPS's default variables: one that reports
less)
prints {"ready": {"port": N}} once every UPS is served, then reads one JSON command a line on
stdin and answers each with one JSON line:
    {"do": "set", "ups": "ups1", "vars": {"ups.status": "OB"}}   -> {"ok": "set"}
    {"do": "stop_driver" | "resume_driver" | "kill_driver" | "start_driver", "ups": "ups1"}
    {"do": "kill_upsd"}   {"do": "start_upsd"}   {"do": "state"}   {"do": "quit"}
A bad command answers {"error": ...}. EOF or SIGTERM stops everything and exits 0."""
import argparse
import ctypes
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

DEFAULT_VARS = {
    "ups.status": "OL",
    "battery.charge": "100",
    "battery.runtime": "3600",
    "ups.load": "23",
    "input.voltage": "230.5",
    "input.frequency": "50.0",
    "output.voltage": "229.8",
    "ups.mfr": "Sekimori sim",
    "ups.model": "dummy-ups",
}
_SEARCH = ["/lib/nut", "/usr/lib/nut", "/usr/libexec/nut", "/usr/sbin", "/sbin"]


def find_binary(name):
    """NUT's daemons are not on PATH on Debian (/lib/nut); /sbin/upsd is a wrapper that refuses
    to start unless /etc/nut/nut.conf says so, hence the lib folders first."""
    for folder in _SEARCH:
        path = os.path.join(folder, name)
        if os.access(path, os.X_OK) and not _is_shell_wrapper(path):
            return path
    raise FileNotFoundError(f"{name} not found in {_SEARCH}: install nut-server (scripts/setup)")


def _is_shell_wrapper(path):
    with open(path, "rb") as f:
        return f.read(2) == b"#!"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _die_with_parent():
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def _dev_value(value, initial=False):
    """A value as the .dev file holds it (dummy-ups reads it like NUT's config files: quotes
    group, a backslash escapes) and, the same text, as upsd quotes it on the wire. dummy-ups
    mangles a double quote or a '#' inside a value, and on a re-read (not the first read) a
    backslash too, so those are refused."""
    value = str(value)
    refused = '"#\n\r\0' + ("" if initial else "\\")
    if any(c in value for c in refused):
        raise ValueError(f"the sim takes none of {refused!r} in this value: {value!r}")
    return '"' + value.replace("\\", "\\\\") + '"'


def _conf_word(word):
    return '"' + str(word).replace("\\", "\\\\").replace('"', '\\"') + '"'


class NutError(Exception):
    pass


class NutSite:
    def __init__(self, ups=("ups1",), values=None, user=None, password=None, maxage=2,
                 port=None, timeout=15.0):
        if not ups:
            raise ValueError("at least one UPS")
        self.names = list(ups)
        self.port = port or free_port()
        self.user, self.password = user, password
        self.maxage = maxage
        self.timeout = timeout
        self.dir = tempfile.mkdtemp(prefix="sekimori-nut-")
        self.state_dir = os.path.join(self.dir, "state")
        os.mkdir(self.state_dir, 0o700)
        self.vars = {name: dict(DEFAULT_VARS) for name in self.names}
        for name, given in (values or {}).items():
            self._check(name)
            # Replaces the defaults: a UPS that reports less.
            self.vars[name] = {k: str(v) for k, v in given.items()}
            for v in self.vars[name].values():
                _dev_value(v, initial=True)
        self.drivers = {}
        self.frozen = set()  # drivers stopped with SIGSTOP
        self.upsd = None
        self._mtime = {}
        self._upsd_bin = find_binary("upsd")
        self._driver_bin = find_binary("dummy-ups")
        self._env = dict(os.environ, NUT_CONFPATH=self.dir, NUT_STATEPATH=self.state_dir)
        try:
            self._write_config()
            for name in self.names:
                self._write_dev(name)
                self.start_driver(name, wait=False)
            self._wait_sockets()
            for attempt in range(3):
                try:
                    self.start_upsd()
                    break
                except NutError:
                    # The free port was taken meanwhile: upsd could not listen and exited.
                    if port or attempt == 2 or self.upsd.poll() is None:
                        raise
                    self.upsd = None
                    self.port = free_port()
                    self._write_config()
        except BaseException:
            self.stop()
            raise

    # -- configuration -------------------------------------------------------------------
    def _write_config(self):
        with open(os.path.join(self.dir, "ups.conf"), "w") as f:
            for name in self.names:
                f.write(f"[{name}]\n  driver = dummy-ups\n  port = {name}.dev\n"
                        f"  pollinterval = 1\n  desc = \"simulated {name}\"\n")
        with open(os.path.join(self.dir, "upsd.conf"), "w") as f:
            f.write(f"LISTEN 127.0.0.1 {self.port}\nMAXAGE {self.maxage}\n")
        users = os.path.join(self.dir, "upsd.users")
        with open(users, "w") as f:
            if self.user:
                f.write(f"[{self.user}]\n  password = {_conf_word(self.password)}\n"
                        "  instcmds = ALL\n")
        for conf in ("ups.conf", "upsd.conf", "upsd.users"):
            os.chmod(os.path.join(self.dir, conf), 0o600)

    def _write_dev(self, name):
        path = os.path.join(self.dir, f"{name}.dev")
        with open(path + ".new", "w") as f:
            for key, value in self.vars[name].items():
                f.write(f"{key}: {_dev_value(value, initial=True)}\n")
        os.replace(path + ".new", path)
        # dummy-ups compares st_mtime in seconds: always move it forward.
        mtime = max(int(time.time()), self._mtime.get(name, 0) + 1)
        self._mtime[name] = mtime
        os.utime(path, (mtime, mtime))

    def _user_args(self):
        return ["-u", "root"] if os.geteuid() == 0 else []

    def _spawn(self, args, log):
        out = open(os.path.join(self.dir, log), "ab")
        try:
            return subprocess.Popen(args, env=self._env, stdin=subprocess.DEVNULL, stdout=out,
                                    stderr=subprocess.STDOUT, preexec_fn=_die_with_parent)
        finally:
            out.close()

    # -- processes -----------------------------------------------------------------------
    def start_driver(self, name, wait=True):
        self._check(name)
        if name in self.drivers and self.drivers[name].poll() is None:
            return
        self.drivers[name] = self._spawn(
            [self._driver_bin, "-a", name, "-F"] + self._user_args(), f"{name}.log")
        if wait:
            self._wait_sockets()
            self.wait_served(name, self.vars[name])

    def stop_driver(self, name):
        self._check(name)
        self.drivers[name].send_signal(signal.SIGSTOP)
        self.frozen.add(name)

    def resume_driver(self, name):
        self._check(name)
        self.drivers[name].send_signal(signal.SIGCONT)
        self.frozen.discard(name)

    def kill_driver(self, name):
        self._check(name)
        self._end(self.drivers.pop(name, None))
        self.frozen.discard(name)
        try:
            os.unlink(os.path.join(self.state_dir, f"dummy-ups-{name}"))
        except FileNotFoundError:
            pass

    def start_upsd(self):
        if self.upsd is not None and self.upsd.poll() is None:
            return
        self.upsd = self._spawn([self._upsd_bin, "-F"] + self._user_args(), "upsd.log")
        for name in self.names:
            if name in self.drivers and name not in self.frozen:
                self.wait_served(name, self.vars[name])

    def kill_upsd(self):
        self._end(self.upsd)
        self.upsd = None

    def _end(self, process):
        if process is None:
            return
        if process.poll() is None:
            process.send_signal(signal.SIGCONT)
            process.kill()
        process.wait(timeout=10)

    def _wait_sockets(self):
        deadline = time.monotonic() + self.timeout
        for name in self.drivers:
            sock = os.path.join(self.state_dir, f"dummy-ups-{name}")
            while not os.path.exists(sock):
                if self.drivers[name].poll() is not None:
                    raise NutError(f"dummy-ups for {name} exited: {self.log(name + '.log')}")
                if time.monotonic() > deadline:
                    raise NutError(f"dummy-ups for {name} made no socket")
                time.sleep(0.02)

    def log(self, name):
        try:
            with open(os.path.join(self.dir, name), errors="replace") as f:
                return f.read()[-2000:]
        except FileNotFoundError:
            return ""

    # -- talking to upsd, as a client would -----------------------------------------------
    def query(self, line):
        """One request to upsd; the reply's lines (a LIST up to its END)."""
        with socket.create_connection(("127.0.0.1", self.port), timeout=2) as s:
            f = s.makefile("rwb")
            f.write(line.encode() + b"\n")
            f.flush()
            lines = [f.readline().decode().rstrip("\n")]
            if lines[0].startswith("BEGIN "):
                while not lines[-1].startswith("END "):
                    lines.append(f.readline().decode().rstrip("\n"))
            return lines

    def wait_served(self, name, want=None):
        """Until upsd serves `name` (and, given `want`, those values); NutError past the
        time-out."""
        deadline = time.monotonic() + self.timeout
        last = None
        while True:
            if self.upsd is not None and self.upsd.poll() is not None:
                raise NutError(f"upsd exited: {self.log('upsd.log')}")
            try:
                last = self.query(f"LIST VAR {name}")
                if last[0].startswith("BEGIN "):
                    served = {}
                    for line in last[1:-1]:
                        parts = line.split(" ", 3)
                        served[parts[2]] = parts[3]
                    if not want or all(served.get(k) == _dev_value(v, initial=True)
                                       for k, v in want.items()):
                        return
            except OSError as error:
                last = str(error)
            if time.monotonic() > deadline:
                raise NutError(f"upsd does not serve {name} as wanted; last: {last}")
            time.sleep(0.05)

    # -- driving a UPS ---------------------------------------------------------------------
    def set(self, name, values, wait=True):
        """Rewrites the UPS's .dev file; with `wait`, returns once upsd serves the values (a
        stopped driver never does: pass wait=False)."""
        self._check(name)
        values = {k: str(v) for k, v in values.items()}
        for v in values.values():
            _dev_value(v)
        self.vars[name].update(values)
        self._write_dev(name)
        if wait:
            self.wait_served(name, values)

    def _check(self, name):
        if name not in self.vars:
            raise ValueError(f"no UPS named {name!r}; the site has {self.names}")

    def state(self):
        return {"port": self.port,
                "upsd": self.upsd is not None and self.upsd.poll() is None,
                "drivers": {n: (n in self.drivers and self.drivers[n].poll() is None)
                            for n in self.names},
                "vars": self.vars}

    def stop(self):
        for name in list(self.drivers):
            self._end(self.drivers.pop(name))
        self.kill_upsd()
        shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def command(site, c):
    do = c.get("do")
    name = c.get("ups")
    try:
        if do == "set" and isinstance(c.get("vars"), dict):
            site.set(name, c["vars"])
        elif do in ("stop_driver", "resume_driver", "kill_driver", "start_driver"):
            getattr(site, do)(name)
        elif do in ("kill_upsd", "start_upsd"):
            getattr(site, do)()
        elif do == "state":
            return {"ok": do, "state": site.state()}
        else:
            return {"error": "bad_command", "command": c}
    except (ValueError, NutError, OSError) as error:
        return {"error": str(error), "command": c}
    return {"ok": do}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ups", action="append", help="a UPS name (repeat); default ups1")
    parser.add_argument("--user")
    parser.add_argument("--password")
    parser.add_argument("--values", type=json.loads, default={})
    parser.add_argument("--maxage", type=int, default=2)
    parser.add_argument("--port", type=int)
    args = parser.parse_args()
    if bool(args.user) != bool(args.password):
        parser.error("--user and --password go together")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    with NutSite(ups=args.ups or ["ups1"], values=args.values, user=args.user, password=args.password,
                 maxage=args.maxage, port=args.port) as site:
        print(json.dumps({"ready": {"port": site.port}}), flush=True)
        for line in sys.stdin:
            if not line.strip():
                continue
            try:
                c = json.loads(line)
            except json.JSONDecodeError:
                print(json.dumps({"error": "bad_json"}), flush=True)
                continue
            if not isinstance(c, dict):
                print(json.dumps({"error": "bad_command", "command": c}), flush=True)
                continue
            if c.get("do") == "quit":
                print(json.dumps({"ok": "quit"}), flush=True)
                break
            print(json.dumps(command(site, c)), flush=True)


if __name__ == "__main__":
    main()
