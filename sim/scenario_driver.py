"""Makes the demo site live: enrolls the demo people, then runs one simulated panel per door
and has people badge in (card, PIN, finger as each door asks), open and close doors, and now
and then get it wrong (a wrong PIN, an unknown card, someone else's finger, a door they hold
no grant for), so the console shows grants and denials with their reasons.

    scenario_driver.py enroll --config SITE.toml --people PEOPLE.toml --cli build/app/sekimori
                              --secrets var/secrets/operators
    scenario_driver.py run --config SITE.toml --people PEOPLE.toml --run-dir var
                           --panel-bin build/sim/sekimori-sim-panel --cli build/app/sekimori

enroll goes through the running daemon, as its operators (sim/site_operators.py): the first
time it sets up the bootstrap admin's own password, a second security admin and a facility
admin, keeping their passwords in --secrets; the facility admin enrolls, a security admin
approves fingerprints and restricted grants.
"""
import argparse
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
    for name, role in ops.made:
        print(f"operator {name} ({role}): password in {ops.password_file(name)}", flush=True)
    for p in people:
        if ops.enroll(p["id"], p["name"], p["card"], p["pin"], p["finger"],
                      [(zone, schedule) for zone, schedule in p["grants"]], skip_existing=True):
            print(f"enrolled {p['id']}", flush=True)


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

    rng = random.Random(args.seed)
    doors = site["doors"]
    while True:
        door = rng.choice(doors)
        panel = panels[door["id"]]
        allowed = [p for p in people if any(z == door["to_zone"] for z, _ in p["grants"])]
        others = [p for p in people if p not in allowed]
        roll = rng.random()
        if roll < 0.65 and allowed:
            p = rng.choice(allowed)
            who, card, pin, finger, what = p, p["card"], p["pin"], p["finger"], "normal"
        elif roll < 0.75 and allowed:
            p = rng.choice(allowed)
            who, card, pin, finger, what = p, p["card"], "9999", p["finger"], "wrong pin"
        elif roll < 0.82 and allowed and len(door.get("entry_factors", [])) == 3:
            p = rng.choice(allowed)
            other = rng.choice([q for q in people if q is not p])
            who, card, pin, finger, what = p, p["card"], p["pin"], other["finger"], "wrong finger"
        elif roll < 0.9 and others:
            p = rng.choice(others)
            who, card, pin, finger, what = p, p["card"], p["pin"], p["finger"], "no grant"
        else:
            card = "%016X" % rng.getrandbits(64)
            who, pin, finger, what = None, "0000", "stranger", "unknown card"
        try:
            decision = panel.badge(card, pin=pin, finger=finger)
        except (TimeoutError, RuntimeError) as e:
            print(f"{door['id']}: {e}", flush=True)
            time.sleep(1)
            continue
        name = who["id"] if who else "?"
        print(f"{door['id']}: {name} ({what}) -> {decision.get('reason')}", flush=True)
        if decision.get("granted"):
            time.sleep(0.5)
            panel.send("open")
            time.sleep(rng.uniform(1.0, 2.5))
            panel.send("close")
        time.sleep(rng.uniform(args.min_interval, args.max_interval))


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
    r.add_argument("--min-interval", type=float, default=1.5)
    r.add_argument("--max-interval", type=float, default=4.0)
    args = parser.parse_args()
    enroll(args) if args.command == "enroll" else run(args)


if __name__ == "__main__":
    main()
