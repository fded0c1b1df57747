#!/usr/bin/python3
"""End-to-end on the console shell (console/web): headless Chromium logs in to a real
ConsoleServer that serves the doors domain's own routes (doors::doorRoutes over doors::Presence
and doors::doorJson; tests/browser/console_test_server.cpp). An access grant injected on the
server appears live in the overview's feed with the person's name, a denial is marked and its
reason is in words, times are in the site's zone, each role's stream carries only its event
types, a UI plugin (plugin API v2) adds a live tile and a page with its own catalogue keys, a
page the role lacks says so, the operator's language is kept, and a wrong password is refused
in words. Run via ctest (browser.console_live) or directly:

  /usr/bin/python3 tests/browser/test_console_live.py --server build/.../console_test_server \
      --source-dir /work/main
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from console_page import (MISSING_MARK, ConsolePage, fetch_messages, make_driver,  # noqa: E402
                          template_regex)

ARGS = None

# A UI plugin as a domain would ship one (plugin API v2, docs/console-ui.md): a tile fed by
# live events, and a page that reads a route with a path parameter. Its texts are in its own
# messages.json; the test server has no doors plugin, so the labels of the events it injects
# are declared here too.
PLUGIN_JS = """
export async function start(api) {
  const tile = api.addTile({ id: 'last-access', title: 'extra.last_access', order: 50 });
  const value = document.createElement('span');
  value.setAttribute('data-testid', 'last-access');
  value.textContent = api.t('extra.none_yet');
  tile.appendChild(value);
  api.onEvents('access.', (e) => {
    value.textContent = api.t('extra.last', { event: api.t('event.' + e.type),
                                              who: api.names.get('person', e.subject) });
  });
  const page = api.addPage({ id: 'server-room', title: 'extra.page', order: 90 });
  const box = document.createElement('p');
  box.setAttribute('data-testid', 'plugin-page');
  page.element.appendChild(box);
  page.onShow(async () => {
    const r = await api.fetchJson('GET', '/api/doors/server-room');
    box.textContent = r.status + ' ' + r.body.door.name + ' ' + r.body.door.lock;
  });
}
"""
PLUGIN_MESSAGES = {
    "extra.last_access": {"en": "Last access", "ja": "最後の通行"},
    "extra.none_yet": {"en": "none yet", "ja": "まだありません"},
    "extra.last": {"en": "{event}: {who}", "ja": "{event}：{who}"},
    "extra.page": {"en": "Server room", "ja": "サーバー室"},
}
DOORS_LABELS = {
    "event.access.granted": {"en": "Access granted", "ja": "入室許可"},
    "event.access.denied": {"en": "Access denied", "ja": "入室拒否"},
    "event.presence.entered": {"en": "Entered", "ja": "入室"},
    "event.presence.left": {"en": "Left", "ja": "退室"},
    "reason.revoked": {"en": "Card revoked", "ja": "失効したカード"},
    "reason.no_access": {"en": "No access to this zone", "ja": "この区域への権限なし"},
}


class ConsoleServerProcess:
    def __init__(self, server, source_dir):
        self.dir = tempfile.mkdtemp(prefix="sekimori-browser-")
        subprocess.run([os.path.join(source_dir, "scripts", "make-cert"), self.dir], check=True,
                       stdout=subprocess.DEVNULL)
        plugin_dir = os.path.join(self.dir, "plugin")
        os.mkdir(plugin_dir)
        with open(os.path.join(plugin_dir, "index.js"), "w") as f:
            f.write(PLUGIN_JS)
        with open(os.path.join(plugin_dir, "messages.json"), "w") as f:
            json.dump(dict(PLUGIN_MESSAGES, **self.missing_doors_labels(source_dir)), f,
                      ensure_ascii=False, indent=1)
        self.proc = subprocess.Popen(
            [server, "--dir", self.dir, "--web-root", os.path.join(source_dir, "console", "web"),
             "--plugin-dir", plugin_dir],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1)
        self.accounts = {}
        deadline = time.monotonic() + 60
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

    @staticmethod
    def missing_doors_labels(source_dir):
        """The doors labels the shell's own catalogue does not declare (two files may not)."""
        with open(os.path.join(source_dir, "console", "web", "messages.json")) as f:
            shell = json.load(f)
        return {k: v for k, v in DOORS_LABELS.items() if k not in shell}

    def send(self, command):
        self.proc.stdin.write(command + "\n")
        self.proc.stdin.flush()

    def close(self):
        """Stops the server; returns its exit code (non-zero also when a sanitizer complained)."""
        try:
            self.send("quit")
            self.proc.wait(timeout=30)
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
        cls.messages = {lang: fetch_messages(cls.server.url, lang) for lang in ("en", "ja")}

    @classmethod
    def tearDownClass(cls):
        cls.driver.quit()
        code = cls.server.close()
        if code != 0:
            raise AssertionError("console_test_server exited with %s" % code)

    def setUp(self):
        self.page = ConsolePage(self.driver, self.server.url)
        self.page.ensure_logged_out()

    def t(self, key, **params):
        text = self.messages[self.page.lang()][key]
        for name, value in params.items():
            text = text.replace("{%s}" % name, str(value))
        return text

    def login(self, name):
        self.assertEqual(self.page.login(name, self.server.accounts[name][1]), "shell")

    def test_operator_sees_grants_live_and_denials_marked(self):
        self.login("desk")
        self.assertEqual(self.page.me(), ("desk", self.t("role.operator")))
        self.assertEqual(self.page.shown_page(), "overview")
        self.page.wait_until_live()
        # The site's zone, not the browser's.
        self.assertEqual(self.driver.find_element(
            *self.page._by_testid("shell-zone")).text, "UTC+09:00")

        started = time.monotonic()
        self.server.send("grant server-room p-tanaka Tanaka")
        row = self.page.wait_for_feed_row(
            lambda r: r["type"] == "access.granted" and r["who"] == "Tanaka", timeout=10)
        print("grant visible after %.0f ms" % ((time.monotonic() - started) * 1000))
        self.assertEqual(row["event"], self.t("event.access.granted"))
        self.assertEqual(row["result"], self.t("result.granted"))
        self.assertEqual(row["tone"], "granted")
        self.assertRegex(row["time"], r"^\d\d:\d\d:\d\d$")

        self.server.send("deny handling-area p-suzuki Suzuki revoked")
        row = self.page.wait_for_feed_row(
            lambda r: r["type"] == "access.denied" and r["who"] == "Suzuki", timeout=10)
        self.assertEqual(row["tone"], "denied")
        self.assertEqual(row["result"], self.t("result.denied"))
        self.assertIn(self.t("reason.revoked"), row["detail"])
        # Newest first, every row once.
        rows = self.page.feed_rows()
        self.assertEqual(rows[0]["type"], "access.denied")
        seqs = [r["seq"] for r in rows]
        self.assertEqual(seqs, sorted(set(seqs), reverse=True))
        self.assertNotIn(MISSING_MARK, self.page.visible_text())
        self.assertEqual(self.page.missing_messages(), [])

    def test_a_page_the_role_lacks_says_so(self):
        self.login("desk")
        self.assertNotIn("people", self.page.nav_pages())
        for how in ("link", "url"):
            if how == "link":
                self.page.go("#/people")
            else:
                self.assertEqual(self.page.open("#/people"), "shell-view")
            self.page.wait_until(lambda: self.page.shown_page() == "missing",
                                 what="the not-available page (%s)" % how)
            text = self.page.missing_page_text().strip()
            self.assertRegex(text.splitlines()[0] if text else "",
                             template_regex(self.messages[self.page.lang()]["shell.page_missing"]))

    def test_each_role_streams_only_its_event_types(self):
        # The facility admin's stream has presence only (doors' visibility rules).
        self.login("facility")
        self.page.start_stream_sample()
        self.server.send("grant server-room p-ito Ito")
        # The grant is recorded before the presence events, so once presence.entered is here
        # the grant would have been too, had the role been admitted to it.
        self.page.wait_until(lambda: any(e["type"] == "presence.entered" and e["subject"] == "p-ito"
                                         for e in self.page.stream_sample()),
                             what="presence.entered on the facility admin's stream")
        types = {e["type"] for e in self.page.stream_sample()}
        self.assertFalse([t for t in types if not t.startswith("presence.")], types)
        self.assertNotIn("overview", self.page.nav_pages())
        self.assertEqual(self.page.testid_texts("last-access"), [])  # no plugin for the role

    def test_auditor_sees_logins_the_desk_does_not(self):
        self.login("auditor")
        self.assertEqual(self.page.shown_page(), "audit")  # the auditor's landing page
        self.page.open_page("events")
        self.page.wait_until(lambda: any(r["type"] == "operator.login"
                                         for r in self.page.events_page_rows()),
                             what="operator.login on the auditor's events page")
        self.page.logout()
        self.login("desk")
        self.page.wait_until_live()
        self.server.send("deny server-room p-desk-check Check no_access")
        self.page.wait_for_feed_row(lambda r: r["who"] == "Check", timeout=10)
        self.assertFalse([r for r in self.page.feed_rows() if r["type"].startswith("operator.")])

    def test_plugin_adds_a_live_tile_and_a_page(self):
        self.login("desk")
        tile = self.page.wait_for_testid("last-access")
        self.assertEqual(tile.text, self.t("extra.none_yet"))
        self.page.wait_until_live()
        self.server.send("grant server-room p-kato Kato")
        want = self.t("extra.last", event=self.t("event.access.granted"), who="Kato")
        self.page.wait_until(lambda: tile.text == want, 10, "the tile's text %r" % want)
        self.assertEqual(self.page.nav_texts()[self.page.nav_pages().index("server-room")],
                         self.t("extra.page"))
        self.page.open_page("server-room")
        box = self.page.wait_for_testid("plugin-page")
        self.page.wait_until(lambda: box.text.startswith("200 "), 10, "the plugin page's answer")
        self.assertRegex(box.text, r"^200 Server room (locked|unlocked)$")

    def test_the_operators_language_is_kept(self):
        self.login("desk")
        self.page.set_language("en")
        self.assertEqual(self.page.nav_texts()[0], self.messages["en"]["page.overview"])
        self.page.logout()
        self.login("desk")
        self.assertEqual(self.page.lang(), "en")
        self.page.set_language("ja")
        self.assertEqual(self.page.nav_texts()[0], self.messages["ja"]["page.overview"])
        self.assertEqual(self.page.missing_messages(), [])

    def test_wrong_password_is_shown_and_logout_returns_to_login(self):
        with self.assertRaises(AssertionError) as failure:
            self.page.login("desk", "not-the-password")
        # The catalogue's text for the server's code (error.bad_credentials), else the shell's.
        messages = self.messages[self.page.lang()]
        said = str(failure.exception).split("login failed: ", 1)[-1]
        self.assertIn(said, (messages.get("error.bad_credentials"), messages["login.failed"]))
        self.login("desk")
        self.page.logout()
        self.assertEqual(self.page.open(), "login-view")  # a reload stays logged out


def main():
    global ARGS
    parser = argparse.ArgumentParser()
    parser.add_argument("--server", required=True)
    parser.add_argument("--source-dir", required=True)
    ARGS, rest = parser.parse_known_args()
    unittest.main(argv=[sys.argv[0]] + rest, verbosity=2)


if __name__ == "__main__":
    main()
