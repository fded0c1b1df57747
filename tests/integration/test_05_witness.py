"""Scenario 05: the audit witness (issue 12, "A witness" and "What must hold" 1).

The real daemon, the real mosquitto and the real sekimori-witness (its own key, state and log;
docs/witness.md). An insider who can write the database and the checkpoint file beside it:
- rewrites history with recomputed hashes and removes the checkpoints while the daemon runs,
  so that the running daemon signs the forged head: the witness refuses it (not_extending), the
  daemon records audit.witness_refused, and verify with the witness log fails;
- appends a correctly hashed, backdated event at the head: the witness refuses it (time_back);
- puts back an older copy of the database and its checkpoint file: the witness refuses the
  restarted daemon's smaller head (shrink), and verify with the witness log fails (behind).
The untouched site verifies with the witness log."""
import hashlib
import json
import os
import shutil
import struct
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from site_under_test import SiteUnderTest  # noqa: E402


def lp(b):
    return struct.pack(">I", len(b)) + b


def event_hash(seq, time_us, type_, source, subject, payload, prev_hash):
    """docs/audit.md, "Event hash": what a forger recomputes."""
    return hashlib.sha256(
        lp(b"sekimori.audit.event.v1") + struct.pack(">Q", seq) + struct.pack(">q", time_us)
        + lp(type_.encode()) + lp(source.encode()) + lp(subject.encode())
        + lp(payload.encode()) + prev_hash).digest()


class WitnessScenario(unittest.TestCase):
    def setUp(self):
        self.site = SiteUnderTest()
        self.addCleanup(self.site.close)
        self.site.start()

    # --- helpers ------------------------------------------------------------------------
    def log_entries(self):
        if not os.path.exists(self.site.witness_log):
            return []
        with open(self.site.witness_log) as f:
            return [json.loads(line) for line in f if line.strip()]

    def witnessed_size(self):
        entries = self.log_entries()
        return entries[-1]["tree_size"] if entries else 0

    def head_seq(self):
        events = self.site.events()
        return events[-1][0] if events else 0

    def wait(self, condition, what, timeout=30.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if condition():
                return
            time.sleep(0.1)
        out = open(self.site.witness_out).read() if os.path.exists(self.site.witness_out) else ""
        self.fail(f"timed out waiting for {what}; witness output:\n{out[-3000:]}")

    def wait_cosigned(self, size):
        self.wait(lambda: self.witnessed_size() >= size, f"a cosignature of {size} events")

    def verify(self, with_witness=True):
        args = ["audit", "verify", "--db", self.site.database,
                "--pubkey", os.path.join(self.site.dir, "keys", "audit-signing.pub")]
        if with_witness:
            args += ["--witness-pubkey", self.site.witness_public_key,
                     "--witness-log", self.site.witness_log]
        return self.site.cli(*args, check=False)

    def refusals(self, reason):
        return [e for e in self.site.events("audit.witness_refused")
                if json.loads(e[4]).get("reason") == reason]

    def wait_refusal(self, reason):
        """Makes the daemon record something (a bad panel payload; a restart if that records
        nothing), so that its next checkpoint signs what the forger left, and waits for the
        witness's refusal to reach the trail."""
        self.site.mosquitto_pub("p-entrance", "sekimori/it-site/panel/p-entrance/event",
                                "not json")
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.refusals(reason):
                return
            time.sleep(0.1)
        self.restart_daemon()
        self.wait(lambda: self.refusals(reason), f"audit.witness_refused {reason}")

    def restart_daemon(self):
        self.assertEqual(self.site.stop_daemon(), 0)
        self.site.start_daemon()

    # --- scenarios ----------------------------------------------------------------------
    def test_untouched_site_is_cosigned_and_verifies(self):
        self.wait(lambda: self.site.events("audit.cosigned"), "an audit.cosigned event")
        self.restart_daemon()
        self.wait_cosigned(self.head_seq() - 2)
        for entry in self.log_entries():
            self.assertEqual(entry["witness"], "w1")
        r = self.verify()
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertEqual(self.site.events("audit.witness_"), [])

    def test_rewrite_under_the_running_daemon_is_refused(self):
        self.wait(lambda: self.site.events("audit.cosigned"), "an audit.cosigned event")
        witnessed = self.witnessed_size()
        # The forger: event 1 rewritten, every hash after it recomputed, the checkpoints gone
        # (table and file), all while the daemon runs and keeps signing the head it reads.
        import sqlite3
        db = sqlite3.connect(self.site.database, timeout=10)
        db.execute("BEGIN IMMEDIATE")
        rows = db.execute("SELECT seq, time_us, type, source, subject, payload FROM audit_events "
                          "ORDER BY seq").fetchall()
        prev = bytes(32)
        for seq, time_us, type_, source, subject, payload in rows:
            if seq == 1:
                body = json.loads(payload)
                body["forged"] = True
                payload = json.dumps(body, separators=(",", ":"))
            h = event_hash(seq, time_us, type_, source, subject, payload, prev)
            db.execute("UPDATE audit_events SET payload = ?, prev_hash = ?, hash = ? WHERE seq = ?",
                       (payload, prev, h, seq))
            prev = h
        db.execute("DELETE FROM audit_checkpoints")
        db.commit()
        db.close()
        open(self.site.database + ".checkpoints", "w").close()
        # Anything the daemon records now lands on the forged head, which it then signs.
        self.wait_refusal("not_extending")
        self.assertEqual(self.witnessed_size(), witnessed, "the witness cosigned a forged head")
        r = self.verify()
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn("diverges from the witness", r.stdout)

    def test_backdated_append_is_refused(self):
        self.wait(lambda: self.site.events("audit.cosigned"), "an audit.cosigned event")
        import sqlite3
        db = sqlite3.connect(self.site.database, timeout=10)
        db.execute("BEGIN IMMEDIATE")
        seq, time_us, hash_ = db.execute(
            "SELECT seq, time_us, hash FROM audit_events ORDER BY seq DESC LIMIT 1").fetchone()
        backdated = time_us - 3_600_000_000  # an hour before the event before it
        payload = '{"door":"server-room-door","person":"p-ghost","decision":"granted"}'
        h = event_hash(seq + 1, backdated, "access.granted", "door:server-room-door", "p-ghost",
                       payload, hash_)
        db.execute("INSERT INTO audit_events(seq, time_us, type, source, subject, payload, "
                   "prev_hash, hash) VALUES(?, ?, ?, ?, ?, ?, ?, ?)",
                   (seq + 1, backdated, "access.granted", "door:server-room-door", "p-ghost",
                    payload, hash_, h))
        db.commit()
        db.close()
        self.wait_refusal("time_back")
        self.assertLess(self.witnessed_size(), seq + 1)

    def test_rollback_with_the_checkpoint_file_is_refused_and_fails_verify(self):
        self.wait(lambda: self.site.events("audit.cosigned"), "an audit.cosigned event")
        self.assertEqual(self.site.stop_daemon(), 0)
        saved = os.path.join(self.site.dir, "saved")
        os.makedirs(saved)
        for name in ("sekimori.db", "sekimori.db.checkpoints"):
            shutil.copy2(os.path.join(self.site.dir, "data", name), saved)
        self.site.start_daemon()
        for _ in range(3):  # the trail grows past the copy, and the witness cosigns it
            self.restart_daemon()
        self.wait_cosigned(self.head_seq() - 2)
        witnessed = self.witnessed_size()
        self.assertEqual(self.site.stop_daemon(), 0)
        for name in ("sekimori.db-wal", "sekimori.db-shm"):
            path = os.path.join(self.site.dir, "data", name)
            if os.path.exists(path):
                os.remove(path)
        for name in ("sekimori.db", "sekimori.db.checkpoints"):
            shutil.copy2(os.path.join(saved, name), os.path.join(self.site.dir, "data", name))

        r = self.verify()
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn("behind the witness", r.stdout)

        self.site.start_daemon()  # the old copy's head is smaller than the witnessed one
        self.wait(lambda: self.refusals("shrink"), "audit.witness_refused shrink")
        self.assertEqual(self.witnessed_size(), witnessed)


if __name__ == "__main__":
    unittest.main()
