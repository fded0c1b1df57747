#!/usr/bin/python3
"""Tamper trials for the Sekimori audit trail.

Makes a populated trail with the real AuditedRecorder (audit_fixture_maker), then runs
random tamperings on copies of it -- one changed byte in any column, a deleted row, two
swapped rows, a forged row with a correctly recomputed chain (anywhere, the tail included),
a truncated tail -- and runs the real `sekimori audit verify` on each copy. Every tampered
copy must exit 1; the untouched copy must exit 0.

Forged tail rows are dated inside the existing history (a forger adding an event that
"happened" earlier). A tail dated after the newest checkpoint cannot be told from a
legitimate append by a process without the signing key (docs/audit.md, "Limits"); those
trials run with --require-covered, which an auditor uses after a clean shutdown.

Standard library only (sqlite3). Run with /usr/bin/python3.
"""
import argparse
import concurrent.futures
import hashlib
import os
import random
import shutil
import sqlite3
import struct
import subprocess
import sys
import tempfile

COLUMNS = ["seq", "time_us", "type", "source", "subject", "payload", "prev_hash", "hash"]
TEXT_COLUMNS = {"type", "source", "subject", "payload"}
BLOB_COLUMNS = {"prev_hash", "hash"}


def lp(b):
    return struct.pack(">I", len(b)) + b


def event_hash(seq, time_us, type_, source, subject, payload, prev_hash):
    """The canonical encoding of docs/audit.md, written independently of the C++ code."""
    data = (lp(b"sekimori.audit.event.v1") + struct.pack(">Q", seq) + struct.pack(">q", time_us)
            + lp(type_.encode()) + lp(source.encode()) + lp(subject.encode())
            + lp(payload.encode()) + bytes(prev_hash))
    return hashlib.sha256(data).digest()


def load_rows(db):
    con = sqlite3.connect(db)
    rows = con.execute("SELECT seq, time_us, type, source, subject, payload, prev_hash, hash"
                       " FROM audit_events ORDER BY seq").fetchall()
    newest = con.execute("SELECT max(time_us) FROM audit_checkpoints").fetchone()[0]
    con.close()
    return rows, newest


def rechain_from(con, start_seq):
    """Recomputes prev_hash and hash of every row from start_seq on, as a careful forger would."""
    prev = bytes(32)
    if start_seq > 1:
        prev = con.execute("SELECT hash FROM audit_events WHERE seq = ?", (start_seq - 1,)).fetchone()[0]
    for row in con.execute("SELECT seq, time_us, type, source, subject, payload FROM audit_events"
                           " WHERE seq >= ? ORDER BY seq", (start_seq,)).fetchall():
        h = event_hash(row[0], row[1], row[2], row[3], row[4], row[5], prev)
        con.execute("UPDATE audit_events SET prev_hash = ?, hash = ? WHERE seq = ?", (prev, h, row[0]))
        prev = h


def tamper_byte(con, rng, rows):
    seqs = {r[0] for r in rows}
    while True:
        row = rng.choice(rows)
        col = rng.choice(COLUMNS)
        idx = COLUMNS.index(col)
        value = row[idx]
        if col in TEXT_COLUMNS or col in BLOB_COLUMNS:
            raw = bytearray(value.encode() if col in TEXT_COLUMNS else value)
            if not raw:
                continue
            pos = rng.randrange(len(raw))
            raw[pos] = (raw[pos] + rng.randrange(1, 256)) % 256
            if col in TEXT_COLUMNS:
                con.execute(f"UPDATE audit_events SET {col} = CAST(? AS TEXT) WHERE seq = ?",
                            (bytes(raw), row[0]))
            else:
                con.execute(f"UPDATE audit_events SET {col} = ? WHERE seq = ?", (bytes(raw), row[0]))
            return f"byte {pos} of {col} at seq {row[0]}"
        raw = bytearray(struct.pack(">q", value))
        pos = rng.randrange(8)
        raw[pos] = (raw[pos] + rng.randrange(1, 256)) % 256
        new = struct.unpack(">q", bytes(raw))[0]
        if col == "seq" and new in seqs:
            continue
        con.execute(f"UPDATE audit_events SET {col} = ? WHERE seq = ?", (new, row[0]))
        return f"byte {pos} of {col} at seq {row[0]}"


def tamper_delete(con, rng, rows):
    seq = rng.choice(rows)[0]
    con.execute("DELETE FROM audit_events WHERE seq = ?", (seq,))
    return f"delete seq {seq}"


def tamper_swap(con, rng, rows):
    a, b = rng.sample(rows, 2)
    for target, source in ((a, b), (b, a)):
        con.execute("UPDATE audit_events SET time_us=?, type=?, source=?, subject=?, payload=?,"
                    " prev_hash=?, hash=? WHERE seq = ?", (*source[1:], target[0]))
    return f"swap seq {a[0]} and {b[0]}"


def tamper_insert(con, rng, rows):
    n = len(rows)
    pos = rng.randint(1, n + 1)  # n + 1: the tail
    lo = rows[pos - 2][1] if pos >= 2 else rows[0][1] - 1_000_000
    hi = rows[pos - 1][1] if pos <= n else rows[-1][1]
    time_us = rng.randint(min(lo, hi), max(lo, hi))
    person = f"p-{rng.randint(1000, 1036)}"
    payload = ('{"door":"server-room","side":"outer","person":"%s","person_name":"Forged",'
               '"decision":"granted","reason":"ok"}' % person)
    # Renumber the rows after pos (descending, via negative seqs, to keep the key unique).
    con.execute("UPDATE audit_events SET seq = -(seq + 1) WHERE seq >= ?", (pos,))
    con.execute("UPDATE audit_events SET seq = -seq WHERE seq < 0")
    con.execute("INSERT INTO audit_events VALUES(?,?,?,?,?,?,?,?)",
                (pos, time_us, "access.granted", "door:server-room", person, payload,
                 bytes(32), bytes(32)))
    rechain_from(con, pos)
    return f"insert forged row at seq {pos}" + (" (tail)" if pos == n + 1 else "")


def tamper_truncate(con, rng, rows):
    k = rng.randint(1, min(20, len(rows) - 1))
    con.execute("DELETE FROM audit_events WHERE seq > ?", (rows[-1][0] - k,))
    return f"truncate last {k}"


def tamper_future_tail(con, rng, rows):
    head = rows[-1]
    seq = head[0] + 1
    time_us = head[1] + rng.randint(1, 10_000_000)
    args = (time_us, "door.opened", "door:server-room", "", '{"door":"server-room"}')
    h = event_hash(seq, *args, head[7])
    con.execute("INSERT INTO audit_events VALUES(?,?,?,?,?,?,?,?)", (seq, *args, head[7], h))
    return f"append forged tail seq {seq} dated after the newest checkpoint"


KINDS = [("byte", tamper_byte), ("delete", tamper_delete), ("swap", tamper_swap),
         ("insert", tamper_insert), ("truncate", tamper_truncate)]


def verify(args, db, extra=()):
    cmd = [args.sekimori, "audit", "verify", "--db", db, "--checkpoints", args.checkpoints,
           "--pubkey", args.pubkey, *extra]
    p = subprocess.run(cmd, capture_output=True, text=True, errors="replace")
    return p.returncode, p.stdout + p.stderr


def run_trial(args, base_db, rows, workdir, index, kind, fn, extra):
    rng = random.Random(args.seed * 1_000_003 + index)
    db = os.path.join(workdir, f"trial-{index}.db")
    shutil.copyfile(base_db, db)
    con = sqlite3.connect(db, isolation_level=None)
    con.execute("BEGIN")
    what = fn(con, rng, rows)
    con.execute("COMMIT")
    con.close()
    rc, output = verify(args, db, extra)
    os.unlink(db)
    return index, kind, what, rc, output


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sekimori", required=True)
    ap.add_argument("--fixture-maker", required=True)
    ap.add_argument("--trials", type=int, default=1000)
    ap.add_argument("--events", type=int, default=300)
    ap.add_argument("--seed", type=int, default=int.from_bytes(os.urandom(4), "big"))
    ap.add_argument("--jobs", type=int, default=max(2, os.cpu_count() or 2))
    args = ap.parse_args()
    print(f"seed {args.seed} (rerun with --seed {args.seed})")

    with tempfile.TemporaryDirectory(prefix="sekimori-tamper-") as tmp:
        fixture = os.path.join(tmp, "fixture")
        subprocess.run([args.fixture_maker, "--dir", fixture, "--events", str(args.events)],
                       check=True)
        base_db = os.path.join(fixture, "site.db")
        args.checkpoints = base_db + ".checkpoints"
        args.pubkey = os.path.join(fixture, "audit-signing.pub")
        rows, _ = load_rows(base_db)
        with open(args.checkpoints) as f:
            lines = sum(1 for _ in f)
        print(f"fixture: {len(rows)} events, {lines} checkpoint lines")
        if len(rows) != args.events or lines < 3:
            print("FAIL: fixture is not what the trials need")
            return 1

        failures = []
        for extra in ((), ("--require-covered",)):
            untouched = os.path.join(tmp, "untouched.db")
            shutil.copyfile(base_db, untouched)
            rc, output = verify(args, untouched, extra)
            if rc != 0:
                failures.append(("untouched", " ".join(extra), rc, output))
            print(f"untouched copy {' '.join(extra)}: exit {rc}: {output.strip().splitlines()[-1]}")

        rng = random.Random(args.seed)
        plan = [(i, *KINDS[i % len(KINDS)], ()) for i in range(args.trials)]
        strict = max(10, args.trials // 20)
        plan += [(args.trials + i, "future-tail", tamper_future_tail, ("--require-covered",))
                 for i in range(strict)]
        rng.shuffle(plan)
        counts = {}
        with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
            futures = [pool.submit(run_trial, args, base_db, rows, tmp, *p) for p in plan]
            for fut in concurrent.futures.as_completed(futures):
                index, kind, what, rc, output = fut.result()
                ok, total = counts.get(kind, (0, 0))
                counts[kind] = (ok + (rc == 1), total + 1)
                if rc != 1:
                    failures.append((kind, what, rc, output))
        for kind, (ok, total) in sorted(counts.items()):
            print(f"{kind:12s} {ok:5d}/{total} detected (exit 1)")
        for kind, what, rc, output in failures[:20]:
            print(f"FAIL {kind}: {what}: exit {rc}\n{output}")
        total = sum(t for _, t in counts.values())
        print(f"{total - len(failures)}/{total} tamperings detected; "
              f"{'PASS' if not failures else 'FAIL'}")
        return 0 if not failures else 1


if __name__ == "__main__":
    sys.exit(main())
