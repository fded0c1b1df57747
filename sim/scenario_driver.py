"""Makes the demo site live: enrolls the demo people, then runs one simulated panel per door
and has people walk the site, badging in (card, PIN, finger as each door asks), opening and
closing doors, leaving through the free exits, and now and then getting it wrong (a wrong PIN,
an unknown card, someone else's finger, a door they hold no grant for), so the console shows
grants and denials with their reasons and who is inside changes every few seconds. Now and
then a door is forced, held open past its limit or its panel's tamper switch trips, so the
desk's alarm queue has something in it.

The server room's circle gate (config [[circle_gates]], one `sekimori-sim-gate` process each) is
live too: a gate actor of its own cycles people standing on the gate's outer side through it
(card, PIN, the finger taken inside the booth; their body weighs what they enrolled, give or take
a little) and back out by the exit reader (the walk leaves the gate's zone to it, so presence and
anti-passback follow), and now and then someone follows a person in through the open outer leaf
(a tailgate: the cycle is refused, both go back out by it, and the desk gets a priority-1
gate.cycle_refused alarm whose event names the gate's camera).

Before the walk, run plays the access rules' scripted day (docs/access-rules.md), one scene
after another, each of which the console shows as its event or alarm: a tailgate attempt at the
two-person handling-area door (access.companion_pending, door.forced, access.companion_expired)
and then the two staff going in together, a duress entry at the NOC (access.duress, a silent
priority-1 alarm), a wrong-PIN lockout (access.card_locked_out), a visitor escorted in by a host
(awaiting_escort, then one grant with companions), and a lockdown drill on 3F started by the
desk (zone.lockdown_started: a staff member is refused `lockdown`, the exempt security guard goes
in) and lifted by a security admin. During the walk, two-person and escorted doors are badged
in pairs, and a person refused anti_passback (their badge-out was missed) is forgiven by the
desk with a comment.

    scenario_driver.py enroll --config SITE.toml --people PEOPLE.toml --cli build/app/sekimori
                              --secrets var/secrets/operators
    scenario_driver.py run --config SITE.toml --people PEOPLE.toml --run-dir var
                           --panel-bin build/sim/sekimori-sim-panel --cli build/app/sekimori
                           [--gate-bin build/sim/sekimori-sim-gate]
                           [--secrets var/secrets/operators] [--no-day]

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
import threading
import time
import tomllib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from console_client import ConsoleClient, ConsoleError  # noqa: E402
from custody_actor import CustodyActor, start_custody_devices  # noqa: E402
from gate_process import GateProcess  # noqa: E402
from panel_process import PanelProcess  # noqa: E402
from site_operators import DESK, FACILITY, SECURITY2, SiteOperators  # noqa: E402

OUTSIDE = None  # where a person is before entering the building and after leaving it
REFUSED_FOR_S = 300  # a door that turned someone away is tried again after this long
DEFAULT_WEIGHT_KG = 70  # a person's body at the gate when they enrolled no weight
WAITING = ("awaiting_second_person", "awaiting_escort")  # a companion rule holds the door
DAY_US = 86_400_000_000


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
    ops.ensure_bcp()
    for name, role in ops.made:
        print(f"operator {name} ({role}): password in {ops.password_file(name)}", flush=True)
    site = load_toml(args.config)
    console = None
    for p in people:
        if ops.enroll(p["id"], p["name"], p["card"], p["pin"], p["finger"],
                      [(zone, schedule) for zone, schedule in p["grants"]], skip_existing=True):
            print(f"enrolled {p['id']}", flush=True)
        console = console or ConsoleClient.for_listen(
            site["daemon"]["console_listen"], FACILITY, ops.password(FACILITY))
        enroll_rules(console, ops, p)


def enroll_rules(console, ops, p):
    """The access rules' parts of one person (demo-people.toml): details, groups, levels. A
    change the site holds to four eyes comes back 202 and the second security admin approves."""
    details = {"organisation": p.get("organisation", ""),
               "escort_required": bool(p.get("escort_required", False))}
    if p.get("valid_days"):
        now_us = time.time_ns() // 1000
        details["valid_from_us"] = now_us - 3600 * 1_000_000  # from an hour ago
        details["valid_until_us"] = now_us + int(p["valid_days"] * DAY_US)
    calls = [("PATCH", f"/api/people/{p['id']}", details)]
    calls += [("POST", f"/api/groups/{g}/members", {"person": p["id"]})
              for g in p.get("groups", [])]
    calls += [("POST", f"/api/people/{p['id']}/levels", {"level": level})
              for level in p.get("levels", [])]
    for method, path, body in calls:
        status, reply = console.call(method, path, body)
        if status == 202:
            ops.as_(SECURITY2, "approval", "approve", "--id", reply["approval"]["id"])
        elif status == 404 and "no such route" in str((reply or {}).get("error", "")):
            # A daemon without the route (an older build): the person keeps their grants.
            print(f"  {p['id']}: {method} {path} is not served; left out", flush=True)
            continue
        elif 400 <= status < 500 and status != 409:
            # The demo goes on without it (the console shows the person as they are).
            print(f"  {p['id']}: {method} {path} refused {status}: {reply}", flush=True)
        elif status not in (200, 201, 409):
            raise ConsoleError(method, path, status, reply)
    weighed = enroll_weight(ops, p)
    print(f"  {p['id']}: groups {p.get('groups', [])}, levels {p.get('levels', [])}"
          + (f", {weighed}" if weighed else "")
          + (", needs an escort" if p.get("escort_required") else ""), flush=True)


def enroll_weight(ops, p):
    """The body weight the circle gate's plate checks the person against (the gate's grant
    carries it), through `sekimori person weight` as the facility admin like every other factor;
    the same weight again records nothing. Returns what to log ("" for no weight_kg)."""
    if not p.get("weight_kg"):
        return ""
    done = ops.as_(FACILITY, "person", "weight", "--id", p["id"], "--kg", str(p["weight_kg"]),
                   check=False)
    if done.returncode != 0:
        # The demo goes on without it: the gate checks the plate against its own maximum only.
        print(f"  {p['id']}: person weight refused: {done.stderr.strip()}", flush=True)
        return ""
    if done.stdout.startswith("approval "):
        ops.approve(done.stdout)
    return f"{p['weight_kg']} kg"


def zones_of(person, levels):
    """The zones the person may enter by a direct grant or a level (dates and schedules aside:
    the controller decides; this is where the walk tries to go)."""
    zones = {zone for zone, _ in person["grants"]}
    for level in person.get("levels", []):
        zones |= {row["zone"] for row in levels.get(level, {}).get("zones", [])}
    return zones


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

    def __init__(self, site, people, panels, rng, log, desk=None):
        self.doors = site["doors"]
        self.levels = {level["id"]: level for level in site.get("access_levels", [])}
        self.rules = {r["zone"]: r for r in site.get("zone_rules", [])}
        self.desk = desk  # a ConsoleClient as the desk operator, or None
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
        self.gate_zones = set()      # zones behind a live circle gate: left by its exit cycle
        self.site_zone = next((z["id"] for z in site.get("zones", []) if z.get("kind") == "site"),
                              site["site"]["id"])

    # --- the map ------------------------------------------------------------------------
    def doors_from(self, zone):
        """Doors one can badge at from `zone` (OUTSIDE: the doors from the site's grounds),
        busy or not."""
        start = self.site_zone if zone is OUTSIDE else zone
        # Rack handles and the key cabinet's reader are portals one opens, not walks through.
        return [d for d in self.doors if d["from_zone"] == start and
                d.get("kind", "door") == "door"]

    def door_into(self, zone):
        return next((d for d in self.doors if d["to_zone"] == zone), None)

    def granted_into(self, person, zone):
        return zone in zones_of(person, self.levels)

    def may_host(self, person, zone):
        """Could `person` be the host a visitor waits for at a door into `zone`?"""
        hosts = self.rules.get(zone, {}).get("escort_hosts", [])
        return (not person.get("escort_required") and self.granted_into(person, zone)
                and (not hosts or any(g in hosts for g in person.get("groups", []))))

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
        reason = decision.get("reason")
        self.log(f"{door['id']}: {p['id']} ({what}) -> {reason}")
        if decision.get("granted"):
            self.went_in(door, [p])
        elif reason in WAITING:
            self.companion(door, p, reason)
        elif reason in ("outside_schedule", "no_access", "outside_validity", "locked_out"):
            self.refused.setdefault(p["id"], {})[door["id"]] = time.monotonic() + REFUSED_FOR_S
        elif reason in ("lockdown", "occupancy_full"):
            self.refused.setdefault(p["id"], {})[door["id"]] = time.monotonic() + 60
        elif reason == "anti_passback":
            self.refused.setdefault(p["id"], {})[door["id"]] = time.monotonic() + 30
            self.forgive_later(p)
        return True

    def went_in(self, door, who):
        for q in who:
            self.where[q["id"]] = door["to_zone"]
            self.shown_in[q["id"]] = door["to_zone"]
        # One opening for all of them; each is busy until it closes.
        for q in who:
            self.busy_people.add(q["id"])
        self.busy_doors.add(door["id"])

        def open_():
            self.busy_doors.discard(door["id"])
            self.hold(door, self.rng.uniform(1.5, 3.0),
                      after=lambda: [self.busy_people.discard(q["id"]) for q in who])
        self.timeline.at(time.monotonic() + 0.5, open_)

    def companion(self, door, first, reason):
        """A two-person or escorted door holds `first`: someone standing where they stand who
        may go in (a host, for a visitor) badges too, and both pass; nobody: the wait lapses
        (access.companion_expired)."""
        here = self.where[first["id"]]
        zone = door["to_zone"]
        if reason == "awaiting_escort":
            fits = [q for q in self.people if self.may_host(q, zone)]
        else:
            fits = [q for q in self.people if self.granted_into(q, zone)]
        fits = [q for q in fits if q is not first and q["id"] not in self.busy_people
                and self.where[q["id"]] == here]
        if not fits:
            self.log(f"{door['id']}: nobody to go in with {first['id']}; the wait lapses")
            return
        second = self.rng.choice(fits)
        decision = self.badge(door, second["card"], second["pin"], second["finger"])
        if decision is None:
            return
        self.log(f"{door['id']}: {second['id']} joins {first['id']} -> {decision.get('reason')}")
        if decision.get("granted"):
            self.went_in(door, [first, second])

    def forgive_later(self, person):
        """The desk forgives a refused anti-passback with a comment (the badge-out at an exit
        reader the demo does not run was missed), so the person's next try passes."""
        if self.desk is None:
            return

        def forgive():
            status, body = self.desk.call(
                "POST", f"/api/people/{person['id']}/passback/forgive",
                {"comment": "badge-out missed at the exit reader (demo)"})
            self.log(f"desk forgives {person['id']}'s anti-passback -> {status}")
        self.timeline.at(time.monotonic() + 5, forgive)

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
        they last badged in until their next passage. A zone behind a live circle gate is left
        through the gate (its actor's exit cycle, badged, so presence and anti-passback follow):
        a silent walk out would leave the person recorded inside and their next entry refused
        anti_passback."""
        if here in self.gate_zones:
            return False
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


class GateActor:
    """People through one circle gate (sim/gate_process.py), on a thread of its own so a cycle
    (some seconds) never holds up the walk: someone standing on the gate's outer side who may go
    in cycles through it, someone inside cycles back out, and now and then a second person follows
    the first through the open outer leaf (a tailgate: refused, both go back out)."""

    def __init__(self, gate, process, walk, log):
        self.gate = gate  # the [[circle_gates]] table
        self.process = process
        self.walk = walk
        self.log = log
        self.thread = None

    def busy(self):
        return self.thread is not None and self.thread.is_alive()

    def start(self, tailgate=False):
        """One cycle on the actor's thread; False when one is still running or nobody can go."""
        if self.busy():
            return False
        if self.stranded():
            self.thread = threading.Thread(target=self.walk_out, daemon=True)
            self.thread.start()
            return False
        walk = self.walk
        outer, inner = self.gate["from_zone"], self.gate["to_zone"]
        free = [p for p in walk.people if p["id"] not in walk.busy_people]
        going_in = [p for p in free if walk.where[p["id"]] == outer
                    and walk.granted_into(p, inner)]
        coming_out = [p for p in free if walk.where[p["id"]] == inner]
        if tailgate:
            if not going_in or len(free) < 2:
                return False
            first = walk.rng.choice(going_in)
            # The one who follows is someone standing at the gate too, if anybody is.
            behind = [q for q in free if q is not first and walk.where[q["id"]] == outer]
            second = walk.rng.choice(behind or [q for q in free if q is not first])
            who, action = [first, second], lambda: self.tailgate(first, second)
        elif coming_out and (not going_in or walk.rng.random() < 0.4):
            p = walk.rng.choice(coming_out)
            who, action = [p], lambda: self.cycle(p, "exit")
        elif going_in:
            p = walk.rng.choice(going_in)
            who, action = [p], lambda: self.cycle(p, "entry")
        else:
            return False
        for q in who:
            walk.busy_people.add(q["id"])

        def run():
            try:
                action()
            except (TimeoutError, RuntimeError) as e:
                self.log(f"{self.gate['id']}: {e}")
            finally:
                for q in who:
                    walk.busy_people.discard(q["id"])
        self.thread = threading.Thread(target=run, daemon=True)
        self.thread.start()
        return True

    def stranded(self):
        """(leaf, bodies) when the booth holds people the gate lets out by a leaf standing open
        (a refused cycle's way back, or a granted one's far leaf) while no cycle of ours runs: a
        step of ours found no answer in time and left them there. None otherwise."""
        phase, presence, leaves = "idle", 0, {}
        for line in list(self.process.history):
            if line.get("out") == "phase":
                phase = line["phase"]
            elif line.get("out") == "sensors":
                presence = line["presence"]
            elif line.get("out") == "position":
                leaves[line["leaf"]] = line["closed"]
        open_leaf = next((leaf for leaf, closed in leaves.items() if not closed), None)
        if phase in ("return_awaiting_leave", "awaiting_exit") and presence > 0 and open_leaf:
            return open_leaf, presence
        return None

    def walk_out(self):
        """Whoever stranded() found leaves, so one lost line never blocks the gate for good."""
        leaf, bodies = self.stranded() or (None, 0)
        if leaf is None:
            return
        self.log(f"{self.gate['id']}: {bodies} left in the booth walk out by the {leaf} leaf")
        self.process.drain()
        for _ in range(bodies):
            self.process.send(f"leave {leaf}")
        try:
            self.process.wait_phase("idle")
        except (TimeoutError, RuntimeError) as e:
            self.log(f"{self.gate['id']}: {e}")

    def grams(self, person):
        kg = person.get("weight_kg", DEFAULT_WEIGHT_KG)
        return int(kg * 1000 * self.walk.rng.uniform(0.97, 1.03))

    def cycle(self, p, side):
        g = self.gate
        last = self.process.cycle(p["card"], pin=p["pin"], finger=p["finger"],
                                  grams=self.grams(p), side=side)
        outcome = last.get("refusal") or last.get("reason") or last.get("kind")
        self.log(f"{g['id']}: {p['id']} {side} cycle -> {outcome}")
        if last.get("kind") == "cycle_completed":
            zone = g["to_zone"] if side == "entry" else g["from_zone"]
            self.walk.where[p["id"]] = zone
            self.walk.shown_in[p["id"]] = zone
        elif last.get("kind") == "cycle_refused":
            self.back_out("outer" if side == "entry" else "inner", 1)

    def tailgate(self, first, second):
        """`second` slips in behind `first` while the outer leaf stands open."""
        g = self.gate
        opened = self.process.present(first["card"], pin=first["pin"])
        if opened != "open":
            self.log(f"{g['id']}: {first['id']} -> {opened.get('reason')}")
            return
        self.process.send(f"enter outer {self.grams(first)}")
        self.process.send(f"enter outer {self.grams(second)}")
        refused = self.process.wait_event("cycle_refused")
        self.log(f"{g['id']}: {second['id']} tailgates {first['id']} -> {refused.get('refusal')}"
                 f" (presence {refused.get('presence')}, {refused.get('weight_g')} g)")
        self.back_out("outer", 2)

    def back_out(self, leaf, bodies):
        """A refused cycle: the gate holds the entry leaf open ("Please go back") and whoever is
        inside leaves by it. A refusal while that leaf still stands open (a tailgate) never moves
        it, so the cue is the gate's phase, not the leaf's position; a refusal that left nobody
        inside goes straight back to idle."""
        phase = self.process.wait_for(
            lambda l: l.get("out") == "phase" and l.get("phase") in ("return_awaiting_leave",
                                                                     "idle"))
        if phase["phase"] == "idle":
            return
        for _ in range(bodies):
            self.process.send(f"leave {leaf}")
        self.process.wait_phase("idle")


def start_gates(site, args, key_dir, secrets, log):
    """One gate sim per [[circle_gates]], set as the site file sets the gate; {} without the
    gate binary."""
    gates = {}
    binary = args.gate_bin or os.path.join(os.path.dirname(args.panel_bin), "sekimori-sim-gate")
    if site.get("circle_gates") and not os.path.exists(binary):
        print(f"no gate simulator at {binary}: the circle gates stay offline", flush=True)
        return gates
    state = os.path.join(args.run_dir, "gates")
    os.makedirs(state, mode=0o700, exist_ok=True)
    for g in site.get("circle_gates", []):
        options = {"cycle-timeout-ms": g.get("cycle_timeout_ms", 60000),
                   "weight-tolerance-pct": g.get("weight_tolerance_pct", 15),
                   "outer-fail-safe": g.get("outer_fail_safe", True),
                   "outer-fail-secure": not g.get("outer_fail_safe", True),
                   "inner-fail-safe": g.get("inner_fail_safe", False),
                   "inner-fail-secure": not g.get("inner_fail_safe", False)}
        if g.get("max_weight_kg"):
            options["max-weight-g"] = int(g["max_weight_kg"] * 1000)
        gates[g["id"]] = GateProcess(
            binary, site["site"]["id"], g["panel"], g["id"], site["daemon"]["mqtt_uri"],
            os.path.join(secrets, g["panel"] + ".password"),
            os.path.join(key_dir, "panels", g["panel"] + ".key"), log=log, options=options,
            state_dir=state)
    return gates


class ScriptedDay:
    """The access rules' scenes, played once, in order, before the walk (docs/access-rules.md,
    "The demo day"). Each scene logs what it did and what the controller answered; the console
    shows the events and alarms it leads to."""

    def __init__(self, walk, people, desk, security, log):
        self.walk = walk
        self.people = {p["id"]: p for p in people}
        self.desk = desk          # ConsoleClient as the desk operator (starts the lockdown)
        self.security = security  # as a security admin (lifts it)
        self.log = log
        self.doors = {d["id"]: d for d in walk.doors}

    def pause(self, seconds):
        """Waits, closing doors and restoring switches as the timeline says meanwhile."""
        until = time.monotonic() + seconds
        while (left := until - time.monotonic()) > 0:
            self.walk.timeline.run_due(time.monotonic())
            time.sleep(min(left, 0.2))
        self.walk.timeline.run_due(time.monotonic())

    def badge(self, door_id, person_id, pin=None, what="normal"):
        p = self.people[person_id]
        decision = self.walk.badge(self.doors[door_id], p["card"],
                                   pin if pin is not None else p["pin"], p["finger"])
        reason = decision.get("reason") if decision else "no answer"
        self.log(f"day: {door_id}: {person_id} ({what}) -> {reason}")
        return decision or {}

    def walk_in(self, door_id, *person_ids):
        self.walk.went_in(self.doors[door_id], [self.people[i] for i in person_ids])
        self.pause(4)

    def play(self):
        for scene in (self.tailgate, self.duress, self.lockout, self.escort, self.lockdown_drill):
            if any(i not in self.people for i in self.cast[scene.__name__]):
                self.log(f"day: {scene.__name__} skipped (its people are not in the demo)")
                continue
            self.log(f"day: --- {scene.__name__} ---")
            try:
                scene()
            except (ConsoleError, OSError) as e:
                self.log(f"day: {scene.__name__}: {e}")
            self.pause(2)

    cast = {"tailgate": ("tanaka", "takahashi"), "duress": ("ito",), "lockout": ("suzuki",),
            "escort": ("watanabe", "tanaka"), "lockdown_drill": ("sato", "kobayashi")}

    def reach(self, person_id, zone):
        """Puts the person where the scene starts, walking them in through the doors on the
        way (each badged, so presence follows)."""
        path = []
        at = zone
        while at is not None and at != self.walk.site_zone:
            door = self.walk.door_into(at)
            if door is None:
                break
            path.append(door)
            at = door["from_zone"]
        for door in reversed(path):
            if self.walk.where[person_id] == door["to_zone"]:
                continue
            if self.badge(door["id"], person_id, what="on the way").get("granted"):
                self.walk_in(door["id"], person_id)

    def tailgate(self):
        """Tanaka gives every factor at the two-person handling-area door and is held
        (awaiting_second_person); the door is pushed open behind the waiting badge (door.forced)
        and the wait lapses (access.companion_expired). Then Takahashi comes, and both go in."""
        for who in self.cast["tailgate"]:
            self.reach(who, "floor-3f")
        first = self.badge("handling-entrance", "tanaka", what="alone at a two-person door")
        panel = self.walk.panels["handling-entrance"]
        if first.get("reason") == "awaiting_second_person":
            self.log("day: handling-entrance: pushed open behind the waiting badge (tailgate)")
            panel.send("open")
            self.pause(2)
            panel.send("close")
            window = self.walk.rules.get("handling-area", {}).get("companion_window_s", 15)
            self.pause(window + 2)  # the wait lapses: access.companion_expired
        self.badge("handling-entrance", "tanaka", what="with a colleague")
        if self.badge("handling-entrance", "takahashi", what="second person").get("granted"):
            self.walk_in("handling-entrance", "tanaka", "takahashi")

    def duress(self):
        """Ito is made to open the NOC: the PIN with its last digit one higher (9 -> 0). The
        panel shows an ordinary grant; the desk gets a silent priority-1 access.duress."""
        self.reach("ito", "floor-3f")
        pin = self.people["ito"]["pin"]
        duress_pin = pin[:-1] + str((int(pin[-1]) + 1) % 10)
        if self.badge("noc-door", "ito", pin=duress_pin, what="duress PIN").get("granted"):
            self.walk_in("noc-door", "ito")

    def lockout(self):
        """Suzuki mistypes the PIN at the electrical room until the card is locked out
        (access.card_locked_out); the right PIN then is refused locked_out too."""
        self.reach("suzuki", "floor-1f")
        for attempt in range(1, 7):
            reason = self.badge("electrical-door", "suzuki", pin="0000",
                                what=f"wrong PIN {attempt}").get("reason")
            if reason == "locked_out":
                break
            self.pause(1)
        self.badge("electrical-door", "suzuki", what="right PIN, locked card")
        self.walk.refused.setdefault("suzuki", {})["electrical-door"] = time.monotonic() + 900

    def escort(self):
        """Watanabe, a visitor, badges at the main entrance and waits for a host
        (awaiting_escort); Tanaka, a host, badges within the window and both go in (one grant
        with companions). Tanaka must be outside first: back out the way they came."""
        for who in self.cast["escort"]:
            self.walk.where[who] = OUTSIDE  # leave by the free exits (presence is unchanged)
        waited = self.badge("main-entrance", "watanabe", what="visitor")
        if waited.get("granted"):
            self.walk_in("main-entrance", "watanabe")
            return
        if self.badge("main-entrance", "tanaka", what="host").get("granted"):
            self.walk_in("main-entrance", "watanabe", "tanaka")

    def lockdown_drill(self):
        """The desk locks 3F down (zone.lockdown_started, a priority-2 alarm); Sato is refused
        `lockdown` at the stair door, Kobayashi of the exempt security group goes in; a
        security admin lifts it (zone.lockdown_lifted clears the alarm)."""
        if self.desk is None or self.security is None:
            self.log("day: lockdown drill skipped (no operator passwords)")
            return
        for who in self.cast["lockdown_drill"]:
            self.reach(who, "floor-1f")
        status, _ = self.desk.call("POST", "/api/lockdown",
                                   {"scope": "zone", "zone": "floor-3f",
                                    "comment": "Lockdown drill (demo day)"})
        self.log(f"day: desk locks floor-3f down -> {status}")
        self.badge("stair-3f", "sato", what="during the lockdown")
        if self.badge("stair-3f", "kobayashi", what="security, exempt").get("granted"):
            self.walk_in("stair-3f", "kobayashi")
        self.pause(10)
        status, _ = self.security.call("POST", "/api/lockdown/lift",
                                       {"scope": "zone", "zone": "floor-3f",
                                        "comment": "Drill over"})
        self.log(f"day: security admin lifts the lockdown -> {status}")


def operator_consoles(site, secrets):
    """(desk, security admin) console sessions from the demo's password files; None for a
    missing one."""
    listen = site["daemon"]["console_listen"]

    def session(name):
        path = os.path.join(secrets, name + ".password")
        if not os.path.exists(path):
            return None
        with open(path) as f:
            return ConsoleClient.for_listen(listen, name, f.read().strip())
    return session(DESK), session(SECURITY2)


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

    gates = start_gates(site, args, key_dir, secrets, log)
    devices = start_custody_devices(site, secrets, os.path.join(args.run_dir, "devices"), log)

    def stop(*_):
        for p in list(panels.values()) + list(gates.values()) + list(devices.values()):
            p.stop()
        sys.exit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    for p in panels.values():
        p.wait_connected()
    print(f"{len(panels)} panels online", flush=True)
    for g in gates.values():
        g.wait_connected()
    if gates:
        print(f"{len(gates)} circle gates online", flush=True)
    if devices:
        print(f"{len(devices)} custody devices online", flush=True)

    say = lambda line: print(line, flush=True)  # noqa: E731
    try:
        desk, security = operator_consoles(
            site, args.secrets or os.path.join(args.run_dir, "secrets", "operators"))
    except (ConsoleError, OSError) as e:
        say(f"console: {e}; the day's lockdown drill and the desk's forgiving are left out")
        desk, security = None, None
    walk = SiteWalk(site, people, panels, random.Random(args.seed), say, desk=desk)
    actors = [GateActor(g, gates[g["id"]], walk, say) for g in site.get("circle_gates", [])
              if g["id"] in gates]
    walk.gate_zones = {actor.gate["to_zone"] for actor in actors}
    custody = CustodyActor(site, walk, devices, desk, say)
    if not args.no_day:
        ScriptedDay(walk, people, desk, security, say).play()
    now = time.monotonic()
    next_cycle = now + 2
    next_tailgate = now + args.first_alarm_s + 20
    # The first of each soon after the start, so the desk's first screen has a queue.
    next_forced = now + args.first_alarm_s
    next_held = now + args.first_alarm_s + 5
    next_tamper = now + args.first_alarm_s + 40
    next_key = now + 15
    next_detection = now + args.first_alarm_s + 60
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
        if actors and now >= next_tailgate:
            if walk.rng.choice(actors).start(tailgate=True):
                next_tailgate = now + args.tailgate_every_s * walk.rng.uniform(0.7, 1.3)
        if actors and now >= next_cycle:
            walk.rng.choice(actors).start()
            next_cycle = now + args.gate_every_s * walk.rng.uniform(0.7, 1.3)
        if now >= next_key:
            custody.key_round()
            next_key = now + args.key_every_s * walk.rng.uniform(0.7, 1.3)
        if now >= next_detection:
            custody.detector_hit()
            next_detection = now + args.detection_every_s * walk.rng.uniform(0.7, 1.3)
        if now >= next_step:
            walk.step()
            next_step = time.monotonic() + walk.rng.uniform(args.min_interval, args.max_interval)
        wake = min(t for t in (next_step, next_forced, next_held, next_tamper, next_key,
                               next_detection,
                               next_cycle if actors else None,
                               next_tailgate if actors else None,
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
    r.add_argument("--gate-bin", default=None,
                   help="sekimori-sim-gate (default: beside --panel-bin)")
    r.add_argument("--seed", type=int, default=None)
    r.add_argument("--secrets", default=None,
                   help="operators' password files (default RUN_DIR/secrets/operators)")
    r.add_argument("--no-day", action="store_true",
                   help="skip the scripted day of access rules and go straight to the walk")
    r.add_argument("--min-interval", type=float, default=0.8,
                   help="seconds between two people's steps, at least")
    r.add_argument("--max-interval", type=float, default=2.0)
    r.add_argument("--first-alarm-s", type=float, default=5.0,
                   help="seconds after the panels are online until the first forced door")
    r.add_argument("--forced-every-s", type=float, default=120.0)
    r.add_argument("--held-every-s", type=float, default=180.0)
    r.add_argument("--tamper-every-s", type=float, default=300.0)
    r.add_argument("--key-every-s", type=float, default=90.0,
                   help="how often someone takes a key from a cabinet (returned 1-6 min later)")
    r.add_argument("--detection-every-s", type=float, default=900.0,
                   help="how often a metal detector hits (its portal held until cleared)")
    r.add_argument("--gate-every-s", type=float, default=12.0,
                   help="seconds between two circle gate cycles, about")
    r.add_argument("--tailgate-every-s", type=float, default=150.0,
                   help="seconds between two tailgates at a circle gate, about")
    args = parser.parse_args()
    enroll(args) if args.command == "enroll" else run(args)


if __name__ == "__main__":
    main()
