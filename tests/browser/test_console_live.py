#!/usr/bin/python3
"""End-to-end: headless Chromium logs in to a real ConsoleServer, sees an access grant injected
on the server appear live, a denial marked as such, the doors panel, and the People tab refused
for the operator role. Run via ctest (browser.console_live) or directly:

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


class ConsoleServerProcess:
    def __init__(self, server, source_dir):
        self.dir = tempfile.mkdtemp(prefix="sekimori-browser-")
        subprocess.run([os.path.join(source_dir, "scripts", "make-cert"), self.dir], check=True,
                       stdout=subprocess.DEVNULL)
        self.proc = subprocess.Popen(
            [server, "--dir", self.dir, "--web-root", os.path.join(source_dir, "console", "web")],
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
        # The login itself was recorded and shows up in the history.
        self.page.wait_for_event(lambda e: e["type"] == "operator.login")

        started = time.monotonic()
        self.server.send("grant server-room p-tanaka Tanaka")
        row = self.page.wait_for_event(
            lambda e: e["type"] == "access.granted" and e["person"] == "Tanaka", timeout=5)
        print("grant visible after %.0f ms" % ((time.monotonic() - started) * 1000))
        self.assertIn("server-room", row["door"])
        self.assertEqual(row["decision"], "granted")
        self.assertFalse(row["denied"])

        self.server.send("deny handling-area p-suzuki Suzuki card_revoked")
        row = self.page.wait_for_event(lambda e: e["type"] == "access.denied", timeout=5)
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

    def test_facility_admin_sees_people_but_not_events(self):
        self.page.login("facility", self.password("facility"))
        self.assertEqual(self.page.me(), ("facility", "facility_admin"))
        self.page.open_people_tab()
        self.assertEqual(self.page.forbidden_message(wait=False), "")
        self.page.open_events_tab()
        self.assertIn("not permitted for role facility_admin", self.page.forbidden_message())

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
