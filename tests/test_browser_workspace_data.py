"""Real-browser journeys of issue 18's data part: names on the map by zoom level, an import with
a base and then a broken import (the home page's form, mouse and keyboard), the regional
report with its server-made PDF (at most 4 A4 pages), and "shared with me" kept by the server
(a colleague's share link opened while signed in: listed, axe-clean, removed by keyboard, and
gone everywhere once revoked). Screenshots and PDF pages: artifacts/."""

from __future__ import annotations

import json
import shutil
import subprocess
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import Select, WebDriverWait

from maps.pdf import pdf_page_count
from tests.test_browser import (
    ARTIFACTS,
    TOKEN,
    _screenshot,
    _script_errors,
    chromium,
    running_server,
    seed_account,
    sign_in_browser,
)
from tests.test_browser_a11y import describe, run_axe

pytestmark = [pytest.mark.browser, pytest.mark.integration]


@pytest.fixture(scope="module")
def server(
    dataset: object, data_dir: Path, cache_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    del dataset  # built into cache_dir once; the server only loads it
    state = tmp_path_factory.mktemp("workspace-data-state")
    seed_account(state)
    seed_colleague(state)
    with running_server(state, data_dir, cache_dir, tmp_path_factory.mktemp("wsd-log")) as base:
        yield base


COLLEAGUE: dict[str, str] = {}
"""The colleague's API token header and the share link of their private scenario."""


def seed_colleague(state: Path) -> None:
    """A colleague with a private scenario and a share link to it."""
    from api.safety.auth.bootstrap import add_user
    from api.safety.auth.credentials import new_credential
    from api.storage.store import open_store
    from fixtures.accounts import bearer

    store = open_store(state, library_dir=None)
    try:
        add_user(store, "collega", "collega's long password")
        COLLEAGUE.update(bearer(store, "collega"))
        doc = {"name": "plan-collega", "title": "Plan van de collega", "description": "d",
               "edits": []}  # fmt: skip
        store.save("plan-collega", doc, owner="collega", actor="collega")
        cred, token = new_credential("share", scenario_id="plan-collega", label="voor de raad")
        store.add_credential(cred, actor="collega")
        COLLEAGUE["link"] = f"/share/{token}"
        COLLEAGUE["share_id"] = cred.id
    finally:
        store.close()


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebDriver]:
    with chromium(tmp_path_factory.mktemp("wsd-profile"), window="1300,1000") as driver:
        yield driver


def labels(d: WebDriver, css: str) -> list[str]:
    return [e.text for e in d.find_elements(By.CSS_SELECTOR, f".{css} span") if e.text]


def test_map_labels_by_zoom_level(server: str, browser: WebDriver) -> None:
    d = browser
    d.get(f"{server}/maps/huidig?division=swv_po&against=jeugdregio&weight=pupils_po")
    WebDriverWait(d, 60).until(lambda x: x.find_elements(By.CSS_SELECTOR, ".leaflet-container"))
    name = d.execute_script("return Object.keys(window).find(k => /^map_[0-9a-f]+$/.test(k));")
    zoom = d.execute_script(f"return window['{name}'].getZoom();")
    assert zoom < 8 and labels(d, "rk-label-gemeente") == []  # the national view stays clean
    d.execute_script(f"window['{name}'].setView([51.2, 5.95], 10, {{animate: false}});")
    WebDriverWait(d, 20).until(lambda x: "Roermond" in labels(x, "rk-label-gemeente"))
    regions = labels(d, "rk-label-region")
    assert any(text.startswith("PO3102 Roermond") for text in regions), regions
    _screenshot(d, "workspace_map_labels_limburg.png")
    assert _script_errors(d) == []


def test_compare_page_labels_both_sides(server: str, browser: WebDriver) -> None:
    d = browser
    d.get(f"{server}/maps/compare?left=huidig&right=swv_binnen_jeugdregio&division=swv_po")
    WebDriverWait(d, 60).until(
        lambda x: len(x.find_elements(By.CSS_SELECTOR, ".leaflet-container")) == 2
    )
    d.execute_script(
        """
        const name = Object.keys(window).filter(k => /^map_[0-9a-f]+$/.test(k))[0];
        window[name].setView([51.2, 5.95], 10, {animate: false});
        """
    )
    WebDriverWait(d, 20).until(lambda x: labels(x, "rk-label-gemeente").count("Roermond") == 2)
    assert any(t.startswith("PO3102 ") for t in labels(d, "rk-label-region"))
    _screenshot(d, "workspace_compare_labels.png")
    assert _script_errors(d) == []


def upload(d: WebDriver, path: Path, name: str, base: str) -> str:
    """Fill the home page's upload form (file, id, base) and submit; the inline answer."""
    form = d.find_element(By.ID, "upload")
    form.find_element(By.NAME, "file").send_keys(str(path))
    field = form.find_element(By.NAME, "name")
    field.clear()
    field.send_keys(name)
    Select(form.find_element(By.NAME, "base")).select_by_value(base)
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").send_keys(Keys.ENTER)
    out = d.find_element(By.ID, "upload-result")
    WebDriverWait(d, 60).until(lambda _: out.get_attribute("class") in ("rk-good", "rk-error"))
    return out.text


def test_import_with_a_base_then_a_broken_file(
    server: str, browser: WebDriver, tmp_path: Path
) -> None:
    d = browser
    sign_in_browser(d, server)
    d.get(f"{server}/")
    good = tmp_path / "nederweert.csv"
    good.write_text("gemeente;swv\nNederweert;PO3102\n", encoding="utf-8")
    answer = upload(d, good, "nederweert-roermond", "huidig")
    assert "nederweert-roermond" in answer and "huidig" in answer and "341" in answer, answer
    _screenshot(d, "workspace_import_with_base.png")
    # the new scenario opens on its own page
    WebDriverWait(d, 30).until(lambda x: x.current_url.endswith("/scenarios/nederweert-roermond"))
    _screenshot(d, "workspace_import_scenario_page.png")
    d.get(f"{server}/")
    broken = tmp_path / "typo.csv"
    broken.write_text("gemeente,swv\nGM0946,PO31O1\n", encoding="utf-8")
    answer = upload(d, broken, "typo", "huidig")
    assert "PO31O1" in answer and "Bedoelt u PO3101" in answer and "regel 2" in answer, answer
    _screenshot(d, "workspace_import_broken.png")
    assert d.find_elements(By.ID, "scenario-typo") == []  # nothing stored


def test_regional_report_and_its_pdf(server: str, browser: WebDriver) -> None:
    d = browser
    d.get(f"{server}/scenarios/nederweert-roermond")  # the scenario page's regional form
    field = d.find_element(By.ID, "report-region")
    field.send_keys("Limburg")
    field.send_keys(Keys.ENTER)
    WebDriverWait(d, 120).until(lambda x: x.find_elements(By.CSS_SELECTOR, "img.swv-map"))
    assert "PV31 Limburg" in d.title
    assert "GM0946 Nederweert" in d.find_element(By.CSS_SELECTOR, "table.changed").text
    link = d.find_element(By.CSS_SELECTOR, "a[href='/uitleg/verdict']")
    _screenshot(d, "workspace_report_limburg.png")
    link.click()
    WebDriverWait(d, 30).until(lambda x: "/uitleg/verdict" in x.current_url)
    assert "P3" in d.find_element(By.TAG_NAME, "main").text
    request = urllib.request.Request(
        f"{server}/api/scenarios/nederweert-roermond/report.pdf?region=Limburg", headers=TOKEN
    )
    with urllib.request.urlopen(request, timeout=180) as r:
        assert r.headers["Content-Type"] == "application/pdf"
        pdf = r.read()
    pages = pdf_page_count(pdf)
    assert 1 <= pages <= 4, pages
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / "workspace_report_limburg.pdf"
    path.write_bytes(pdf)
    if shutil.which("pdftoppm"):  # the pages as images, to look at
        prefix = str(ARTIFACTS / "workspace_report_limburg")
        subprocess.run(["pdftoppm", "-r", "60", "-png", str(path), prefix], check=True)


def test_shared_with_me_is_kept_by_the_server(server: str, browser: WebDriver) -> None:
    d = browser
    _script_errors(d)  # the console of the earlier tests (a refused upload's 422) is not ours
    sign_in_browser(d, server)
    d.get(f"{server}{COLLEAGUE['link']}")  # the colleague's link, opened signed in
    WebDriverWait(d, 60).until(lambda x: x.find_elements(By.ID, "shared-note"))
    d.get(f"{server}/")
    section = d.find_element(By.ID, "group-shared")
    assert section.is_displayed()
    entry = section.find_element(By.CSS_SELECTOR, f"li#shared-{COLLEAGUE['share_id']}")
    assert "Plan van de collega" in entry.text and "voor de raad" in entry.text
    assert entry.find_element(By.TAG_NAME, "a").get_attribute("href").endswith(COLLEAGUE["link"])
    violations = run_axe(d)
    assert not violations, describe(violations)
    d.execute_script("arguments[0].scrollIntoView({block: 'center'})", section)
    _screenshot(d, "workspace_shared_with_me.png")
    # remove it from the list with the keyboard: the link itself keeps working
    entry.find_element(By.CSS_SELECTOR, "button[type=submit]").send_keys(Keys.ENTER)
    WebDriverWait(d, 30).until(lambda x: not x.find_elements(By.CSS_SELECTOR, "li.rk-shared"))
    d.get(f"{server}{COLLEAGUE['link']}")
    WebDriverWait(d, 60).until(lambda x: x.find_elements(By.ID, "shared-note"))
    d.get(f"{server}/")
    assert d.find_elements(By.CSS_SELECTOR, f"li#shared-{COLLEAGUE['share_id']}")
    # the colleague revokes the link: it disappears from the list
    request = urllib.request.Request(
        f"{server}/api/scenarios/plan-collega/shares/{COLLEAGUE['share_id']}",
        headers={k: v for k, v in COLLEAGUE.items() if k == "Authorization"},
        method="DELETE",
    )
    with urllib.request.urlopen(request, timeout=60) as r:
        assert json.load(r)["id"] == COLLEAGUE["share_id"]
    d.get(f"{server}/")
    assert not d.find_elements(By.CSS_SELECTOR, "li.rk-shared")
    assert d.find_element(By.ID, "group-shared").get_attribute("hidden") is not None
    assert _script_errors(d) == []
