"""The doors plugin (doors/web) inside the real console shell (console/web) in headless
Chromium, around a small fake console (this file) that serves both folders, answers the routes
the shell and the plugin ask with the shapes doors/door_views.cpp and doors/presence.cpp build,
and pushes live events over a real WebSocket. Checks, per role and in ja and en: the pages the
page matrix gives, the Doors and Circle gates tiles, Who is inside, the plan's markers and
people dots, a live forced door and a person moving, a door's detail with its events, the
people cards, and no untranslated text (⟦key⟧) anywhere.

    /usr/bin/python3 tests/doors/web/doors_plugin_browser_test.py [--source-dir .]
"""
import argparse
import base64
import hashlib
import http.server
import json
import os
import queue
import socketserver
import struct
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "browser"))
from console_page import make_driver  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402

SITE = {"id": "tokyo-dc1", "name": "Tokyo DC1", "utc_offset_minutes": 540}
BASE_US = 1796083200000000  # 2026-12-01T00:00:00Z = 09:00 in Tokyo
ZONES = [
    {"id": "tokyo-dc1", "name": "Grounds", "kind": "site", "parent": "", "plan": None},
    {"id": "bldg", "name": "Building A", "kind": "building", "parent": "tokyo-dc1", "plan": None},
    {"id": "floor-3f", "name": "3F corridor", "kind": "floor", "parent": "bldg",
     "plan": {"x": 0, "y": 0, "w": 1000, "h": 600}},
    {"id": "server-room", "name": "Server room", "kind": "management_area", "parent": "floor-3f",
     "plan": {"x": 380, "y": 40, "w": 360, "h": 300}},
    {"id": "noc", "name": "NOC", "kind": "area", "parent": "floor-3f",
     "plan": {"x": 40, "y": 40, "w": 280, "h": 220}},
]


def door(id_, name, from_zone, to_zone, x, y, **over):
    row = {"id": id_, "name": name, "kind": "door", "panel": "p-" + id_, "from_zone": from_zone,
           "to_zone": to_zone, "lock": "locked", "position": "closed", "forced": False,
           "held_open": False, "supervised": True, "panel_online": True,
           "panel_firmware": "1.4.2", "tamper": False,
           "last_event": {"type": "door.closed", "time_us": BASE_US + 60_000_000},
           "plan": {"floor": "floor-3f", "x": x, "y": y}}
    row.update(over)
    return row


DOORS = [
    door("srv-door", "Server room door", "floor-3f", "server-room", 470, 340),
    door("noc-door", "NOC door", "floor-3f", "noc", 180, 260, panel_online=False),
    {"id": "gate-srv", "name": "Server room circle gate", "kind": "circle_gate",
     "panel": "p-gate", "from_zone": "floor-3f", "to_zone": "server-room", "lock": "unknown",
     "position": "unknown", "forced": None, "held_open": None, "supervised": False,
     "panel_online": None, "panel_firmware": "", "tamper": None, "last_event": None,
     "plan": {"floor": "floor-3f", "x": 650, "y": 340}},
]
PRESENCE = {"zones": {"noc": [{"person": "p-ken", "person_name": "Ken Ito",
                               "since_us": BASE_US + 3_600_000_000}]}}
PEOPLE = {"people": [
    {"id": "p-aiko", "name": "Aiko Sato", "active": True,
     "cards": [{"uid": "04A1B2C3D4E5F6", "state": "active"}, {"uid": "0499", "state": "revoked"}]},
    {"id": "p-ken", "name": "Ken Ito", "active": False, "cards": []},
]}
DOOR_EVENTS = [
    {"seq": 7, "time_us": BASE_US + 30_000_000, "type": "access.denied", "source": "door:srv-door",
     "subject": "", "payload": {"door": "srv-door", "side": "entry", "person": "", "person_name": "",
                                "decision": "denied", "reason": "unknown_card", "session": "s1",
                                "card": "DEADBEEF00112233", "detail": "Card not enrolled at this site."}},
    {"seq": 8, "time_us": BASE_US + 60_000_000, "type": "door.closed", "source": "door:srv-door",
     "subject": "", "payload": {"door": "srv-door"}},
]
PERSON_PAGE = {"person": {
    "id": "p-aiko", "name": "Aiko Sato", "active": True, "organisation": "Acme Maintenance",
    "valid_from_us": BASE_US - 86400_000_000 * 30, "valid_until_us": 0, "escort_required": True,
    "factors": {"card": True, "pin": True, "finger": True, "finger_2": False, "keypad_code": False,
                "photo": False},
    "photo_url": None, "photo_sha256": None,
    "cards": [{"uid": "04A1B2C3D4E5F6", "state": "active", "history": [
                  {"seq": 3, "time_us": BASE_US + 1_000_000, "type": "person.card_set", "actor": "fac"}]},
              {"uid": "0499", "state": "revoked", "history": [
                  {"seq": 2, "time_us": BASE_US + 2_000_000, "type": "person.card_revoked", "actor": "fac"},
                  {"seq": 1, "time_us": BASE_US, "type": "person.card_set", "actor": "fac"}]}],
    "grants": [{"zone": "noc", "schedule": "office"}],
    "levels": [{"level": "floor-office", "valid_from_us": 0, "valid_until_us": 0}],
    "groups": [{"id": "contractors", "levels": [{"level": "server-always", "valid_from_us": 0,
                                                 "valid_until_us": 0}]}],
    "recent_events": [{"seq": 3, "time_us": BASE_US + 1_000_000, "type": "person.card_set",
                       "source": "operator:fac", "subject": "p-aiko",
                       "payload": {"person": "p-aiko", "card": "04A1B2C3D4E5F6"}}],
    "events_from_seq": 0}}
CATALOG = {
    "/api/access_levels": {"access_levels": [
        {"id": "floor-office", "name": "3F office", "zones": [{"zone": "noc", "schedule": "office"}],
         "restricted": False},
        {"id": "server-always", "name": "Server room", "zones": [{"zone": "server-room", "schedule": "24x7"}],
         "restricted": True}]},
    "/api/groups": {"groups": [{"id": "contractors", "name": "Contractors"}]},
    "/api/schedules": {"schedules": [
        {"id": "office", "utc_offset_minutes": 540, "holidays": "closed",
         "windows": [{"days": ["mon", "tue", "wed", "thu", "fri"], "start_minute": 480, "end_minute": 1200}]},
        {"id": "24x7", "utc_offset_minutes": 540, "holidays": "ignore",
         "windows": [{"days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"], "start_minute": 0,
                      "end_minute": 1440}]}]},
}
HOLIDAYS = {"holidays": [{"date": "2026-01-01", "name": "元日", "kind": "national"},
                         {"date": "2026-05-06", "name": "休日", "kind": "substitute"},
                         {"date": "2026-12-29", "name": "年末年始", "kind": "closure"}],
            "listed_from": "2024-01-01", "listed_until": "2030-12-31"}
ZONE_CONTROL = {"lockdowns": [{"scope": "zone", "target": "server-room", "since_us": BASE_US + 5_000_000,
                               "comment": "drill", "actor": "desk"}],
                "exempt_groups": [], "alone": [], "forgiven": [], "muster": None}
MUSTER = {"zones": {"noc": [{"person": "p-ken", "person_name": "Ken Ito", "since_us": BASE_US}]},
          "muster": {"started_us": BASE_US + 7_000_000, "actor": "desk", "comment": "drill", "on_roll": 2,
                     "left_count": 1, "zones": [{"zone": "noc", "remaining": [{"person": "p-ken",
                                                                               "person_name": "Ken Ito"}],
                                                 "left": [{"person": "p-aiko", "person_name": "Aiko Sato",
                                                           "now_zone": None}]}]}}
REVOCATIONS = {"revocations": [{"id": "rv-1", "cards": ["0499"], "person": "p-aiko", "time_us": BASE_US + 8_000_000,
                                "cause": "card_revoked", "acked": [{"panel": "p-noc-door", "latency_us": 900}],
                                "pending": ["p-srv-door"]}]}
POSTS = []
PAGES = {"operator": ["overview", "events"], "facility_admin": [],
         "security_admin": ["overview", "events", "audit", "operators"]}


class State:
    role = "operator"
    lang = "en"
    sockets = []
    seq = 100


def catalogue(source_dir, lang):
    merged = {}
    for path in ("console/web/messages.json", "doors/web/messages.json"):
        with open(os.path.join(source_dir, path), encoding="utf-8") as f:
            for key, texts in json.load(f).items():
                assert key not in merged, key
                merged[key] = texts[lang]
    return merged


def make_handler(source_dir):
    roots = {"/plugins/doors/": os.path.join(source_dir, "doors", "web")}
    web_root = os.path.join(source_dir, "console", "web")

    class Handler(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def json(self, body, status=200):
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def translate_path(self, path):
            path = path.split("?")[0]
            for prefix, root in roots.items():
                if path.startswith(prefix):
                    return os.path.join(root, path[len(prefix):])
            return os.path.join(web_root, path.lstrip("/") or "index.html")

        def websocket(self):
            key = self.headers["Sec-WebSocket-Key"]
            accept = base64.b64encode(hashlib.sha1(
                (key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").encode()).digest()).decode()
            self.wfile.write(("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                              "Connection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n\r\n" % accept).encode())
            outbox = queue.Queue()
            State.sockets.append(outbox)
            outbox.put({"control": "hello", "head_seq": State.seq})
            while True:
                message = outbox.get()
                data = json.dumps(message).encode()
                header = bytes([0x81]) + (bytes([len(data)]) if len(data) < 126
                                          else bytes([126]) + struct.pack(">H", len(data)))
                try:
                    self.wfile.write(header + data)
                    self.wfile.flush()
                except OSError:
                    return

        def do_GET(self):
            path, _, query = self.path.partition("?")
            if path == "/ws/events":
                return self.websocket()
            if path == "/api/me":
                return self.json({"name": "tester", "role": State.role, "language": State.lang,
                                  "pages": PAGES[State.role], "site": SITE,
                                  "must_change_password": False})
            if path == "/api/site":
                return self.json({"site": SITE, "zones": ZONES})
            if path == "/api/ui/messages":
                lang = "ja" if "lang=ja" in query else "en"
                return self.json({"lang": lang, "messages": catalogue(source_dir, lang)})
            if path == "/api/ui/plugins":
                return self.json({"plugins": [{"name": "doors", "entry": "/plugins/doors/index.js"}]})
            if path == "/api/doors":
                return self.json({"doors": DOORS})
            if path.startswith("/api/doors/"):
                row = next((d for d in DOORS if d["id"] == path[len("/api/doors/"):]), None)
                return self.json({"door": row} if row else {"error": "no door", "code": "not_found"},
                                 200 if row else 404)
            if path == "/api/presence":
                return self.json(PRESENCE)
            if path == "/api/people":
                return self.json(PEOPLE)
            if path == "/api/people/p-aiko":
                return self.json(PERSON_PAGE)
            if path in CATALOG:
                return self.json(CATALOG[path])
            if path == "/api/holidays":
                year = int(query.split("year=")[1].split("&")[0]) if "year=" in query else 2026
                return self.json(dict(HOLIDAYS, year=year) if year == 2026 else
                                 {"year": year, "holidays": [], "listed_from": "", "listed_until": ""})
            if path == "/api/zone_control":
                return self.json(ZONE_CONTROL)
            if path == "/api/muster":
                return self.json(MUSTER)
            if path == "/api/revocations":
                return self.json(REVOCATIONS)
            if path == "/api/approvals":
                return self.json({"approvals": [{"id": "apr-1", "kind": "doors.grant_restricted",
                                                 "state": "pending", "subject": "p-aiko", "requester": "fac",
                                                 "created_us": BASE_US, "expires_us": BASE_US + 3600_000_000,
                                                 "summary": "grant p-aiko server-room 24x7"}],
                                  "utc_offset_minutes": 540, "now_us": BASE_US})
            if path == "/api/events":
                events = DOOR_EVENTS if "door=srv-door" in query else []
                return self.json({"events": events, "next_before_seq": None, "next_after_seq": None})
            if path.startswith("/api/"):
                return self.json({"alarms": [], "events": []})
            return super().do_GET()

        def do_POST(self):
            path = self.path.partition("?")[0]
            body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"null")
            POSTS.append((path, body))
            if path == "/api/doors/srv-door/unlock":
                return self.json({"approval": {"id": "apr-9", "kind": "doors.door_command", "state": "pending",
                                               "expires_us": BASE_US}}, 202)
            if path.startswith("/api/doors/"):
                return self.json({"door": path.split("/")[3], "command": path.split("/")[4]})
            if path.endswith("/passback/forgive"):
                return self.json({"forgiven": {"person": path.split("/")[3], "person_name": "Ken Ito"}})
            return self.json({"error": "not here", "code": "doors.not_found"}, 404)

    return Handler


def push(event):
    State.seq += 1
    event = dict(event, seq=State.seq, time_us=BASE_US + State.seq * 1_000_000)
    for outbox in State.sockets:
        outbox.put(event)


def wait(driver, check, what, timeout=10):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            if check():
                return
        except Exception:  # noqa: BLE001 (an element re-rendered under us: look again)
            pass
        time.sleep(0.05)
    logs = [e["message"] for e in driver.get_log("browser")]
    text = driver.execute_script("return document.body.innerText")[-1500:]
    raise AssertionError("timed out waiting for %s; browser log: %s; page: %s" % (what, logs[-5:], text))


def by(driver, testid):
    return driver.find_elements(By.CSS_SELECTOR, '[data-testid="%s"]' % testid)


def snapshot(driver, testid):
    """Every element with the test id as {attribute: value, "text": ...}, read in one script:
    the views re-render on every change, so a WebElement found a moment ago may be gone."""
    return driver.execute_script("""
      return Array.from(document.querySelectorAll('[data-testid="' + arguments[0] + '"]'))
        .map((e) => { const o = {text: e.textContent};
                      for (const a of e.getAttributeNames()) o[a] = e.getAttribute(a);
                      return o; });""", testid)


def untranslated(driver):
    text = driver.execute_script("return document.body.innerText + ' ' + Array.from("
                                 "document.querySelectorAll('title')).map(t => t.textContent).join(' ')")
    assert "\u27e6" not in text, text[text.index("\u27e6") - 80:text.index("\u27e6") + 80]
    errors = [e for e in driver.get_log("browser") if "missing message" in e["message"]]
    assert not errors, errors


def start(driver, url, role, lang):
    State.role = role
    State.lang = lang
    State.sockets = []
    driver.get(url + "/")
    driver.execute_script("localStorage.setItem('sekimori.lang', arguments[0])", lang)
    driver.get(url + "/#/")
    wait(driver, lambda: driver.execute_script(
        "return window.sekimoriShell && window.sekimoriShell.ready && true"), "the shell")
    driver.execute_script("window.sekimoriShell.ready.then(r => { window.readyPages = r.pages; })")
    wait(driver, lambda: driver.execute_script("return window.readyPages"), "the shell's pages")
    return driver.execute_script("return window.readyPages")


def check_operator(driver, url, lang):
    pages = start(driver, url, "operator", lang)
    assert "doors" in pages and "people" not in pages, pages
    # The Doors tile: one closed and locked, one offline.
    wait(driver, lambda: len(by(driver, "overview-doors-count")) >= 5, "the doors tile")
    counts = {e["data-state"]: e["data-count"] for e in snapshot(driver, "overview-doors-count")}
    assert counts["closed_locked"] == "1" and counts["offline"] == "1", counts
    assert snapshot(driver, "overview-gates-count")[0]["data-count"] == "1"
    assert by(driver, "overview-gates-unsupervised")
    # Who is inside: Ken in the NOC, by names.
    wait(driver, lambda: by(driver, "overview-inside-person"), "who is inside")
    person = snapshot(driver, "overview-inside-person")[0]
    assert person["data-zone"] == "noc" and "Ken Ito" in person["text"], person
    assert "NOC" in snapshot(driver, "overview-inside-zone")[0]["text"]
    # The plan: three markers, one dot in the NOC's rectangle.
    wait(driver, lambda: len(by(driver, "overview-plan-door")) == 3, "the plan's markers")
    states = {m["data-id"]: m["data-state"] for m in snapshot(driver, "overview-plan-door")}
    assert states == {"srv-door": "closed_locked", "noc-door": "offline",
                      "gate-srv": "unsupervised"}, states
    dot = snapshot(driver, "overview-plan-person")[0]
    cx, cy = float(dot["cx"]), float(dot["cy"])
    assert 40 < cx < 320 and 40 < cy < 260, (cx, cy)
    assert "Ken Ito" in dot["text"], dot
    untranslated(driver)

    # Live: the server room door is forced, Ken moves into the server room.
    wait(driver, lambda: State.sockets, "the live stream")
    push({"type": "door.forced", "source": "door:srv-door", "subject": "",
          "payload": {"door": "srv-door"}})
    wait(driver, lambda: {m["data-id"]: m["data-state"]
                          for m in snapshot(driver, "overview-plan-door")}["srv-door"] == "forced",
         "the forced door on the plan")
    wait(driver, lambda: {e["data-state"]: e["data-count"]
                          for e in snapshot(driver, "overview-doors-count")}["forced"] == "1",
         "the forced count")
    for type_, zone in (("presence.left", "noc"), ("presence.entered", "server-room")):
        push({"type": type_, "source": "door:srv-door", "subject": "p-ken",
              "payload": {"person": "p-ken", "person_name": "Ken Ito", "zone": zone, "door": "srv-door"}})
    wait(driver, lambda: snapshot(driver, "overview-plan-person")[0]["data-zone"] == "server-room",
         "Ken's dot in the server room")
    dot = snapshot(driver, "overview-plan-person")[0]
    cx, cy = float(dot["cx"]), float(dot["cy"])
    assert 380 < cx < 740 and 40 < cy < 340, (cx, cy)
    wait(driver, lambda: snapshot(driver, "overview-inside-person")[0]["data-zone"] == "server-room",
         "who is inside moved")

    # A click on the marker opens the door's page with its events, in words.
    driver.execute_script("document.querySelector('[data-testid=\"overview-plan-door\"]"
                          "[data-id=\"srv-door\"]').dispatchEvent("
                          "new MouseEvent('click', {bubbles: true}))")
    wait(driver, lambda: "#/doors?id=srv-door" in driver.current_url, "the door's page")
    wait(driver, lambda: len(by(driver, "doors-detail-event-row")) >= 2, "the door's events")
    rows = snapshot(driver, "doors-detail-event-row")
    assert [r["data-seq"] for r in rows][-2:] == ["8", "7"], rows
    denied = [r for r in rows if r["data-seq"] == "7"][0]
    assert "DEADBEEF00112233" in denied["text"], denied
    assert "09:00:30" in denied["text"], denied  # site time, not the browser's or UTC
    assert snapshot(driver, "doors-detail-state")[0]["data-state"] == "forced"
    untranslated(driver)

    # Issue 14's pieces of the desk: the lockdown in force (the desk cannot lift it), the
    # muster roll, and on the door's page the commands (a 202 shows as waiting) and the
    # revocation the door's panel has not acknowledged.
    assert snapshot(driver, "overview-lockdown-row")[0]["data-target"] == "server-room"
    assert not by(driver, "overview-lockdown-lift") and by(driver, "overview-lockdown-lift-note")
    roll = snapshot(driver, "overview-muster-roll")[0]
    assert (roll["data-on-roll"], roll["data-left"]) == ("2", "1"), roll
    assert by(driver, "overview-alone-none")
    wait(driver, lambda: by(driver, "doors-revocation"), "the unacknowledged revocation")
    revocation = snapshot(driver, "doors-revocation")[0]
    assert revocation["data-this-panel"] == "true", revocation
    driver.execute_script("""
      const c = document.querySelector('[data-testid="doors-command-comment"]');
      c.value = 'vendor visit';""")
    by(driver, "doors-command-unlock")[0].click()
    wait(driver, lambda: snapshot(driver, "doors-command-outcome")[0]["data-state"] == "waiting",
         "the command waiting for approval")
    assert "apr-9" in snapshot(driver, "doors-command-outcome")[0]["text"]
    assert POSTS[-1] == ("/api/doors/srv-door/unlock", {"comment": "vendor visit"}), POSTS[-1]
    wait(driver, lambda: any(a["data-alert"] == "lockdown" for a in snapshot(driver, "doors-detail-alert")),
         "the server room's lockdown on its door's page")
    push({"type": "door.lock_fault", "source": "door:srv-door", "subject": "",
          "payload": {"door": "srv-door", "state": "active"}})
    wait(driver, lambda: any(a["data-alert"] == "lock_fault" for a in snapshot(driver, "doors-detail-alert")),
         "the lock fault on the door's page")
    # Ken refused for anti-passback at this door: the desk forgives him once, with a comment.
    push({"type": "access.denied", "source": "door:srv-door", "subject": "p-ken",
          "payload": {"door": "srv-door", "side": "entry", "person": "p-ken", "person_name": "Ken Ito",
                      "decision": "denied", "reason": "anti_passback", "session": "s9"}})
    wait(driver, lambda: by(driver, "doors-detail-forgive-open"), "the forgive button")
    by(driver, "doors-detail-forgive-open")[0].click()
    wait(driver, lambda: by(driver, "doors-detail-forgive-comment"), "the forgive comment")
    by(driver, "doors-detail-forgive-comment")[0].send_keys("badge failed on the way out")
    by(driver, "doors-detail-forgive-submit")[0].click()
    wait(driver, lambda: snapshot(driver, "doors-detail-forgive-outcome")[0]["data-state"] == "done", "forgiven")
    assert POSTS[-1] == ("/api/people/p-ken/passback/forgive", {"comment": "badge failed on the way out"}), POSTS[-1]
    push({"type": "zone.alone", "source": "zone:noc", "subject": "p-ken",
          "payload": {"zone": "noc", "person": "p-ken", "person_name": "Ken Ito", "since_us": BASE_US}})
    wait(driver, lambda: by(driver, "overview-alone-row"), "never alone on the overview")
    untranslated(driver)

    # The list: every door and the gate, in words.
    driver.execute_script("window.scrollTo(0, 0)")  # under the shell's sticky header otherwise
    driver.find_element(By.CSS_SELECTOR, '[data-testid="doors-detail-back"]').click()
    wait(driver, lambda: len(by(driver, "doors-row")) == 3, "the doors table")
    kinds = [r["data-kind"] for r in snapshot(driver, "doors-row")]
    assert kinds == ["door", "door", "circle_gate"], kinds
    assert by(driver, "doors-gates-note")
    table = snapshot(driver, "doors-table")[0]["text"]
    assert "{" not in table and "1796" not in table, table  # no raw JSON, no epoch µs
    untranslated(driver)


def check_facility_admin(driver, url, lang):
    pages = start(driver, url, "facility_admin", lang)
    assert pages[:2] == ["doors", "people"], pages
    assert not by(driver, "overview-tile-doors") or not by(driver, "overview-tile-doors")[0].is_displayed()
    driver.get(url + "/#/people")
    wait(driver, lambda: len(by(driver, "people-card")) == 2, "the people cards")
    cards = {c["data-person"]: c for c in snapshot(driver, "people-card")}
    assert "Aiko Sato" in cards["p-aiko"]["text"] and "04A1B2C3D4E5F6" in cards["p-aiko"]["text"]
    states = [u["data-state"] for u in snapshot(driver, "people-card-uid")]
    assert states == ["active", "revoked"], states
    assert cards["p-ken"]["data-active"] == "false"
    assert [w["data-zone"] for w in snapshot(driver, "people-where")] == ["", "noc"]
    search = by(driver, "people-search")[0]
    search.send_keys("04A1")
    wait(driver, lambda: len(by(driver, "people-card")) == 1, "the search")
    untranslated(driver)

    # The person's page: factors yes/no, cards with history, grants, levels (one through a
    # group), groups, the approval waiting, recent events.
    by(driver, "people-card")[0].click()
    wait(driver, lambda: "#/people?id=p-aiko" in driver.current_url, "the person's page")
    wait(driver, lambda: len(by(driver, "person-factor")) == 6, "the factors")
    factors = {f["data-factor"]: f["data-enrolled"] for f in snapshot(driver, "person-factor")}
    assert factors["finger"] == "true" and factors["finger_2"] == "false", factors
    assert [c["data-state"] for c in snapshot(driver, "person-card")] == ["active", "revoked"]
    assert [h["data-type"] for h in snapshot(driver, "person-card-history")] == [
        "person.card_set", "person.card_revoked", "person.card_set"]
    assert sorted(l["data-via"] for l in snapshot(driver, "person-level")) == ["contractors", "person"]
    assert snapshot(driver, "person-approval")[0]["data-kind"] == "doors.grant_restricted"
    assert snapshot(driver, "person-validity")[0]["data-state"] == "valid"
    assert by(driver, "person-escort") and by(driver, "person-event-row")
    untranslated(driver)

    # The access page: levels, schedules in words, the year's holidays.
    driver.get(url + "/#/access")
    wait(driver, lambda: len(by(driver, "access-holiday-row")) == 3, "the holidays")
    assert [m["data-month"] for m in snapshot(driver, "access-month")] == [str(i) for i in range(1, 13)]
    assert "08:00" in snapshot(driver, "access-schedule")[0]["text"]
    assert [h["data-kind"] for h in snapshot(driver, "access-holiday")] == ["national", "substitute", "closure"]
    untranslated(driver)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--source-dir", default=os.path.join(HERE, "..", "..", ".."))
    args = parser.parse_args()
    source_dir = os.path.abspath(args.source_dir)
    socketserver.ThreadingTCPServer.allow_reuse_address = True
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), make_handler(source_dir))
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = "http://localhost:%d" % server.server_address[1]
    driver = make_driver()
    try:
        for lang in ("en", "ja"):
            check_operator(driver, url, lang)
            check_facility_admin(driver, url, lang)
            print("ok", lang)
    finally:
        driver.quit()
        server.shutdown()
    print("PASS")


if __name__ == "__main__":
    main()
