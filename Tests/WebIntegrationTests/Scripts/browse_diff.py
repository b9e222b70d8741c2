"""Drives the diff page and a revert confirmation in headless Chromium
(selenium, chromedriver from Debian) against the service on loopback:
sign in as an editor, compare v1 with v2 from the versions page's form, see
the changed cells highlighted with their old values, open "Make this the
latest" on v1 and confirm it. Writes docs/images/web-diff.png and
web-confirm.png (1400x900).
Prints one line per step; any failed check raises (exit 1).

usage: browse_diff.py BASE_URL DATASET_ID USER PASSWORD IMAGES_DIR
"""
import os
import sys

from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select, WebDriverWait

import chromium

base, dataset, user, password, images = sys.argv[1:6]
versions_url = f"{base}/datasets/{dataset}/versions"

driver = chromium.start()
wait = WebDriverWait(driver, 20)


def step(name):
    print("ok:", name, flush=True)


def check_console(where):
    """No CSP violation and no error in the browser's console since the last check."""
    chromium.check_console(driver, where)


def script(text, *args):
    return driver.execute_script(text, *args)


try:
    driver.get(versions_url)
    assert "/login" in driver.current_url, driver.current_url
    driver.find_element(By.NAME, "username").send_keys(user)
    driver.find_element(By.NAME, "password").send_keys(password + Keys.ENTER)
    wait.until(lambda d: d.current_url.startswith(versions_url) and d.find_elements(By.CSS_SELECTOR, "form.compare"))
    step("signed in; the versions page")

    form = driver.find_element(By.CSS_SELECTOR, "form.compare")
    Select(form.find_element(By.NAME, "from")).select_by_value("1")
    Select(form.find_element(By.NAME, "to")).select_by_value("2")
    Select(form.find_element(By.NAME, "key")).select_by_value("id")
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait.until(lambda d: "/diff?" in d.current_url and d.find_elements(By.CSS_SELECTOR, "table.diff tbody tr"))
    summary = driver.find_element(By.CSS_SELECTOR, ".diffsummary").text
    assert "added" in summary and "changed" in summary, summary
    changed = driver.find_elements(By.CSS_SELECTOR, "table.diff td.changed")
    assert changed, "no changed cell"
    old = changed[0].find_element(By.TAG_NAME, "del").text
    new = changed[0].find_element(By.TAG_NAME, "ins").text
    assert old != new, (old, new)
    # Every changed cell highlighted alike, on striped rows too.
    colours = set(script("return Array.from(document.querySelectorAll('table.diff td.changed'))"
                         ".map(e => getComputedStyle(e).backgroundColor)"))
    plain = script("return getComputedStyle(document.querySelector('table.diff tr.added td:not(.mark)')).backgroundColor")
    assert len(colours) == 1 and plain not in colours and colours.isdisjoint({"rgba(0, 0, 0, 0)", "rgb(255, 255, 255)"}), \
        (colours, plain)
    marks = set(script("return Array.from(document.querySelectorAll('table.diff td.mark')).map(e => e.innerText.trim())"))
    assert marks == {"+", "−", "~"}, marks
    heights = script("return Array.from(document.querySelectorAll('table.diff tbody tr')).map(r => r.getBoundingClientRect().height)")
    assert max(heights) < 40 and max(heights) - min(heights) < 1, heights[:20]
    check_console("diff")
    driver.save_screenshot(os.path.join(images, "web-diff.png"))
    step(f"compared v1 with v2: {summary}; changed cells highlighted ({old!r} → {new!r}); rows {max(heights):.0f}px; "
         "screenshot web-diff.png")

    driver.get(versions_url)
    driver.find_element(By.CSS_SELECTOR, "#revert-1 > summary").click()
    dialog = driver.find_element(By.CSS_SELECTOR, "#revert-1 form.dialog")
    wait.until(lambda d: dialog.is_displayed())
    position = script("return getComputedStyle(arguments[0]).position", driver.find_element(By.CSS_SELECTOR, "#revert-1 .backdrop"))
    assert position == "fixed", position
    driver.save_screenshot(os.path.join(images, "web-confirm.png"))
    dialog.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait.until(lambda d: "done=revert" in d.current_url and d.find_elements(By.CSS_SELECTOR, "p.notice"))
    assert driver.find_elements(By.ID, "revert-2"), "v2 is no longer the latest"
    assert not driver.find_elements(By.ID, "revert-3"), "v3 is the latest"
    check_console("revert")
    step("opened the revert dialog (screenshot web-confirm.png) and confirmed it: v3 is the latest; the console holds no CSP violation or error")
finally:
    driver.quit()
