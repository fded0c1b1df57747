"""Makes the demo site live: enrolls the demo people, then runs one simulated panel per door
and has people walk the site, badging in (card, PIN, finger as each door asks), opening and
closing doors, leaving through the free exits, and now and then getting it wrong (a wrong PIN,
an unknown card, someone else's finger, a door they hold no grant for), so the console shows
grants and denials with their reasons and who is inside changes every few seconds. Now and
then a door is forced, held open past its limit or its panel's tamper switch trips, so the
desk's alarm queue has something in it.

    scenario_driver.py enroll --config SITE.toml --people PEOPLE.toml --cli build/app/sekimori
                              --secrets var/secrets/operators
    scenario_driver.py run --config SITE.toml --people PEOPLE.toml --run-dir var
                           --panel-bin build/sim/sekimori-sim-panel --cli build/app/sekimori

enroll goes through the running daemon, as its operators (sim/site_operators.py): the first
time it sets up the bootstrap admin's own password, a second security admin, a facility admin
and a desk operator, keeping their passwords in --secrets; the facility admin enrolls, a
security admin approves fingerprints and restricted grants.

run prints one line per thing it did (var/log/scenario.log in the demo).
"""
import argparse
import heapq
import itertools
import os
import random
import signal
import subprocess
import sys
import time
import tomllib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from panel_process import PanelProcess  # noqa: E402
from site_operators import SiteOperators  # noqa: E402

OUTSIDE = None  # where a person is before entering the building and after leaving it
REFUSED_FOR_S = 300  # a door that turned someone away is tried again after this long


def load_toml(path):
    with open(path, "rb") as f:
        return tomllib.load(f)


def cli(binary, *args, stdin=None, check=True):
    result = subprocess.run([binary, *args], input=stdin, text=True, capture_output=True)
    if check and result.returncode != 0:
        raise RuntimeError(f"sekimori {' '.join(args[:2])} failed: {result.stderr.strip()}")
    return result


def enroll(args):
    people = load_toml(args.people)["people"]
    initial_admin = cli(args.cli, "config", "show", "--config", args.config,
                        "--field", "initial_admin_file").stdout.strip()
    ops = SiteOperators(args.cli, args.config, args.secrets, initial_admin)
    ops.ensure()
    ops.ensure_desk()
    for name, role in ops.made:
        print(f"operator {name} ({role}): password in {ops.password_file(name)}", flush=True)
    for p in people:
        if ops.enroll(p["id"], p["name"], p["card"], p["pin"], p["finger"],
                      [(zone, schedule) for zone, schedule in p["grants"]], skip_existing=True):
            print(f"enrolled {p['id']}", flush=True)


class Timeline:
    """Things to do later (a door to close, a tamper switch to restore) without holding up
    the people at the other doors."""

    def __init__(self):
        self._heap = []
        self._order = itertools.count()

    def at(self, when, action):
        heapq.heappush(self._heap, (when, next(self._order), action))

    def run_due(self, now):
        while self._heap and self._heap[0][0] <= now:
            _, _, action = heapq.heappop(self._heap)
            action()

    def next_time(self):
        return self._heap[0][0] if self._heap else None


class SiteWalk:
    """The demo people walking the site: each is somewhere (OUTSIDE or a zone), goes through
    a door whose from_zone is where they stand, and leaves a zone back the way they came."""

    def __init__(self, site, people, panels, rng, log):
        self.doors = site["doors"]
        self.people = people
        self.panels = panels
        self.rng = rng
        self.log = log
        self.timeline = Timeline()
        self.where = {p["id"]: OUTSIDE for p in people}
        self.busy_doors = set()      # doors with an opening in progress
        self.busy_people = set()     # people walking through a door right now
        self.shown_in = {}           # person -> zone of their last granted passage
        self.refused = {}            # person -> {door: monotonic time until it is tried again}
        self.site_zone = next((z["id"] for z in site.get("zones", []) if z.get("kind") == "site"),
                              site["site"]["id"])

    # --- the map ------------------------------------------------------------------------
    def doors_from(self, zone):
        """Doors one can badge at from `zone` (OUTSIDE: the doors from the site's grounds),
        busy or not."""
        start = self.site_zone if zone is OUTSIDE else zone
        return [d for d in self.doors if d["from_zone"] == start]

    def door_into(self, zone):
        return next((d for d in self.doors if d["to_zone"] == zone), None)

    @staticmethod
    def granted_into(person, zone):
        return any(z == zone for z, _ in person["grants"])

    # --- doing ----------------------------------------------------------------------------
    def hold(self, door, seconds, after=None):
        """Opens `door` now and closes it `seconds` later; after() runs once it is closed."""
        panel = self.panels[door["id"]]
        self.busy_doors.add(door["id"])
        panel.send("open")

        def close():
            panel.send("close")
            self.busy_doors.discard(door["id"])
            if after:
                after()
        self.timeline.at(time.monotonic() + seconds, close)

    def pass_through(self, door, person, seconds):
        """A granted person opens the door half a second after the grant and walks through."""
        self.busy_doors.add(door["id"])
        self.busy_people.add(person["id"])

        def open_():
            self.busy_doors.discard(door["id"])
            self.hold(door, seconds, after=lambda: self.busy_people.discard(person["id"]))
        self.timeline.at(time.monotonic() + 0.5, open_)

    def badge(self, door, card, pin, finger):
        try:
            return self.panels[door["id"]].badge(card, pin=pin, finger=finger)
        except (TimeoutError, RuntimeError) as e:
            self.log(f"{door['id']}: {e}")
            return None

    def step(self):
        """One person does one thing; returns False when nobody was free to."""
        free = [p for p in self.people if p["id"] not in self.busy_people]
        if not free:
            return False
        roll = self.rng.random()
        if roll < 0.05:
            return self.stranger()
        p = self.rng.choice(free)
        here = self.where[p["id"]]
        # Where the console shows them: the zone of their last granted passage. Going back
        # into it would change nothing on screen, so they head somewhere else; a door that
        # turned them away (schedule, no grant) is left alone for a while.
        now = time.monotonic()
        refused = {d for d, until in self.refused.get(p["id"], {}).items() if until > now}
        onward = [d for d in self.doors_from(here) if d["id"] not in refused and
                  (here is OUTSIDE or d["to_zone"] != self.shown_in.get(p["id"]))]
        if here is not OUTSIDE and (not onward or self.rng.random() < 0.25):
            return self.leave(p, here)
        if not onward:
            return False
        # Mostly a door they may use; now and then one they may not (denied no_access).
        mine = [d for d in onward if self.granted_into(p, d["to_zone"])]
        door = self.rng.choice(mine if mine and self.rng.random() < 0.9 else onward)
        if door["id"] in self.busy_doors:
            return False  # someone is going through it: they wait their turn
        factors = door.get("entry_factors", [])
        pin, finger, what = p["pin"], p["finger"], "normal"
        mistake = self.rng.random()
        if "pin" in factors and mistake < 0.08:
            pin, what = "9999", "wrong pin"
        elif "finger" in factors and mistake < 0.15:
            finger = self.rng.choice([q for q in self.people if q is not p])["finger"]
            what = "wrong finger"
        decision = self.badge(door, p["card"], pin, finger)
        if decision is None:
            return True
        self.log(f"{door['id']}: {p['id']} ({what}) -> {decision.get('reason')}")
        if decision.get("granted"):
            self.where[p["id"]] = door["to_zone"]
            self.shown_in[p["id"]] = door["to_zone"]
            self.pass_through(door, p, self.rng.uniform(1.0, 2.5))
        elif decision.get("reason") in ("outside_schedule", "no_access"):
            self.refused.setdefault(p["id"], {})[door["id"]] = time.monotonic() + REFUSED_FOR_S
        return True

    def stranger(self):
        """Someone with a card the site never issued (the console shows its number)."""
        doors = [d for d in self.doors_from(OUTSIDE) if d["id"] not in self.busy_doors]
        if not doors:
            return False
        door = self.rng.choice(doors)
        card = "%016X" % self.rng.getrandbits(64)
        decision = self.badge(door, card, "0000", "stranger")
        if decision is not None:
            self.log(f"{door['id']}: stranger {card} -> {decision.get('reason')}")
        return True

    def leave(self, person, here):
        """Back out of `here` the way in. A free exit (no exit factors) is a request to exit
        and an opening; a door that wants a card on the way out has its exit reader on a
        panel the demo does not run, so that walk is silent. Presence shows the person where
        they last badged in until their next passage."""
        door = self.door_into(here)
        back = door["from_zone"] if door else OUTSIDE
        if back == self.site_zone:
            back = OUTSIDE
        if door and not door.get("exit_factors") and door["id"] not in self.busy_doors:
            self.busy_people.add(person["id"])
            self.panels[door["id"]].send("exit")
            self.hold(door, self.rng.uniform(1.0, 2.0),
                      after=lambda: self.busy_people.discard(person["id"]))
            self.log(f"{door['id']}: {person['id']} leaves {here} (request to exit)")
        else:
            self.log(f"{person['id']} leaves {here}")
        self.where[person["id"]] = back
        return True

    # --- what the alarm queue gets ----------------------------------------------------------
    def force_door(self):
        """A door pushed open with no grant and no request to exit: door.forced (priority 1)."""
        doors = [d for d in self.doors if d["id"] not in self.busy_doors]
        if doors:
            door = self.rng.choice(doors)
            self.log(f"{door['id']}: forced open")
            self.hold(door, 3.0)

    def hold_door_open(self):
        """A granted door propped open past its held_open_ms: door.held_open (priority 2),
        cleared when it closes. Doors allowing more than a minute are left alone."""
        doors = [d for d in self.doors if d["id"] not in self.busy_doors
                 and d.get("held_open_ms", 30000) <= 60000]
        if not doors:
            return
        door = self.rng.choice(doors)
        who = [p for p in self.people if p["id"] not in self.busy_people
               and self.granted_into(p, door["to_zone"])]
        if not who:
            return
        p = self.rng.choice(who)
        decision = self.badge(door, p["card"], p["pin"], p["finger"])
        if not decision or not decision.get("granted"):
            return
        seconds = door.get("held_open_ms", 30000) / 1000 + 8
        self.log(f"{door['id']}: {p['id']} props it open for {seconds:.0f} s")
        self.where[p["id"]] = door["to_zone"]
        self.shown_in[p["id"]] = door["to_zone"]
        self.busy_people.add(p["id"])
        self.busy_doors.add(door["id"])
        self.timeline.at(time.monotonic() + 0.5, lambda: self.hold(
            door, seconds, after=lambda: self.busy_people.discard(p["id"])))

    def tamper(self):
        """A panel's cover opened for twenty seconds: door.tamper (priority 1)."""
        door = self.rng.choice(self.doors)
        panel = self.panels[door["id"]]
        self.log(f"{door['id']}: tamper switch tripped")
        panel.send("tamper")
        self.timeline.at(time.monotonic() + 20, lambda: panel.send("tamper-clear"))


def run(args):
    site = load_toml(args.config)
    people = load_toml(args.people)["people"]
    site_id = site["site"]["id"]
    mqtt_uri = site["daemon"]["mqtt_uri"]
    key_dir = cli(args.cli, "config", "show", "--config", args.config,
                  "--field", "key_dir").stdout.strip()
    secrets = os.path.join(args.run_dir, "secrets", "mqtt")
    log = open(os.path.join(args.run_dir, "log", "panels.log"), "a")

    panels = {}
    for door in site["doors"]:
        key = os.path.join(key_dir, "panels", door["panel"] + ".key")
        for _ in range(100):  # the daemon creates panel keys on its first start
            if os.path.exists(key):
                break
            time.sleep(0.1)
        panels[door["id"]] = PanelProcess(
            args.panel_bin, site_id, door["panel"], door["id"], mqtt_uri,
            os.path.join(secrets, door["panel"] + ".password"), key, log=log)

    def stop(*_):
        for p in panels.values():
            p.stop()
        sys.exit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    for p in panels.values():
        p.wait_connected()
    print(f"{len(panels)} panels online", flush=True)

    walk = SiteWalk(site, people, panels, random.Random(args.seed),
                    lambda line: print(line, flush=True))
    now = time.monotonic()
    # The first of each soon after the start, so the desk's first screen has a queue.
    next_forced = now + args.first_alarm_s
    next_held = now + args.first_alarm_s + 5
    next_tamper = now + args.first_alarm_s + 40
    next_step = now
    while True:
        now = time.monotonic()
        walk.timeline.run_due(now)
        if now >= next_forced:
            walk.force_door()
            next_forced = now + args.forced_every_s * walk.rng.uniform(0.7, 1.3)
        if now >= next_held:
            walk.hold_door_open()
            next_held = now + args.held_every_s * walk.rng.uniform(0.7, 1.3)
        if now >= next_tamper:
            walk.tamper()
            next_tamper = now + args.tamper_every_s * walk.rng.uniform(0.7, 1.3)
        if now >= next_step:
            walk.step()
            next_step = time.monotonic() + walk.rng.uniform(args.min_interval, args.max_interval)
        wake = min(t for t in (next_step, next_forced, next_held, next_tamper,
                               walk.timeline.next_time()) if t is not None)
        time.sleep(max(0.0, min(wake - time.monotonic(), 0.5)))


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    for name in ("enroll", "run"):
        s = sub.add_parser(name)
        s.add_argument("--config", required=True)
        s.add_argument("--people", required=True)
        s.add_argument("--cli", required=True, help="path of the sekimori CLI")
    sub.choices["enroll"].add_argument(
        "--secrets", required=True, help="directory of the operators' password files (0700)")
    r = sub.choices["run"]
    r.add_argument("--run-dir", required=True)
    r.add_argument("--panel-bin", required=True)
    r.add_argument("--seed", type=int, default=None)
    r.add_argument("--min-interval", type=float, default=0.8,
                   help="seconds between two people's steps, at least")
    r.add_argument("--max-interval", type=float, default=2.0)
    r.add_argument("--first-alarm-s", type=float, default=5.0,
                   help="seconds after the panels are online until the first forced door")
    r.add_argument("--forced-every-s", type=float, default=120.0)
    r.add_argument("--held-every-s", type=float, default=180.0)
    r.add_argument("--tamper-every-s", type=float, default=300.0)
    args = parser.parse_args()
    enroll(args) if args.command == "enroll" else run(args)


if __name__ == "__main__":
    main()
