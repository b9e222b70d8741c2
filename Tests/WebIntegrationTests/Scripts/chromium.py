"""The headless Chromium the browser tests drive (selenium, chromedriver
from Debian): 1400x900, loopback only, the console kept for CSP checks;
and the scripts' shared steps (a job page's status, waiting with a
useful message)."""
import os

from selenium import webdriver
from selenium.webdriver.chrome.service import Service


def start():
    """A driver for headless Chromium whose viewport is 1400x900."""
    options = webdriver.ChromeOptions()
    options.binary_location = os.environ.get("PYRAMYDAL_TEST_CHROMIUM", "/usr/bin/chromium")
    for flag in [
        "--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--window-size=1400,900",
        "--no-first-run", "--disable-extensions", "--disable-sync", "--disable-background-networking",
        "--disable-component-update", "--disable-default-apps", "--lang=en-US",
        # Loopback only: every other host name fails to resolve, and anything
        # not on loopback would go through a proxy where nothing listens.
        "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
        "--proxy-server=http://127.0.0.1:9",
    ]:
        options.add_argument(flag)
    # The console, to check that the strict CSP blocked nothing (htmx adds no inline style or script here).
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(os.environ.get("PYRAMYDAL_TEST_CHROMEDRIVER", "/usr/bin/chromedriver")),
                              options=options)
    # The page's viewport itself 1400x900 (the window's size includes none of it in headless mode, but be sure).
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                           {"width": 1400, "height": 900, "deviceScaleFactor": 1, "mobile": False})
    return driver


def console_problems(entries):
    """The messages of console entries that are errors or CSP refusals."""
    return [e["message"] for e in entries
            if e["level"] == "SEVERE" or "Content Security Policy" in e["message"] or "Refused to" in e["message"]]


def check_console(driver, where, expected=lambda message: False):
    """Asserts that the browser's console holds no CSP violation and no
    error since the last check (but those `expected` allows); returns the
    entries read."""
    entries = driver.get_log("browser")
    bad = [m for m in console_problems(entries) if not expected(m)]
    assert not bad, f"{where}: {bad}"
    return entries


def step(name):
    """One line of the script's output per step done."""
    print("ok:", name, flush=True)


def job_status(driver):
    """A job page's status partial as text (read in one script: htmx swaps it every second)."""
    return driver.execute_script("const s = document.querySelector('.job-status'); return s ? s.innerText : ''")


def wait_for(driver, wait, predicate, what):
    """Waits (`wait`, a WebDriverWait) until `predicate()` holds; else fails naming `what`, the URL and any job status."""
    try:
        wait.until(lambda d: predicate())
    except Exception:
        raise AssertionError(f"timed out waiting for {what}; url {driver.current_url}; status {job_status(driver)!r}")


class Session:
    """A started driver with a 120-second wait and the console entries read so far (the job-page scripts' helpers)."""

    def __init__(self):
        from selenium.webdriver.support.ui import WebDriverWait
        self.driver = start()
        self.wait = WebDriverWait(self.driver, 120, poll_frequency=0.1)
        self.console = []

    def job_status(self):
        return job_status(self.driver)

    def wait_for(self, predicate, what):
        wait_for(self.driver, self.wait, predicate, what)

    def check_console(self, where):
        """No CSP violation and no error in the browser's console since the last check."""
        self.console.extend(check_console(self.driver, where))
