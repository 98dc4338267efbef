"""A real browser against a real server: ``regio serve`` on loopback, headless Chromium.

Opens the home page, a national map and the compare view, checks what a planner would see
(gemeente shapes, legend, tooltips, layer toggles, synchronised maps, no script errors) and
saves screenshots to ``artifacts/``. Skipped only when Chromium is missing outside CI.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait

from fixtures.server import running_server as serve_in_background
from geo.config import REPO_ROOT
from geo.division import Division
from maps.changes import swv_changes

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
ARTIFACTS = REPO_ROOT / "artifacts"
START_TIMEOUT = 120.0
"""Seconds the server may take to load the dataset and answer (bounded)."""

pytestmark = [pytest.mark.browser, pytest.mark.integration]

if not (CHROMIUM.exists() and CHROMEDRIVER.exists()) and not os.environ.get("CI"):
    pytest.skip(
        "chromium/chromedriver not installed (apt-get install chromium chromium-driver)",
        allow_module_level=True,
    )


PLANNER, PASSWORD = "planner", "browser test password"
TOKEN: dict[str, str] = {}
"""The planner's ``Authorization`` header (filled by :func:`seed_account`)."""


def seed_account(state: Path) -> None:
    """A planner with a password (for the sign-in form) and an API token, before the server
    starts (so it prints no first-start link)."""
    from api.safety.auth.bootstrap import add_user
    from api.storage.store import open_store
    from fixtures.accounts import bearer

    store = open_store(state, library_dir=None)
    try:
        add_user(store, PLANNER, PASSWORD)
        TOKEN.update(bearer(store, PLANNER))
    finally:
        store.close()


def sign_in_browser(d: WebDriver, server: str) -> None:
    """Sign the browser in as the planner through the real sign-in form."""
    d.get(f"{server}/login")
    d.find_element(By.NAME, "name").send_keys(PLANNER)
    d.find_element(By.NAME, "password").send_keys(PASSWORD)
    d.find_element(By.CSS_SELECTOR, "#login button[type=submit]").click()
    WebDriverWait(d, 30).until(lambda x: x.find_elements(By.ID, "account"))


@contextlib.contextmanager
def running_server(
    state: Path,
    data_dir: Path,
    cache_dir: Path,
    log_dir: Path,
    ready: str = "/api/scenarios",
    extra_env: dict[str, str] | None = None,
) -> Iterator[str]:
    """``regio serve`` on a free loopback port with ``state``
    (:func:`fixtures.server.running_server`); yields its base URL once ``ready`` answers 200,
    and stops the server afterwards (its log in ``log_dir``). ``extra_env``: more environment
    for the server (e.g. ``REGIOKOMPAS_SPACE``)."""
    env = {"REGIOKOMPAS_DATA": str(data_dir), "REGIOKOMPAS_CACHE": str(cache_dir)}
    env.update(extra_env or {})
    log = log_dir / "serve.log"
    with serve_in_background(state, env=env, log=log, ready=ready, timeout=START_TIMEOUT) as s:
        yield s.url


@pytest.fixture(scope="module")
def server(
    dataset: object, data_dir: Path, cache_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """``regio serve`` on a free loopback port with a fresh state dir; yields its base URL."""
    del dataset  # built once by the fixture into cache_dir, so the server only loads it
    state = tmp_path_factory.mktemp("browser-state")
    seed_account(state)
    with running_server(state, data_dir, cache_dir, tmp_path_factory.mktemp("browser-log")) as base:
        yield base


@contextlib.contextmanager
def chromium(
    profile: Path,
    window: str = "1400,1000",
    logs: tuple[str, ...] = ("browser",),
    lang: str = "nl",
) -> Iterator[WebDriver]:
    """Headless Chromium driven by the Debian chromedriver, with the ``logs`` (e.g. ``browser``,
    ``performance``) recorded; quits and removes ``profile`` afterwards. ``lang`` is the
    browser's language (its ``Accept-Language``): Dutch, like the planners' browsers."""
    if not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
        pytest.fail("CI needs /usr/bin/chromium and /usr/bin/chromedriver (see .ci/run)")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-dev-shm-usage",
        f"--window-size={window}",
        f"--user-data-dir={profile}",
        f"--lang={lang}",
    ):
        options.add_argument(flag)
    options.add_experimental_option("prefs", {"intl.accept_languages": lang})
    options.set_capability("goog:loggingPrefs", dict.fromkeys(logs, "ALL"))
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    driver.set_page_load_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebDriver]:
    """Headless Chromium driven by the Debian chromedriver."""
    with chromium(tmp_path_factory.mktemp("chromium-profile")) as driver:
        yield driver


UNIT_PATH = """
for (const name of Object.keys(window).filter(k => /^geo_json_[0-9a-f]+$/.test(k))) {
    let found = null;
    window[name].eachLayer(l => { if (l.feature && l.feature.id === arguments[0]) found = l; });
    if (found && found._path && found._path.classList.contains("leaflet-interactive")) {
        return found._path;
    }
}
return null;
"""
"""JavaScript: the SVG path of a gemeente (by code) in the interactive gemeente layer."""


def _script_errors(driver: WebDriver) -> list[str]:
    """Severe browser-console entries, except failed background tiles (no internet here)."""
    entries = driver.get_log("browser")
    return [
        e["message"]
        for e in entries
        if e["level"] == "SEVERE" and "tile.openstreetmap.org" not in e["message"]
    ]


def _screenshot(driver: WebDriver, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / name
    assert driver.save_screenshot(str(path))
    return path


def _wait_for_shapes(driver: WebDriver, minimum: int, timeout: float = 30.0) -> int:

    def count(d: WebDriver) -> int:
        return len(d.find_elements(By.CSS_SELECTOR, "path.leaflet-interactive"))

    WebDriverWait(driver, timeout).until(lambda d: count(d) >= minimum)
    return count(driver)


def test_home_page(server: str, browser: WebDriver) -> None:

    d = browser
    d.get(f"{server}/")
    assert d.title == "Scenario’s · regiokompas", "Dutch by default"
    rows = d.find_elements(By.CSS_SELECTOR, "#scenarios tbody tr")
    ids = {row.get_attribute("id") for row in rows}
    assert {"scenario-huidig", "scenario-swv_binnen_jeugdregio", "scenario-po_vo_samen"} <= ids
    huidig = d.find_element(By.ID, "scenario-huidig")
    congruence = huidig.find_elements(By.CSS_SELECTOR, "td.num")[0].text
    assert congruence.startswith("0,") and len(congruence) == 5, "Dutch decimal comma"
    assert d.find_elements(By.ID, "upload") == []  # reading needs no account, uploading does
    hrefs = {a.get_attribute("href") for a in d.find_elements(By.TAG_NAME, "a")}
    assert f"{server}/docs" in hrefs and f"{server}/openapi.json" in hrefs
    assert f"{server}/login" in hrefs
    # sign in through the real form: the session cookie brings the upload form with its token
    sign_in_browser(d, server)
    assert f"Ingelogd als {PLANNER}" in d.find_element(By.ID, "account").text
    upload = d.find_element(By.ID, "upload")
    assert upload.get_attribute("action").endswith("/api/scenarios/import")
    token = upload.find_element(By.NAME, "csrf_token").get_attribute("value")
    assert len(token) >= 40
    cookie = d.get_cookie("regio_session")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"
    _screenshot(d, "browser_home.png")
    assert _script_errors(d) == []


def test_map_page_shows_gemeenten_legend_tooltips_and_layers(
    server: str, browser: WebDriver
) -> None:

    d = browser
    d.get(f"{server}/maps/huidig?division=swv_po&against=jeugdregio&weight=inhabitants")
    shapes = _wait_for_shapes(d, 342)
    assert shapes >= 342, "every gemeente is an interactive shape"
    legend = d.find_element(By.CSS_SELECTOR, ".rk-legend")
    assert legend.is_displayed() and "Inbedding" in legend.text, "Dutch (the browser's language)"
    assert "grens jeugdregio" in legend.text
    metrics = d.find_element(By.CSS_SELECTOR, ".rk-metrics")
    assert "congruentie" in metrics.text and "0," in metrics.text
    scale = d.find_element(By.CSS_SELECTOR, ".leaflet-control-scale").text
    assert "km" in scale and " mi" not in scale, "metric scale bar only"
    # hovering Utrecht (GM0344) shows its tooltip: gemeente, regions, weights, metrics
    utrecht = d.execute_script(UNIT_PATH, "GM0344")
    ActionChains(d).move_to_element(utrecht).perform()
    tooltip = WebDriverWait(d, 10).until(
        lambda x: x.find_element(By.CSS_SELECTOR, ".leaflet-tooltip")
    )
    text = tooltip.get_attribute("textContent")
    for part in ("Utrecht (GM0344)", "inwoners (weging)", "inbedding van de regio", "jeugdregio"):
        assert part in text
    _screenshot(d, "browser_map.png")
    # the layer control switches the special-education locations on
    labels = d.find_elements(By.CSS_SELECTOR, ".leaflet-control-layers-overlays label")
    names = [label.text.strip() for label in labels]
    for name in ("locaties speciaal onderwijs", "provincies", "grenzen swv_vo"):
        assert name in names
    schools = labels[names.index("locaties speciaal onderwijs")]
    schools.find_element(By.TAG_NAME, "input").click()
    with_schools = _wait_for_shapes(d, shapes + 800)
    assert with_schools > shapes + 800
    _screenshot(d, "browser_map_schools.png")
    assert _script_errors(d) == []


def test_compare_page_maps_move_together(server: str, browser: WebDriver) -> None:

    d = browser
    d.get(f"{server}/maps/compare?left=huidig&right=swv_binnen_jeugdregio&division=swv_po")
    _wait_for_shapes(d, 2 * 342)
    assert len(d.find_elements(By.CSS_SELECTOR, ".leaflet-container")) == 2
    boxes = d.find_elements(By.CSS_SELECTOR, ".rk-metrics")
    assert "scenario huidig" in boxes[0].text and "scenario swv_binnen_jeugdregio" in boxes[1].text
    assert d.find_element(By.ID, "tekstalternatief").is_displayed()
    _screenshot(d, "browser_compare.png")
    moved = d.execute_script(
        """
        const names = Object.keys(window).filter(k => /^map_[0-9a-f]+$/.test(k)).sort(
            (a, b) => document.getElementById(a).getBoundingClientRect().left
                    - document.getElementById(b).getBoundingClientRect().left);
        const [left, right] = names.map(n => window[n]);
        left.setView([51.44, 5.48], 10, {animate: false});
        const c = right.getCenter();
        return [names.length, c.lat, c.lng, right.getZoom()];
        """
    )
    assert moved[0] == 2
    assert moved[1] == pytest.approx(51.44, abs=0.01) and moved[2] == pytest.approx(5.48, abs=0.01)
    assert moved[3] == 10
    assert _script_errors(d) == []


def test_proposal_map_outlines_changed_gemeenten_beside_huidig(
    server: str, browser: WebDriver, dataset
) -> None:
    # a proposal-like scenario: one SWV per jeugdregio (the same assign edit 'regio propose' writes)
    assignment = dataset.division("jeugdregio").assignment().astype(str).to_dict()
    doc = {
        "name": "browser-voorstel",
        "description": "swv = jeugdregio",
        "principles": [1, 3],
        "edits": [{"op": "assign", "division": "swv", "assignment": assignment}],
    }
    request = urllib.request.Request(
        f"{server}/api/scenarios",
        data=json.dumps(doc).encode(),
        headers={"content-type": "application/json", **TOKEN},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=30) as r:
        assert r.status == 201
    publish = urllib.request.Request(  # new scenarios are private; the browser is anonymous
        f"{server}/api/scenarios/browser-voorstel/visibility",
        data=json.dumps({"visibility": "published"}).encode(),
        headers={"content-type": "application/json", **TOKEN},
        method="PUT",
    )
    with urllib.request.urlopen(publish, timeout=30) as r:
        assert r.status == 200
    changes = swv_changes(dataset, Division.from_assignment("swv", assignment), "nl")
    assert changes is not None
    changed = changes.index[changes["swv_changes"]]
    d = browser
    d.get(f"{server}/maps/browser-voorstel?division=swv&against=jeugdregio&weight=pupils")
    _wait_for_shapes(d, 342)
    legend = d.find_element(By.CSS_SELECTOR, ".rk-legend").text
    assert f"samenwerkingsverband wijzigt ({len(changed)} gemeenten" in legend
    labels = [
        label.text.strip()
        for label in d.find_elements(By.CSS_SELECTOR, ".leaflet-control-layers-overlays label")
    ]
    assert "gemeenten waarvan het samenwerkingsverband wijzigt" in labels
    # the outlines are drawn: one dashed path per changed gemeente, in the change colour
    dashed = d.execute_script(
        "return document.querySelectorAll('path[stroke=\"#00b7d4\"]').length;"
    )
    assert dashed == len(changed)
    code = str(changed[0])
    ActionChains(d).move_to_element(d.execute_script(UNIT_PATH, code)).perform()
    tooltip = WebDriverWait(d, 10).until(
        lambda x: x.find_element(By.CSS_SELECTOR, ".leaflet-tooltip")
    )
    text = tooltip.get_attribute("textContent")
    assert "wijziging samenwerkingsverband" in text and changes.loc[code, "text"] in text
    # the text alternative lists every changed gemeente
    rows = d.find_elements(By.CSS_SELECTOR, "#wijzigingen-tabel tbody tr")
    assert len(rows) == len(changed)
    _screenshot(d, "browser_proposal_map.png")
    d.get(f"{server}/maps/compare?left=huidig&right=browser-voorstel&division=swv")
    _wait_for_shapes(d, 2 * 342)
    boxes = [
        b.get_attribute("textContent") for b in d.find_elements(By.CSS_SELECTOR, ".rk-metrics")
    ]
    assert "samenwerkingsverbanden po vergeleken met jeugdregio" in boxes[0]
    assert "samenwerkingsverbanden (po en vo samen) vergeleken met jeugdregio" in boxes[1]
    _screenshot(d, "browser_proposal_compare.png")
    assert _script_errors(d) == []
