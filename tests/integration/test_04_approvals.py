"""Scenario 04: four-eyes approvals through the CLI, against the real daemon, broker and a
simulated three-factor panel (docs/approvals.md).

For every kind (doors.grant_restricted, doors.enroll_template, operators.add,
operators.change_role): the requester cannot approve their own request, an approver without the
kind's role is refused, the person the change is about cannot approve it, nothing takes effect
before approval (the grant does not open the door, the template does not match, the account
cannot log in, the role is unchanged), a second approval is refused, and a request nobody
decides in the site's `[approvals] ttl_s` expires and can no longer be approved. At the end the
trail of the whole run verifies."""
import json
import os
import re
import sqlite3
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from site_under_test import OPERATORS, SiteUnderTest  # noqa: E402
from site_operators import approval_id, one_time_password  # noqa: E402

SECURITY = OPERATORS["security"]    # the bootstrap admin
SECURITY2 = OPERATORS["security2"]  # the approver of this scenario
FACILITY = OPERATORS["facility"]    # asks for grants and fingerprints
CAROL_CARD, CAROL_PIN = "04C0C0C0C0C0C1", "724816"
DAVE_CARD, DAVE_PIN = "04D0D0D0D0D0D1", "915273"
ERIN_CARD, ERIN_PIN = "04E0E0E0E0E0E1", "630481"


class Approvals(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.site = SiteUnderTest()
        try:
            cls.site.start()
            cls.site.operators  # noqa: B018 (admin, the second security admin, a facility admin)
            # A second facility admin (wrong role to approve), a desk operator and an auditor.
            cls.site.add_operator("fac2", "facility_admin")
            cls.site.add_operator("desk", "operator")
            cls.site.add_operator("audrey", "auditor")
            cls.panel = cls.site.panel("p-server", "server-room-door")
        except BaseException:
            cls.site.close()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.site.close()

    # --- helpers --------------------------------------------------------------------------
    def as_(self, operator, *args, stdin=None, check=True):
        return self.site.cli_as(operator, *args, stdin=stdin, check=check)

    def pending(self, operator, *args, stdin=None):
        """Runs a command that needs approval; returns the approval id it printed."""
        out = self.as_(operator, *args, stdin=stdin).stdout
        self.assertRegex(out, r"^approval apr-\d+ pending ", out)
        return approval_id(out)

    def refused(self, operator, approval, status, code, verb="approve", *extra):
        r = self.as_(operator, "approval", verb, "--id", approval, *extra, check=False)
        self.assertNotEqual(r.returncode, 0, r.stdout)
        self.assertIn(f"({status})", r.stderr)
        if code:
            self.assertIn(code, r.stderr)
        return r

    def approve(self, approval, by=SECURITY2):
        r = self.as_(by, "approval", "approve", "--id", approval)
        self.assertIn(f"approval {approval} approved", r.stdout)
        return r.stdout

    def state(self, approval):
        """The request's state as `sekimori approval list` shows it (auditor's view)."""
        out = self.as_("audrey", "approval", "list").stdout
        for line in out.splitlines():
            if re.search(rf"\b{re.escape(approval)}\b", line):
                return line
        self.fail(f"{approval} not listed: {out!r}")

    def add_person(self, person, name, card, pin):
        self.as_(FACILITY, "person", "add", "--id", person, "--name", name)
        self.as_(FACILITY, "person", "card", "--id", person, "--uid", card)
        self.as_(FACILITY, "person", "pin", "--id", person, stdin=pin + "\n")

    def assert_steps_recorded(self, approval, *types):
        for t in types:
            self.site.wait_event(lambda e: e[1] == t and json.loads(e[4]).get("id") == approval)

    def assert_standard_refusals(self, approval, requester):
        """Self-approval, the wrong role and roles that decide nothing are all refused; the
        request stays pending."""
        self.refused(requester, approval, 403, "approval.self")
        self.refused("fac2" if requester != "fac2" else FACILITY, approval, 403, "approval.role")
        self.refused("desk", approval, 403, None)
        self.refused("audrey", approval, 403, None)
        self.assertIn("pending", self.state(approval))

    # --- doors.enroll_template and doors.grant_restricted ---------------------------------
    def test_01_a_restricted_grant_opens_nothing_before_approval(self):
        self.add_person("carol", "Carol Chiba", CAROL_CARD, CAROL_PIN)
        finger = self.pending(FACILITY, "person", "finger", "--id", "carol",
                              "--sim-seed", "carol-index")
        self.approve(finger)
        grant = self.pending(FACILITY, "person", "grant", "--id", "carol", "--zone",
                             "server-room", "--schedule", "24x7")
        self.assertIn("doors.grant_restricted", self.state(grant))
        self.assert_standard_refusals(grant, FACILITY)
        # Card, PIN and finger are right, the grant is only asked for: the door stays shut.
        decision = self.panel.badge(CAROL_CARD, pin=CAROL_PIN, finger="carol-index")
        self.assertEqual((decision["granted"], decision["reason"]), (False, "no_access"),
                         decision)
        self.approve(grant)
        self.assert_steps_recorded(grant, "approval.requested", "approval.approved")
        decision = self.panel.badge(CAROL_CARD, pin=CAROL_PIN, finger="carol-index")
        self.assertTrue(decision["granted"], decision)
        self.panel.send("open")
        self.panel.send("close")
        # Decided once.
        self.refused(SECURITY, grant, 409, "approval.not_pending")

    def test_02_a_fingerprint_matches_nothing_before_approval(self):
        self.add_person("dave", "Dave Doi", DAVE_CARD, DAVE_PIN)
        grant = self.pending(FACILITY, "person", "grant", "--id", "dave", "--zone",
                             "server-room", "--schedule", "24x7")
        self.approve(grant)
        finger = self.pending(FACILITY, "person", "finger", "--id", "dave",
                              "--sim-seed", "dave-index")
        self.assertIn("doors.enroll_template", self.state(finger))
        self.assert_standard_refusals(finger, FACILITY)
        # The grant is in place and the PIN right; the finger matches no template yet.
        decision = self.panel.badge(DAVE_CARD, pin=DAVE_PIN, finger="dave-index")
        self.assertEqual((decision["granted"], decision["reason"]), (False, "finger_mismatch"),
                         decision)
        self.approve(finger)
        self.assert_steps_recorded(finger, "approval.requested", "approval.approved")
        decision = self.panel.badge(DAVE_CARD, pin=DAVE_PIN, finger="dave-index")
        self.assertTrue(decision["granted"], decision)
        self.panel.send("open")
        self.panel.send("close")
        # The template never travelled in the request nor in any event.
        for e in self.site.events():
            self.assertNotIn("template_b64", json.loads(e[4]), e)
        db = sqlite3.connect(f"file:{self.site.database}?mode=ro", uri=True)
        try:
            actions = [row[0] for row in db.execute("SELECT action FROM approvals")]
        finally:
            db.close()
        for action in actions:
            self.assertNotIn("template", json.loads(action), action)

    def test_03_nobody_asks_for_or_approves_a_change_about_themselves(self):
        # An account linked to the person the change is about.
        self.add_person("erin", "Erin Endo", ERIN_CARD, ERIN_PIN)
        asked = self.pending(SECURITY, "operator", "add", "--name", "erin-sec", "--role",
                             "security_admin", "--person", "erin")
        password = self.site.operators.first_password(
            "erin-sec", one_time_password(self.approve(asked)))
        self.assertTrue(password)
        # Erin, a security admin, cannot grant herself the server room...
        r = self.as_("erin-sec", "person", "grant", "--id", "erin", "--zone", "server-room",
                     "--schedule", "24x7", check=False)
        self.assertNotEqual(r.returncode, 0, r.stdout)
        self.assertIn("(403)", r.stderr)
        # ... nor approve the grant someone else asked for her.
        grant = self.pending(FACILITY, "person", "grant", "--id", "erin", "--zone",
                             "server-room", "--schedule", "24x7")
        self.refused("erin-sec", grant, 403, "approval.self")
        finger = self.pending(FACILITY, "person", "finger", "--id", "erin",
                              "--sim-seed", "erin-index")
        self.refused("erin-sec", finger, 403, "approval.self")
        self.assertIn("pending", self.state(grant))
        self.assertIn("pending", self.state(finger))
        # Rejected with its reason: final.
        r = self.as_(SECURITY2, "approval", "reject", "--id", grant, "--reason",
                     "no work order")
        self.assertIn(f"approval {grant} rejected", r.stdout)
        self.assertIn("rejected", self.state(grant))
        self.refused(SECURITY2, grant, 409, "approval.not_pending")
        self.assert_steps_recorded(grant, "approval.rejected")

    # --- operators.add and operators.change_role ------------------------------------------
    def test_04_an_account_exists_only_after_approval(self):
        asked = self.pending(SECURITY, "operator", "add", "--name", "frank", "--role",
                             "operator")
        self.assertIn("operators.add", self.state(asked))
        self.refused(SECURITY, asked, 403, "approval.self")
        self.refused(FACILITY, asked, 403, "approval.role")
        self.refused("desk", asked, 403, None)
        listed = self.as_(SECURITY, "operator", "list").stdout
        self.assertNotRegex(listed, r"(?m)^frank\b")
        out = self.approve(asked)
        self.assertTrue(one_time_password(out))
        listed = self.as_(SECURITY, "operator", "list").stdout
        self.assertRegex(listed, r"(?m)^frank\b")
        self.refused(SECURITY2, asked, 409, "approval.not_pending")
        # The one-time password is in no event.
        pw = one_time_password(out)
        for e in self.site.events():
            self.assertNotIn(pw, e[4])

    def test_05_a_role_changes_only_after_approval(self):
        self.site.add_operator("gina", "security_admin")
        asked = self.pending(SECURITY, "operator", "role", "--name", "gina", "--role",
                             "facility_admin")
        self.assertIn("operators.change_role", self.state(asked))
        self.refused(SECURITY, asked, 403, "approval.self")
        self.refused("gina", asked, 403, "approval.self")  # the subject
        self.refused(FACILITY, asked, 403, "approval.role")
        listed = self.as_(SECURITY, "operator", "list").stdout
        self.assertRegex(listed, r"(?m)^gina\s+security_admin\b")
        self.approve(asked)
        listed = self.as_(SECURITY, "operator", "list").stdout
        self.assertRegex(listed, r"(?m)^gina\s+facility_admin\b")

    # --- expiry (the site's [approvals] ttl_s) --------------------------------------------------
    def test_06_every_kind_expires_and_then_cannot_be_approved(self):
        self.assertEqual(self.site.stop_daemon(), 0)
        with open(self.site.config, "a") as f:
            f.write("\n[approvals]\nttl_s = 2\n")
        self.site.start_daemon()
        self.add_person("hana", "Hana Hori", "04F0F0F0F0F0F1", "208461")
        asked = [
            self.pending(FACILITY, "person", "grant", "--id", "hana", "--zone", "server-room",
                         "--schedule", "24x7"),
            self.pending(FACILITY, "person", "finger", "--id", "hana", "--sim-seed",
                         "hana-index"),
            self.pending(SECURITY, "operator", "add", "--name", "ivan", "--role", "operator"),
            self.pending(SECURITY, "operator", "role", "--name", "fac2", "--role", "operator"),
        ]
        for approval in asked:
            self.site.wait_event(lambda e, a=approval: e[1] == "approval.expired"
                                 and json.loads(e[4]).get("id") == a, timeout=15)
            self.refused(SECURITY2, approval, 409, "approval.not_pending")
            self.assertIn("expired", self.state(approval))
        listed = self.as_(SECURITY, "operator", "list").stdout
        self.assertNotRegex(listed, r"(?m)^ivan\b")
        self.assertRegex(listed, r"(?m)^fac2\s+facility_admin\b")

    def test_99_audit_trail_verifies_after_clean_stop(self):
        self.panel.stop()
        self.assertEqual(self.site.stop_daemon(), 0)
        r = self.site.cli("audit", "verify", "--db", self.site.database,
                          "--witness-pubkey", self.site.witness_public_key,
                          "--witness-log", self.site.witness_log, check=False)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)


if __name__ == "__main__":
    unittest.main(verbosity=2)
