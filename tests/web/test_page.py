"""The page in a real headless Chromium (Debian's chromium + chromium-driver, driven by Selenium)."""
from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest

from .conftest import PORT_CLASH, tar_gz

CHROMEDRIVER = Path("/usr/bin/chromedriver")
ROOT = Path(__file__).resolve().parents[2]
SAMPLE_LOG = ROOT / "datasets" / "samples" / "logs" / "02-k8s-image-pull-backoff.log"
HOSTILE = ("<script>window.__pwned = 'script'</script>\n"
           "<img src=x onerror=\"window.__pwned = 'img'\">\n")

pytestmark = pytest.mark.skipif(not CHROMEDRIVER.exists() or shutil.which("chromium") is None,
                                reason="needs Debian's chromium and chromium-driver (.ci/run installs them)")


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    """One headless Chromium for the module, with a fresh profile and nothing that calls home."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium")
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--no-first-run", "--window-size=1280,1000",
                 f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    driver.implicitly_wait(0)
    yield driver
    driver.quit()


def wait(driver, condition, timeout: float = 60):
    from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
    from selenium.webdriver.support.ui import WebDriverWait

    # The page re-renders the card: an element looked up a moment ago may be gone; look again.
    ignored = (NoSuchElementException, StaleElementReferenceException)
    return WebDriverWait(driver, timeout, poll_frequency=0.1, ignored_exceptions=ignored).until(condition)


def text_of(driver, selector: str) -> str:
    from selenium.webdriver.common.by import By

    return driver.find_element(By.CSS_SELECTOR, selector).text


def paste_and_analyze(driver, url: str, log: str) -> None:
    from selenium.webdriver.common.by import By

    driver.get(url)
    box = driver.find_element(By.ID, "log-input")
    # Set the value as a paste would (send_keys would type it key by key).
    driver.execute_script("arguments[0].value = arguments[1];", box, log)
    driver.find_element(By.ID, "analyze-button").click()
    wait(driver, lambda d: d.find_element(By.ID, "analyze-status").text.startswith("Answered"))


def test_pasting_a_log_shows_the_solution_card_and_markup_stays_inert(served, browser):
    from selenium.webdriver.common.by import By

    paste_and_analyze(browser, served.url, HOSTILE + PORT_CLASH)

    assert text_of(browser, "#card-pattern") == "docker.port_already_allocated"
    assert text_of(browser, "#card-confidence").endswith("%")
    assert text_of(browser, "#card-success")  # e.g. "90 % prior, no outcomes yet"
    hits = [e.text for e in browser.find_elements(By.CSS_SELECTOR, ".evidence .line.hit .text")]
    assert any("port is already allocated" in line for line in hits)
    context = [e.text for e in browser.find_elements(By.CSS_SELECTOR, ".evidence .line .text")]
    assert len(context) > len(hits)  # the evidence is shown inside its surrounding log lines
    steps = browser.find_elements(By.CSS_SELECTOR, "ol.steps li")
    commands = browser.find_elements(By.CSS_SELECTOR, ".command pre")
    assert steps and commands
    assert len(browser.find_elements(By.CSS_SELECTOR, ".command button.copy")) == len(commands)
    # The log's markup never ran and never became elements.
    assert browser.execute_script("return window.__pwned === undefined")
    assert browser.find_elements(By.CSS_SELECTOR, "#card script, #card img") == []


def test_a_sample_log_gives_the_whole_card_and_the_readme_screenshot(served, browser, tmp_path):
    from selenium.webdriver.common.by import By

    paste_and_analyze(browser, served.url, SAMPLE_LOG.read_text(encoding="utf-8"))

    assert text_of(browser, "#card-pattern") == "kubernetes.image_pull_backoff"
    assert text_of(browser, "#card-title")
    assert browser.find_elements(By.ID, "feedback-wrong")
    # The whole card in one picture for the README (AUTODEVOPS_SCREENSHOT=docs/web-page.png writes it
    # there; by default a test run leaves the committed one alone): the window as tall as the page.
    screenshot = Path(os.environ.get("AUTODEVOPS_SCREENSHOT") or tmp_path / "web-page.png").resolve()
    height = browser.execute_script("return document.documentElement.scrollHeight")
    browser.set_window_size(1280, min(height + 140, 2200))
    try:
        screenshot.parent.mkdir(parents=True, exist_ok=True)
        browser.save_screenshot(str(screenshot))
    finally:
        browser.set_window_size(1280, 1000)
    assert screenshot.stat().st_size < 300 * 1024


def test_markup_in_the_evidence_is_shown_as_text(served, browser):
    from selenium.webdriver.common.by import By

    log = PORT_CLASH.replace("port is already allocated", "port is already allocated <b id=injected>x</b>")

    paste_and_analyze(browser, served.url, log)

    assert browser.find_elements(By.ID, "injected") == []
    hits = [e.text for e in browser.find_elements(By.CSS_SELECTOR, ".evidence .line.hit .text")]
    assert any("<b id=injected>x</b>" in line for line in hits)


def test_teaching_a_correction_changes_the_next_answer(served, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    log = "stage deploy-payments\nerror: widget reconciler gave up: ledger sealed (code 4471)\n"
    paste_and_analyze(browser, served.url, log)
    first = text_of(browser, "#card-pattern")

    browser.find_element(By.ID, "feedback-wrong").click()
    Select(browser.find_element(By.ID, "teach-pattern")).select_by_value("cloud.quota_exceeded")
    browser.find_element(By.ID, "teach-button").click()
    wait(browser, lambda d: d.find_element(By.ID, "feedback-note").text.startswith("Taught"))

    assert first != "cloud.quota_exceeded"
    assert text_of(browser, "#card-pattern") == "cloud.quota_exceeded"
    assert text_of(browser, "#feedback-note") == ("Taught: this log is cloud.quota_exceeded. "
                                                  "Re-analyzed: cloud.quota_exceeded.")


def test_an_outcome_is_recorded_from_the_card(served, browser):
    from selenium.webdriver.common.by import By

    paste_and_analyze(browser, served.url, PORT_CLASH)
    browser.find_element(By.ID, "feedback-worked").click()
    wait(browser, lambda d: d.find_element(By.ID, "feedback-note").text.startswith("Thanks"))

    assert text_of(browser, "#feedback-note").startswith("Thanks, recorded. Success rate now ")


def test_an_archive_is_scored_with_progress_then_filtered(served, browser, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    logs = {f"jobs/{i:03d}-port.log": PORT_CLASH.replace("5432", str(5000 + i)) for i in range(150)}
    logs.update({f"jobs/{i:03d}-tests.log": f"collected {i} items\n1 failed in 0.2s\n" for i in range(150, 200)})
    archive = tmp_path / "nightly.tar.gz"
    archive.write_bytes(tar_gz(logs))
    browser.get(served.url)
    browser.find_element(By.ID, "tab-batch").click()

    browser.find_element(By.ID, "archive-file").send_keys(str(archive))
    seen = set()
    deadline = time.monotonic() + 120
    while (state := browser.find_element(By.ID, "batch-state").get_attribute("data-status")) not in ("done", "failed"):
        seen.add(browser.find_element(By.ID, "batch-count").text)
        assert time.monotonic() < deadline, "the batch did not finish"
        time.sleep(0.05)
    wait(browser, lambda d: d.find_element(By.ID, "batch-results").is_displayed())

    assert state == "done"
    assert text_of(browser, "#batch-count") == "200 / 200 logs"
    bar = browser.find_element(By.ID, "batch-bar")
    assert browser.execute_script("return arguments[0].style.width", bar) == "100%"
    assert "done" in bar.get_attribute("class").split()
    assert text_of(browser, "#filter-count") == "200 of 200 logs"
    Select(browser.find_element(By.ID, "filter-pattern")).select_by_value("docker.port_already_allocated")
    assert text_of(browser, "#filter-count") == "150 of 200 logs"
    Select(browser.find_element(By.ID, "filter-pattern")).select_by_value("")
    Select(browser.find_element(By.ID, "filter-outcome")).select_by_value("answered")
    answered = int(text_of(browser, "#filter-count").split()[0])
    Select(browser.find_element(By.ID, "filter-outcome")).select_by_value("abstained")
    assert answered + int(text_of(browser, "#filter-count").split()[0]) == 200
    download = browser.find_element(By.ID, "batch-download").get_attribute("href")
    assert download.startswith(f"{served.url}/api/batches/") and download.endswith("/results")


def test_the_dashboard_shows_what_was_recorded(served, browser):
    from selenium.webdriver.common.by import By

    paste_and_analyze(browser, served.url, PORT_CLASH)
    browser.find_element(By.ID, "tab-dashboard").click()
    wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "#chart-days svg rect"))

    labels = [e.text for e in browser.find_elements(By.CSS_SELECTOR, "#chart-patterns .label")]
    assert "docker.port_already_allocated" in labels
    assert int(browser.find_elements(By.CSS_SELECTOR, ".tile .value")[0].text) >= 1
    assert "No benchmark report" in text_of(browser, "#report")
