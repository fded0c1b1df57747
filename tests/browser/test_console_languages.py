#!/usr/bin/python3
"""Japanese and English from one catalogue, every string translated (issue 13, "What must hold"
3), against the real daemon (tests/browser/console_site.py).

The catalogue walk (GET /api/ui/messages, public: the merged console/web/messages.json and every
UI plugin's messages.json):
- en and ja have the same keys, no empty text, the same {placeholders} per key;
- a ja text equals its en text only where there is nothing to translate (names, acronyms,
  placeholders) or the key is on a short allowlist;
- every event type named in docs/events.md has `event.<type>`, every reason code doors emit
  (protocol/reason_codes.hpp) has `reason.<code>`, every error code the console's routes answer
  (console/*.cpp) `error.<code>`, every role `role.<role>`, every page of the matrix
  `page.<id>`, every alarm state `alarm.state.<state>`.
Then in Chromium, per language, every page of every role (and the login and password views):
no ⟦key⟧ marker, no console.error('missing message', key), no raw event type or code on screen,
and in ja no English word outside an allowlist (the site's names and ids, units, acronyms).
Screenshots of the overview in ja and en go to $SEKIMORI_TEST_OUTPUT (else
<SEKIMORI_BINARY_DIR>/tests/browser/screenshots); their paths are printed.

  SEKIMORI_BINARY_DIR=build /usr/bin/python3 tests/browser/test_console_languages.py
"""
import os
import re
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from console_page import (MISSING_MARK, ConsolePage, fetch_messages, make_driver,  # noqa: E402
                          test_output_dir)
from console_site import ACCOUNTS, PERSON, SITE_NAMES, UNKNOWN_CARD, ConsoleSite  # noqa: E402
from site_operators import one_time_password  # noqa: E402
from site_under_test import OPERATORS, SOURCE_DIR  # noqa: E402
from test_console_roles import PAGES  # noqa: E402

ROLES = ("operator", "facility_admin", "security_admin", "auditor", "bcp_coordinator")
ALARM_STATES = ("active", "acknowledged", "shelved", "resolved", "cleared")
# Keys whose ja text may equal the en one although it has words (the language's own name).
SAME_TEXT_KEYS = {"language.en", "language.ja", "shell.product"}
# Words that stay as they are in Japanese text: acronyms, units, the product and language names.
ACRONYMS = {"UTC", "ID", "CSV", "PIN", "API", "MQTT", "SVG", "JSON", "HTTP", "HTTPS", "OK", "IP",
            "URL", "SHA", "TLS", "CPU", "HVAC", "UPS", "BCP", "QR", "LED", "NG", "WebSocket",
            "Ed25519", "SHA-256", "RTSP", "NTP", "UID", "CCTV", "CRAC", "ATS", "PDU", "RH"}
UNITS = {"ms", "s", "min", "h", "px", "kB", "KB", "MB", "GB", "fps", "kW", "kWh", "kVA", "V",
         "A", "Hz", "L", "degC", "rpm", "kPa"}
PRODUCT = {"Sekimori", "English"}
# Program names (a panel's firmware, the daemon's broker client), shown as they are.
PROGRAMS = {"sekimori", "sekimorid", "sekimori-sim-panel", "sekimori-witness"}
# What an operator types or opens as it is: a site-file section, a command, a document's path.
VERBATIM = {"vault", "audit", "verify", "docs/vault-api.md", "docs/custody.md", "key_cabinets",
            "metal_detectors", "carry_in"}
# The site's ids (site file, harness accounts, this fixture's person), shown as they are.
SITE_IDS = {"it-site", "bldg", "floor-3f", "server-room", "building-entrance",
            "server-room-door", "p-entrance", "p-server", "24x7", "w1", "p-aiko", "new-ja",
            "new-en",
            *ACCOUNTS.values(), *OPERATORS.values()}
TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.'/@+\-]*")
RAW_KEY = re.compile(r"^[a-z][a-z0-9]*(\.[a-z0-9_]+)+$")   # access.granted, role.auditor
RAW_CODE = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)+$")    # unknown_card, security_admin
PLACEHOLDER = re.compile(r"\{([A-Za-z0-9_]+)\}")


def allowed_words():
    words = (set(ACRONYMS) | set(UNITS) | set(PRODUCT) | set(PROGRAMS) | set(VERBATIM)
             | set(SITE_IDS))
    for name in SITE_NAMES:
        words.update(name.split())
    return {w.lower() for w in words}


def words_left_in_english(text, allowed):
    """Tokens of `text` a Japanese screen should not show: English words, raw keys and codes."""
    found = []
    for token in TOKEN.findall(text):
        token = token.rstrip(".:'/-")
        if not token or token.lower() in allowed:
            continue
        if RAW_KEY.match(token) or RAW_CODE.match(token):
            found.append(token)
            continue
        if any(c.isdigit() for c in token):
            continue  # times, counts, card numbers, hashes
        if len(token) >= 2:
            found.append(token)
    return found


def raw_keys_and_codes(text, allowed):
    """Event types, catalogue keys and codes shown as they are (in either language)."""
    return [t for t in (tok.rstrip(".:'/-") for tok in TOKEN.findall(text))
            if t.lower() not in allowed and (RAW_KEY.match(t) or RAW_CODE.match(t))]


def documented_event_types():
    """Every type in the first column of a table row of docs/events.md (in backticks, comma
    separated), as tests/core/event_types_documented_test.cpp reads them."""
    types = set()
    with open(os.path.join(SOURCE_DIR, "docs", "events.md")) as f:
        for line in f:
            cells = line.split("|")
            if line.startswith("|") and len(cells) >= 3:
                types.update(re.findall(r"`([a-z0-9_]+(?:\.[a-z0-9_]+)+)`", cells[1]))
    return types


def reason_codes():
    """The codes of protocol/reason_codes.hpp's namespace reason."""
    with open(os.path.join(SOURCE_DIR, "protocol", "reason_codes.hpp")) as f:
        text = f.read()
    block = re.search(r"namespace reason \{(.*?)\}", text, re.S).group(1)
    return set(re.findall(r'constexpr std::string_view \w+ = "([a-z0-9_]+)"', block))


def console_error_codes():
    """The codes the console's routes answer errors with: every jsonError(status, "<code>", ...)
    of console/*.cpp and the codes errorCodeFor gives a status (console/http_helpers.cpp)."""
    codes = set()
    for name in os.listdir(os.path.join(SOURCE_DIR, "console")):
        if not name.endswith(".cpp"):
            continue
        with open(os.path.join(SOURCE_DIR, "console", name)) as f:
            text = f.read()
        codes.update(re.findall(r'jsonError\(\s*http::status::\w+,\s*"([a-z_.]+)",', text))
        by_status = re.search(r"errorCodeFor\(http::status status\)\s*\{(.*?)\n\}", text, re.S)
        if by_status:
            codes.update(re.findall(r'return "([a-z_.]+)";', by_status.group(1)))
    return codes


def screen_text(page):
    """What the screen shows: rendered text plus the placeholders of visible empty inputs."""
    return page.driver.execute_script("""
        const parts = [document.body.innerText];
        for (const i of document.querySelectorAll('input[placeholder], textarea[placeholder]')) {
          if (i.offsetParent !== null && !i.value) parts.push(i.placeholder);
        }
        return parts.join('\\n');""")


class ConsoleLanguages(unittest.TestCase):
    maxDiff = None

    @classmethod
    def setUpClass(cls):
        cls.driver = None
        cls.site = ConsoleSite()
        try:
            cls.site.start()
            cls.site.make_traffic()
            cls.messages = {lang: fetch_messages(cls.site.url, lang) for lang in ("en", "ja")}
            cls.driver = make_driver()
            cls.page = ConsolePage(cls.driver, cls.site.url)
            cls.allowed = allowed_words()
            cls.reported_missing = set()
            cls.output = test_output_dir(os.path.join(
                os.environ.get("SEKIMORI_BINARY_DIR", os.getcwd()), "tests", "browser",
                "screenshots"))
        except BaseException:
            cls.tearDownClass()
            raise

    @classmethod
    def tearDownClass(cls):
        if cls.driver:
            cls.driver.quit()
        cls.site.close()

    # --- the catalogue --------------------------------------------------------------------
    def test_01_both_languages_have_the_same_keys(self):
        en, ja = set(self.messages["en"]), set(self.messages["ja"])
        self.assertEqual(sorted(en - ja), [], "keys only in en")
        self.assertEqual(sorted(ja - en), [], "keys only in ja")
        self.assertGreater(len(en), 100)

    def test_02_no_text_is_empty(self):
        for lang, messages in self.messages.items():
            empty = sorted(k for k, v in messages.items() if not isinstance(v, str) or not v.strip())
            self.assertEqual(empty, [], "empty %s texts" % lang)

    def test_03_placeholders_agree(self):
        differ = {k: (sorted(set(PLACEHOLDER.findall(v))),
                      sorted(set(PLACEHOLDER.findall(self.messages["ja"].get(k, "")))))
                  for k, v in self.messages["en"].items()}
        differ = {k: v for k, v in differ.items() if v[0] != v[1]}
        self.assertEqual(differ, {}, "placeholders of en vs ja")

    def test_04_japanese_is_not_english(self):
        same = []
        for key, en in self.messages["en"].items():
            ja = self.messages["ja"].get(key)
            if ja != en or key in SAME_TEXT_KEYS:
                continue
            # Nothing to translate: names, acronyms, numbers and placeholders only.
            if words_left_in_english(PLACEHOLDER.sub("", en), self.allowed):
                same.append((key, en))
        self.assertEqual(same, [], "ja texts identical to en")

    def test_05_every_documented_event_type_has_a_label(self):
        types = documented_event_types()
        self.assertGreater(len(types), 40)
        missing = sorted(t for t in types if "event." + t not in self.messages["en"])
        self.assertEqual(missing, [], "event.<type> missing for types in docs/events.md")

    def test_06_every_reason_code_has_a_text(self):
        codes = reason_codes()
        self.assertIn("unknown_card", codes)
        missing = sorted(c for c in codes if "reason." + c not in self.messages["en"])
        self.assertEqual(missing, [], "reason.<code> missing for protocol/reason_codes.hpp")

    def test_07_roles_pages_and_alarm_states_have_texts(self):
        wanted = (["role." + r for r in ROLES] +
                  ["page." + p for p in sorted(set().union(*PAGES.values()))] +
                  ["alarm.state." + s for s in ALARM_STATES])
        self.assertEqual([k for k in wanted if k not in self.messages["en"]], [])

    def test_07b_every_console_error_code_has_a_text(self):
        codes = console_error_codes()
        self.assertIn("forbidden", codes)
        self.assertIn("bad_credentials", codes)
        missing = sorted(c for c in codes if "error." + c not in self.messages["en"])
        self.assertEqual(missing, [], "error.<code> missing for the console's error codes")

    # --- the pages in the browser -----------------------------------------------------------
    def check_screen(self, where, lang, problems):
        text = screen_text(self.page)
        if MISSING_MARK in text:
            problems.append("%s: untranslated %s" % (
                where, sorted(set(re.findall("\u27e6[^\u27e7]*\u27e7", text)))))
        missing = [k for k in self.page.missing_messages() if k not in self.reported_missing]
        if missing:
            self.reported_missing.update(missing)
            problems.append("%s: console.error missing message %s" % (where, missing))
        leftover = (words_left_in_english(text, self.allowed) if lang == "ja"
                    else raw_keys_and_codes(text, self.allowed))
        if leftover:
            # Each word with the first line that shows it, so the owner can find the string.
            lines = text.splitlines()
            def first_line(word):
                pattern = re.compile(r"(?<![\w.-])" + re.escape(word) + r"(?![\w-])")
                return next((ln.strip()[:100] for ln in lines if pattern.search(ln)), "")
            shown = ["%s in %r" % (w, first_line(w)) for w in sorted(set(leftover))]
            problems.append("%s: %s %s" % (where, "English words" if lang == "ja"
                                           else "raw keys/codes", "; ".join(shown)))

    def test_08_the_login_and_password_views_in_both_languages(self):
        problems = []
        for lang in ("ja", "en"):
            self.page.ensure_logged_out()
            self.driver.execute_script("""
                const s = document.querySelector('[data-testid="login-language"]');
                s.value = arguments[0]; s.dispatchEvent(new Event('change'));""", lang)
            self.page.wait_until(lambda: self.page.lang() == lang, what="login in " + lang)
            self.page.wait_until(lambda: self.driver.find_element(
                *self.page._by_testid("login-submit")).text.strip(), what="login button text")
            self.check_screen("login view (%s)" % lang, lang, problems)
            # A wrong password's message is in the language too.
            try:
                self.page.login(ACCOUNTS["operator"], "not-the-password")
                problems.append("login view (%s): a wrong password logged in" % lang)
            except AssertionError:
                self.check_screen("login error (%s)" % lang, lang, problems)
            # A new account's first login: the password view, and its mismatch message.
            name = "new-" + lang
            asked = self.site.site.operators.as_(OPERATORS["security"], "operator", "add",
                                                 "--name", name, "--role", "operator").stdout
            one_time = one_time_password(self.site.site.approve(asked))
            self.assertEqual(self.page.login(name, one_time, language=lang), "password")
            # The view speaks the account's language (a new one's default), checked as such.
            lang = self.page.lang()
            self.check_screen("password view (%s)" % lang, lang, problems)
            for testid, value in (("password-new", "pw-a-" + os.urandom(6).hex()),
                                  ("password-confirm", "pw-b-" + os.urandom(6).hex())):
                box = self.driver.find_element(*self.page._by_testid(testid))
                box.clear()
                box.send_keys(value)
            self.driver.find_element(*self.page._by_testid("password-submit")).click()
            self.page.wait_until(lambda: self.driver.find_element(
                *self.page._by_testid("password-error")).text, what="the mismatch message")
            self.check_screen("password mismatch (%s)" % lang, lang, problems)
        self.assertEqual(problems, [], "\n" + "\n".join(problems))

    def test_09_every_page_of_every_role_in_both_languages(self):
        problems = []
        for lang in ("ja", "en"):
            for role in ROLES:
                name, password = self.site.account(role)
                self.page.ensure_logged_out()
                self.assertEqual(self.page.login(name, password), "shell", name)
                self.page.set_language(lang)
                self.assertEqual(self.page.lang(), lang)
                self.page.settle()
                self.check_screen("%s %s landing" % (lang, role), lang, problems)
                for page_id in self.page.nav_pages():
                    try:
                        self.page.visit(page_id)
                    except AssertionError as e:
                        problems.append("%s %s #/%s did not show: %s" % (lang, role, page_id, e))
                        continue
                    self.check_screen("%s %s #/%s" % (lang, role, page_id), lang, problems)
        self.assertEqual(problems, [], "\n" + "\n".join(problems))

    def test_10_overview_screenshots_in_ja_and_en(self):
        name, password = self.site.account("security_admin")
        self.page.ensure_logged_out()
        self.assertEqual(self.page.login(name, password), "shell")
        paths = []
        for lang in ("ja", "en"):
            self.page.set_language(lang)
            self.page.open_page("overview")
            self.page.wait_until_live()
            # Live traffic while the overview is open: in the feed with the person's name, and
            # the unknown card's number.
            newest = max([r["seq"] for r in self.page.feed_rows()] or [0])
            self.site.badge_again()
            self.page.wait_for_feed_row(lambda r: r["type"] == "access.granted"
                                        and r["seq"] > newest and r["who"] == PERSON[1])
            self.page.wait_for_feed_row(lambda r: r["type"] == "access.denied"
                                        and r["seq"] > newest and UNKNOWN_CARD in r["detail"])
            self.page.settle("overview")
            path = self.page.screenshot(os.path.join(self.output, "overview-%s.png" % lang))
            with open(path, "rb") as f:
                head = f.read(8)
            self.assertEqual(head, b"\x89PNG\r\n\x1a\n")
            self.assertGreater(os.path.getsize(path), 20000, path)
            paths.append(path)
        for path in paths:
            print("screenshot:", path)


if __name__ == "__main__":
    unittest.main(verbosity=2)
