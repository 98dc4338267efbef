"""Real-browser journeys of issue 18's data part: names on the map by zoom level, an import with
a base and then a broken import (the home page's form, mouse and keyboard), and the regional
report with its server-made PDF (at most 4 A4 pages). Screenshots and PDF pages: artifacts/."""

from __future__ import annotations

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

pytestmark = [pytest.mark.browser, pytest.mark.integration]


@pytest.fixture(scope="module")
def server(
    dataset: object, data_dir: Path, cache_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    del dataset  # built into cache_dir once; the server only loads it
    state = tmp_path_factory.mktemp("workspace-data-state")
    seed_account(state)
    with running_server(state, data_dir, cache_dir, tmp_path_factory.mktemp("wsd-log")) as base:
        yield base


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
