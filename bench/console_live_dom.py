#!/usr/bin/python3
"""The live load bench's browser (bench/console_live_load.cpp starts it): headless Chromium
(Debian chromium + chromedriver + python3-selenium, tests/browser/console_page.py make_driver)
logged in as an operator on the overview. A MutationObserver notes, for each overview event row
(data-testid="overview-event-row", data-seq) the first time it is in the DOM, Date.now() in the
callback that saw it (MutationObserver callbacks run as a microtask right after the change).

  console_live_dom.py --url https://localhost:PORT --name NAME --password PW --out FILE

Prints READY once the overview is loaded and observed; on a line "STOP" on stdin (or EOF) it
writes FILE, one "<seq> <dom_ms>" per row seen, prints "DONE <rows>" and quits the browser.
"""
import argparse
import os
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "browser"))
from console_page import make_driver  # noqa: E402

OBSERVE = """
if (!window.__liveLoad) {
  const seen = new Set();
  const pending = [];
  const note = (el, at) => {
    const seq = el.getAttribute('data-seq');
    if (seq && !seen.has(seq)) { seen.add(seq); pending.push(seq + ' ' + at); }
  };
  const selector = '[data-testid="overview-event-row"][data-seq]';
  new MutationObserver((records) => {
    const at = Date.now();
    for (const r of records) {
      for (const n of r.addedNodes) {
        if (n.nodeType !== 1) continue;
        if (n.matches(selector)) note(n, at);
        for (const row of n.querySelectorAll(selector)) note(row, at);
      }
      if (r.type === 'attributes' && r.target.nodeType === 1 && r.target.matches(selector)) {
        note(r.target, at);
      }
    }
  }).observe(document.documentElement, {childList: true, subtree: true,
                                        attributes: true, attributeFilter: ['data-seq']});
  window.__liveLoad = {drain: () => pending.splice(0, pending.length), seen};
}
"""

LOGIN = """
const done = arguments[arguments.length - 1];
fetch('/api/login', {method: 'POST', credentials: 'same-origin',
                     headers: {'Content-Type': 'application/json'},
                     body: JSON.stringify({name: arguments[0], password: arguments[1]})})
  .then(async (r) => done([r.status, await r.text()]))
  .catch((e) => done([0, String(e)]));
"""


def browser_log(driver):
    """The page's SEVERE console messages (a courtesy: not every driver keeps them)."""
    try:
        return [e.get("message", "") for e in driver.get_log("browser")
                if e.get("level") == "SEVERE"]
    except Exception:  # noqa: BLE001
        return []


def wait_for_overview(driver, timeout=60):
    """True once the overview's feed is shown (the shell loaded, the session is good)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if driver.execute_script(
                "const f = document.querySelector('[data-testid=\"overview-feed\"]');"
                "return !!f && f.offsetParent !== null;"):
            return True
        time.sleep(0.1)
    return False


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--name", required=True)
    parser.add_argument("--password", required=True)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()

    driver = make_driver()
    rows = []
    try:
        driver.set_script_timeout(30)
        driver.get(args.url + "/")
        status, text = driver.execute_async_script(LOGIN, args.name, args.password)
        if status != 200:
            raise SystemExit("browser login failed: %s %s" % (status, text))
        # Only the hash differs from the page loaded before the login: reload to let the shell
        # start with the session.
        driver.get(args.url + "/#/overview")
        driver.refresh()
        driver.execute_script(OBSERVE)
        if not wait_for_overview(driver):
            raise SystemExit("no overview feed on %s; page says: %r; browser log: %r" % (
                driver.current_url, driver.execute_script(
                    "return document.body ? document.body.innerText.slice(0, 500) : ''"),
                browser_log(driver)))
        print("READY", flush=True)

        stop = threading.Event()
        threading.Thread(target=lambda: (sys.stdin.readline(), stop.set()), daemon=True).start()
        # Drain the page's buffer once a second: small transfers, little work on its main thread.
        while not stop.wait(1.0):
            rows.extend(driver.execute_script("return window.__liveLoad.drain();"))
        rows.extend(driver.execute_script("return window.__liveLoad.drain();"))
        for message in browser_log(driver):
            print("BROWSER " + message, file=sys.stderr, flush=True)
    finally:
        with open(args.out, "w") as out:
            out.write("".join(r + "\n" for r in rows))
        driver.quit()
    print("DONE %d" % len(rows), flush=True)


if __name__ == "__main__":
    main()
