"""A real site for the console's browser tests: tests/integration/site_under_test.py (the real
sekimorid, broker, witness, CLI and simulated panels) with every domain's web folder where the
daemon serves it from (<base_dir>/<folder>/web, docs/adding-a-domain.md), one operator of each
role, and a little traffic so the pages have rows: a grant at the building entrance, an unknown
card denied, and a forced door (an alarm, once the alarms domain is in).

The bootstrap admin's first login can be done by the caller (in the browser): `start()` takes
`first_login(initial_password) -> new_password`; the accounts the harness sets up through the
CLI afterwards (sim/site_operators.py) use the password it chose.
"""
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
from site_under_test import OPERATORS, SOURCE_DIR, SiteUnderTest  # noqa: E402
from site_operators import write_secret  # noqa: E402

# One account per role; security_admin and facility_admin are the harness's own.
ACCOUNTS = {
    "operator": "desk",
    "facility_admin": OPERATORS["facility"],
    "security_admin": OPERATORS["security2"],
    "auditor": "auditor",
    "bcp_coordinator": "bcp",
}
BOOTSTRAP_ADMIN = OPERATORS["security"]
PERSON = ("p-aiko", "Aiko Sato", "04A1B2C3D4E5F6", "4826", "aiko-index")
UNKNOWN_CARD = "DEADBEEF00112233"
# Every name the site file and this fixture give (the language test allows them in ja text).
SITE_NAMES = ("Integration test site", "Site", "Building", "3F", "Server room",
              "Building entrance", "Server room door", "Always", "it-site", "w1",
              PERSON[0], PERSON[1])


class ConsoleSite:
    def __init__(self):
        self.site = SiteUnderTest()  # links every domain's web/ where the daemon serves it
        self.url = "https://localhost:%d" % self.site.console_port
        self.traffic = {}
        self.panel = None

    def start(self, first_login=None):
        """Starts the site; `first_login(initial_password)` (optional) does the bootstrap
        admin's first login and returns the password it set. Then the accounts of every role."""
        self.site.start()
        if first_login is not None:
            with open(os.path.join(self.site.dir, "data", "initial-admin.txt")) as f:
                initial = f.read().strip()
            chosen = first_login(initial)
            if chosen:
                write_secret(self.site.operator_password_file(BOOTSTRAP_ADMIN), chosen)
        self.site.operators  # noqa: B018 (the bootstrap admin, a second one, a facility admin)
        for role, name in ACCOUNTS.items():
            if name not in (OPERATORS["facility"], OPERATORS["security2"]):
                self.site.add_operator(name, role)

    def password(self, name):
        return self.site.operators.password(name)

    def account(self, role):
        """(name, password) of the role's account."""
        return ACCOUNTS[role], self.password(ACCOUNTS[role])

    def make_traffic(self):
        """A grant, an unknown card and a forced door at the building entrance; returns
        {what: the event row of the trail}."""
        person, name, card, pin, finger = PERSON
        self.site.enroll(person, name, card, pin, finger, ["floor-3f"])
        panel = self.panel = self.site.panel("p-entrance", "building-entrance")
        granted = panel.badge(card)
        if not granted.get("granted"):
            raise AssertionError("the enrolled card was not granted: %r" % granted)
        panel.send("open")
        panel.send("close")
        denied = panel.badge(UNKNOWN_CARD)
        if denied.get("granted"):
            raise AssertionError("an unknown card was granted: %r" % denied)
        started = max((e[0] for e in self.site.events("door.")), default=0)
        panel.send("open")  # no grant: forced
        self.traffic["forced"] = self.site.wait_event(
            lambda e: e[1] == "door.forced" and e[0] > started, timeout=30)
        panel.send("close")
        self.traffic["granted"] = self.site.wait_event(lambda e: e[1] == "access.granted")
        self.traffic["denied"] = self.site.wait_event(lambda e: e[1] == "access.denied")
        return self.traffic

    def badge_again(self):
        """The person passes the entrance again and the unknown card is tried again (live
        traffic for a page that is open)."""
        person, name, card, pin, finger = PERSON
        if not self.panel.badge(card).get("granted"):
            raise AssertionError("the enrolled card was not granted")
        self.panel.send("open")
        self.panel.send("close")
        if self.panel.badge(UNKNOWN_CARD).get("granted"):
            raise AssertionError("an unknown card was granted")

    def wait_event_type(self, type_name, timeout=30):
        return self.site.wait_event(lambda e: e[1] == type_name, timeout=timeout)

    def close(self):
        self.site.close()


def poll(condition, timeout=30.0, what="condition"):
    """Waits for condition() to be truthy; returns it."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError("%s not met within %ss" % (what, timeout))
