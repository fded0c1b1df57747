#!/usr/bin/env python3
"""The reference My Number vault client (docs/vault-api.md): signs every request with the
vault's Ed25519 key and speaks the vault link's REST routes; follows the presence pushes over
MQTT (mosquitto_sub) with de-duplication by id and gap detection by prev.

    vault_client.py keygen KEY_FILE PUB_FILE
    vault_client.py [--url https://127.0.0.1:8443] --key KEY_FILE handlers --set P:AREA[,AREA] --remove P
    vault_client.py ... window APPROVAL_ID PERSON AREA FROM TO      (RFC 3339 with an offset)
    vault_client.py ... revoke APPROVAL_ID
    vault_client.py ... authorize PERSON AREA
    vault_client.py ... presence [--after ID]
    vault_client.py ... ack UPTO
    vault_client.py ... day PERSON1 PERSON2 AREA     (designate, approve windows now..+1 h, ask)
    vault_client.py ... open-day AREA[,AREA...] PERSON... [--hours 12]   (designate; a window each)

KEY_FILE holds the 32-byte Ed25519 seed as 64 hex (0600); PUB_FILE the public key as 64 hex,
which is what [vault] public_key_file lists. The `day` command plays the vault's side of a day:
the badging in and out is the people's (the integration test tests/integration/test_19_vault_day.py
drives the doors with simulated panels between the questions).
"""
import argparse
import datetime
import hashlib
import http.client
import json
import os
import secrets
import shutil
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import (Encoding, NoEncryption, PrivateFormat,
                                                          PublicFormat)

CANONICAL_PREFIX = "sekimori-vault-v1"


def keygen(key_file, pub_file):
    """Writes a new key pair; returns the public key's hex."""
    key = Ed25519PrivateKey.generate()
    seed = key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(seed.hex() + "\n")
    public = key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw).hex()
    with open(pub_file, "w") as f:
        f.write("# the My Number vault's request-signing key (docs/vault-api.md)\n" + public + "\n")
    return public


def load_key(key_file):
    with open(key_file) as f:
        return Ed25519PrivateKey.from_private_bytes(bytes.fromhex(f.read().strip()))


def canonical(method, target, timestamp, nonce, body):
    return "\n".join([CANONICAL_PREFIX, method, target, str(timestamp), nonce,
                      hashlib.sha256(body).hexdigest()])


def rfc3339(when):
    return when.isoformat(timespec="seconds")


class VaultClient:
    """One vault's signed calls. `call` returns (status, parsed JSON); `signed_headers` is
    public so tests can replay or alter a request."""

    def __init__(self, url, key, clock=time.time):
        parsed = urllib.parse.urlparse(url)
        self.host = parsed.hostname
        self.port = parsed.port or 443
        self.key = key if not isinstance(key, str) else load_key(key)
        self.clock = clock

    def signed_headers(self, method, target, body, timestamp=None, nonce=None):
        timestamp = int(self.clock()) if timestamp is None else timestamp
        nonce = nonce or secrets.token_hex(16)
        signature = self.key.sign(canonical(method, target, timestamp, nonce, body).encode())
        return {"X-Vault-Timestamp": str(timestamp), "X-Vault-Nonce": nonce,
                "X-Vault-Signature": signature.hex()}

    def send(self, method, target, body=b"", headers=None):
        """A raw request: the bytes and headers as given (unsigned unless they carry it)."""
        context = ssl._create_unverified_context()  # the site's own certificate on loopback
        conn = http.client.HTTPSConnection(self.host, self.port, context=context, timeout=20)
        all_headers = {"Content-Type": "application/json"}
        all_headers.update(headers or {})
        try:
            conn.request(method, target, body if body else None, all_headers)
            response = conn.getresponse()
            text = response.read().decode()
            try:
                parsed = json.loads(text) if text else None
            except ValueError:
                parsed = text
            return response.status, parsed
        finally:
            conn.close()

    def call(self, method, target, payload=None):
        body = b"" if payload is None else json.dumps(payload).encode()
        return self.send(method, target, body, self.signed_headers(method, target, body))

    # --- the routes ------------------------------------------------------------------------
    def set_handlers(self, designations, remove=()):
        """designations: {person: [areas]}."""
        body = {"set": [{"person": p, "areas": list(a)} for p, a in designations.items()]}
        if remove:
            body["remove"] = list(remove)
        return self.call("POST", "/api/vault/handlers", body)

    def approve_window(self, approval_id, person, area, start, end):
        return self.call("POST", "/api/vault/windows",
                         {"approval_id": approval_id, "person": person, "area": area,
                          "from": start if isinstance(start, str) else rfc3339(start),
                          "to": end if isinstance(end, str) else rfc3339(end)})

    def revoke_window(self, approval_id):
        return self.call("DELETE", "/api/vault/windows/" + urllib.parse.quote(approval_id))

    def authorize(self, person, area):
        return self.call("POST", "/api/vault/authorize", {"person": person, "area": area})

    def presence(self, after=0):
        return self.call("GET", f"/api/vault/presence?after={after}")

    def ack(self, upto):
        return self.call("POST", "/api/vault/presence/ack", {"upto": upto})


class PushFollower:
    """The vault's side of the push stream: mosquitto_sub on the presence topic, each message
    kept once by id (at-least-once delivery), a gap noticed by prev and filled by a catch-up
    GET. `pushes` is the de-duplicated stream in id order; `duplicates` counts what was
    dropped."""

    def __init__(self, host, port, user, password_file, topic, client=None):
        with open(password_file) as f:
            password = f.read().strip()
        self.client = client
        self.pushes = []
        self.seen = set()
        self.duplicates = 0
        self.gaps = 0
        self.lock = threading.Lock()
        # Not -P on the command line (ps shows it): mosquitto_sub reads its options from
        # $HOME/.config/mosquitto_sub, here a private home of its own (0700, the file 0600).
        self.home = tempfile.mkdtemp(prefix="vault-sub-")
        os.makedirs(os.path.join(self.home, ".config"), mode=0o700)
        options = os.path.join(self.home, ".config", "mosquitto_sub")
        fd = os.open(options, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(f"-h {host}\n-p {port}\n-u {user}\n-P {password}\n-i {user}\n")
        env = dict(os.environ, HOME=self.home)
        self.proc = subprocess.Popen(["mosquitto_sub", "-q", "1", "-t", topic, "-v"],
                                     stdout=subprocess.PIPE, text=True, env=env)
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self):
        for line in self.proc.stdout:
            _topic, _, text = line.strip().partition(" ")
            try:
                push = json.loads(text)
            except ValueError:
                continue
            self.take(push)

    def take(self, push):
        with self.lock:
            if push["id"] in self.seen:
                self.duplicates += 1
                return
            last = self.pushes[-1]["id"] if self.pushes else None
            if last is not None and push["prev"] != last and self.client is not None:
                self.gaps += 1
                _status, body = self.client.presence(after=last)
                for missed in (body or {}).get("pushes", []):
                    if missed["id"] < push["id"] and missed["id"] not in self.seen:
                        self.seen.add(missed["id"])
                        self.pushes.append(missed)
            self.seen.add(push["id"])
            self.pushes.append(push)
            self.pushes.sort(key=lambda p: p["id"])

    def wait_for(self, predicate, timeout=10.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                found = [p for p in self.pushes if predicate(p)]
            if found:
                return found[-1]
            time.sleep(0.02)
        raise TimeoutError("no such presence push after %.0f s: %s" % (timeout, self.pushes))

    def close(self):
        self.proc.terminate()
        self.proc.wait(timeout=10)
        self.proc.stdout.close()
        self.thread.join(timeout=10)
        shutil.rmtree(self.home, ignore_errors=True)


def play_day(client, first, second, area, out=sys.stdout):
    """The vault's side of a day for two handlers of one area: designate both, approve a window
    of an hour from now for each, and ask authorize for the first. Returns the answers."""
    now = datetime.datetime.now().astimezone()
    stamp = now.strftime("%Y%m%d%H%M%S")
    answers = []
    steps = [
        ("designate", lambda: client.set_handlers({first: [area], second: [area]})),
        ("window 1", lambda: client.approve_window(f"APR-{stamp}-1", first, area, now,
                                                   now + datetime.timedelta(hours=1))),
        ("window 2", lambda: client.approve_window(f"APR-{stamp}-2", second, area, now,
                                                   now + datetime.timedelta(hours=1))),
        ("authorize", lambda: client.authorize(first, area)),
    ]
    for what, step in steps:
        status, body = step()
        print(f"{what}: {status} {json.dumps(body, ensure_ascii=False)}", file=out)
        answers.append((status, body))
    return answers


def open_day(client, area, people, hours, out=sys.stdout):
    """Designates `people` for `area` (or several, comma-separated: the vault racks) and approves
    one window each from now for `hours` (the demo's vault at the start of a shift). Returns True
    when every request was accepted."""
    areas = area.split(",")
    status, body = client.set_handlers({p: areas for p in people})
    print(f"designate {', '.join(people)}: {status} {json.dumps(body)}", file=out)
    ok = status == 200
    now = datetime.datetime.now().astimezone().replace(microsecond=0)
    for person in people:
        for one in areas:
            approval = f"SHIFT-{now.strftime('%Y%m%d%H%M')}-{person}"
            if len(areas) > 1:
                approval += f"-{one}"
            status, body = client.approve_window(approval, person, one, now,
                                                 now + datetime.timedelta(hours=hours))
            print(f"window {approval}: {status} {json.dumps(body)}", file=out)
            ok = ok and status == 200
    return ok


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--url", default="https://127.0.0.1:8443")
    parser.add_argument("--key", help="the vault's private key file (64 hex seed)")
    sub = parser.add_subparsers(dest="command", required=True)
    k = sub.add_parser("keygen")
    k.add_argument("key_file")
    k.add_argument("pub_file")
    h = sub.add_parser("handlers")
    h.add_argument("--set", action="append", default=[], metavar="PERSON:AREA[,AREA]")
    h.add_argument("--remove", action="append", default=[], metavar="PERSON")
    w = sub.add_parser("window")
    for name in ("approval_id", "person", "area", "start", "end"):
        w.add_argument(name)
    r = sub.add_parser("revoke")
    r.add_argument("approval_id")
    a = sub.add_parser("authorize")
    a.add_argument("person")
    a.add_argument("area")
    p = sub.add_parser("presence")
    p.add_argument("--after", type=int, default=0)
    c = sub.add_parser("ack")
    c.add_argument("upto", type=int)
    d = sub.add_parser("day")
    d.add_argument("first")
    d.add_argument("second")
    d.add_argument("area")
    o = sub.add_parser("open-day")
    o.add_argument("area")
    o.add_argument("people", nargs="+")
    o.add_argument("--hours", type=int, default=12)
    o.add_argument("--wait-s", type=float, default=30.0,
                   help="retry while the link answers 503 vault.starting")
    args = parser.parse_args(argv)

    if args.command == "keygen":
        print(keygen(args.key_file, args.pub_file))
        return 0
    if not args.key:
        parser.error("--key is required")
    client = VaultClient(args.url, args.key)
    if args.command == "open-day":
        deadline = time.monotonic() + args.wait_s
        while client.presence()[0] == 503 and time.monotonic() < deadline:
            time.sleep(0.2)
        return 0 if open_day(client, args.area, args.people, args.hours) else 1
    if args.command == "day":
        answers = play_day(client, args.first, args.second, args.area)
        return 0 if all(status == 200 for status, _ in answers) else 1
    if args.command == "handlers":
        designations = {}
        for item in args.set:
            person, _, areas = item.partition(":")
            designations[person] = [a for a in areas.split(",") if a]
        status, body = client.set_handlers(designations, args.remove)
    elif args.command == "window":
        status, body = client.approve_window(args.approval_id, args.person, args.area,
                                             args.start, args.end)
    elif args.command == "revoke":
        status, body = client.revoke_window(args.approval_id)
    elif args.command == "authorize":
        status, body = client.authorize(args.person, args.area)
    elif args.command == "presence":
        status, body = client.presence(args.after)
    else:
        status, body = client.ack(args.upto)
    print(json.dumps(body, ensure_ascii=False, indent=2))
    return 0 if status == 200 else 1


if __name__ == "__main__":
    sys.exit(main())
