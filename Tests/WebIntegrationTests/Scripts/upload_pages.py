"""Uploads through the department's form in headless Chromium (selenium,
chromedriver from Debian) against the service on loopback, with a
dispatcher running beside it: a good workbook, whose job page shows the
progress live until the link to the new version appears, then that table;
then a bad file, whose job page shows the error in words and that the
previous version stands. Writes docs/images/web-upload.png and
web-upload-error.png (1400x900).
Prints one line per step; any failed check raises (exit 1).

usage: upload_pages.py BASE_URL USER PASSWORD GOOD_XLSX BAD_XLSX IMAGES_DIR
"""
import os
import sys
import time

from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

import chromium

base, user, password, good, bad, images = sys.argv[1:7]

browser = chromium.Session()
driver, console, step = browser.driver, browser.console, chromium.step
status_text, wait_for, check_console = browser.job_status, browser.wait_for, browser.check_console


def upload(path, name):
    """Chooses `path` in dept-a's form (as a drop on it does), names the dataset, sends the form."""
    driver.get(base + "/")
    form = driver.find_element(By.CSS_SELECTOR, "form.upload[action='/departments/dept-a/upload']")
    if name:
        form.find_element(By.NAME, "name").send_keys(name)
    form.find_element(By.CSS_SELECTOR, "input[type=file]").send_keys(path)
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait_for(lambda: "/jobs/" in driver.current_url and status_text(), "the job page")


try:
    driver.get(base + "/")
    assert "/login" in driver.current_url, driver.current_url
    driver.find_element(By.NAME, "username").send_keys(user)
    driver.find_element(By.NAME, "password").send_keys(password + Keys.ENTER)
    wait_for(lambda: driver.find_elements(By.CSS_SELECTOR, "form.upload"), "the upload form on the home page")
    step("signed in; dept-a has an upload form")

    # A good workbook: the status polls itself until the version's link appears.
    upload(good, "")
    job_url = driver.current_url
    seen = []
    deadline = time.time() + 180
    while time.time() < deadline:
        # The link first, then the text: a swap between the two reads would
        # otherwise end the loop on the link without the state that brought it.
        done = driver.find_elements(By.CSS_SELECTOR, ".job-status p.done a")
        text = status_text()
        first = text.split("\n")[0] if text else ""
        if first and (not seen or seen[-1] != first):
            seen.append(first)
        if done:
            break
        time.sleep(0.1)
    else:
        raise AssertionError(f"no link to the new version; status {status_text()!r}")
    assert driver.current_url == job_url, "the page updated in place, without reloading"
    assert len(seen) >= 2, f"the status changed in place: {seen}"
    assert seen[-1].lower().startswith("completed"), seen
    assert not driver.find_elements(By.CSS_SELECTOR, ".job-status[hx-trigger]"), "a finished job stops polling"
    link = driver.find_element(By.CSS_SELECTOR, ".job-status p.done a")
    assert "dept-a/orders version 1" in link.text, link.text
    driver.save_screenshot(os.path.join(images, "web-upload.png"))
    check_console("upload")
    step(f"uploaded orders.xlsx; the status went {' → '.join(s.split(' · ')[0] for s in seen)}; screenshot web-upload.png")

    link.click()
    wait_for(lambda: driver.find_elements(By.CSS_SELECTOR, "#rows tbody tr"), "the new version's table")
    assert "/versions/" in driver.current_url, driver.current_url
    count = driver.find_element(By.ID, "count").text
    assert count == "2,500 rows", count
    step(f"opened the new version: {count}")

    # A bad file under the same name: the error in words, the previous version unchanged.
    upload(bad, "orders")
    wait_for(lambda: "previous version is unchanged" in status_text(), "the failure")
    error = driver.find_element(By.CSS_SELECTOR, ".job-status .error").text
    assert error and ("zip" in error.lower() or "xlsx" in error.lower()), error
    assert not driver.find_elements(By.CSS_SELECTOR, ".job-status[hx-trigger]")
    driver.save_screenshot(os.path.join(images, "web-upload-error.png"))
    check_console("bad upload")
    step(f"a bad file's error: {error!r}; screenshot web-upload-error.png")

    # The jobs page lists both.
    driver.get(base + "/jobs")
    states = driver.execute_script(
        "return Array.from(document.querySelectorAll('table.jobs tbody .badge')).map(e => e.innerText.trim())")
    assert "completed" in states and "discarded" in states, states
    check_console("jobs")
    step(f"the jobs page lists them ({len(console)} console entries, no CSP violation)")
finally:
    driver.quit()
