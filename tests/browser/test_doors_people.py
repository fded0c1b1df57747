#!/usr/bin/python3
"""End to end in headless Chromium: the doors plugin's people, person and access pages
(doors/web: people_page.js, person_page.js, access_page.js) on the real daemon, broker and CLI
(tests/integration/site_under_test.py) with groups, access levels and the holiday calendar in
its site file.

A facility admin adds a person from the people page (organisation, validity dates in the site's
zone, escort, card and PIN) and finds them by organisation; on the person's page the factors
are yes/no (never a secret), a photo is uploaded and shown, a zone is granted and removed, a
grant into the server room and both fingers wait for a second person's approval (shown as
waiting, nothing written), a level is assigned to the person and one comes through a group, the
card is revoked and its history says so, the person is disabled and enabled with a comment —
each change one event in the trail by that admin. The access page shows the levels, groups,
schedules and the year's holidays and closures. Every text is from the catalogue, in en and ja.

  SEKIMORI_BINARY_DIR=build /usr/bin/python3 tests/browser/test_doors_people.py
"""
import base64
import json
import os
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
from console_page import MISSING_MARK, ConsolePage, fetch_messages, make_driver  # noqa: E402
from site_under_test import OPERATORS, SOURCE_DIR, SiteUnderTest  # noqa: E402
from selenium.common.exceptions import StaleElementReferenceException  # noqa: E402

FACILITY = OPERATORS["facility"]
SECURITY2 = OPERATORS["security2"]
TOKYO_OFFSET_US = 9 * 3600 * 1_000_000

# Appended to the harness's site file: what the access page lists and the forms offer.
ACCESS_TOML = """
[calendar]
holidays_file = "{holidays}"

[[calendar.closures]]
name = "年末年始"
from = "2026-12-29"
to = "2027-01-03"

[[schedules]]
id = "office"
name = "Office hours"
holidays = "closed"
windows = [{{ days = ["mon", "tue", "wed", "thu", "fri"], start = "08:00", end = "20:00" }}]

[[groups]]
id = "contractors"
name = "Contractors"

[[groups]]
id = "night-shift"
name = "Night shift"

[[access_levels]]
id = "floor-office"
name = "3F office hours"
zones = [{{ zone = "floor-3f", schedule = "office" }}]

[[access_levels]]
id = "server-always"
name = "Server room, always"
zones = [{{ zone = "server-room", schedule = "24x7" }}, {{ zone = "floor-3f", schedule = "24x7" }}]
"""

# The smallest PNG (1x1, transparent) and a stand-in fingerprint template of each finger.
PNG_1X1 = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==")


class PeoplePages(ConsolePage):
    def click(self, testid, within=None):
        self.driver.execute_script("""
            const root = arguments[1] ? document.querySelector(arguments[1]) : document;
            const e = root.querySelector('[data-testid="' + arguments[0] + '"]');
            if (!e) throw new Error('no ' + arguments[0]);
            e.click();""", testid, within)

    def fill(self, testid, value):
        """Sets an input's value as typing would (input events), or a checkbox's state."""
        self.driver.execute_script("""
            const e = document.querySelector('[data-testid="' + arguments[0] + '"]');
            if (!e) throw new Error('no ' + arguments[0]);
            if (e.type === 'checkbox') e.checked = !!arguments[1]; else e.value = arguments[1];
            e.dispatchEvent(new Event('input', {bubbles: true}));
            e.dispatchEvent(new Event('change', {bubbles: true}));""", testid, value)

    def attach(self, testid, path):
        """A file into a file input (found again if the page re-rendered under us)."""
        for _ in range(20):
            try:
                self.driver.find_element(*self._by_testid(testid)).send_keys(path)
                return
            except StaleElementReferenceException:
                time.sleep(0.05)
        raise AssertionError("the file input %s kept re-rendering" % testid)

    def outcome(self, testid, states=("done", "waiting", "error")):
        """Waits for the outcome line to say something; returns (state, text)."""
        return tuple(self.wait_until(lambda: self.driver.execute_script("""
            const e = document.querySelector('[data-testid="' + arguments[0] + '"]');
            return e && arguments[1].includes(e.dataset.state) && e.textContent
              ? [e.dataset.state, e.textContent] : null;""", testid, list(states)),
            what="the outcome " + testid))

    def clear_outcome(self, testid):
        self.driver.execute_script("""
            const e = document.querySelector('[data-testid="' + arguments[0] + '"]');
            if (e) { e.dataset.state = ''; e.textContent = ''; }""", testid)

    def elements(self, testid):
        """Every element with the test id as {attribute: value, text} (read at once)."""
        return self.driver.execute_script("""
            return Array.from(document.querySelectorAll('[data-testid="' + arguments[0] + '"]'))
              .map((e) => { const o = {text: e.innerText || e.textContent};
                            for (const a of e.getAttributeNames()) o[a] = e.getAttribute(a);
                            return o; });""", testid)

    def wait_elements(self, testid, predicate, what):
        return self.wait_until(lambda: (lambda rows: rows if predicate(rows) else None)(
            self.elements(testid)), what=what)

    def accept_confirms(self):
        self.driver.execute_script("window.confirm = () => true;")


class PeopleInTheBrowser(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.site = SiteUnderTest()
        cls.driver = None
        cls.tmp = tempfile.mkdtemp(prefix="sekimori-people-")
        with open(cls.site.config, "a") as f:
            f.write(ACCESS_TOML.format(
                holidays=os.path.join(SOURCE_DIR, "policy", "data", "syukujitsu.csv")))
        try:
            cls.site.start()
            cls.site.operators  # noqa: B018 (the two security admins and the facility admin)
            cls.driver = make_driver()
            cls.page = PeoplePages(cls.driver, f"https://localhost:{cls.site.console_port}")
            cls.messages = {lang: fetch_messages(cls.page.base_url, lang) for lang in ("en", "ja")}
        except BaseException:
            cls.tearDownClass()
            raise

    @classmethod
    def tearDownClass(cls):
        if cls.driver:
            cls.driver.quit()
        cls.site.close()

    def login(self, name, lang="en"):
        self.page.ensure_logged_out()
        self.assertEqual(self.page.login(name, self.site.operators.password(name)), "shell")
        self.page.set_language(lang)
        self.page.accept_confirms()

    def t(self, key, lang="en", **params):
        text = self.messages[lang][key]
        for k, v in params.items():
            text = text.replace("{" + k + "}", str(v))
        return text

    def events_since(self, seq, prefix=""):
        return [e for e in self.site.events(prefix) if e[0] > seq]

    def last_seq(self):
        return max((e[0] for e in self.site.events()), default=0)

    def no_untranslated(self):
        text = self.page.visible_text()
        self.assertNotIn(MISSING_MARK, text)
        self.assertEqual(self.page.missing_messages(), [])
        self.assertEqual([e for e in self.page.shell_errors() if "missing message" in e], [])

    def open_person(self, person):
        self.page.go("#/people?id=" + person)
        return self.page.wait_elements("person-name", lambda r: r, "the person's page")

    # ---------------------------------------------------------------------------------------
    def test_01_add_a_person_from_the_people_page(self):
        self.login(FACILITY)
        self.page.visit("people")
        before = self.last_seq()
        self.page.click("people-add-open")
        self.page.wait_for_testid("people-add-id")
        for testid, value in (("people-add-id", "p-yui"), ("people-add-name", "Yui Mori"),
                              ("people-add-organisation", "Acme Maintenance"),
                              ("people-add-valid-from", "2026-04-01"),
                              ("people-add-valid-until", "2027-03-31"),
                              ("people-add-escort", True), ("people-add-card", "04a1b2c3d4e5f6"),
                              ("people-add-pin", "4826")):
            self.page.fill(testid, value)
        self.page.click("people-add-submit")
        state, text = self.page.outcome("people-add-outcome")
        self.assertEqual((state, text), ("done", self.t("people.add.done", name="Yui Mori")))
        cards = self.page.wait_elements(
            "people-card", lambda r: any(c["data-person"] == "p-yui" for c in r), "the new card")
        yui = [c for c in cards if c["data-person"] == "p-yui"][0]
        self.assertIn("04A1B2C3D4E5F6", yui["text"])  # canonical: upper-case hex
        # Found by card number, as typed.
        self.page.fill("people-search", "04a1b2")
        self.page.wait_elements("people-card", lambda r: [c["data-person"] for c in r] == ["p-yui"],
                                "the search by card")
        # The trail: one change each, by the facility admin; the PIN never in it.
        types = [e[1] for e in self.events_since(before, "person.")]
        self.assertEqual(types, ["person.enrolled", "person.updated", "person.card_set",
                                 "person.pin_set"])
        for e in self.events_since(before, "person."):
            payload = json.loads(e[4])
            self.assertEqual(payload.get("actor"), FACILITY, e)
            self.assertNotIn("4826", e[4])
        updated = json.loads(self.events_since(before, "person.updated")[0][4])
        # The days are the site's (UTC+09:00): 1 April 00:00 in Tokyo, until the end of 31 March.
        self.assertEqual(updated["valid_from_us"], 1775001600 * 1_000_000 - TOKYO_OFFSET_US)
        self.assertEqual(updated["valid_until_us"], 1806537600 * 1_000_000 - TOKYO_OFFSET_US)
        self.assertTrue(updated["escort_required"])
        self.no_untranslated()

    def test_02_the_person_page_shows_factors_as_yes_or_no(self):
        self.login(FACILITY)
        self.page.visit("people")
        self.open_person("p-yui")
        factors = {f["data-factor"]: f["data-enrolled"]
                   for f in self.page.wait_elements("person-factor", lambda r: len(r) == 6, "factors")}
        self.assertEqual(factors, {"card": "true", "pin": "true", "finger": "false",
                                   "finger_2": "false", "keypad_code": "false", "photo": "false"})
        self.assertEqual(self.page.elements("person-validity")[0]["data-state"], "valid")
        self.assertTrue(self.page.elements("person-escort"))
        self.assertEqual(self.page.elements("person-organisation")[0]["text"], "Acme Maintenance")
        # The form shows the days that were typed, in the site's zone.
        values = self.driver.execute_script("""
            return ['person-edit-valid-from', 'person-edit-valid-until'].map(
              (id) => document.querySelector('[data-testid="' + id + '"]').value);""")
        self.assertEqual(values, ["2026-04-01", "2027-03-31"])
        text = self.page.page_text("people")
        self.assertNotIn("4826", text)
        self.assertNotIn("pin_hash", text)
        # The enrollment events are on the page, newest first.
        rows = self.page.wait_elements("person-event-row", lambda r: len(r) >= 4, "recent events")
        self.assertEqual(rows[0]["data-type"], "person.pin_set")
        self.no_untranslated()

    def test_03_photo_grant_and_removal(self):
        self.login(FACILITY)
        self.page.visit("people")
        self.open_person("p-yui")
        before = self.last_seq()
        photo = os.path.join(self.tmp, "yui.png")
        with open(photo, "wb") as f:
            f.write(PNG_1X1)
        self.page.attach("person-photo-file", photo)
        self.page.click("person-photo-upload")
        self.assertEqual(self.page.outcome("person-photo-outcome")[0], "done")
        img = self.page.wait_elements("person-photo", lambda r: r, "the photo")[0]
        self.assertTrue(img["src"].startswith("/api/people/p-yui/photo"), img)
        loaded = self.page.wait_until(lambda: self.driver.execute_script("""
            const i = document.querySelector('[data-testid="person-photo"]');
            return i && i.complete && i.naturalWidth === 1;"""), what="the photo drawn")
        self.assertTrue(loaded)
        # A zone grant (not restricted): done at once, and removed again.
        self.page.fill("person-grant-zone", "floor-3f")
        self.page.fill("person-grant-schedule", "office")
        self.page.click("person-grant-add")
        self.assertEqual(self.page.outcome("person-grants-outcome")[0], "done")
        self.page.wait_elements("person-grant", lambda r: [g["data-zone"] for g in r] == ["floor-3f"],
                                "the grant row")
        self.page.clear_outcome("person-grants-outcome")
        self.page.click("person-grant-remove")
        self.assertEqual(self.page.outcome("person-grants-outcome")[0], "done")
        self.page.wait_for_testid("person-grants-empty")
        types = [e[1] for e in self.events_since(before, "person.")]
        self.assertEqual(types, ["person.photo_set", "person.zone_granted", "person.grant_removed"])

    def test_04_restricted_grant_and_fingers_wait_for_approval(self):
        self.login(FACILITY)
        self.page.visit("people")
        self.open_person("p-yui")
        before = self.last_seq()
        self.page.fill("person-grant-zone", "server-room")
        self.page.fill("person-grant-schedule", "24x7")
        self.page.click("person-grant-add")
        state, text = self.page.outcome("person-grants-outcome")
        self.assertEqual(state, "waiting", text)
        # Finger 1, then (once finger 1 is approved) finger 2: each waits for its approval.
        for finger in (1, 2):
            template = os.path.join(self.tmp, "finger-%d.bin" % finger)
            with open(template, "wb") as f:
                f.write(bytes((finger * 7 + i) % 256 for i in range(384)))
            self.page.attach("person-finger-%d-file" % finger, template)
            self.page.click("person-finger-%d-enroll" % finger)
            state, text = self.page.outcome("person-finger-%d-outcome" % finger)
            self.assertEqual(state, "waiting", text)
            waiting = self.page.wait_elements("person-approval", lambda r: len(r) == 2,
                                              "the grant and the finger waiting")
            self.assertEqual(sorted(a["data-kind"] for a in waiting),
                             ["doors.enroll_template", "doors.grant_restricted"])
            factor = "finger" if finger == 1 else "finger_2"
            factors = {f["data-factor"]: f["data-enrolled"] for f in self.page.elements("person-factor")}
            self.assertEqual(factors[factor], "false")  # nothing written before the approval
            approval = [a["data-id"] for a in waiting if a["data-kind"] == "doors.enroll_template"][0]
            self.site.operators.as_(SECURITY2, "approval", "approve", "--id", approval)
            self.page.wait_until(lambda f=factor: {e["data-factor"]: e["data-enrolled"]
                                                   for e in self.page.elements("person-factor")}.get(f) == "true",
                                 what="finger %d enrolled after its approval" % finger)
            self.page.wait_elements("person-approval", lambda r: len(r) == 1, "the grant left waiting")
        self.assertEqual([e[1] for e in self.events_since(before, "person.")],
                         ["person.finger_set", "person.finger_set"])
        self.assertEqual(self.page.elements("person-grant"), [])  # the grant still waits

    def test_05_levels_groups_revocation_and_disable(self):
        self.login(FACILITY)
        self.page.visit("people")
        self.open_person("p-yui")
        before = self.last_seq()
        self.page.fill("person-level-choice", "floor-office")
        self.page.fill("person-level-valid-until", "2026-12-31")
        self.page.click("person-level-assign")
        self.assertEqual(self.page.outcome("person-levels-outcome")[0], "done")
        self.page.wait_elements("person-level", lambda r: [(l["data-level"], l["data-via"]) for l in r]
                                == [("floor-office", "person")], "the person's level")
        self.page.fill("person-group-choice", "contractors")
        self.page.click("person-group-join")
        self.assertEqual(self.page.outcome("person-groups-outcome")[0], "done")
        self.page.wait_elements("person-group", lambda r: [g["data-group"] for g in r] == ["contractors"],
                                "the group")
        # The group's own level (assigned through the route as the page's session would) shows as
        # held through the group, and cannot be removed from the person's page.
        status = self.page.driver.execute_async_script("""
            const done = arguments[arguments.length - 1];
            fetch('/api/groups/contractors/levels', {method: 'POST', headers: {'Content-Type': 'application/json'},
                  body: JSON.stringify({level: 'floor-office', valid_from_us: 0, valid_until_us: 0})})
              .then((r) => done(r.status));""")
        self.assertEqual(status, 200)
        self.page.go("#/people")
        self.open_person("p-yui")
        levels = self.page.wait_elements("person-level", lambda r: len(r) == 2, "both levels")
        self.assertEqual(sorted(l["data-via"] for l in levels), ["contractors", "person"])
        # Revoke the card: its history says so.
        self.page.click("person-card-revoke")
        self.assertEqual(self.page.outcome("person-cards-outcome")[0], "done")
        card = self.page.wait_elements("person-card", lambda r: r and r[0]["data-state"] == "revoked",
                                       "the revoked card")[0]
        history = self.page.elements("person-card-history")
        self.assertEqual([h["data-type"] for h in history], ["person.card_revoked", "person.card_set"])
        self.assertEqual(card["data-card"], "04A1B2C3D4E5F6")
        # Disable with a comment (required), then enable.
        self.page.click("person-disable")
        self.assertEqual(self.page.outcome("person-state-outcome"),
                         ("error", self.t("doors.comment.required")))
        self.page.clear_outcome("person-state-outcome")
        self.page.fill("person-state-comment", "contract ended")
        self.page.click("person-disable")
        self.page.wait_elements("person-active", lambda r: r and r[0]["data-active"] == "false", "disabled")

        def enabled_or_refused():
            active = self.page.elements("person-active")
            if active and active[0]["data-active"] == "true":
                return "enabled"
            line = self.page.elements("person-state-outcome")
            return "refused" if line and line[0].get("data-state") == "error" else None

        # The live refresh of the disable may re-render the form under the fill (a fresh Debian
        # run lost the comment so): a refusal for a missing comment is filled and sent again.
        for _ in range(3):
            self.page.fill("person-state-comment", "contract renewed")
            self.page.click("person-enable")
            if self.page.wait_until(enabled_or_refused, what="enabled or refused") == "enabled":
                break
            self.page.clear_outcome("person-state-outcome")
        self.page.wait_elements("person-active", lambda r: r and r[0]["data-active"] == "true", "enabled")
        types = [e[1] for e in self.events_since(before) if e[1].startswith("person.")]
        self.assertEqual(types, ["person.level_assigned", "person.group_joined", "person.level_assigned",
                                 "person.card_revoked", "person.disabled", "person.enabled"])
        disabled = json.loads(self.events_since(before, "person.disabled")[0][4])
        self.assertEqual((disabled["comment"], disabled["actor"]), ("contract ended", FACILITY))
        self.no_untranslated()

    def test_06_the_access_page(self):
        self.login(SECURITY2)
        self.page.visit("access")
        levels = self.page.wait_elements("access-level", lambda r: len(r) == 2, "the levels")
        self.assertEqual([l["data-id"] for l in levels], ["floor-office", "server-always"])
        self.assertIn("3F office hours", levels[0]["text"])
        zones = [(z["data-zone"], z["data-schedule"]) for z in self.page.elements("access-level-zone")]
        self.assertEqual(zones, [("floor-3f", "office"), ("server-room", "24x7"), ("floor-3f", "24x7")])
        self.assertEqual([g["data-id"] for g in self.page.elements("access-group")],
                         ["contractors", "night-shift"])
        schedules = {s["data-id"]: s["text"] for s in self.page.elements("access-schedule")}
        self.assertIn("08:00", schedules["office"])
        self.assertIn(self.t("access.holidays.closed"), schedules["office"])
        # This year's calendar: 元日 and the closure at the year's end, in the site's year.
        year = self.page.wait_elements("access-year", lambda r: r, "the year")[0]["data-year"]
        self.assertEqual(year, time.strftime("%Y", time.gmtime(time.time() + 9 * 3600)))
        days = {h["data-date"]: h["data-kind"] for h in
                self.page.wait_elements("access-holiday-row", lambda r: len(r) > 10, "the holidays")}
        self.assertEqual(days.get(year + "-01-01"), "national")
        if year == "2026":
            self.assertEqual(days.get("2026-12-29"), "closure")
            self.assertEqual(days.get("2026-05-06"), "substitute")
        self.assertEqual(len(self.page.elements("access-month")), 12)
        self.page.click("access-year-next")
        self.page.wait_elements("access-year", lambda r: r and r[0]["data-year"] == str(int(year) + 1),
                                "the next year")
        self.no_untranslated()

    def test_07_the_pages_speak_japanese(self):
        self.login(FACILITY, lang="ja")
        self.page.visit("people")
        self.page.wait_elements("people-card", lambda r: r, "the people cards")
        self.open_person("p-yui")
        self.page.wait_elements("person-factor", lambda r: len(r) == 6, "factors")
        heads = self.driver.execute_script("""
            return Array.from(document.querySelectorAll('[data-testid^="person-"] > h3'))
              .map((h) => h.textContent);""")
        self.assertIn(self.messages["ja"]["person.factors"], heads)
        self.no_untranslated()
        self.page.visit("access")
        self.page.wait_elements("access-holiday-row", lambda r: r, "the holidays")
        self.assertIn(self.messages["ja"]["access.month.1"], self.page.page_text("access"))
        self.no_untranslated()


if __name__ == "__main__":
    unittest.main(verbosity=2)
