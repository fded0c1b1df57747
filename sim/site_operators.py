"""The operators a demo or test site needs, set up through the daemon the way a site does it,
and enrollment through them. The sekimori CLI is a client of the daemon (its local socket,
logged in as an operator); nothing here touches the database.

- the bootstrap admin ("admin", security_admin) logs in with the initial password the daemon
  wrote and sets a new one (every new account must, at its first login);
- in the bootstrap window it adds a second security admin at once (no approval);
- it asks for a facility admin, whom the second security admin approves;
- for the demo (ensure_desk), it asks for a desk operator (role operator) the same way: the
  account whose first screen is the overview;
- people are enrolled by the facility admin; a fingerprint and a grant into a restricted zone
  come back as approval requests, approved by a security admin.

Passwords live in SECRETS_DIR/<name>.password (0600), the files the CLI reads."""
import os
import re
import subprocess

SECURITY = "admin"          # the bootstrap admin the daemon creates
SECURITY2 = "site-security"  # added in the bootstrap window
FACILITY = "site-facility"   # added through an approval
DESK = "desk"                # role operator, added through an approval (the demo's desk)
BCP = "bcp"                  # role bcp_coordinator: asks for the demo's BCP drills


def write_secret(path, text):
    """A 0600 file holding one line."""
    os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(text + "\n")


def approval_id(output):
    """The id from the `approval <id> pending <kind> ...` line a 202 prints."""
    m = re.search(r"^approval (\S+) pending\b", output, re.M)
    if not m:
        raise RuntimeError(f"no pending approval in: {output!r}")
    return m.group(1)


def one_time_password(output):
    """From `operator <name> (<role>) password: <pw>` (bootstrap add, or approve of an add)."""
    m = re.search(r"^operator \S+ \(\S+\) password: (\S+)$", output, re.M)
    if not m:
        raise RuntimeError(f"no one-time password in: {output!r}")
    return m.group(1)


class SiteOperators:
    def __init__(self, cli, config, secrets_dir, initial_admin_file):
        self.cli_path = cli
        self.config = config
        self.secrets_dir = secrets_dir
        self.initial_admin_file = initial_admin_file
        self.made = []  # (name, role) of the accounts this object set up

    # --- the CLI ------------------------------------------------------------------------------
    def cli(self, *args, stdin=None, check=True):
        r = subprocess.run([self.cli_path, *args], input=stdin, text=True, capture_output=True)
        if check and r.returncode != 0:
            raise RuntimeError(f"sekimori {' '.join(args[:2])} exited {r.returncode}: "
                               f"{r.stderr.strip()}")
        return r

    def password_file(self, name):
        return os.path.join(self.secrets_dir, name + ".password")

    def password(self, name):
        with open(self.password_file(name)) as f:
            return f.read().strip()

    def as_(self, operator, *args, stdin=None, check=True):
        """sekimori <args> logged in as `operator`."""
        return self.cli(*args, "--config", self.config, "--operator", operator,
                        "--password-file", self.password_file(operator), stdin=stdin, check=check)

    # --- accounts -----------------------------------------------------------------------------
    def first_password(self, name, one_time):
        """A new account's first login: replaces the one-time password with its own."""
        write_secret(self.password_file(name), one_time)
        fresh = "pw-" + os.urandom(12).hex()  # passwordWeakness: not tied to the name
        new_file = self.password_file(name) + ".new"
        write_secret(new_file, fresh)
        self.cli("password", "--config", self.config, "--operator", name,
                 "--password-file", self.password_file(name), "--new-password-file", new_file)
        os.replace(new_file, self.password_file(name))
        return fresh

    def approve(self, output, approver=SECURITY2):
        """Approves the request `output` announced; returns what the approve printed."""
        return self.as_(approver, "approval", "approve", "--id", approval_id(output)).stdout

    def ensure(self):
        """The bootstrap admin, a second security admin and a facility admin, each with a
        password of its own; accounts already set up (a password file exists) are kept."""
        if not os.path.exists(self.password_file(SECURITY)):
            with open(self.initial_admin_file) as f:
                self.first_password(SECURITY, f.read().strip())
            self.made.append((SECURITY, "security_admin"))
        if not os.path.exists(self.password_file(SECURITY2)):
            added = self.as_(SECURITY, "operator", "add", "--name", SECURITY2,
                             "--role", "security_admin").stdout
            self.first_password(SECURITY2, one_time_password(added))
            self.made.append((SECURITY2, "security_admin"))
        if not os.path.exists(self.password_file(FACILITY)):
            self.add(FACILITY, "facility_admin")

    def ensure_desk(self):
        """A desk operator (role operator) with its own password, after ensure(); kept when
        its password file exists."""
        if not os.path.exists(self.password_file(DESK)):
            self.add(DESK, "operator")

    def ensure_bcp(self):
        """A BCP coordinator with its own password, after ensure(); kept when its password file
        exists."""
        if not os.path.exists(self.password_file(BCP)):
            self.add(BCP, "bcp_coordinator")

    def add(self, name, role, person=None):
        """An account asked for by the bootstrap admin and approved by the second security
        admin, linked to `person` when given; returns the password it set at its first login."""
        linked = ["--person", person] if person else []
        asked = self.as_(SECURITY, "operator", "add", "--name", name, "--role", role,
                         *linked).stdout
        password = self.first_password(name, one_time_password(self.approve(asked)))
        self.made.append((name, role))
        return password

    # --- people -------------------------------------------------------------------------------
    def enroll(self, person, name, card, pin, finger_seed, grants, skip_existing=False):
        """Enrolls through the daemon as the facility admin; `grants` is [(zone, schedule)].
        What needs a second person (the fingerprint, a restricted zone) is approved by the
        second security admin. With skip_existing, a person the site already has is left as
        it is and False returned."""
        by = FACILITY
        added = self.as_(by, "person", "add", "--id", person, "--name", name, check=False)
        if added.returncode != 0:
            if skip_existing and "(409)" in added.stderr:
                return False
            raise RuntimeError(f"sekimori person add exited {added.returncode}: "
                               f"{added.stderr.strip()}")
        self.as_(by, "person", "card", "--id", person, "--uid", card)
        self.as_(by, "person", "pin", "--id", person, stdin=pin + "\n")
        out = self.as_(by, "person", "finger", "--id", person, "--sim-seed", finger_seed).stdout
        if out.startswith("approval "):
            self.approve(out)
        for zone, schedule in grants:
            out = self.as_(by, "person", "grant", "--id", person, "--zone", zone,
                           "--schedule", schedule).stdout
            if out.startswith("approval "):
                self.approve(out)
        return True
