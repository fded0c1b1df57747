#!/usr/bin/python3
"""Navigation shaped by role, in headless Chromium against the real daemon (tests/browser/
console_site.py: sekimorid, broker, witness, CLI, a simulated panel, every domain's web folder).

- The bootstrap security admin's first login asks for a new password in the browser; once it
  is set, the shell shows every page of its role, each without a refusal.
- The operator, facility admin, security admin, auditor and BCP coordinator each see exactly the
  nav entries of the page matrix (docs/console.md, docs/console-ui.md), land on
  their landing page, and every page they have shows with no "not permitted" banner, no
  ⟦missing⟧ text and no error in the console.
- A page a role lacks, reached by a direct URL (a full load) or an in-app link, shows the
  "not available for your role" page (the catalogue's shell.page_missing), not a broken one.

  SEKIMORI_BINARY_DIR=build /usr/bin/python3 tests/browser/test_console_roles.py
"""
import os
import re
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from console_page import (MISSING_MARK, ConsolePage, fetch_messages, make_driver,  # noqa: E402
                          template_regex)
from console_site import BOOTSTRAP_ADMIN, ConsoleSite  # noqa: E402

# The page matrix: page ids each role's nav shows (any order).
PAGES = {
    "operator": {"overview", "alarms", "events", "doors", "vault", "custody"},
    "facility_admin": {"doors", "people", "access", "approvals", "custody"},
    "security_admin": {"overview", "alarms", "events", "audit", "operators", "doors", "people",
                       "access", "approvals", "reports", "vault", "custody"},
    "auditor": {"events", "audit", "approvals", "reports", "vault", "custody"},
    "bcp_coordinator": {"overview", "alarms", "events"},
}
ALL_PAGES = set().union(*PAGES.values())
LANDING = {"operator": "overview", "facility_admin": "people", "security_admin": "overview",
           "auditor": "audit", "bcp_coordinator": "overview"}
# What a refusal says, whatever the page makes of it: the server's text, and the catalogue's
# error.<code> texts about roles (both languages), looked up at run time.
REFUSAL_TEXTS = ("not permitted for role",)


def refusal_texts(catalogues):
    texts = set(REFUSAL_TEXTS)
    for messages in catalogues:
        for key, text in messages.items():
            if key.startswith("error.") and re.search(r"forbidden|not_permitted|role", key):
                texts.add(text)
    return sorted(texts)


class PageProblems:
    """What went wrong on the pages of one walk, as readable lines."""

    def __init__(self):
        self.lines = []

    def add(self, where, what):
        self.lines.append("%s: %s" % (where, what))

    def __bool__(self):
        return bool(self.lines)

    def __str__(self):
        return "\n".join(self.lines)


def walk_role_pages(page, role, refusals, problems, who):
    """Checks the nav against the matrix, then opens every page the role has."""
    nav = page.nav_pages()
    if set(nav) != PAGES[role]:
        problems.add(who, "nav %s, the matrix says %s (missing %s, extra %s)" % (
            nav, sorted(PAGES[role]), sorted(PAGES[role] - set(nav)),
            sorted(set(nav) - PAGES[role])))
    if len(nav) != len(set(nav)):
        problems.add(who, "a nav entry twice: %s" % nav)
    for page_id in [p for p in nav if p in PAGES[role]]:
        where = "%s #/%s" % (who, page_id)
        before = len(page.probe()["responses"])
        try:
            text = page.visit(page_id)
        except AssertionError as e:
            problems.add(where, "did not show: %s" % e)
            continue
        for refusal in refusals:
            if refusal in page.visible_text():
                problems.add(where, "shows a refusal: %r" % refusal)
        if MISSING_MARK in text:
            problems.add(where, "untranslated text: %r" % re.findall("\u27e6[^\u27e7]*\u27e7",
                                                                      text))
        for line in page.shell_errors():
            problems.add(where, "shell error banner: %r" % line)
        refused = [r for r in page.probe()["responses"][before:] if r["status"] == 403]
        if refused:
            # A page may try an optional route (H's pickers); printed, not failed.
            print("%s: 403 from %s" % (where, sorted({r["url"] for r in refused})))
    refused = [r for r in page.probe()["responses"] if r["status"] == 403]
    if refused:
        print("%s: 403 answers in this session: %s" % (who, sorted({r["url"] for r in refused})))
    for error in page.probe()["errors"]:
        problems.add(who, "console.error: %s" % error)


class ConsoleRoles(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.driver = None
        cls.site = ConsoleSite()
        cls.first_login = PageProblems()
        cls.first_login_nav = None
        try:
            cls.driver = make_driver()
            cls.page = ConsolePage(cls.driver, cls.site.url)
            cls.site.start(first_login=cls.bootstrap_first_login)
            cls.messages = {lang: fetch_messages(cls.site.url, lang) for lang in ("en", "ja")}
            cls.refusals = refusal_texts(cls.messages.values())
        except BaseException:
            cls.tearDownClass()
            raise

    @classmethod
    def bootstrap_first_login(cls, initial_password):
        """In the browser: the bootstrap admin logs in with the password the daemon printed,
        is asked for a new one, sets it, and walks its pages in that same session. Returns the
        new password (None when it was never set; the harness then sets one via the CLI)."""
        who = BOOTSTRAP_ADMIN + " (first login)"
        page = cls.page
        page.open()
        try:
            outcome = page.login(BOOTSTRAP_ADMIN, initial_password)
        except AssertionError as e:
            cls.first_login.add(who, "login failed: %s" % e)
            return None
        if outcome != "password":
            cls.first_login.add(who, "no password change was asked for")
            page.logout()
            return None
        chosen = "pw-first-" + os.urandom(9).hex()
        try:
            page.change_password(chosen)
        except AssertionError as e:
            cls.first_login.add(who, str(e))
            return None
        cls.first_login_nav = page.nav_pages()
        try:
            walk_role_pages(page, "security_admin", REFUSAL_TEXTS, cls.first_login, who)
            page.logout()
        except Exception as e:  # noqa: BLE001 (recorded; the other accounts still get made)
            cls.first_login.add(who, "walk failed: %r" % e)
        return chosen

    @classmethod
    def tearDownClass(cls):
        if cls.driver:
            cls.driver.quit()
        cls.site.close()

    def login_as(self, role):
        name, password = self.site.account(role)
        self.page.ensure_logged_out()
        self.assertEqual(self.page.login(name, password), "shell", name)
        return name

    def test_01_the_security_admins_first_login_reaches_all_its_pages(self):
        self.assertFalse(self.first_login, "\n" + str(self.first_login))
        self.assertEqual(set(self.first_login_nav or []), PAGES["security_admin"])

    def check_role(self, role):
        name = self.login_as(role)
        lang = self.page.lang()
        self.assertEqual(self.page.me(), (name, self.messages[lang]["role." + role]))
        self.assertEqual(self.page.shown_page(), LANDING[role], "landing page of " + role)
        problems = PageProblems()
        walk_role_pages(self.page, role, self.refusals, problems, "%s (%s)" % (name, role))
        self.assertFalse(problems, "\n" + str(problems))

    def test_02_operator(self):
        self.check_role("operator")

    def test_03_facility_admin(self):
        self.check_role("facility_admin")

    def test_04_security_admin(self):
        self.check_role("security_admin")

    def test_05_auditor(self):
        self.check_role("auditor")

    def test_06_bcp_coordinator(self):
        self.check_role("bcp_coordinator")

    def assert_not_available(self, role, page_id, how):
        where = "%s #/%s (%s)" % (role, page_id, how)
        self.page.wait_until(lambda: self.page.shown_page() == "missing", what=where +
                             " shows the not-available page (shows %r)" % self.page.shown_page())
        text = self.page.missing_page_text()
        lang = self.page.lang()
        first_line = text.strip().splitlines()[0] if text.strip() else ""
        self.assertRegex(first_line, template_regex(self.messages[lang]["shell.page_missing"]),
                         where)
        self.assertNotIn(MISSING_MARK, text, where)
        # Nothing else on screen: no page of the role under it, no error banner.
        self.assertEqual(self.page.shell_errors(), [], where)
        self.assertTrue(self.page.visible("shell-page-missing-home"), where)

    def check_pages_lacking(self, role):
        self.login_as(role)
        lacking = sorted(ALL_PAGES - PAGES[role])
        for page_id in lacking:
            self.page.go("#/" + page_id)
            self.assert_not_available(role, page_id, "in-app link")
        for page_id in lacking:
            self.assertEqual(self.page.open("#/" + page_id), "shell-view")
            self.assert_not_available(role, page_id, "direct URL")
        # Its way home goes to the landing page.
        self.driver.find_element(*self.page._by_testid("shell-page-missing-home")).click()
        self.page.wait_until(lambda: self.page.shown_page() == LANDING[role],
                             what="the landing page after 'back'")
        self.assertEqual(self.page.probe()["errors"], [])

    def test_07_operator_lacks(self):
        self.check_pages_lacking("operator")

    def test_08_facility_admin_lacks(self):
        self.check_pages_lacking("facility_admin")

    def test_09_auditor_lacks(self):
        self.check_pages_lacking("auditor")

    def test_10_bcp_coordinator_lacks(self):
        self.check_pages_lacking("bcp_coordinator")


if __name__ == "__main__":
    unittest.main(verbosity=2)
