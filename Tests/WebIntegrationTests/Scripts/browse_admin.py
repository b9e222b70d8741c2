"""Drives the admin area in headless Chromium (selenium, chromedriver from
Debian) against the service on loopback: sign in as a global admin through
/admin/users, add a user with the form (its one-time password shown once),
back to the list, open a Disable confirmation and cancel it. Writes
docs/images/web-admin.png (1400x900).
Prints one line per step; any failed check raises (exit 1).

usage: browse_admin.py BASE_URL USER PASSWORD IMAGES_DIR
"""
import os
import sys

from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select, WebDriverWait

import chromium

base, user, password, images = sys.argv[1:5]
users_url = f"{base}/admin/users"

driver = chromium.start()
wait = WebDriverWait(driver, 20)


def step(name):
    print("ok:", name, flush=True)


try:
    driver.get(users_url)
    assert "/login" in driver.current_url, driver.current_url
    driver.find_element(By.NAME, "username").send_keys(user)
    driver.find_element(By.NAME, "password").send_keys(password + Keys.ENTER)
    wait.until(lambda d: d.current_url == users_url and d.find_elements(By.CSS_SELECTOR, "table.users tbody tr"))
    assert driver.find_element(By.CSS_SELECTOR, 'header.top a[href="/admin/users"]').is_displayed()
    step("signed in; the users page, linked from the header")

    form = driver.find_element(By.CSS_SELECTOR, "form.admin-form.add")
    form.find_element(By.NAME, "username").send_keys("nina")
    form.find_element(By.NAME, "department").send_keys("dept-a")
    Select(form.find_element(By.NAME, "role")).select_by_visible_text("editor")
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "code.password"))
    shown = driver.find_element(By.CSS_SELECTOR, "code.password").text
    assert len(shown) >= 12, shown
    chromium.check_console(driver, "add")
    step("added nina with the form; her one-time password is shown")

    driver.find_element(By.LINK_TEXT, "Back to the users").click()
    wait.until(lambda d: d.current_url == users_url)
    rows = driver.find_elements(By.CSS_SELECTOR, "table.users tbody tr")
    names = [r.find_element(By.CSS_SELECTOR, "td.username").text.split(" ")[0] for r in rows]
    assert "nina" in names, names
    assert shown not in driver.page_source, "the password is shown again"
    driver.save_screenshot(os.path.join(images, "web-admin.png"))
    step(f"the list: {', '.join(names)}; screenshot web-admin.png")

    nina = rows[names.index("nina")]
    nina.find_element(By.CSS_SELECTOR, "details.confirm[id^=disable] > summary").click()
    dialog = nina.find_element(By.CSS_SELECTOR, "details.confirm[id^=disable] form.dialog")
    wait.until(lambda d: dialog.is_displayed())
    assert "Disable nina?" in dialog.text, dialog.text
    dialog.find_element(By.LINK_TEXT, "Cancel").click()
    wait.until(lambda d: d.current_url == users_url)
    chromium.check_console(driver, "list")
    step("opened Disable on nina and cancelled it; the console holds no CSP violation or error")
finally:
    driver.quit()
