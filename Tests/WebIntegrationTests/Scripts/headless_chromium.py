"""Headless Chromium for the page scripts (browse_pages.py, browse_diff.py):
Debian's chromium and chromedriver (or PYRAMYDAL_TEST_CHROMIUM and
PYRAMYDAL_TEST_CHROMEDRIVER), a 1400x900 viewport, loopback only, the
console kept for the CSP checks."""
import os

from selenium import webdriver
from selenium.webdriver.chrome.service import Service


def start():
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
