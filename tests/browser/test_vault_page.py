"""The vault domain's console module (vault/web: the "My Number vault link" page and the desk's
tile) in headless Chromium around the stand-in of plugin API v2 (page_harness/harness.js, made to
load /plugins/vault/index.js with the shell's, the doors' and the vault's catalogues and the
shell's own site-zone formatting, console/web/time.js). The stand-in GET /api/vault/status
answers what statusJson() in vault/vault_service.cpp and VaultLinkOff (vault_link_off.cpp)
answer; the test first checks that both still have those keys, so the stand-in cannot drift
from the daemon unnoticed. Checked: the configured link (windows in the site's zone, open /
inside badges, an overstay as an alarm, the push stream and dropped pushes, the refused-requests
warning, the tile), a link still starting, a failed read, the not-configured site (plain words
and how to enable it, no error), refreshes on vault.* and presence.* events, and no untranslated
text in English or Japanese. The catalogue itself: en and ja for every key, Japanese that is
Japanese, a label for every vault event type, no key another catalogue declares too.

    /usr/bin/python3 tests/browser/test_vault_page.py [--source-dir .]
"""
import argparse
import datetime
import functools
import glob
import http.server
import json
import os
import re
import shutil
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from console_page import make_driver  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402

OFFSET_MINUTES = 540  # the stand-in site's zone (page_harness/harness.js): UTC+09:00
HOUR_US = 3600 * 1000000

# Keys of GET /api/vault/status the stand-in answers with (statusJson(), vault_service.cpp).
STATUS_KEYS = {"configured", "ready", "areas", "handlers", "windows", "overstays",
               "pushes_pending", "pushes_acked", "pushes_last_id", "pushes_dropped",
               "refused_recorded_requests"}
WINDOW_KEYS = {"approval_id", "person", "area", "from", "to", "from_us", "to_us", "open",
               "inside"}
OVERSTAY_KEYS = {"person", "area", "approval_id"}


def check_status_shape(source_dir):
    """The daemon's status JSON still has the keys the stand-in answers with."""
    text = open(os.path.join(source_dir, "vault", "vault_service.cpp"), encoding="utf-8").read()
    start = text.index("json statusJson() const")
    body = text[start:text.index("\n    }\n", start)]
    keys = set(re.findall(r'\{"(\w+)",', body))
    expected = STATUS_KEYS | WINDOW_KEYS | OVERSTAY_KEYS
    assert keys == expected, "statusJson() keys changed: extra %s, gone %s" % (
        sorted(keys - expected), sorted(expected - keys))
    off = open(os.path.join(source_dir, "vault", "vault_link_off.cpp"), encoding="utf-8").read()
    assert '{{"configured", false}}' in off, "VaultLinkOff no longer answers configured: false"


def rfc3339(us):
    """As policy::formatRfc3339 in the site's offset: 2026-12-01T09:00:00+09:00."""
    t = datetime.datetime.fromtimestamp(us / 1e6, datetime.timezone(
        datetime.timedelta(minutes=OFFSET_MINUTES)))
    return t.strftime("%Y-%m-%dT%H:%M:%S+09:00")


def site_time(us, date=True):
    """What api.formatTime(us, {seconds: false, date}) shows."""
    t = datetime.datetime.fromtimestamp(us / 1e6, datetime.timezone.utc) + datetime.timedelta(
        minutes=OFFSET_MINUTES)
    return t.strftime("%Y-%m-%d %H:%M" if date else "%H:%M")


def window(approval, person, area, from_us, to_us, now_us, inside):
    return {"approval_id": approval, "person": person, "area": area,
            "from": rfc3339(from_us), "to": rfc3339(to_us), "from_us": from_us, "to_us": to_us,
            "open": from_us <= now_us < to_us, "inside": inside}


def configured_status(now_us):
    """A link with four windows: one open with its handler inside, one ended with its handler
    still inside (the overstay), one later today, one that ends tomorrow (site time)."""
    hour = now_us - now_us % HOUR_US
    windows = [
        window("A-1002", "sato", "vault-room", hour - 2 * HOUR_US, hour + 2 * HOUR_US, now_us,
               True),
        window("A-1001", "ito", "vault-room", hour - 6 * HOUR_US, hour - HOUR_US, now_us, True),
        window("A-1003", "sato", "vault-room", hour + 3 * HOUR_US, hour + 4 * HOUR_US, now_us,
               False),
        window("A-1004", "kato", "records-room", hour + 20 * HOUR_US, hour + 40 * HOUR_US,
               now_us, False),
    ]
    status = {"configured": True, "ready": True, "areas": ["vault-room", "records-room"],
              "handlers": 3, "windows": windows,
              "overstays": [{"person": "ito", "area": "vault-room", "approval_id": "A-1001"}],
              "pushes_pending": 4, "pushes_acked": 118, "pushes_last_id": 122,
              "pushes_dropped": 7, "refused_recorded_requests": 3}
    assert set(status) == STATUS_KEYS and all(set(w) == WINDOW_KEYS for w in windows)
    assert all(set(o) == OVERSTAY_KEYS for o in status["overstays"])
    return status


def starting_status():
    return {"configured": True, "ready": False, "areas": ["vault-room"], "handlers": 0,
            "windows": [], "overstays": [], "pushes_pending": 0, "pushes_acked": 0,
            "pushes_last_id": 0, "pushes_dropped": 0, "refused_recorded_requests": 0}


def status_route(body, status=200):
    return ("window.statusBody = %s; window.statusCode = %d;"
            "window.routes['GET /api/vault/status'] = () => ({status: window.statusCode,"
            " body: JSON.parse(JSON.stringify(window.statusBody))});"
            % (json.dumps(body), status))


# Names the shell would know: zones from GET /api/site, people from events' person_name.
NAMES = """
const names = window.harnessApi.names;
names.set('zone', 'vault-room', 'Vault room'); names.set('zone', 'records-room', 'Records room');
names.set('person', 'sato', 'Sato Hiroshi'); names.set('person', 'ito', 'Ito Mai');
"""


class Harness:
    """A static server with the page harness started on one plugin (`plugin`/web served as
    /plugins/<plugin>/), and one Chromium; the custody page's test uses it too."""
    PLUGIN = "vault"

    def __init__(self, source_dir):
        plugin = self.PLUGIN
        self.root = tempfile.mkdtemp(prefix="sekimori-%s-page-" % plugin)
        shutil.copy(os.path.join(HERE, "page_harness", "index.html"), self.root)
        with open(os.path.join(self.root, "harness.js"), "w", encoding="utf-8") as f:
            f.write(plugin_harness().replace("/plugins/vault/", "/plugins/%s/" % plugin))
        os.makedirs(os.path.join(self.root, "plugins"))
        os.symlink(os.path.join(source_dir, plugin, "web"),
                   os.path.join(self.root, "plugins", plugin))
        for name in ("messages.json", "time.js"):
            os.symlink(os.path.join(source_dir, "console", "web", name),
                       os.path.join(self.root, name))
        os.symlink(os.path.join(source_dir, "doors", "web", "messages.json"),
                   os.path.join(self.root, "doors-messages.json"))
        handler = functools.partial(QuietHandler, directory=self.root)
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = "http://127.0.0.1:%d" % self.server.server_address[1]
        self.driver = make_driver()

    def close(self):
        self.driver.quit()
        self.server.shutdown()
        shutil.rmtree(self.root, ignore_errors=True)

    def by(self, testid, within=None):
        return (within or self.driver).find_elements(By.CSS_SELECTOR,
                                                     '[data-testid="%s"]' % testid)

    def one(self, testid, within=None):
        found = self.by(testid, within)
        assert found, "no element " + testid
        return found[0]

    def js(self, script):
        return self.driver.execute_script(script)

    def open(self, routes, role="operator", lang="en"):
        self.driver.get("%s/index.html?page=vault&role=%s&lang=%s" % (self.url, role, lang))
        wait(lambda: self.js("return window.ready === true"))
        self.js(NAMES + routes)
        self.js("window.startPage()")
        wait(lambda: self.js("return window.started === true"))

    def status_fetches(self):
        return len([p for _, p, _ in self.js("return window.fetchLog")
                    if p == "/api/vault/status"])

    def page_text(self):
        return self.driver.find_element(By.TAG_NAME, "body").text

    def untranslated(self):
        """Keys the module asked for that the catalogues lack, and ⟦key⟧ left on screen."""
        return set(self.js("return window.missing")), "\u27e6" in self.page_text()

    def script_errors(self):
        return [e for e in self.js("return window.__sekimoriProbe.errors")
                if not e.startswith("missing message")]


def plugin_harness():
    """page_harness/harness.js, made to start the vault plugin: its module from /plugins/vault/,
    the catalogues the console merges for it (the shell's, the doors' and the vault's), the
    shell's formatTime (options and all), api.addTile, and the api object reachable as
    window.harnessApi (to give it names, as the shell would)."""
    text = open(os.path.join(HERE, "page_harness", "harness.js"), encoding="utf-8").read()
    edits = [
        ("const catalogue = await (await fetch('/messages.json')).json();",
         "import { formatTime as siteTime } from '/time.js';\n"
         "const catalogue = {};\n"
         "for (const file of ['/messages.json', '/doors-messages.json',"
         " '/plugins/vault/messages.json']) {\n"
         "  Object.assign(catalogue, await (await fetch(file)).json());\n"
         "}"),
        ("  formatTime: (us) => new Date(us / 1000 + offsetMinutes * 60000).toISOString()\n"
         "    .replace('T', ' ').slice(0, 19),",
         "  formatTime: (us, options) => siteTime(us, offsetMinutes, options || {}),"),
        ("  addPage: ({ id, title }) => {",
         "  addTile: ({ id, title }) => {\n"
         "    const tile = document.createElement('section');\n"
         "    tile.setAttribute('data-testid', 'overview-tile-' + id);\n"
         "    tile.textContent = api.t(title);\n"
         "    const body = document.createElement('div');\n"
         "    body.setAttribute('data-testid', 'overview-tile-' + id + '-body');\n"
         "    tile.appendChild(body);\n"
         "    document.getElementById('main').prepend(tile);\n"
         "    return body;\n"
         "  },\n"
         "  highlight: (element) => element.classList.add('highlight'),\n"
         "  addPage: ({ id, title }) => {"),
        ("await import('/pages/' + pageId + '.js')", "await import('/plugins/vault/index.js')"),
        ("window.ready = true;", "window.harnessApi = api;\nwindow.ready = true;"),
    ]
    for old, new in edits:
        assert text.count(old) == 1, "page_harness/harness.js changed: " + old.splitlines()[0]
        text = text.replace(old, new)
    return text


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def wait(predicate, timeout=10.0):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            if predicate():
                return
        except Exception as e:  # an element not there yet
            last = e
        time.sleep(0.05)
    raise AssertionError("condition not met in %.0f s (%s)" % (timeout, last))


def rows_by_approval(h):
    return {r.get_attribute("data-approval"): r for r in h.by("vault-window-row")}


TEXT = {
    "en": {"nav": "My Number vault link", "ready": "Ready", "handlers": "3",
           "refused": "3 recorded vault requests do not carry a valid vault signature"
                      " \u2014 run sekimori audit verify",
           "overstay": "Ito Mai is still inside Vault room; window A-1001 has ended",
           "dropped": "7 presence pushes were dropped", "open": "Open", "inside": "Inside",
           "ended": "Ended", "upcoming": "Upcoming", "overstay_badge": "Overstay",
           "tile_overstays": "Overstays: 1", "tile_pending": "Pushes waiting: 4",
           "starting": "Starting", "none": "none yet",
           "off": "The vault link is not configured on this site."},
    "ja": {"nav": "マイナンバー保管システム連携", "ready": "稼働中", "handlers": "3 名",
           "refused": "記録済みの保管システム要求 3 件に有効な署名がありません"
                      " \u2014 sekimori audit verify を実行してください",
           "overstay": "Ito Mai さんが Vault room に在室中です。作業時間枠 A-1001 は終了しています",
           "dropped": "在室通知 7 件が保管システムの受領確認前に破棄されました",
           "open": "有効", "inside": "在室中", "ended": "終了", "upcoming": "開始前",
           "overstay_badge": "時間超過", "tile_overstays": "時間超過の在室: 1 名",
           "tile_pending": "受領確認待ちの通知: 4 件", "starting": "起動中", "none": "未送信",
           "off": "このサイトではマイナンバー保管システム連携が設定されていません。"},
}


def english_left(h, catalogue, lang):
    """English catalogue texts on a Japanese page (a string the page built by hand, or a
    Japanese text that is English)."""
    if lang != "ja":
        return []
    body = h.page_text()
    return [v["en"] for v in catalogue.values()
            if re.search(r"[A-Za-z]{3}", re.sub(r"\{\w+\}", "", v["en"]))
            and v["en"] != v["ja"] and v["en"] in body]


def test_configured(h, lang, catalogue):
    now_us = int(time.time() * 1e6)
    status = configured_status(now_us)
    h.open(status_route(status), role="operator", lang=lang)
    x = TEXT[lang]
    wait(lambda: h.one("page-vault").get_attribute("data-testid")
         and h.one("vault-content").get_attribute("data-state") == "ready")
    assert h.driver.find_element(By.ID, "nav").text == x["nav"]  # the page's title
    state = h.one("vault-link-state")
    assert state.get_attribute("data-state") == "ready" and state.text == x["ready"], state.text
    assert h.one("vault-handlers").text == x["handlers"], h.one("vault-handlers").text
    areas = h.one("vault-areas").text
    assert "Vault room" in areas and "Records room" in areas, areas

    # The loud warning: recorded requests whose vault signature fails.
    refused = h.one("vault-refused")
    assert refused.get_attribute("data-count") == "3"
    assert h.one("vault-refused-text").text == x["refused"], h.one("vault-refused-text").text

    # Windows in the start order, each in the site's zone (UTC+09:00), the end's date only when
    # it falls on another day.
    rows = rows_by_approval(h)
    order = [r.get_attribute("data-approval") for r in h.by("vault-window-row")]
    assert order == ["A-1001", "A-1002", "A-1003", "A-1004"], order
    by_id = {w["approval_id"]: w for w in status["windows"]}
    for approval, row in rows.items():
        w = by_id[approval]
        same_day = site_time(w["from_us"])[:10] == site_time(w["to_us"])[:10]
        expected = "%s \u2013 %s" % (site_time(w["from_us"]),
                                     site_time(w["to_us"], date=not same_day))
        shown = row.find_element(By.CSS_SELECTOR, '[data-testid="vault-window-range"]').text
        assert shown == expected, (approval, shown, expected)
    person = rows["A-1002"].find_element(By.CSS_SELECTOR, '[data-testid="vault-window-person"]')
    assert person.text == "Sato Hiroshi", person.text
    assert rows["A-1004"].find_element(
        By.CSS_SELECTOR, '[data-testid="vault-window-person"]').text == "kato"  # no name: id

    def badges(approval):
        cell = rows[approval].find_element(By.CSS_SELECTOR, '[data-testid="vault-window-state"]')
        return cell.text

    assert rows["A-1002"].get_attribute("data-open") == "true"
    assert x["open"] in badges("A-1002") and x["inside"] in badges("A-1002"), badges("A-1002")
    assert rows["A-1003"].get_attribute("data-state") == "upcoming"
    assert badges("A-1003") == x["upcoming"], badges("A-1003")
    assert rows["A-1004"].get_attribute("data-state") == "upcoming"

    # The overstay: an alarm in its own section and on its window's row.
    overstays = h.by("vault-overstay-row")
    assert len(overstays) == 1 and overstays[0].text == x["overstay"], [
        o.text for o in overstays]
    assert "tone-alarm" in h.one("vault-overstays").get_attribute("class")
    ended = rows["A-1001"]
    assert ended.get_attribute("data-overstay") == "true"
    assert "tone-alarm" in ended.get_attribute("class")
    assert x["ended"] in badges("A-1001") and x["overstay_badge"] in badges("A-1001")
    assert rows["A-1002"].get_attribute("data-overstay") == "false"

    # The push stream, dropped pushes as a warning.
    assert h.one("vault-pushes-pending").text == "4"
    assert h.one("vault-pushes-last-id").text == "122"
    assert h.one("vault-pushes-acked").text == "118"
    assert h.one("vault-pushes-dropped").text == "7"
    assert "tone-warning" in h.one("vault-pushes-dropped").get_attribute("class")
    assert x["dropped"] in h.one("vault-dropped-warning").text

    # The desk's tile.
    assert h.one("vault-tile-overstays").text == x["tile_overstays"]
    assert "tone-alarm" in h.one("vault-tile-overstays").get_attribute("class")
    assert h.one("vault-tile-pending").text == x["tile_pending"]
    assert h.by("vault-tile-refused")

    # vault.* and presence.* events read the status again; the overstay ends when Ito leaves.
    before = h.status_fetches()
    h.js("window.statusBody.overstays = []; window.statusBody.windows[1].inside = false;"
         "pushEvent({seq: 50, type: 'presence.left', payload: {person: 'ito'}})")
    wait(lambda: h.by("vault-overstays-empty"))
    assert h.one("vault-tile-overstays").text != x["tile_overstays"]
    assert rows_by_approval(h)["A-1001"].get_attribute("data-overstay") == "false"
    after_presence = h.status_fetches()
    assert after_presence > before
    h.js("window.statusBody.refused_recorded_requests = 0;"
         "pushEvent({seq: 51, type: 'vault.window_approved', payload: {}})")
    wait(lambda: not h.by("vault-refused"))
    assert h.status_fetches() > after_presence
    # Other families do not.
    settled = h.status_fetches()
    h.js("pushEvent({seq: 52, type: 'door.opened', payload: {}})")
    time.sleep(0.3)
    assert h.status_fetches() == settled
    left = english_left(h, catalogue, lang)
    assert not left, "English on the Japanese page: %s" % left


def test_starting_and_failure(h, lang, catalogue):
    h.open(status_route(starting_status()), role="security_admin", lang=lang)
    x = TEXT[lang]
    wait(lambda: h.one("vault-content").get_attribute("data-state") == "starting")
    state = h.one("vault-link-state")
    assert state.get_attribute("data-state") == "starting" and x["starting"] in state.text
    assert h.by("vault-windows-empty") and h.by("vault-overstays-empty")
    assert not h.by("vault-refused") and not h.by("vault-dropped-warning")
    assert h.one("vault-pushes-last-id").text == x["none"]
    assert h.by("vault-tile-starting")
    # A failed read says so and keeps the last answer, marked stale.
    h.js("window.statusCode = 503; window.statusBody = {error: 'daemon busy', code: 'x'};")
    h.one("vault-refresh").click()
    wait(lambda: h.by("vault-error"))
    assert "ERR:daemon busy" in h.one("vault-error").text
    assert "vault-stale" in h.one("vault-content").get_attribute("class")
    assert h.by("vault-link-state")
    h.js("window.statusCode = 200; window.statusBody = %s;" % json.dumps(starting_status()))
    h.one("vault-refresh").click()
    wait(lambda: not h.by("vault-error"))
    assert "vault-stale" not in h.one("vault-content").get_attribute("class")
    left = english_left(h, catalogue, lang)
    assert not left, "English on the Japanese page: %s" % left


def test_not_configured(h, lang, catalogue, role):
    h.open(status_route({"configured": False}), role=role, lang=lang)
    wait(lambda: h.one("vault-content").get_attribute("data-state") == "not_configured")
    assert h.one("vault-not-configured-title").text == TEXT[lang]["off"]
    how = h.one("vault-not-configured-how").text
    assert "docs/vault-api.md" in how and "[vault]" in how, how
    assert not h.by("vault-error") and not h.by("vault-windows") and not h.by("vault-link-state")
    assert not h.by("overview-tile-vault"), "a site without a vault link has no tile"
    assert not h.by("vault-refused")
    assert "error" not in h.one("vault-not-configured").get_attribute("class")
    left = english_left(h, catalogue, lang)
    assert not left, "English on the Japanese page: %s" % left


def test_roles(h):
    # The auditor has no overview: no tile; a role the vault does not admit gets nothing.
    now_us = int(time.time() * 1e6)
    h.open(status_route(configured_status(now_us)), role="auditor")
    wait(lambda: h.by("vault-window-row"))
    assert not h.by("overview-tile-vault")
    h.open(status_route(configured_status(now_us)), role="bcp_coordinator")
    assert not h.by("page-vault") and h.status_fetches() == 0


def load_catalogue(path):
    pairs = []
    data = json.load(open(path, encoding="utf-8"), object_pairs_hook=lambda p: pairs.append(p)
                     or dict(p))
    keys = [k for k, _ in pairs[-1]]
    return data, keys


JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


def check_catalogue_texts(catalogue, keys, name):
    """Each key once, both languages non-empty with the same placeholders, Japanese that is
    Japanese (site-file words like [vault] and docs/ paths aside)."""
    dupes = sorted({k for k in keys if keys.count(k) > 1})
    assert not dupes, "declared twice in %s: %s" % (name, dupes)
    for key, value in catalogue.items():
        assert set(value) == {"en", "ja"} and value["en"] and value["ja"], key
        assert sorted(re.findall(r"\{\w+\}", value["en"])) == sorted(
            re.findall(r"\{\w+\}", value["ja"])), "placeholders differ: " + key
        if re.search(r"[A-Za-z]{2}", re.sub(r"\{\w+\}|\[[^\]]*\]|docs/\S+", "", value["en"])):
            assert JAPANESE.search(value["ja"]), "not Japanese: %s: %s" % (key, value["ja"])


def run_in_browser(h, tests):
    """Runs each (name, test, args) on the harness, then checks nothing was left untranslated
    and no script failed; prints PASS / FAIL for each and returns the failures."""
    failures = 0
    for name, test, extra in tests:
        try:
            test(h, *extra)
            missing, brackets = h.untranslated()
            assert not missing and not brackets, "untranslated: %s" % sorted(missing)
            errors = h.script_errors()
            assert not errors, "script errors: %s" % errors
            print("PASS", name, flush=True)
        except Exception as e:  # report every test, then fail
            failures += 1
            print("FAIL", name, repr(e), flush=True)
    return failures


def test_catalogue(source_dir):
    path = os.path.join(source_dir, "vault", "web", "messages.json")
    catalogue, keys = load_catalogue(path)
    check_catalogue_texts(catalogue, keys, "vault/web/messages.json")
    # A label for every vault event type, the authorize reasons, the overstay's alarm type.
    types = re.findall(r'EventType \w+\{"(vault\.\w+)"\}', open(os.path.join(
        source_dir, "vault", "vault_event_types.hpp"), encoding="utf-8").read())
    assert len(types) >= 9, types  # the regex still reads the header
    for t in types:
        assert "event." + t in catalogue, "no label for " + t
    for reason in ("ok", "unknown_area", "not_a_handler", "no_window", "not_inside", "alone"):
        assert "vault.reason." + reason in catalogue, reason
    assert "alarm.type.vault.window_ended_inside" in catalogue
    # No key another catalogue declares (the console refuses to start on one declared twice).
    # (console/web/messages.json, the shell's, is one of */web/messages.json.)
    others = sorted({os.path.abspath(p)
                     for p in glob.glob(os.path.join(source_dir, "*", "web", "messages.json"))}
                    - {os.path.abspath(path)})
    assert os.path.join(source_dir, "console", "web", "messages.json") in others
    seen = {}
    for p in others + [path]:
        for k in load_catalogue(p)[1]:
            seen.setdefault(k, []).append(os.path.relpath(p, source_dir))
    twice = {k: v for k, v in seen.items() if len(v) > 1}
    assert not twice, "declared twice: %s" % twice
    doors = load_catalogue(os.path.join(source_dir, "doors", "web", "messages.json"))[0]
    assert doors["reason.no_work_window"]["en"] == "Access denied: no approved work window"
    assert doors["reason.no_work_window"]["ja"] == "入室拒否: 承認された作業時間外"
    return catalogue


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--source-dir", default=os.path.dirname(os.path.dirname(HERE)))
    args = parser.parse_args()
    source_dir = os.path.abspath(args.source_dir)
    failures = 0
    catalogue = {}
    for name, check in (("status shape", lambda: check_status_shape(source_dir)),
                        ("catalogue", lambda: test_catalogue(source_dir))):
        try:
            result = check()
            if isinstance(result, dict):
                catalogue = result
            print("PASS", name, flush=True)
        except Exception as e:
            failures += 1
            print("FAIL", name, repr(e), flush=True)
    h = Harness(source_dir)
    tests = [("configured en", test_configured, ("en", catalogue)),
             ("configured ja", test_configured, ("ja", catalogue)),
             ("starting and failure en", test_starting_and_failure, ("en", catalogue)),
             ("starting and failure ja", test_starting_and_failure, ("ja", catalogue)),
             ("not configured en (desk)", test_not_configured, ("en", catalogue, "operator")),
             ("not configured ja (auditor)", test_not_configured, ("ja", catalogue, "auditor")),
             ("roles", test_roles, ())]
    try:
        failures += run_in_browser(h, tests)
    finally:
        h.close()
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
