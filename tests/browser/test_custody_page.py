"""The custody domain's console module (custody/web: the "Keys and carry-in" page) in headless
Chromium, around a stand-in GET /api/custody whose keys are read from custody/custody_views.cpp
(the test fails when they drift): the cabinet's slots with holder, due time in the site's zone
and the overdue badge; items grouped by person with the left-inside alarm; a held detector whose
clear form refuses an empty comment before posting and posts the guard's comment; the guard-only
controls absent for the auditor and the facility admin; the starting (503) and not-configured
states; en and ja with no untranslated key, no key another catalogue declares. The harness is
the vault page's (test_vault_page.py), pointed at /plugins/custody/.

    /usr/bin/python3 tests/browser/test_custody_page.py [--source-dir .]
"""
import argparse
import glob
import json
import os
import re
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from selenium.webdriver.common.by import By  # noqa: E402
from test_vault_page import Harness as VaultHarness  # noqa: E402
from test_vault_page import (check_catalogue_texts, english_left, load_catalogue,  # noqa: E402
                             run_in_browser, site_time, wait)

HOUR_US = 3600 * 1000000
TOP_KEYS = {"configured", "cabinets", "items", "detectors", "key_requests", "carry_in_zone"}
SLOT_KEYS = {"slot", "key", "name", "kind", "opens", "approval_required", "state", "holder",
             "forced", "taken_us", "due_us", "overdue", "holder_left"}
CABINET_KEYS = {"id", "name", "door", "online", "released", "slots"}
RELEASE_KEYS = {"person", "name", "slots", "until_us"}
ITEM_KEYS = {"id", "approval", "person", "name", "kind", "description", "valid_from_us",
             "valid_until_us", "state", "checked_in_us", "checked_in_by", "checked_out_us",
             "checked_out_by", "left_inside"}
DETECTOR_KEYS = {"id", "name", "portal", "online", "held", "since_us", "level"}
REQUEST_KEYS = {"approval", "key", "person", "from_us", "until_us"}


def check_shape(source_dir):
    text = open(os.path.join(source_dir, "custody", "custody_views.cpp"), encoding="utf-8").read()
    keys = set(re.findall(r'\{"(\w+)",', text))
    expected = (TOP_KEYS | SLOT_KEYS | CABINET_KEYS | RELEASE_KEYS | ITEM_KEYS | DETECTOR_KEYS
                | REQUEST_KEYS)
    assert keys == expected, "custody_views.cpp keys changed: extra %s, gone %s" % (
        sorted(keys - expected), sorted(expected - keys))


def slot(n, key, name, state="in", holder=None, taken=0, due=0, overdue=False, forced=False):
    return {"slot": n, "key": key, "name": name, "kind": "rack", "opens": "rack-a1",
            "approval_required": n == 1, "state": state, "holder": holder, "forced": forced,
            "taken_us": taken, "due_us": due, "overdue": overdue, "holder_left": False}


def item(id_, person, name, kind, description, state, now_us, left_inside=False):
    return {"id": id_, "approval": "A-9" + id_[-1], "person": person, "name": name, "kind": kind,
            "description": description, "valid_from_us": now_us - HOUR_US,
            "valid_until_us": now_us + 2 * HOUR_US, "state": state,
            "checked_in_us": now_us if state != "approved" else 0, "checked_in_by": "desk",
            "checked_out_us": 0, "checked_out_by": "", "left_inside": left_inside}


def custody_body(now_us):
    taken, due = now_us - 2 * HOUR_US, now_us - HOUR_US
    body = {
        "configured": True, "carry_in_zone": "server-room", "key_requests": [],
        "cabinets": [{"id": "kc-noc", "name": "Key cabinet, NOC", "door": "key-cabinet-door",
                      "online": True, "released": None, "slots": [
                          slot(1, "rack-master-a", "Rack master key, row A"),
                          slot(2, "rack-a1-spare", "Rack A1 spare key", "out",
                               {"person": "sato", "name": "Sato Hiroshi"}, taken, due, True)]}],
        "items": [item("ci-1", "sato", "Sato Hiroshi", "laptop", "ThinkPad SN 21-0001",
                       "checked_in", now_us, left_inside=True),
                  item("ci-2", "sato", "Sato Hiroshi", "media", "USB key 8 GB", "approved",
                       now_us),
                  item("ci-3", "ito", "Ito Mai", "tool_kit", "Crimping kit", "approved", now_us)],
        "detectors": [{"id": "md-gate", "name": "Metal detector, gate",
                       "portal": "gate-server-room", "online": True, "held": True,
                       "since_us": now_us - 60 * 1000000, "level": 83}],
    }
    assert set(body) == TOP_KEYS
    assert all(set(s) == SLOT_KEYS for s in body["cabinets"][0]["slots"])
    assert all(set(i) == ITEM_KEYS for i in body["items"])
    assert set(body["detectors"][0]) == DETECTOR_KEYS
    return body


def route(body, status=200):
    return ("window.custodyBody = %s; window.custodyCode = %d;"
            "window.routes['GET /api/custody'] = () => ({status: window.custodyCode,"
            " body: JSON.parse(JSON.stringify(window.custodyBody))});"
            "window.routes['POST /api/custody/detectors/md-gate/clear'] = () => {"
            " window.custodyBody.detectors[0].held = false; return {status: 200, body: {}}; };"
            % (json.dumps(body), status))


NAMES = """
const names = window.harnessApi.names;
names.set('zone', 'server-room', 'Server room'); names.set('gate', 'gate-server-room', 'Server room gate');
"""

TEXT = {
    "en": {"nav": "Keys and carry-in", "overdue": "overdue", "left": "left inside",
           "required": "A comment is required", "starting": "rebuilding"},
    "ja": {"nav": "鍵・持ち込み管理", "overdue": "期限超過", "left": "置き忘れ",
           "required": "コメントが必要です", "starting": "再構築中"},
}


class Harness(VaultHarness):
    PLUGIN = "custody"

    def open(self, routes, role="operator", lang="en"):
        self.driver.get("%s/index.html?page=custody&role=%s&lang=%s" % (self.url, role, lang))
        wait(lambda: self.js("return window.ready === true"))
        self.js(NAMES + routes)
        self.js("window.startPage()")
        wait(lambda: self.js("return window.started === true"))

    def posts(self):
        return [(p, b) for m, p, b in self.js("return window.fetchLog") if m == "POST"]


def test_desk(h, lang, catalogue):
    now_us = int(time.time() * 1e6)
    body = custody_body(now_us)
    h.open(route(body), role="operator", lang=lang)
    x = TEXT[lang]
    wait(lambda: h.one("custody-content").get_attribute("data-state") == "ready")
    assert h.driver.find_element(By.ID, "nav").text == x["nav"]
    slots = {s.get_attribute("data-slot"): s for s in h.by("custody-slot")}
    assert set(slots) == {"1", "2"}
    out = slots["2"]
    assert out.get_attribute("data-state") == "out" and out.get_attribute("data-overdue") == "true"
    assert "tone-alarm" in out.get_attribute("class")
    assert h.one("custody-slot-holder", out).text == "Sato Hiroshi"
    assert x["overdue"] in h.one("custody-slot-overdue", out).text
    times = h.one("custody-slot-times", out).text
    slot2 = body["cabinets"][0]["slots"][1]
    assert site_time(slot2["taken_us"]) in times and site_time(slot2["due_us"]) in times, times
    assert not h.by("custody-slot-holder", slots["1"])
    # Items by person, in the order the answer lists people.
    people = [g.get_attribute("data-person") for g in h.by("custody-person")]
    assert people == ["sato", "ito"], people
    items = {i.get_attribute("data-id"): i for i in h.by("custody-item")}
    assert items["ci-1"].get_attribute("data-left-inside") == "true"
    assert x["left"] in h.one("custody-item-left-inside", items["ci-1"]).text
    assert h.by("custody-item-check-out", items["ci-1"])
    assert h.by("custody-item-check-in", items["ci-2"])
    # The held detector: an empty comment is refused here, the comment is posted as typed.
    det = h.one("custody-detector")
    assert det.get_attribute("data-held") == "true"
    assert "Server room gate" in h.one("custody-detector-held").text
    assert "83" in h.one("custody-detector-held").text
    h.one("custody-clear-submit").click()
    wait(lambda: x["required"] in h.one("custody-clear-error").text)
    assert not h.posts()
    h.one("custody-clear-comment").send_keys("belt buckle; checked by hand")
    h.one("custody-clear-submit").click()
    wait(lambda: h.one("custody-detector").get_attribute("data-held") == "false")
    assert h.posts() == [("/api/custody/detectors/md-gate/clear",
                          {"comment": "belt buckle; checked by hand"})], h.posts()
    # A custody.* event reads again; another family does not.
    gets = lambda: len([p for m, p, _ in h.js("return window.fetchLog")  # noqa: E731
                        if m == "GET" and p == "/api/custody"])
    before = gets()
    h.js("window.custodyBody.items = [];"
         "pushEvent({seq: 60, type: 'custody.item_checked_out', payload: {}})")
    wait(lambda: h.by("custody-items-empty"))
    assert gets() > before
    settled = gets()
    h.js("pushEvent({seq: 61, type: 'door.opened', payload: {}})")
    time.sleep(0.3)
    assert gets() == settled
    left = english_left(h, catalogue, lang)
    assert not left, "English on the Japanese page: %s" % left


def test_viewers_without_guard_controls(h):
    now_us = int(time.time() * 1e6)
    for role in ("auditor", "facility_admin"):
        h.open(route(custody_body(now_us)), role=role)
        wait(lambda: h.by("custody-slot"))
        assert not h.by("custody-clear-form"), role
        assert not h.by("custody-item-check-in") and not h.by("custody-item-check-out"), role
    h.open(route(custody_body(now_us)), role="bcp_coordinator")
    assert not h.by("page-custody") and not h.js("return window.fetchLog")


def test_states(h, lang):
    h.open(route({"error": "rebuilding", "code": "custody.starting"}, 503), lang=lang)
    wait(lambda: h.one("custody-content").get_attribute("data-state") == "starting")
    assert TEXT[lang]["starting"] in h.one("custody-starting").text
    h.open(route({"configured": False, "cabinets": [], "items": [], "detectors": [],
                  "key_requests": [], "carry_in_zone": ""}), role="auditor", lang=lang)
    wait(lambda: h.one("custody-content").get_attribute("data-state") == "not_configured")
    assert "docs/custody.md" in h.one("custody-not-configured").text
    # A failed read keeps the page, marked stale.
    h.js("window.custodyCode = 500; window.custodyBody = {error: 'daemon busy', code: 'x'};")
    h.one("custody-refresh").click()
    wait(lambda: h.by("custody-error"))
    assert "custody-stale" in h.one("custody-content").get_attribute("class")


def test_catalogue(source_dir):
    path = os.path.join(source_dir, "custody", "web", "messages.json")
    catalogue, keys = load_catalogue(path)
    check_catalogue_texts(catalogue, keys, "custody/web/messages.json")
    types = re.findall(r'EventType \w+\{"(custody\.\w+)"\}', open(os.path.join(
        source_dir, "custody", "custody_event_types.hpp"), encoding="utf-8").read())
    assert len(types) >= 10, types
    for t in types:
        assert "event." + t in catalogue, "no label for " + t
    others = sorted({os.path.abspath(p)
                     for p in glob.glob(os.path.join(source_dir, "*", "web", "messages.json"))}
                    - {os.path.abspath(path)})
    twice = sorted(k for p in others for k in load_catalogue(p)[1] if k in catalogue)
    assert not twice, "declared in another catalogue too: %s" % twice
    return catalogue


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--source-dir", default=os.path.dirname(os.path.dirname(HERE)))
    source_dir = os.path.abspath(parser.parse_args().source_dir)
    failures = 0
    catalogue = {}
    for name, check in (("shape", lambda: check_shape(source_dir)),
                        ("catalogue", lambda: test_catalogue(source_dir))):
        try:
            catalogue = check() or catalogue
            print("PASS", name, flush=True)
        except Exception as e:
            failures += 1
            print("FAIL", name, repr(e), flush=True)
    h = Harness(source_dir)
    tests = [("desk en", test_desk, ("en", catalogue)), ("desk ja", test_desk, ("ja", catalogue)),
             ("viewers", test_viewers_without_guard_controls, ()),
             ("states en", test_states, ("en",)), ("states ja", test_states, ("ja",))]
    try:
        failures += run_in_browser(h, tests)
    finally:
        h.close()
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
