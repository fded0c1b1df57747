#!/usr/bin/python3
"""End to end in headless Chromium: the approvals page (policy/web/approvals) on the real
daemon, with the real broker and the CLI (tests/integration/site_under_test.py). One request of
every kind is made through the CLI; the requester logs in, sees each pending request and cannot
approve it (the button is disabled, and a forced POST is refused 403 approval.self); an
operator without the kind's role cannot either (approval.role); another security admin logs in,
approves each from the page, and the effect shows: the new account's one-time password on the
page, the account and the changed role in `sekimori operator list`, and in the trail every
effect event names its approval. Times are shown in the site's zone (UTC+09:00); the page
speaks the operator's language (the shell's language switch).

  SEKIMORI_BINARY_DIR=build /usr/bin/python3 tests/browser/test_approvals.py
"""
import json
import os
import sys
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
from console_page import ConsolePage, fetch_messages, make_driver, template_regex  # noqa: E402
from site_under_test import OPERATORS, SiteUnderTest  # noqa: E402
from site_operators import approval_id  # noqa: E402

SECURITY = OPERATORS["security"]
SECURITY2 = OPERATORS["security2"]
FACILITY = OPERATORS["facility"]


class ApprovalsPage(ConsolePage):
    def open_approvals(self, show_all=False):
        self.open_page("approvals")
        self.wait_for_testid("approvals-table")
        if show_all:
            self.driver.execute_script("""
                const s = document.querySelector('[data-testid="approvals-filter"]');
                s.value = 'all'; s.dispatchEvent(new Event('change'));""")

    def rows(self):
        """{id: {state, kind, approve_enabled, reject_enabled, refusal, expires}}."""
        return self.driver.execute_script("""
            const out = {};
            for (const tr of document.querySelectorAll('[data-testid="approval-row"]')) {
              const approve = tr.querySelector('[data-testid="approval-approve"]');
              const reject = tr.querySelector('[data-testid="approval-reject"]');
              out[tr.dataset.id] = {
                state: tr.dataset.state, kind: tr.dataset.kind,
                approve_enabled: !!approve && !approve.disabled,
                reject_enabled: !!reject && !reject.disabled,
                refusal: approve ? approve.title : '',
                expires: tr.querySelector('[data-testid="approval-expires"]').textContent,
              };
            }
            return out;""")

    def wait_rows(self, predicate, timeout=None):
        deadline = time.monotonic() + (timeout or self.timeout)
        while time.monotonic() < deadline:
            rows = self.rows()
            if predicate(rows):
                return rows
            time.sleep(0.05)
        raise AssertionError("approvals page never matched; rows: %r" % self.rows())

    def forced_approve(self, approval):
        """What the server answers to a POST the page would not offer (status, body)."""
        return self.driver.execute_async_script("""
            const done = arguments[arguments.length - 1];
            fetch('/api/approvals/' + arguments[0] + '/approve',
                  {method: 'POST', credentials: 'same-origin'})
              .then(async (r) => done([r.status, await r.json()]))
              .catch((e) => done([0, {error: String(e)}]));""", approval)

    def click_approve(self, approval):
        self.driver.execute_script("""
            document.querySelector('[data-testid="approval-row"][data-id="' + arguments[0] +
                                   '"] [data-testid="approval-approve"]').click();""", approval)

    def message(self):
        return self.driver.find_element(*self._by_testid("approvals-message")).text


class ApprovalsInTheBrowser(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.site = SiteUnderTest()
        cls.driver = None
        # SiteUnderTest links every domain's web/ where the daemon serves it.
        try:
            cls.site.start()
            cls.site.operators  # noqa: B018
            cls.site.add_operator("fac2", "facility_admin")
            ops = cls.site.operators
            ops.as_(FACILITY, "person", "add", "--id", "kim", "--name", "Kim Kato")
            ops.as_(FACILITY, "person", "card", "--id", "kim", "--uid", "04ABABABABAB01")
            cls.asked = {
                "doors.grant_restricted": approval_id(ops.as_(
                    FACILITY, "person", "grant", "--id", "kim", "--zone", "server-room",
                    "--schedule", "24x7").stdout),
                "doors.enroll_template": approval_id(ops.as_(
                    FACILITY, "person", "finger", "--id", "kim", "--sim-seed",
                    "kim-index").stdout),
                "operators.add": approval_id(ops.as_(
                    SECURITY, "operator", "add", "--name", "lena", "--role",
                    "operator").stdout),
                "operators.change_role": approval_id(ops.as_(
                    SECURITY, "operator", "role", "--name", "fac2", "--role",
                    "operator").stdout),
            }
            cls.requester = {"doors.grant_restricted": FACILITY,
                             "doors.enroll_template": FACILITY,
                             "operators.add": SECURITY, "operators.change_role": SECURITY}
            cls.driver = make_driver()
            cls.page = ApprovalsPage(cls.driver, f"https://localhost:{cls.site.console_port}")
            cls.messages = {lang: fetch_messages(cls.page.base_url, lang) for lang in ("en", "ja")}
        except BaseException:
            cls.tearDownClass()
            raise

    @classmethod
    def tearDownClass(cls):
        if cls.driver:
            cls.driver.quit()
        cls.site.close()

    def login(self, name, lang="en", show_all=False):
        """Logs in, switches to `lang` and opens the approvals page (pending requests, or all);
        returns its rows once every request asked for is listed."""
        self.page.ensure_logged_out()
        self.assertEqual(self.page.login(name, self.site.operators.password(name)), "shell")
        self.page.set_language(lang)
        self.page.open_approvals(show_all=show_all)
        return self.page.wait_rows(lambda rows: set(self.asked.values()) <= set(rows))

    def test_01_the_requester_sees_the_request_and_cannot_approve_it(self):
        for requester in (FACILITY, SECURITY):
            rows = self.login(requester)
            for kind, approval in self.asked.items():
                row = rows[approval]
                self.assertEqual(row["state"], "pending")
                self.assertEqual(row["kind"], kind)
                if self.requester[kind] == requester or requester == FACILITY:
                    self.assertFalse(row["approve_enabled"], (requester, kind, row))
                else:
                    self.assertTrue(row["approve_enabled"], (requester, kind, row))
                # The site's zone (UTC+09:00), not the browser's.
                self.assertRegex(row["expires"], r"^\d{4}-\d\d-\d\d \d\d:\d\d$")
                if self.requester[kind] == requester:
                    self.assertTrue(row["reject_enabled"], row)  # withdraw
                    status, body = self.page.forced_approve(approval)
                    self.assertEqual((status, body.get("code")), (403, "approval.self"), body)
                elif requester == FACILITY:
                    # A facility admin does not hold the approver's role of any kind.
                    status, body = self.page.forced_approve(approval)
                    self.assertEqual((status, body.get("code")), (403, "approval.role"), body)
            zone = self.driver.find_element(*self.page._by_testid("approvals-zone")).text
            self.assertIn("UTC+09:00", zone)
        # Nothing was decided by any of it.
        pending = self.site.operators.as_("fac2", "approval", "list", "--state",
                                          "pending").stdout
        for approval in self.asked.values():
            self.assertRegex(pending, rf"(?m)^.*\b{approval}\b.*pending", pending)
        decided = {json.loads(e[4])["id"] for e in self.site.events("approval.approved")}
        self.assertFalse(decided & set(self.asked.values()), decided)

    def test_02_another_security_admin_approves_and_the_effect_shows(self):
        self.login(SECURITY2)
        for kind, approval in self.asked.items():
            rows = self.page.wait_rows(
                lambda r, a=approval: r.get(a, {}).get("approve_enabled"))
            self.assertEqual(rows[approval]["refusal"], "")
            self.page.click_approve(approval)
            self.page._wait().until(lambda d, a=approval: a + " " in self.page.message())
            message = self.page.message()
            state = self.messages["en"]["approvals.state.approved"]
            if kind == "operators.add":
                # The one-time password reaches the approver, on the page, once.
                self.assertRegex(message, template_regex(
                    self.messages["en"]["approvals.done_password"]))
                self.assertRegex(message, rf"^{approval} {state}\. \S{{12,}}$")
            else:
                self.assertEqual(message, f"{approval} {state}.")
            self.page.open_approvals(show_all=True)
            self.page.wait_rows(lambda r, a=approval: r.get(a, {}).get("state") == "approved")
        listed = self.site.operators.as_(SECURITY, "operator", "list").stdout
        self.assertRegex(listed, r"(?m)^lena\b")
        self.assertRegex(listed, r"(?m)^fac2\s+operator\b")
        # Each effect was applied in its approval's transaction and names it.
        for kind, approval in self.asked.items():
            effects = [e for e in self.site.events()
                       if not e[1].startswith("approval.")
                       and json.loads(e[4]).get("approval") == approval]
            self.assertTrue(effects, f"no effect event names {approval} ({kind})")
            approved = [e for e in self.site.events("approval.approved")
                        if json.loads(e[4])["id"] == approval]
            self.assertEqual(len(approved), 1)
            self.assertEqual(json.loads(approved[0][4])["actor"], SECURITY2)
            self.assertEqual(effects[0][0], approved[0][0] + 1)

    def test_03_the_page_speaks_japanese(self):
        ja = self.messages["ja"]
        self.login(SECURITY2, lang="ja", show_all=True)
        nav = self.page.wait_for_testid("nav-approvals")
        self.assertEqual(nav.text, ja["page.approvals"])
        self.assertNotEqual(ja["page.approvals"], self.messages["en"]["page.approvals"])
        kinds = self.page.testid_texts("approval-kind")
        self.assertIn(ja["approvals.kind.operators.add"], kinds)
        self.assertEqual(self.driver.find_element(*self.page._by_testid("approvals-zone")).text,
                         ja["approvals.zone"].replace("{zone}", "UTC+09:00"))
        self.assertEqual(self.page.missing_messages(), [])


if __name__ == "__main__":
    unittest.main(verbosity=2)
