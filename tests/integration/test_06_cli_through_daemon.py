"""Scenario 06: the daemon is the only writer; the CLI is its client over the local socket.

The CLI enrolls a person through the running daemon as the facility admin (the fingerprint and
the server-room grant approved by a security admin), and every event of it names the
authenticated operator and the Unix user the kernel reported, never a name the command line
chose. At the edges: a wrong password is refused (exit 1), a role the route does not admit is
refused with the reason (exit 1), a bad field is named (exit 1), the requester cannot approve
their own request, a Unix user without the socket's permission cannot connect (exit 2), and
with the daemon stopped the CLI refuses (exit 2) and the database is byte for byte unchanged."""
import hashlib
import json
import os
import pty
import pwd
import stat
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from site_under_test import OPERATORS, SiteUnderTest  # noqa: E402
from site_operators import approval_id  # noqa: E402  (site_under_test put sim/ on the path)

CARD = "04C0FFEE000006"
UNIX_USER = pwd.getpwuid(os.getuid()).pw_name
NOBODY = pwd.getpwnam("nobody")


def database_files_digest(database):
    """SHA-256 over the database and its WAL and shared-memory files, as they are on disk."""
    h = hashlib.sha256()
    for suffix in ("", "-wal", "-shm"):
        path = database + suffix
        h.update(suffix.encode())
        if os.path.exists(path):
            with open(path, "rb") as f:
                h.update(f.read())
        else:
            h.update(b"<none>")
    return h.hexdigest()


class CliThroughDaemon(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.site = SiteUnderTest()
        try:
            cls.site.start()
            cls.site.enroll("carol", "Carol Chiba", CARD, "246813", "carol-index",
                            ["floor-3f", "server-room"])
            cls.desk_password = cls.site.add_operator("it-desk", "operator")
        except BaseException:
            cls.site.close()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.site.close()

    def payloads(self, type_prefix):
        return [(t, src, subj, json.loads(p)) for _, t, src, subj, p in
                self.site.events(type_prefix)]

    def test_enrollment_is_recorded_as_the_operator_and_unix_user(self):
        facility = OPERATORS["facility"]
        mine = [e for e in self.payloads("person.") if e[2] == "carol"]
        types = {t for t, *_ in mine}
        for expected in ("person.enrolled", "person.card_set", "person.pin_set",
                         "person.finger_set", "person.zone_granted"):
            self.assertIn(expected, types)
        for t, source, _, payload in mine:
            if t in ("person.finger_set",) or (t == "person.zone_granted"
                                               and payload.get("zone") == "server-room"):
                continue  # the approval's effect; checked below
            self.assertEqual(source, f"operator:{facility}", t)
            self.assertEqual(payload.get("actor"), facility, t)
            self.assertEqual(payload.get("role"), "facility_admin", t)
            self.assertEqual(payload.get("unix_user"), UNIX_USER, t)
        # Asked for by the facility admin, approved by the second security admin.
        requested = [p for t, s, _, p in self.payloads("approval.requested")
                     if p.get("subject") == "carol"]
        approved = [p for t, s, _, p in self.payloads("approval.approved")
                    if p.get("subject") == "carol"]
        self.assertEqual({p["kind"] for p in requested},
                         {"doors.enroll_template", "doors.grant_restricted"})
        for p in requested:
            self.assertEqual((p["actor"], p["unix_user"]), (facility, UNIX_USER))
        self.assertEqual(len(approved), 2)
        for p in approved:
            self.assertEqual((p["actor"], p["unix_user"]), (OPERATORS["security2"], UNIX_USER))
        # The operators' own password changes came over the socket too.
        changed = [p for t, s, _, p in self.payloads("operator.password_changed")]
        self.assertTrue(changed)
        for p in changed:
            self.assertEqual(p.get("unix_user"), UNIX_USER, p)
        # No event anywhere in the trail names an actor the CLI made up.
        for t, source, _, payload in self.payloads(""):
            if source.startswith("cli"):
                self.fail(f"{t} from {source}: the CLI wrote an event itself")

    def test_wrong_password_is_refused(self):
        with tempfile.NamedTemporaryFile("w", dir=self.site.dir, delete=False) as f:
            f.write("not-the-password-at-all\n")
        r = self.site.cli("person", "add", "--config", self.site.config,
                          "--operator", OPERATORS["facility"], "--password-file", f.name,
                          "--id", "mallory", "--name", "Mallory", check=False)
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn("refused (401)", r.stderr)
        self.assertFalse([e for e in self.site.events("person.") if e[3] == "mallory"])
        # Recorded by the daemon (asynchronously: the refusal does not wait for it).
        self.site.wait_event(lambda e: e[1] == "operator.login_failed"
                             and e[3] == OPERATORS["facility"])

    def test_a_role_the_route_does_not_admit_is_refused_with_the_reason(self):
        r = self.site.cli_as("it-desk", "person", "add", "--id", "dave", "--name", "Dave",
                             check=False)
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn("refused (403)", r.stderr)
        self.assertIn("role operator", r.stderr)
        self.assertIn("facility_admin", r.stderr)

    def test_a_bad_field_is_named(self):
        r = self.site.cli_as(OPERATORS["facility"], "person", "grant", "--id", "carol",
                             "--zone", "no-such-zone", "--schedule", "24x7", check=False)
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn("refused (400)", r.stderr)
        self.assertIn("zone", r.stderr)

    def test_the_requester_cannot_approve_their_own_request(self):
        out = self.site.cli_as(OPERATORS["facility"], "person", "finger", "--id", "carol",
                               "--sim-seed", "carol-thumb").stdout
        apr = approval_id(out)
        # The facility admin may not approve at all; a security admin may, but not one who
        # asked (here: the second security admin asking for an operator).
        r = self.site.cli_as(OPERATORS["facility"], "approval", "approve", "--id", apr,
                             check=False)
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn("refused (403)", r.stderr)
        asked = self.site.cli_as(OPERATORS["security2"], "operator", "add", "--name", "it-eve",
                                 "--role", "auditor").stdout
        r = self.site.cli_as(OPERATORS["security2"], "approval", "approve",
                             "--id", approval_id(asked), check=False)
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn("refused (403)", r.stderr)
        listed = self.site.cli_as(OPERATORS["security"], "approval", "list",
                                  "--state", "pending").stdout
        self.assertIn(apr, listed)
        self.site.cli_as(OPERATORS["security"], "approval", "reject", "--id", apr,
                         "--reason", "test: not needed")

    def test_password_from_the_environment_or_a_prompt_without_echo(self):
        security = OPERATORS["security"]
        env = dict(os.environ,
                   SEKIMORI_PASSWORD_FILE=self.site.operator_password_file(security))
        r = self.site.cli("operator", "list", "--socket", self.site.local_socket,
                          "--operator", security, env=env)
        self.assertIn("it-desk\toperator", r.stdout)
        # No file at all: asked on the terminal, which does not echo it.
        password = self.site.operators.password(security)
        pid, fd = pty.fork()
        if pid == 0:
            os.execv(self.site.cli_path, [self.site.cli_path, "operator", "list", "--socket",
                                          self.site.local_socket, "--operator", security])
        seen = b""
        try:
            while b"password for" not in seen:
                seen += os.read(fd, 1024)
            os.write(fd, password.encode() + b"\n")
            while True:
                try:
                    chunk = os.read(fd, 4096)
                except OSError:
                    break  # the child closed the terminal
                if not chunk:
                    break
                seen += chunk
        finally:
            _, status = os.waitpid(pid, 0)
        self.assertEqual(os.waitstatus_to_exitcode(status), 0, seen)
        self.assertIn(b"it-desk\toperator", seen)
        self.assertNotIn(password.encode(), seen)

    def test_a_user_without_the_socket_permission_cannot_connect(self):
        sock = self.site.local_socket
        st = os.stat(sock)
        self.assertTrue(stat.S_ISSOCK(st.st_mode))
        self.assertEqual(stat.S_IMODE(st.st_mode), 0o660)
        # The data directory is the daemon's own (0700); even where it can be traversed, the
        # socket itself admits only the daemon's user and group.
        data_dir = os.path.dirname(sock)
        with tempfile.NamedTemporaryFile("w", delete=False) as f:
            f.write("whatever-password\n")
        os.chmod(f.name, 0o644)
        try:
            for mode in (0o700, 0o711):
                os.chmod(data_dir, mode)
                r = subprocess.run(
                    ["setpriv", f"--reuid={NOBODY.pw_uid}", f"--regid={NOBODY.pw_gid}",
                     "--clear-groups", self.site.cli_path, "operator", "list",
                     "--socket", sock, "--operator", OPERATORS["security"],
                     "--password-file", f.name],
                    capture_output=True, text=True, timeout=30)
                self.assertEqual(r.returncode, 2, r.stderr)
                self.assertIn("permission denied", r.stderr)
        finally:
            os.chmod(data_dir, 0o700)
            os.unlink(f.name)

    def test_zz_with_the_daemon_stopped_the_cli_refuses_and_writes_nothing(self):
        site = self.site
        self.assertEqual(site.stop_daemon(), 0)
        try:
            self.assertFalse(os.path.exists(site.local_socket), "the socket outlived the daemon")
            before = database_files_digest(site.database)
            for args, stdin in (
                    (("person", "add", "--id", "frank", "--name", "Frank"), None),
                    (("person", "pin", "--id", "carol"), "1111\n"),
                    (("operator", "add", "--name", "it-frank", "--role", "security_admin"),
                     None)):
                r = site.cli_as(OPERATORS["facility"], *args, stdin=stdin, check=False)
                self.assertEqual(r.returncode, 2, r.stderr)
                self.assertIn("daemon is not running", r.stderr)
            self.assertEqual(database_files_digest(site.database), before)
        finally:
            site.start_daemon()


if __name__ == "__main__":
    unittest.main()
