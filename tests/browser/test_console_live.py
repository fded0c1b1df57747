#!/usr/bin/python3
"""End-to-end: headless Chromium logs in to a real ConsoleServer that serves the doors domain's
own routes (doors::doorRoutes over doors::Presence and doors::doorJson): an access grant injected
on the server appears live, a denial is marked as such, the presence tab shows who is where in
the daemon's real shape, each role gets only its event types, the People tab is refused for the
operator role, and a UI plugin adds a status card and a page. Run via ctest
(browser.console_live) or directly:

  /usr/bin/python3 tests/browser/test_console_live.py --server build/.../console_test_server \
      --source-dir /work/main
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from console_page import ConsolePage, make_driver  # noqa: E402

ARGS = None

# A UI plugin as a domain would ship one: a status card fed by live events, and a page that
# reads a route with a path parameter.
PLUGIN_JS = """
export function start(api) {
  const card = api.addStatusCard('Last access');
  card.setAttribute('data-testid', 'last-access');
  card.textContent = 'none yet';
  api.onEvents('access.', (e) => {
    card.textContent = e.type + ' ' + (e.payload.person_name || e.subject);
  });
  const page = api.addPage('server-room', 'Server room', async () => {
    const r = await api.fetchJson('GET', '/api/doors/server-room');
    page.textContent = r.status + ' ' + r.body.door.name + ' ' + r.body.door.lock;
  });
  page.setAttribute('data-testid', 'plugin-page');
}
"""


class ConsoleServerProcess:
    def __init__(self, server, source_dir):
        self.dir = tempfile.mkdtemp(prefix="sekimori-browser-")
        subprocess.run([os.path.join(source_dir, "scripts", "make-cert"), self.dir], check=True,
                       stdout=subprocess.DEVNULL)
        plugin_dir = os.path.join(self.dir, "plugin")
        os.mkdir(plugin_dir)
        with open(os.path.join(plugin_dir, "index.js"), "w") as f:
            f.write(PLUGIN_JS)
        self.proc = subprocess.Popen(
            [server, "--dir", self.dir, "--web-root", os.path.join(source_dir, "console", "web"),
             "--plugin-dir", plugin_dir],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1)
        self.accounts = {}
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            line = self.proc.stdout.readline()
            if not line:
                raise RuntimeError("console_test_server exited early")
            words = line.split()
            if words[0] == "OPERATOR":
                self.accounts[words[1]] = (words[2], words[3])
            elif words[0] == "LISTENING":
                self.port = int(words[1])
                break
        self.url = "https://localhost:%d" % self.port

    def send(self, command):
        self.proc.stdin.write(command + "\n")
        self.proc.stdin.flush()

    def close(self):
        """Stops the server; returns its exit code (non-zero also when a sanitizer complained)."""
        try:
            self.send("quit")
            self.proc.wait(timeout=20)
        except Exception:
            self.proc.kill()
            self.proc.wait()
        shutil.rmtree(self.dir, ignore_errors=True)
        return self.proc.returncode


class ConsoleLiveTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = ConsoleServerProcess(ARGS.server, ARGS.source_dir)
        cls.driver = make_driver()

    @classmethod
    def tearDownClass(cls):
        cls.driver.quit()
        code = cls.server.close()
        if code != 0:
            raise AssertionError("console_test_server exited with %s" % code)

    def setUp(self):
        self.driver.delete_all_cookies()
        self.page = ConsolePage(self.driver, self.server.url)
        self.page.open()

    def password(self, name):
        return self.server.accounts[name][1]

    def test_operator_sees_grants_live_and_denials_marked(self):
        self.page.login("desk", self.password("desk"))
        self.assertEqual(self.page.me(), ("desk", "operator"))
        self.page.wait_until_live()

        started = time.monotonic()
        self.server.send("grant server-room p-tanaka Tanaka")
        row = self.page.wait_for_event(
            lambda e: e["type"] == "access.granted" and e["person"] == "Tanaka", timeout=5)
        print("grant visible after %.0f ms" % ((time.monotonic() - started) * 1000))
        self.assertIn("server-room", row["door"])
        self.assertEqual(row["decision"], "granted")
        self.assertFalse(row["denied"])

        self.server.send("deny handling-area p-suzuki Suzuki card_revoked")
        row = self.page.wait_for_event(
            lambda e: e["type"] == "access.denied" and e["person"] == "Suzuki", timeout=5)
        self.assertTrue(row["denied"])
        self.assertEqual(row["decision"], "DENIED")
        self.assertEqual(row["reason"], "card_revoked")
        # Newest first.
        self.assertEqual(self.page.events()[0]["type"], "access.denied")

    def test_operator_is_refused_people_with_a_clear_message(self):
        self.page.login("desk", self.password("desk"))
        self.page.open_people_tab()
        self.assertIn("not permitted for role operator", self.page.forbidden_message())
        # Doors are allowed: the banner goes away and the provider's doors are listed.
        self.page.open_doors_tab()
        self.assertEqual(self.page.forbidden_message(wait=False), "")
        self.assertTrue(any("server-room" in cells for cells in self.page.doors()))

    def test_facility_admin_sees_people_and_only_presence_events(self):
        self.page.login("facility", self.password("facility"))
        self.assertEqual(self.page.me(), ("facility", "facility_admin"))
        self.page.open_people_tab()
        self.assertEqual(self.page.forbidden_message(wait=False), "")
        self.page.open_events_tab()
        self.page.wait_until_live()
        self.server.send("grant server-room p-ito Ito")
        # The grant is recorded before the presence events, so once presence.entered is here
        # the grant would have been too, had the role been admitted to it.
        self.page.wait_for_event(lambda e: e["type"] == "presence.entered"
                                 and e["person"] == "Ito", timeout=5)
        types = {e["type"] for e in self.page.events()}
        self.assertFalse([t for t in types if not t.startswith("presence.")], types)
        # No plugin for this role.
        self.assertEqual(self.page.testid_texts("last-access"), [])

    def test_auditor_sees_logins_the_desk_does_not(self):
        self.page.login("auditor", self.password("auditor"))
        self.page.wait_until_live()
        self.page.wait_for_event(lambda e: e["type"] == "operator.login")
        self.page.logout()
        self.page.login("desk", self.password("desk"))
        self.page.wait_until_live()
        self.server.send("deny server-room p-desk-check Check no_access")
        self.page.wait_for_event(lambda e: e["person"] == "Check", timeout=5)
        self.assertFalse([e for e in self.page.events() if e["type"].startswith("operator.")])

    def test_presence_shows_who_is_where_after_a_grant(self):
        self.page.login("desk", self.password("desk"))
        self.server.send("grant server-room p-sato Sato")
        row = self.page.wait_for_presence(lambda cells: "Sato" in cells, timeout=5)
        self.assertEqual(row[0], "server-room")
        self.assertEqual(row[2], "p-sato")
        self.server.send("grant handling-area p-sato Sato")
        row = self.page.wait_for_presence(
            lambda cells: "Sato" in cells and cells[0] == "handling-area", timeout=5)
        # One zone at a time.
        self.assertEqual([r for r in self.page.presence() if "Sato" in r], [row])
        door = [d for d in self.page.doors() if "handling-area" in d][0]
        self.assertIn("server-room \u2192 handling-area", door)
        self.assertTrue(door[-1].startswith("access.granted"), door)

    def test_plugin_adds_a_live_card_and_a_page(self):
        self.page.login("desk", self.password("desk"))
        card = self.page.wait_for_testid("last-access")
        self.assertEqual(card.text, "none yet")
        self.page.wait_until_live()
        self.server.send("grant server-room p-kato Kato")
        self.page._wait(5).until(lambda d: card.text == "access.granted Kato")
        self.page.open_tab("doors-extra-server-room")
        page = self.page.wait_for_testid("plugin-page")
        self.page._wait(5).until(lambda d: page.text.startswith("200 "))
        self.assertRegex(page.text, r"^200 Server room (locked|unlocked)$")

    def test_wrong_password_is_shown_and_logout_returns_to_login(self):
        with self.assertRaises(AssertionError) as failure:
            self.page.login("desk", "not-the-password")
        self.assertIn("invalid name or password", str(failure.exception))
        self.page.login("desk", self.password("desk"))
        self.page.logout()
        self.page.open()  # a reload stays logged out
        self.assertTrue(self.driver.find_element("id", "login-view").is_displayed())


def main():
    global ARGS
    parser = argparse.ArgumentParser()
    parser.add_argument("--server", required=True)
    parser.add_argument("--source-dir", required=True)
    ARGS, rest = parser.parse_known_args()
    unittest.main(argv=[sys.argv[0]] + rest, verbosity=2)


if __name__ == "__main__":
    main()
