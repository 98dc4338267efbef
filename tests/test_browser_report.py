"""A real browser opens the report of ``regio report``: map images, the scorecard, and not one
request leaves the file (Chromium's network log, plus the report's Content-Security-Policy).

The report of three library scenarios is written by the CLI on the real data, opened from disk
in headless Chromium (the Debian chromium + chromedriver of tests/test_browser.py) and a
screenshot is saved to ``artifacts/report.png``. Skipped only when Chromium is missing outside CI.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from typer.testing import CliRunner

from geo.config import REPO_ROOT
from regio import app
from regio import common as cli_common
from tests.test_browser import chromium

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
ARTIFACTS = REPO_ROOT / "artifacts"
SCENARIOS = ("huidig", "po_vo_samen", "swv_binnen_jeugdregio")

pytestmark = [pytest.mark.browser, pytest.mark.integration]

if not (CHROMIUM.exists() and CHROMEDRIVER.exists()) and not os.environ.get("CI"):
    pytest.skip(
        "chromium/chromedriver not installed (apt-get install chromium chromium-driver)",
        allow_module_level=True,
    )


@pytest.fixture(scope="module")
def report(dataset, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``regio report huidig po_vo_samen swv_binnen_jeugdregio --out report.html``."""
    out = tmp_path_factory.mktemp("report") / "report.html"
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(cli_common, "load_data", lambda data: dataset)
        result = CliRunner().invoke(app, ["report", *SCENARIOS, "--out", str(out)])
    assert result.exit_code == 1, result.output  # none of the three passes every hard check
    return out


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebDriver]:
    """Headless Chromium with the network log on (``goog:loggingPrefs`` performance)."""
    profile = tmp_path_factory.mktemp("chromium-profile-report")
    with chromium(profile, window="1200,1600", logs=("performance", "browser")) as driver:
        yield driver


def requests(driver: WebDriver) -> list[tuple[str, str]]:
    """``(document, url)`` of every request the browser's network stack saw since the last call
    (DevTools ``Network.requestWillBeSent``; Chromium's own ``chrome://`` pages included)."""
    out = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message.get("method") == "Network.requestWillBeSent":
            params = message["params"]
            out.append((params.get("documentURL", ""), params["request"]["url"]))
    return out


def test_report_has_maps_and_scorecard_and_makes_no_request(report: Path, browser) -> None:
    browser.get_log("performance")  # drop what came before
    browser.get(report.as_uri())
    images = browser.find_elements(By.CSS_SELECTOR, "img.swv-map")
    # huidig and swv_binnen_jeugdregio: swv_po and swv_vo maps; po_vo_samen: swv
    assert len(images) == 5
    assert all(
        browser.execute_script("return arguments[0].complete && arguments[0].naturalWidth", img)
        > 300
        for img in images
    )
    header = [th.text for th in browser.find_elements(By.CSS_SELECTOR, "table.scorecard thead th")]
    assert [h.split("\n")[0] for h in header] == ["toets", *SCENARIOS], "Dutch by default"
    rows = browser.find_elements(By.CSS_SELECTOR, "table.scorecard tbody tr")
    assert [r.find_element(By.TAG_NAME, "th").text.split()[0] for r in rows[:5]] == [
        "P1",
        "P2",
        "P3",
        "Omvang:",  # the other checks by their Dutch title, not their internal name
        "Samenhang:",
    ]
    marks = [c.text.split()[0] for c in rows[2].find_elements(By.TAG_NAME, "td")]
    assert marks == ["✗", "✗", "✔"]  # P3: only swv_binnen_jeugdregio nests
    # nothing but the file itself (and its data: images) was requested
    seen = requests(browser)
    mine = [url for document, url in seen if document == report.as_uri()]
    assert report.as_uri() in mine and all(u.startswith(("file://", "data:")) for u in mine)
    external = [url for _, url in seen if url.split(":", 1)[0] in ("http", "https", "ws", "wss")]
    assert external == []
    resources = browser.execute_script(
        "return performance.getEntriesByType('resource').map(e => e.name)"
    )
    assert [r for r in resources if not r.startswith("data:")] == []
    ARTIFACTS.mkdir(exist_ok=True)
    browser.save_screenshot(str(ARTIFACTS / "report.png"))
    browser.execute_script("document.querySelector('section.scenario').scrollIntoView()")
    browser.save_screenshot(str(ARTIFACTS / "report_scenario.png"))


def test_report_csp_blocks_any_request(report: Path, browser) -> None:
    """A request a script might try is refused by the report's Content-Security-Policy."""
    browser.get(report.as_uri())
    browser.get_log("browser")
    blocked = browser.execute_async_script(
        "const done = arguments[0];"
        "fetch('http://127.0.0.1:9/x').then(() => done('sent'), e => done('blocked: ' + e));"
    )
    assert blocked.startswith("blocked")
    console = " ".join(e["message"] for e in browser.get_log("browser"))
    assert "Content Security Policy" in console and "127.0.0.1:9" in console
