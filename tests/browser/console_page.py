"""Page object for the Sekimori console in headless Chromium (Debian chromium + chromedriver).

Reusable by any test that has a console URL:

    from console_page import ConsolePage, make_driver
    driver = make_driver()
    page = ConsolePage(driver, "https://localhost:8443")
    page.open()
    page.login("desk", password)
    row = page.wait_for_event(lambda e: e["type"] == "access.granted", timeout=5)
    page.open_people_tab()
    assert "not permitted for role operator" in page.forbidden_message()
"""
import shutil
import tempfile
import time

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"


def make_driver():
    """A headless Chromium with a fresh profile; driver.quit() also removes the profile."""
    profile = tempfile.mkdtemp(prefix="sekimori-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic",
                "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync",
                "--ignore-certificate-errors", "--window-size=1280,900",
                "--user-data-dir=" + profile):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    quit_driver = driver.quit

    def quit_and_clean():
        try:
            quit_driver()
        finally:
            shutil.rmtree(profile, ignore_errors=True)

    driver.quit = quit_and_clean
    return driver


class ConsolePage:
    def __init__(self, driver, base_url, timeout=10):
        self.driver = driver
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout

    def _wait(self, timeout=None):
        return WebDriverWait(self.driver, timeout or self.timeout)

    def _by_testid(self, testid):
        return (By.CSS_SELECTOR, '[data-testid="%s"]' % testid)

    def open(self):
        self.driver.get(self.base_url + "/")
        self._wait().until(lambda d: d.find_element(*self._by_testid("login-view")).is_displayed()
                           or d.find_element(*self._by_testid("main-view")).is_displayed())

    def login(self, name, password):
        """Logs in through the form and waits for the main view (raises with the form's error)."""
        self._wait().until(ec.visibility_of_element_located(self._by_testid("login-name")))
        name_box = self.driver.find_element(*self._by_testid("login-name"))
        name_box.clear()
        name_box.send_keys(name)
        password_box = self.driver.find_element(*self._by_testid("login-password"))
        password_box.clear()
        password_box.send_keys(password)
        self.driver.find_element(*self._by_testid("login-submit")).click()

        def settled(d):
            if d.find_element(*self._by_testid("main-view")).is_displayed():
                return True
            return d.find_element(*self._by_testid("login-error")).text or False

        result = self._wait().until(settled)
        if result is not True:
            raise AssertionError("login failed: %s" % result)

    def logout(self):
        self.driver.find_element(*self._by_testid("logout-button")).click()
        self._wait().until(ec.visibility_of_element_located(self._by_testid("login-view")))

    def me(self):
        """(name, role) shown in the header."""
        return (self.driver.find_element(*self._by_testid("me-name")).text,
                self.driver.find_element(*self._by_testid("me-role")).text)

    def live_status(self):
        return self.driver.find_element(*self._by_testid("ws-status")).text

    def wait_until_live(self, timeout=None):
        self._wait(timeout).until(lambda d: self.live_status() == "live")

    def events(self):
        """Rows of the events table, newest first, as dicts (read in one script call)."""
        return self.driver.execute_script("""
            return Array.from(document.querySelectorAll('[data-testid="event-row"]')).map((tr) => {
              const c = Array.from(tr.cells).map((td) => td.textContent);
              return {seq: Number(tr.dataset.seq), type: tr.dataset.type,
                      denied: tr.classList.contains('denied'), time: c[0], door: c[2],
                      person: c[3], decision: c[4], reason: c[5], detail: c[6] || ''};
            });""")

    def wait_for_event(self, predicate, timeout=None):
        """Waits until a row satisfies predicate(row_dict); returns that row."""
        deadline = time.monotonic() + (timeout or self.timeout)
        while time.monotonic() < deadline:
            for row in self.events():
                if predicate(row):
                    return row
            time.sleep(0.01)
        raise AssertionError("no matching event within %ss; rows: %r"
                             % (timeout or self.timeout, self.events()[:10]))

    def open_tab(self, tab):
        self.driver.find_element(*self._by_testid("tab-" + tab)).click()

    def open_events_tab(self):
        self.open_tab("events")

    def open_doors_tab(self):
        self.open_tab("doors")
        self._wait().until(lambda d: d.find_elements(*self._by_testid("door-row"))
                           or self.forbidden_message(wait=False))

    def open_people_tab(self):
        self.open_tab("people")
        self._wait().until(lambda d: d.find_elements(*self._by_testid("person-row"))
                           or self.forbidden_message(wait=False)
                           or d.find_elements(By.CSS_SELECTOR, "#people-table td.empty"))

    def _rows(self, testid):
        """Cell texts of every row with data-testid, read in one script call (a table being
        re-rendered never yields a stale element)."""
        return self.driver.execute_script("""
            return Array.from(document.querySelectorAll('[data-testid="' + arguments[0] + '"]'))
              .map((tr) => Array.from(tr.cells).map((td) => td.textContent));""", testid)

    def doors(self):
        """Rows of the doors table: [id, name, zones, lock, position, panel, tamper, last event]."""
        return self._rows("door-row")

    def presence(self):
        """Rows of the presence table: [zone, person, id, since]."""
        return self._rows("presence-row")

    def wait_for_presence(self, predicate, timeout=None):
        """Re-opens the doors tab until a presence row satisfies predicate(cells)."""
        deadline = time.monotonic() + (timeout or self.timeout)
        while time.monotonic() < deadline:
            self.open_doors_tab()
            for row in self.presence():
                if predicate(row):
                    return row
            time.sleep(0.05)
        raise AssertionError("no matching presence row; rows: %r" % self.presence())

    def wait_for_testid(self, testid, timeout=None):
        """Waits for an element with data-testid to be visible; returns it."""
        return self._wait(timeout).until(
            ec.visibility_of_element_located(self._by_testid(testid)))

    def testid_texts(self, testid):
        return [e.text for e in self.driver.find_elements(*self._by_testid(testid))]

    def forbidden_message(self, wait=True):
        """Text of the "not permitted for role X" banner ('' when hidden)."""
        locator = self._by_testid("forbidden-message")
        if wait:
            self._wait().until(ec.visibility_of_element_located(locator))
        element = self.driver.find_element(*locator)
        return element.text if element.is_displayed() else ""
