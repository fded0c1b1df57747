#!/usr/bin/python3
"""Insider attacks on the audit trail (issue 12, "What must hold" 1; docs/audit.md, "Threat
model").

The attacker can write the SQLite file, the checkpoint file and the key copies beside them (a
database administrator, or root on the controller host). The auditor holds only the pinned
public keys, taken at installation: the controller's checkpoint key, the witness's key (and its
log, which the witness keeps on its own), and the panels' signing keys. Every attack runs
against the real `sekimori audit verify` with those and must make it exit 1; the untouched site
must exit 0.

A real site (tests/integration/site_under_test.py: mosquitto, sekimorid, sekimori-witness,
simulated panels; people, PINs, cards and operators enrolled through the daemon) makes the
trail. Offline attacks work on copies of it, taken after a clean stop. Attacks under the running
daemon get a site of their own each.

Run: SEKIMORI_SOURCE_DIR=... SEKIMORI_BINARY_DIR=... /usr/bin/python3 insider_attacks.py
(ctest: audit_insider_attacks). Standard library plus python3-cryptography (Ed25519)."""
import hashlib
import json
import os
import shutil
import sqlite3
import struct
import subprocess
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE_DIR = os.environ.get("SEKIMORI_SOURCE_DIR", os.path.abspath(os.path.join(HERE, "..", "..")))
sys.path.insert(0, os.path.join(SOURCE_DIR, "tests", "integration"))
from site_under_test import SITE, SiteUnderTest  # noqa: E402

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey  # noqa: E402
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat  # noqa: E402

ALICE_CARD, ALICE_PIN = "04A1B2C3D4E5F6", "2468"
BOB_CARD, BOB_PIN = "04A1B2C3D4E5F7", "1357"
PANELS = ("p-entrance", "p-server")


# --- the encodings of docs/audit.md, written independently of the C++ code ------------------
def lp(b):
    return struct.pack(">I", len(b)) + b


def event_hash(seq, time_us, type_, source, subject, payload, prev_hash):
    return hashlib.sha256(
        lp(b"sekimori.audit.event.v1") + struct.pack(">Q", seq) + struct.pack(">q", time_us)
        + lp(type_.encode()) + lp(source.encode()) + lp(subject.encode())
        + lp(payload.encode()) + bytes(prev_hash)).digest()


def checkpoint_message(tree_size, head_hash, time_us):
    return (lp(b"sekimori.audit.checkpoint.v1") + struct.pack(">Q", tree_size)
            + bytes(head_hash) + struct.pack(">q", time_us))


def row_digest(table, columns):
    """docs/audit.md, "Row digests": columns is [(name, value)] in PRAGMA table_info order."""
    out = lp(b"sekimori.row.v1") + lp(table.encode())
    for name, value in columns:
        out += lp(name.encode())
        if value is None:
            out += b"\x00"
        elif isinstance(value, int):
            out += b"\x01" + struct.pack(">q", value)
        elif isinstance(value, float):
            out += b"\x02" + struct.pack(">d", value)
        elif isinstance(value, str):
            out += b"\x03" + lp(value.encode())
        else:
            out += b"\x04" + lp(bytes(value))
    return hashlib.sha256(out).hexdigest()


# --- what a forger does to the files ---------------------------------------------------------
def connect(path):
    return sqlite3.connect(path, timeout=30, isolation_level=None)


def rechain(db, start_seq):
    """Recomputes prev_hash and hash of every row from start_seq on."""
    prev = bytes(32)
    if start_seq > 1:
        prev = db.execute("SELECT hash FROM audit_events WHERE seq = ?", (start_seq - 1,)).fetchone()[0]
    for seq, t, ty, so, su, pa in db.execute(
            "SELECT seq, time_us, type, source, subject, payload FROM audit_events WHERE seq >= ?"
            " ORDER BY seq", (start_seq,)).fetchall():
        h = event_hash(seq, t, ty, so, su, pa, prev)
        db.execute("UPDATE audit_events SET prev_hash = ?, hash = ? WHERE seq = ?", (prev, h, seq))
        prev = h


def drop_checkpoints_from(db, checkpoint_file, tree_size):
    """Removes every checkpoint that covers tree_size or more, from the table and the file."""
    db.execute("DELETE FROM audit_checkpoints WHERE tree_size >= ?", (tree_size,))
    with open(checkpoint_file) as f:
        kept = [line for line in f if line.strip() and json.loads(line)["tree_size"] < tree_size]
    with open(checkpoint_file, "w") as f:
        f.writelines(kept)


def append_event(db, time_us, type_, source, subject, payload):
    seq, hash_ = db.execute("SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1").fetchone()
    h = event_hash(seq + 1, time_us, type_, source, subject, payload, hash_)
    db.execute("INSERT INTO audit_events VALUES(?, ?, ?, ?, ?, ?, ?, ?)",
               (seq + 1, time_us, type_, source, subject, payload, hash_, h))
    return seq + 1


def sign_checkpoint(db, checkpoint_file, secret_key_file, time_us):
    """What root does with the controller's own key (read from its key file)."""
    with open(secret_key_file, "rb") as f:
        key = Ed25519PrivateKey.from_private_bytes(f.read()[:32])
    size, head = db.execute("SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1").fetchone()
    sig = key.sign(checkpoint_message(size, head, time_us))
    db.execute("INSERT OR REPLACE INTO audit_checkpoints VALUES(?, ?, ?, ?)",
               (size, head, time_us, sig))
    with open(checkpoint_file, "a") as f:
        f.write(json.dumps({"tree_size": size, "head_hash": head.hex(), "time_us": time_us,
                            "signature": sig.hex()}, separators=(",", ":")) + "\n")


def raw_public(private_key):
    return private_key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


def newest_time(db):
    return db.execute("SELECT max(time_us) FROM audit_events").fetchone()[0]


class PinnedKeys:
    """What the auditor keeps in the evidence binder, copied before any attack."""

    def __init__(self, site, into):
        self.dir = into
        os.makedirs(os.path.join(into, "panels"))
        self.pubkey = os.path.join(into, "audit-signing.pub")
        shutil.copyfile(os.path.join(site.dir, "keys", "audit-signing.pub"), self.pubkey)
        self.witness_pubkey = os.path.join(into, "witness-w1.pub")
        shutil.copyfile(site.witness_public_key, self.witness_pubkey)
        self.panels = os.path.join(into, "panels")

    def pin_panels(self, site):
        """A panel makes its key on first start; the installer pins its public half."""
        panel_dir = os.path.join(site.dir, "keys", "panels")
        for panel in PANELS:
            for name in (panel + ".sign.pub", panel + ".key.sign.pub"):
                if os.path.exists(os.path.join(panel_dir, name)):
                    shutil.copyfile(os.path.join(panel_dir, name),
                                    os.path.join(self.panels, panel + ".sign.pub"))
                    break


def verify(site, pinned, db, checkpoints, witness_log, *extra):
    args = ["audit", "verify", "--db", db, "--checkpoints", checkpoints, "--pubkey", pinned.pubkey,
            "--witness-pubkey", pinned.witness_pubkey, "--witness-log", witness_log,
            "--panel-keys", pinned.panels, "--site", SITE, *extra]
    r = site.cli(*args, check=False)
    return r.returncode, r.stdout + r.stderr


def wait_for(condition, what, timeout=30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def read_text(path):
    with open(path, errors="replace") as f:
        return f.read()


def witnessed_size(site):
    if not os.path.exists(site.witness_log):
        return 0
    with open(site.witness_log) as f:
        lines = [json.loads(line) for line in f if line.strip()]
    return lines[-1]["tree_size"] if lines else 0


def head_seq(site):
    events = site.events()
    return events[-1][0] if events else 0


def snapshot(site, into):
    """A consistent copy of the live database (SQLite's backup API) and its checkpoint file."""
    os.makedirs(into)
    src = sqlite3.connect(f"file:{site.database}?mode=ro", uri=True, timeout=30)
    dst = sqlite3.connect(os.path.join(into, "sekimori.db"))
    src.backup(dst)
    dst.close()
    src.close()
    shutil.copyfile(site.database + ".checkpoints", os.path.join(into, "sekimori.db.checkpoints"))


class OfflineAttacks(unittest.TestCase):
    """The site is stopped cleanly; each attack edits a copy of its files."""

    @classmethod
    def setUpClass(cls):
        cls.site = SiteUnderTest()
        try:
            cls.site.start()
            cls.pinned = PinnedKeys(cls.site, os.path.join(cls.site.dir, "pinned"))
            cls.site.enroll("alice", "Alice Aoki", ALICE_CARD, ALICE_PIN, "alice-index",
                            ["server-room", "floor-3f"])
            cls.older = os.path.join(cls.site.dir, "older")
            wait_for(lambda: witnessed_size(cls.site) >= head_seq(cls.site) - 2, "a cosignature")
            snapshot(cls.site, cls.older)
            cls.site.enroll("bob", "Bob Baba", BOB_CARD, BOB_PIN, "bob-index", ["floor-3f"])
            cls.site.add_operator("desk", "operator")
            panel = cls.site.panel("p-entrance", "building-entrance")
            panel.badge(ALICE_CARD)
            panel.send("open")
            panel.send("close")
            cls.site.wait_event(lambda e: e[1] == "door.closed")
            cls.pinned.pin_panels(cls.site)
            assert os.listdir(cls.pinned.panels), "no panel public key to pin"
            # A clean stop: the shutdown checkpoint, and the witness cosigns the head.
            wait_for(lambda: witnessed_size(cls.site) >= head_seq(cls.site) - 2,
                     "the witness to cosign the head", timeout=30)
            for p in cls.site.panels:
                p.stop()
            cls.site.panels = []
            assert cls.site.stop_daemon() == 0
            cls.site.stop_witness()
        except BaseException:
            cls.site.close()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.site.close()

    def setUp(self):
        self.work = tempfile.mkdtemp(prefix="attack-", dir=self.site.dir)
        self.db = os.path.join(self.work, "sekimori.db")
        self.checkpoints = self.db + ".checkpoints"
        self.witness_log = os.path.join(self.work, "witness.log")
        data = os.path.join(self.site.dir, "data")
        shutil.copyfile(os.path.join(data, "sekimori.db"), self.db)
        shutil.copyfile(os.path.join(data, "sekimori.db.checkpoints"), self.checkpoints)
        shutil.copyfile(self.site.witness_log, self.witness_log)

    def tearDown(self):
        shutil.rmtree(self.work, ignore_errors=True)

    def verify(self, *extra):
        return verify(self.site, self.pinned, self.db, self.checkpoints, self.witness_log, *extra)

    def assertCaught(self, expected=None):
        rc, out = self.verify()
        self.assertEqual(rc, 1, out)
        if expected:
            self.assertIn(expected, out)
        return out

    def edit(self):
        db = connect(self.db)
        db.execute("BEGIN IMMEDIATE")
        return db

    def row(self, sql, *args):
        db = connect(self.db)
        try:
            return db.execute(sql, args).fetchone()
        finally:
            db.close()

    # --- the untouched site ----------------------------------------------------------------
    def test_00_untouched_site_verifies(self):
        rc, out = self.verify("--require-covered")
        self.assertEqual(rc, 0, out)
        self.assertIn("audit verify: OK", out)
        self.assertRegex(out, r"[1-9]\d* audited rows")
        self.assertRegex(out, r"[1-9]\d* panel-signed events")

    # --- the trail -------------------------------------------------------------------------
    def test_rewrite_with_recomputed_hashes_and_removed_checkpoints(self):
        db = self.edit()
        seq, payload = db.execute("SELECT seq, payload FROM audit_events WHERE type = 'door.opened'"
                                  " ORDER BY seq LIMIT 1").fetchone()
        body = json.loads(payload)
        body["forged"] = True
        db.execute("UPDATE audit_events SET payload = ? WHERE seq = ?",
                   (json.dumps(body, separators=(",", ":")), seq))
        rechain(db, seq)
        drop_checkpoints_from(db, self.checkpoints, seq)
        db.execute("COMMIT")
        self.assertCaught()

    def test_every_checkpoint_removed(self):
        db = self.edit()
        drop_checkpoints_from(db, self.checkpoints, 0)
        db.execute("COMMIT")
        self.assertCaught("no validly signed checkpoint")

    def test_one_checkpoint_row_deleted(self):
        db = self.edit()
        db.execute("DELETE FROM audit_checkpoints WHERE tree_size ="
                   " (SELECT min(tree_size) FROM audit_checkpoints WHERE tree_size > 0)")
        db.execute("COMMIT")
        self.assertCaught("missing from audit_checkpoints")

    def test_backdated_append(self):
        db = self.edit()
        append_event(db, newest_time(db) - 3_600_000_000, "access.granted",
                     "door:server-room-door", "alice", '{"door":"server-room-door","person":'
                     '"alice","decision":"granted","reason":"ok"}')
        db.execute("COMMIT")
        self.assertCaught("dated before")

    def test_backdated_append_covered_by_a_checkpoint_signed_with_the_stolen_key(self):
        db = self.edit()
        t = newest_time(db)
        append_event(db, t - 3_600_000_000, "access.granted", "door:server-room-door", "alice",
                     '{"door":"server-room-door","person":"alice","decision":"granted"}')
        sign_checkpoint(db, self.checkpoints, os.path.join(self.site.dir, "keys",
                                                           "audit-signing.key"), t + 1)
        db.execute("COMMIT")
        self.assertCaught("dated before")

    def test_backdated_insert_in_the_middle(self):
        db = self.edit()
        seq, t = db.execute("SELECT seq, time_us FROM audit_events WHERE type = 'door.opened'"
                            " ORDER BY seq LIMIT 1").fetchone()
        db.execute("UPDATE audit_events SET seq = -(seq + 1) WHERE seq >= ?", (seq,))
        db.execute("UPDATE audit_events SET seq = -seq WHERE seq < 0")
        db.execute("INSERT INTO audit_events VALUES(?, ?, 'access.granted', 'door:server-room-door',"
                   " 'bob', '{}', x'', x'')", (seq, t - 1))
        rechain(db, seq)
        drop_checkpoints_from(db, self.checkpoints, seq)
        db.execute("COMMIT")
        self.assertCaught()

    def test_rollback_of_database_and_checkpoint_file_to_an_older_copy(self):
        shutil.copyfile(os.path.join(self.older, "sekimori.db"), self.db)
        shutil.copyfile(os.path.join(self.older, "sekimori.db.checkpoints"), self.checkpoints)
        self.assertCaught("behind")

    def test_events_deleted_at_the_tail_with_their_checkpoints(self):
        """The last witnessed events go, with every checkpoint that covered them. (Events after
        the newest witnessed checkpoint are the documented window: docs/audit.md, "Limits".)"""
        with open(self.witness_log) as f:
            witnessed = [json.loads(line)["tree_size"] for line in f if line.strip()][-1]
        db = self.edit()
        db.execute("DELETE FROM audit_events WHERE seq > ?", (witnessed - 3,))
        drop_checkpoints_from(db, self.checkpoints, witnessed - 2)
        db.execute("COMMIT")
        self.assertCaught()

    def test_public_key_beside_the_checkpoints_replaced_and_everything_resigned(self):
        attacker = Ed25519PrivateKey.generate()
        db = self.edit()
        seq = db.execute("SELECT min(seq) FROM audit_events WHERE type = 'access.granted'").fetchone()[0]
        db.execute("UPDATE audit_events SET subject = 'mallory' WHERE seq = ?", (seq,))
        rechain(db, seq)
        drop_checkpoints_from(db, self.checkpoints, 0)
        size, head, t = db.execute("SELECT seq, hash, time_us FROM audit_events ORDER BY seq DESC"
                                   " LIMIT 1").fetchone()
        sig = attacker.sign(checkpoint_message(size, head, t + 1))
        db.execute("INSERT INTO audit_checkpoints VALUES(?, ?, ?, ?)", (size, head, t + 1, sig))
        db.execute("COMMIT")
        with open(self.checkpoints, "w") as f:
            f.write(json.dumps({"tree_size": size, "head_hash": head.hex(), "time_us": t + 1,
                                "signature": sig.hex()}) + "\n")
        raw = raw_public(attacker)
        with open(os.path.join(self.work, "audit-signing.pub"), "w") as f:
            f.write(raw.hex() + "\n")
        self.assertCaught("signature does not verify")

    def test_forged_checkpoint_row_dated_far_ahead(self):
        """An unsigned row that would make the appender date every later event in the future."""
        db = self.edit()
        size, head = db.execute("SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1").fetchone()
        db.execute("INSERT OR REPLACE INTO audit_checkpoints VALUES(?, ?, ?, ?)",
                   (size, head, 32503680000000000, bytes(64)))
        db.execute("COMMIT")
        self.assertCaught("signature does not verify")

    def test_forged_event_dated_far_ahead_and_signed_with_the_stolen_key(self):
        db = self.edit()
        t = 32503680000000000  # the year 3000
        append_event(db, t, "door.opened", "door:server-room-door", "", '{"door":"server-room-door"}')
        sign_checkpoint(db, self.checkpoints, os.path.join(self.site.dir, "keys",
                                                           "audit-signing.key"), t)
        db.execute("COMMIT")
        self.assertCaught("dated after the verifier's clock")

    # --- the audit schema --------------------------------------------------------------------
    def test_trigger_that_silently_drops_inserts(self):
        db = self.edit()
        db.execute("CREATE TRIGGER audit_events_quiet BEFORE INSERT ON audit_events"
                   " WHEN NEW.type = 'access.denied' BEGIN SELECT RAISE(IGNORE); END")
        db.execute("COMMIT")
        self.assertCaught("audit_events_quiet")

    def test_trigger_on_a_domain_table_that_writes_the_trail(self):
        db = self.edit()
        db.execute("CREATE TRIGGER door_cards_note AFTER UPDATE ON door_cards BEGIN"
                   " DELETE FROM audit_events WHERE seq < 0; END")
        db.execute("COMMIT")
        self.assertCaught("door_cards_note")

    def test_view_named_like_the_table(self):
        db = self.edit()
        db.execute("ALTER TABLE audit_events RENAME TO audit_events_all")
        db.execute("CREATE VIEW audit_events AS SELECT * FROM audit_events_all"
                   " WHERE type != 'access.denied'")
        db.execute("COMMIT")
        self.assertCaught("view audit_events")

    def test_extra_index_and_changed_column(self):
        db = self.edit()
        db.execute("CREATE INDEX audit_events_by_type ON audit_events(type)")
        db.execute("COMMIT")
        self.assertCaught("audit_events_by_type")
        self.setUp()
        db = self.edit()
        db.execute("ALTER TABLE audit_events ADD COLUMN note TEXT DEFAULT ''")
        db.execute("COMMIT")
        self.assertCaught("differs from the audit schema contract")

    # --- who gets in, who may log in ------------------------------------------------------------
    def test_swapped_pin_hashes(self):
        db = self.edit()
        a = db.execute("SELECT hash FROM door_pins WHERE person = 'alice'").fetchone()[0]
        b = db.execute("SELECT hash FROM door_pins WHERE person = 'bob'").fetchone()[0]
        db.execute("UPDATE door_pins SET hash = ? WHERE person = 'alice'", (b,))
        db.execute("UPDATE door_pins SET hash = ? WHERE person = 'bob'", (a,))
        db.execute("COMMIT")
        out = self.assertCaught("door_pins(alice)")
        self.assertIn("door_pins(bob)", out)

    def test_swapped_cards(self):
        db = self.edit()
        db.execute("UPDATE door_cards SET person = CASE person WHEN 'alice' THEN 'bob'"
                   " ELSE 'alice' END WHERE uid IN (?, ?)", (ALICE_CARD, BOB_CARD))
        db.execute("COMMIT")
        out = self.assertCaught(f"door_cards({ALICE_CARD})")
        self.assertIn(f"door_cards({BOB_CARD})", out)

    def test_card_inserted_for_an_outsider(self):
        db = self.edit()
        db.execute("INSERT INTO door_cards(uid, person, state) VALUES('DEADBEEF', 'alice', 'active')")
        db.execute("COMMIT")
        self.assertCaught("door_cards(DEADBEEF) was never recorded")

    def test_grant_removed(self):
        db = self.edit()
        db.execute("DELETE FROM door_zone_grants WHERE person = 'bob'")
        db.execute("COMMIT")
        self.assertCaught("is gone")

    def test_inserted_operator_row(self):
        db = self.edit()
        hash_ = db.execute("SELECT password_hash FROM operators WHERE name = 'desk'").fetchone()[0]
        db.execute("INSERT INTO operators(name, role, password_hash, created) VALUES"
                   " ('mallory', 'security_admin', ?, 0)", (hash_,))
        db.execute("COMMIT")
        self.assertCaught("operators(mallory) was never recorded")

    def test_operator_role_raised(self):
        db = self.edit()
        db.execute("UPDATE operators SET role = 'security_admin' WHERE name = 'desk'")
        db.execute("COMMIT")
        self.assertCaught("operators(desk)")

    def test_row_digest_in_the_payload_edited_to_match_a_swapped_card(self):
        """The careful forger: swaps a card, rewrites the row_digest the trail recorded for it,
        recomputes every hash and drops the checkpoints after it. The witness still holds the
        old head."""
        db = self.edit()
        db.execute("UPDATE door_cards SET person = 'bob' WHERE uid = ?", (ALICE_CARD,))
        columns = [r[1] for r in db.execute("PRAGMA table_info(door_cards)").fetchall()]
        values = db.execute("SELECT * FROM door_cards WHERE uid = ?", (ALICE_CARD,)).fetchone()
        digest = row_digest("door_cards", list(zip(columns, values)))
        named = None
        for seq, payload in db.execute(
                "SELECT seq, payload FROM audit_events WHERE payload LIKE ? ORDER BY seq DESC",
                (f'%"row_digest"%{ALICE_CARD}%',)).fetchall():
            body = json.loads(payload)
            members = body["row_digest"] if isinstance(body["row_digest"], list) \
                else [body["row_digest"]]
            mine = [m for m in members if m["table"] == "door_cards" and m["key"] == [ALICE_CARD]]
            if mine:
                named = seq
                for m in mine:
                    m["digest"] = digest
                break
        self.assertIsNotNone(named, "the trail names no row digest of alice's card")
        seq = named
        db.execute("UPDATE audit_events SET payload = ? WHERE seq = ?",
                   (json.dumps(body, separators=(",", ":")), seq))
        rechain(db, seq)
        drop_checkpoints_from(db, self.checkpoints, seq)
        db.execute("COMMIT")
        self.assertCaught()

    # --- what a door saw --------------------------------------------------------------------
    def test_altered_panel_report_with_the_stolen_controller_key(self):
        """Root edits what a door reported, recomputes the chain and signs it with the
        controller's own key: only the panel's signature still tells."""
        db = self.edit()
        seq, payload = db.execute("SELECT seq, payload FROM audit_events WHERE payload LIKE"
                                  " '%\"panel_sig\"%' ORDER BY seq DESC LIMIT 1").fetchone()
        body = json.loads(payload)
        body["panel_report"] = body["panel_report"].replace("opened", "closed", 1) \
            if "opened" in body["panel_report"] else body["panel_report"][:-1] + ',"x":1}'
        db.execute("UPDATE audit_events SET payload = ? WHERE seq = ?",
                   (json.dumps(body, separators=(",", ":")), seq))
        rechain(db, seq)
        drop_checkpoints_from(db, self.checkpoints, seq)
        sign_checkpoint(db, self.checkpoints, os.path.join(self.site.dir, "keys",
                                                           "audit-signing.key"), newest_time(db) + 1)
        db.execute("COMMIT")
        self.assertCaught("panel_sig does not verify")

    def test_panel_key_enrolled_in_the_panels_place(self):
        """Root enrolls a key of its own for a panel and appends door events signed with it."""
        fake = Ed25519PrivateKey.generate()
        db = self.edit()
        t = newest_time(db) + 1
        append_event(db, t, "panel.key_enrolled", "panel:p-entrance", "", json.dumps(
            {"panel": "p-entrance", "public_key": raw_public(fake).hex()},
            separators=(",", ":")))
        report = '{"door":"building-entrance","kind":"opened","counter":999999}'
        sig = fake.sign(lp(b"sekimori.panel.report.v1") + lp(SITE.encode()) + lp(b"p-entrance")
                        + lp(report.encode()))
        append_event(db, t + 1, "door.opened", "door:building-entrance", "", json.dumps(
            {"door": "building-entrance", "panel_report": report, "panel_sig": sig.hex()},
            separators=(",", ":")))
        sign_checkpoint(db, self.checkpoints, os.path.join(self.site.dir, "keys",
                                                           "audit-signing.key"), t + 2)
        db.execute("COMMIT")
        self.assertCaught("other than its pinned one")


class AttacksUnderTheRunningDaemon(unittest.TestCase):
    """Each attack gets its own site: the daemon keeps running (and signing) while the attacker
    edits the files under it."""

    def setUp(self):
        self.site = SiteUnderTest()
        self.addCleanup(self.site.close)
        self.site.start()
        self.pinned = PinnedKeys(self.site, os.path.join(self.site.dir, "pinned"))
        self.pinned.pin_panels(self.site)
        wait_for(lambda: self.site.events("audit.cosigned"), "a first cosignature")

    def verify(self, *extra):
        data = os.path.join(self.site.dir, "data")
        return verify(self.site, self.pinned, self.site.database,
                      os.path.join(data, "sekimori.db.checkpoints"), self.site.witness_log, *extra)

    def poke(self):
        """Makes the daemon record something (a bad panel payload), and sign its next head. No
        panel runs: a publish with its account would knock it off the broker."""
        self.site.mosquitto_pub("p-entrance", f"sekimori/{SITE}/panel/p-entrance/event", "not json")

    def test_rewrite_with_removed_checkpoints_while_the_daemon_signs(self):
        db = connect(self.site.database)
        db.execute("BEGIN IMMEDIATE")
        db.execute("UPDATE audit_events SET payload = '{\"forged\":true}' WHERE seq = 1")
        rechain(db, 1)
        drop_checkpoints_from(db, self.site.database + ".checkpoints", 0)
        db.execute("COMMIT")
        db.close()
        before = head_seq(self.site)
        self.poke()
        wait_for(lambda: head_seq(self.site) > before, "the daemon to append on the forged head")
        wait_for(lambda: connect(self.site.database).execute(
            "SELECT count(*) FROM audit_checkpoints WHERE tree_size > ?", (before,)).fetchone()[0],
            "the daemon to sign the forged head")
        rc, out = self.verify()
        self.assertEqual(rc, 1, out)
        self.assertIn("diverges from the witness", out)

    def test_backdated_append_while_the_daemon_runs(self):
        db = connect(self.site.database)
        db.execute("BEGIN IMMEDIATE")
        append_event(db, newest_time(db) - 3_600_000_000, "access.granted",
                     "door:server-room-door", "ghost", '{"door":"server-room-door",'
                     '"person":"ghost","decision":"granted"}')
        db.execute("COMMIT")
        db.close()
        before = head_seq(self.site)
        self.poke()
        wait_for(lambda: head_seq(self.site) > before, "the daemon to append after it")
        rc, out = self.verify()
        self.assertEqual(rc, 1, out)
        self.assertIn("dated before", out)

    def test_trigger_dropping_inserts_makes_the_append_fail_loudly(self):
        db = connect(self.site.database)
        db.execute("CREATE TRIGGER audit_events_quiet BEFORE INSERT ON audit_events"
                   " BEGIN SELECT RAISE(IGNORE); END")
        db.close()
        before = head_seq(self.site)
        self.poke()
        log = os.path.join(self.site.dir, "sekimorid.log")
        wait_for(lambda: "audit_events_quiet" in read_text(log),
                 "the daemon to refuse the tampered schema")
        self.assertEqual(head_seq(self.site), before, "an event was stored past the trigger")
        rc, out = self.verify()
        self.assertEqual(rc, 1, out)
        self.assertIn("audit_events_quiet", out)
        # And a restart refuses to run on it.
        self.site.stop_daemon()
        daemon = subprocess.run([self.site.daemon_path, "--config", self.site.config],
                                capture_output=True, text=True, timeout=60,
                                env=self.site.daemon_env())
        self.assertNotEqual(daemon.returncode, 0)
        self.assertIn("audit_events_quiet", daemon.stdout + daemon.stderr)


if __name__ == "__main__":
    unittest.main(verbosity=2)
