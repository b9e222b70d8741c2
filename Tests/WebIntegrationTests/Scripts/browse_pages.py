"""Drives the pages in headless Chromium (selenium, chromedriver from
Debian) against the service on loopback, as a person would: sign in, open a
100k-row dataset, sort, filter, search, go deep and back, choose columns;
a dataset of another department is not found. Writes two screenshots
(1400x900). Prints one line per step; any failed check raises (exit 1).

usage: browse_pages.py BASE_URL VERSION_ID DATASET_ID OTHER_VERSION_ID USER PASSWORD IMAGES_DIR
"""
import os
import sys
import time

from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select, WebDriverWait

import chromium

base, version, dataset, other, user, password, images = sys.argv[1:8]
table_url = f"{base}/versions/{version}"

driver = chromium.start()
wait = WebDriverWait(driver, 20)


def step(name):
    print("ok:", name, flush=True)


def texts(selector):
    """The texts of the elements `selector` finds, read in one script (htmx
    may swap the rows between two WebDriver calls: no stale elements)."""
    return driver.execute_script(
        "return Array.from(document.querySelectorAll(arguments[0])).map(e => e.innerText.trim())", selector)


def first_cells():
    """The first body row's cells as text (row number first)."""
    return texts("#rows tbody tr:first-child td")


def header_names():
    return [name.rstrip(" ▲▼") for name in texts("#rows thead tr:first-child th a")]


def column(name):
    return header_names().index(name) + 1  # after the row number


def wait_for(predicate, what):
    try:
        wait.until(lambda d: predicate())
    except Exception:
        raise AssertionError(f"timed out waiting for {what}; url {driver.current_url}; first row {first_cells()}")


console = []


def check_console(where):
    """No CSP violation and no error in the browser's console since the last check."""
    # A 404 page's own status is logged as a failed resource load; that one is expected.
    console.extend(chromium.check_console(driver, where, lambda m: where == "not found" and "404" in m))


def row_heights():
    return driver.execute_script(
        "return Array.from(document.querySelectorAll('#rows tbody tr')).map(r => r.getBoundingClientRect().height)")


try:
    # Sign in: the table's URL sends us to the form and back.
    driver.get(table_url)
    assert "/login" in driver.current_url, driver.current_url
    driver.find_element(By.NAME, "username").send_keys(user)
    driver.find_element(By.NAME, "password").send_keys(password + Keys.ENTER)
    wait_for(lambda: driver.current_url.startswith(table_url) and first_cells(), "the table after sign-in")
    assert first_cells()[0] == "1", first_cells()
    assert "100,000 rows" in driver.find_element(By.ID, "count").text
    assert user in driver.find_element(By.CSS_SELECTOR, "header .who").text
    step("signed in; the table shows row 1 of 100,000")

    # Long text stays on one line: every row is as tall as the first.
    heights = row_heights()
    assert len(heights) == 100 and max(heights) < 40 and max(heights) - min(heights) < 1, heights[:20]
    notes = driver.find_elements(By.CSS_SELECTOR, "#rows tbody td[title]")
    assert notes and len(notes[0].get_attribute("title")) > 200, "no full text on demand"
    driver.save_screenshot(os.path.join(images, "web-table.png"))
    step(f"rows are {max(heights):.0f}px tall at most; screenshot web-table.png")

    # Sort by clicking a header: ascending, then descending.
    amount = column("amount")
    driver.find_element(By.CSS_SELECTOR, f"#rows thead tr:first-child th:nth-child({amount + 1}) a").click()
    wait_for(lambda: "sort=amount" in driver.current_url and first_cells()[amount] == "0", "sort by amount")
    driver.find_element(By.CSS_SELECTOR, f"#rows thead tr:first-child th:nth-child({amount + 1}) a").click()
    wait_for(lambda: "sort=amount%20desc" in driver.current_url and first_cells()[amount] == "999.99", "sort by amount desc")
    check_console("sort")
    step("sorted by amount, both ways")

    # Filter: city = Köln, from the filter row.
    driver.get(table_url)
    city = column("city")
    cell = driver.find_elements(By.CSS_SELECTOR, "#rows thead tr.filters td")[city]
    Select(cell.find_element(By.TAG_NAME, "select")).select_by_value("=")
    cell.find_element(By.CSS_SELECTOR, "input[name=fv]").send_keys("Köln" + Keys.ENTER)
    wait_for(lambda: "where=city" in driver.current_url and first_cells()[city] == "Köln", "the city filter")
    cities = {tr.find_elements(By.TAG_NAME, "td")[city].text for tr in driver.find_elements(By.CSS_SELECTOR, "#rows tbody tr")}
    assert cities == {"Köln"}, cities
    wait_for(lambda: driver.find_element(By.ID, "count").text == "18,461 rows", "the exact count")
    step("filtered on city = Köln; 18,461 rows counted apart")

    # Search across text columns as you type (debounced).
    driver.get(table_url)
    driver.find_element(By.ID, "q").send_keys("urgent")
    wait_for(lambda: "q=urgent" in driver.current_url and "Urgent" in first_cells()[column("notes")], "the search")
    assert driver.switch_to.active_element.get_attribute("id") == "q", "the search box lost the focus"
    check_console("search")
    step("searched 'urgent' as typed")

    # Go to row 50,001, on to the next page, back with the browser.
    driver.get(table_url + "?sort=id")
    goto = driver.find_element(By.CSS_SELECTOR, ".goto input[name=row]")
    goto.clear()
    goto.send_keys("50001" + Keys.ENTER)
    wait_for(lambda: first_cells()[:2] == ["50,001", "50001"], "row 50,001")
    driver.find_element(By.CSS_SELECTOR, "a[rel=next]").click()
    wait_for(lambda: first_cells()[:2] == ["50,101", "50101"], "the next page")
    assert "cursor=" in driver.current_url
    driver.find_element(By.CSS_SELECTOR, "a[rel=prev]").click()
    wait_for(lambda: first_cells()[:2] == ["50,001", "50001"], "the previous page")
    driver.back()
    wait_for(lambda: first_cells()[:2] == ["50,101", "50101"], "back in history")
    step("went to row 50,001, next, previous, and back")

    # Choose columns.
    driver.get(table_url)
    driver.find_element(By.CSS_SELECTOR, ".chooser summary").click()
    for name in ["notes", "updated"]:
        driver.find_element(By.CSS_SELECTOR, f".chooser input[value={name}]").click()
    driver.find_element(By.CSS_SELECTOR, "#view button[type=submit]").click()
    wait_for(lambda: "columns=" in driver.current_url and "notes" not in header_names(), "the column choice")
    assert "customer" in header_names() and "updated" not in header_names(), header_names()
    check_console("columns")
    step("chose columns")

    # The versions page.
    driver.get(f"{base}/datasets/{dataset}/versions")
    wait_for(lambda: driver.find_elements(By.CSS_SELECTOR, "table.versions tbody tr"), "the versions")
    assert len(driver.find_elements(By.CSS_SELECTOR, "table.versions tbody tr")) == 3
    driver.save_screenshot(os.path.join(images, "web-versions.png"))
    step("versions page; screenshot web-versions.png")

    # Another department's version is not found, and says nothing of it.
    driver.get(f"{base}/versions/{other}")
    assert driver.find_element(By.TAG_NAME, "h1").text == "Not found"
    assert "dept-b" not in driver.page_source
    check_console("not found")
    step("another department's version is not found")

    driver.find_element(By.CSS_SELECTOR, "form.logout button").click()
    wait_for(lambda: "/login" in driver.current_url, "the sign-in form after signing out")
    driver.get(table_url)
    assert "/login" in driver.current_url
    check_console("sign-out")
    step(f"signed out; the console holds no CSP violation or error ({len(console)} entries)")
finally:
    driver.quit()
