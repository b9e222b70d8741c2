"""Reports and printing in headless Chromium (selenium, chromedriver from
Debian) against the service on loopback, with a dispatcher running beside
it: sign in, open dept-a/sales, filter it in the filter row, ask for an
XLSX of that view, wait on the job page for the download link, download
it with the browser's session cookie and check with openpyxl that its rows
are exactly the filtered ones; then the print view of the same view,
printed to PDF by Chromium itself (Page.printToPDF): several pages, the
header row and the page number on each (pdftotext). Writes
docs/images/web-print.png and web-reports.png (1400x900) and page 2 of the
printed PDF as PNG (pdftoppm) into SCRATCH_DIR.
Prints one line per step; any failed check raises (exit 1).

usage: report_pages.py BASE_URL USER PASSWORD ROWS IMAGES_DIR SCRATCH_DIR
"""
import base64
import os
import subprocess
import sys
import time
import urllib.request

import openpyxl
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select

import chromium

base, user, password, rows, images, scratch = sys.argv[1:7]
rows = int(rows)
# The fixture's rows: id 1…ROWS, name "item <id>", amount (id % 7) × 1.5.
expected = [i for i in range(1, rows + 1) if (i % 7) * 1.5 > 3]

browser = chromium.Session()
driver, console, step = browser.driver, browser.console, chromium.step
status_text, wait_for, check_console = browser.job_status, browser.wait_for, browser.check_console


def fetch(path):
    """GET `path` with the browser's session cookie (as a click on the link would), the body as bytes."""
    cookie = driver.get_cookie("pyramydal_session")
    assert cookie, "signed in"
    request = urllib.request.Request(base + path, headers={"Cookie": f"pyramydal_session={cookie['value']}"})
    # Loopback only: no proxy from the environment.
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(request, timeout=60) as response:
        assert response.status == 200, response.status
        return response.headers, response.read()


def pdftotext(path, page):
    return subprocess.run(["pdftotext", "-layout", "-f", str(page), "-l", str(page), path, "-"],
                          check=True, capture_output=True, text=True).stdout


try:
    driver.get(base + "/")
    driver.find_element(By.NAME, "username").send_keys(user)
    driver.find_element(By.NAME, "password").send_keys(password + Keys.ENTER)
    wait_for(lambda: driver.find_elements(By.CSS_SELECTOR, "nav.sidebar a"), "the sidebar")
    driver.find_element(By.CSS_SELECTOR, "nav.sidebar a[href^='/datasets/']").click()
    wait_for(lambda: driver.find_elements(By.CSS_SELECTOR, "#rows tbody tr"), "the table")
    table_path = driver.current_url[len(base):].split("?")[0]
    step(f"signed in as {user}; opened {table_path}")

    # The filter row: amount > 3, sent with Enter (htmx swaps the rows and pushes the URL).
    cell = driver.find_element(By.XPATH, "//tr[@class='filters']/td[input[@name='fc' and @value='amount']]")
    Select(cell.find_element(By.NAME, "fo")).select_by_value(">")
    cell.find_element(By.NAME, "fv").send_keys("3" + Keys.ENTER)
    # The count loads apart and replaces its element: read it in one script.
    count = lambda: driver.execute_script("const c = document.getElementById('count'); return c ? c.innerText : ''")
    wait_for(lambda: "where=amount" in driver.current_url and count() == f"{len(expected):,} rows", "the filtered view")
    step(f"filtered: {driver.current_url[len(base):]} shows {count()}")
    driver.save_screenshot(os.path.join(scratch, "table.png"))
    check_console("filter")

    # An XLSX of this view, through the form in the (swapped) rows partial.
    form = driver.find_element(By.CSS_SELECTOR, "form.report")
    hidden = {e.get_attribute("name"): e.get_attribute("value") for e in form.find_elements(By.CSS_SELECTOR, "input[type=hidden]")}
    assert hidden.get("where") == "amount > 3", hidden
    Select(form.find_element(By.NAME, "format")).select_by_value("xlsx")
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait_for(lambda: "/jobs/" in driver.current_url and status_text(), "the job page")
    wait_for(lambda: driver.find_elements(By.CSS_SELECTOR, ".job-status p.done a"), "the download link")
    assert not driver.find_elements(By.CSS_SELECTOR, ".job-status[hx-trigger]"), "a finished job stops polling"
    link = driver.find_element(By.CSS_SELECTOR, ".job-status p.done a")
    href = link.get_attribute("href")[len(base):]
    assert href.startswith("/api/v1/reports/") and href.endswith("/download"), href
    assert link.text.startswith("Download job-") and link.text.endswith(".xlsx"), link.text
    driver.save_screenshot(os.path.join(scratch, "job.png"))
    check_console("job page")
    step(f"the job page shows {link.text!r} ({driver.find_element(By.CSS_SELECTOR, '.job-status p.done .muted').text})")

    headers, body = fetch(href)
    assert headers["Content-Type"].startswith("application/vnd.openxmlformats"), headers["Content-Type"]
    path = os.path.join(scratch, "report.xlsx")
    with open(path, "wb") as f:
        f.write(body)
    book = openpyxl.load_workbook(path, read_only=True)
    assert book.sheetnames[:2] == ["About", "data"], book.sheetnames
    sheet = list(book["data"].iter_rows(values_only=True))
    header, data = sheet[0], sheet[1:]
    assert list(header) == ["id", "name", "amount", "region", "day"], header
    assert len(data) == len(expected), f"{len(data)} rows, expected {len(expected)}"
    assert [int(r[0]) for r in data] == expected, "exactly the filtered rows, in table order"
    assert all(r[2] > 3 for r in data), "every amount is above 3"
    first, last = data[0], data[-1]
    assert first[1] == f"item {expected[0]}" and abs(first[2] - (expected[0] % 7) * 1.5) < 1e-9, first
    assert last[1].startswith(f"item {expected[-1]}"), last
    step(f"downloaded with the session cookie: {len(body):,} bytes, {len(data)} rows, ids {expected[0]}…{expected[-1]} as filtered")

    # The dataset's reports list it.
    driver.get(base + table_path + "?where=amount%20%3E%203")
    wait_for(lambda: driver.find_elements(By.CSS_SELECTOR, "#rows tbody tr"), "the table again")
    driver.find_element(By.LINK_TEXT, "Reports").click()
    wait_for(lambda: driver.find_elements(By.CSS_SELECTOR, "table.reports tbody td a[download]"), "the reports list")
    cells = [td.text for td in driver.find_elements(By.CSS_SELECTOR, "table.reports tbody tr:first-child td")]
    # The chooser sends every column it has checked: the view names them all.
    assert cells[1] == user and cells[3] == "XLSX" and cells[5].endswith("where: amount > 3"), cells
    driver.save_screenshot(os.path.join(images, "web-reports.png"))
    check_console("reports")
    step(f"the reports page lists it: {' | '.join(cells)}; screenshot web-reports.png")

    # The print view of the same view.
    driver.get(base + table_path + "?where=amount%20%3E%203")
    wait_for(lambda: driver.find_elements(By.CSS_SELECTOR, "#rows tbody tr"), "the table again")
    driver.find_element(By.LINK_TEXT, "Print view").click()
    wait_for(lambda: driver.find_elements(By.CSS_SELECTOR, "table.print tbody tr"), "the print view")
    assert "/print?where=amount" in driver.current_url, driver.current_url
    printed_rows = len(driver.find_elements(By.CSS_SELECTOR, "table.print tbody tr"))
    assert printed_rows == len(expected), printed_rows
    driver.save_screenshot(os.path.join(images, "web-print.png"))
    check_console("print view")
    step(f"the print view shows {printed_rows} rows; screenshot web-print.png")

    pdf = driver.execute_cdp_cmd("Page.printToPDF", {"printBackground": False, "preferCSSPageSize": True})
    pdf_path = os.path.join(scratch, "print.pdf")
    with open(pdf_path, "wb") as f:
        f.write(base64.b64decode(pdf["data"]))
    info = subprocess.run(["pdfinfo", pdf_path], check=True, capture_output=True, text=True).stdout
    pages = int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))
    assert pages >= 2, f"{pages} pages"
    ids_seen = set()
    for page in range(1, pages + 1):
        text = pdftotext(pdf_path, page)
        lines = text.splitlines()
        header_lines = [l for l in lines if l.split()[:6] == ["#", "id", "name", "amount", "region", "day"]]
        assert len(header_lines) == 1, f"page {page}: the header row once, found {header_lines!r}\n{text}"
        assert f"Page {page} of {pages}" in text, f"page {page}: no page number\n{text}"
        for l in lines:
            parts = l.split()
            if len(parts) >= 3 and parts[0].replace(",", "").isdigit() and parts[2] == "item":
                ids_seen.add(int(parts[1]))
    assert sorted(ids_seen) == expected, f"every row printed once: {len(ids_seen)} of {len(expected)}"
    page2 = os.path.join(scratch, "print-page")
    subprocess.run(["pdftoppm", "-r", "60", "-png", "-f", "2", "-l", "2", pdf_path, page2], check=True)
    step(f"printed to PDF: {pages} pages, the header row and 'Page n of {pages}' on each, all {len(ids_seen)} rows; "
         f"page 2 as PNG in {scratch}")
    check_console("print")
    step(f"{len(console)} console entries, no CSP violation")
finally:
    driver.quit()
