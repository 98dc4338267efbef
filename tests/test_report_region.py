"""Regional report (issue 18, item 7): ``?region=`` cuts the report to a jeugdregio, province or
SWV; its links point to pages the app serves; the PDF is printed on the server and a regional
report of one scenario prints to at most 4 A4 pages."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from maps.pdf import pdf_page_count

pytestmark = pytest.mark.integration

LIMBURG = {
    "name": "limburg-41",
    "base": "jeugdregio_41",
    "description": "Nederweert to the Roermond SWV on the 41 regions",
    "edits": [{"op": "move", "division": "swv_po", "unit": "GM0946", "to": "PO3102"}],
}
HAS_CHROMIUM = shutil.which("chromium") is not None or bool(os.environ.get("CI"))


@pytest.fixture(scope="module")
def client(dataset, tmp_path_factory: pytest.TempPathFactory) -> TestClient:
    from fixtures.accounts import sign_in

    state = tmp_path_factory.mktemp("report-state")
    client = sign_in(TestClient(create_app(dataset, state)))
    assert client.post("/api/scenarios", json=LIMBURG).status_code == 201
    return client


def table_codes(html: str, css: str) -> list[str]:
    """The SWV codes of the rows of the table with class ``css`` (second cell of each row)."""
    table = re.search(rf'<table class="{css}">(.*?)</table>', html, re.S)
    assert table, css
    return re.findall(r"<tr><td>swv_\w+</td><td>(\w+)", table.group(1))


def expected_touching(dataset, client: TestClient) -> set[str]:
    """SWVs with a share in a gemeente of Midden-Limburg (JZ42 + JZ43 of today, merged by
    jeugdregio_41), from the applied scenario's shares: computed without geo.checks.focus."""
    jz = dataset.divisions["jeugdregio"].assignment()
    units = set(jz[jz.isin(["JZ42", "JZ43"])].index)
    divisions = client.app.state.regio.evaluator.divisions("limburg-41")
    out = set()
    for name in ("swv_po", "swv_vo"):
        for unit in units:
            out |= {r for r, share in divisions[name].unit_regions(unit).items() if share > 0}
    return out - {"GEEN"}


def test_regional_report_is_cut_to_the_region(client: TestClient, dataset) -> None:
    r = client.get("/api/scenarios/limburg-41/report?region=JZ42")
    assert r.status_code == 200, r.text
    html = r.text
    assert "JZ42 Midden-Limburg" in html
    assert set(table_codes(html, "swvs")) == expected_touching(dataset, client)
    changed = re.search(r'<table class="changed">(.*?)</table>', html, re.S)
    assert changed and "GM0946 Nederweert" in changed.group(1)
    assert "Bijlage" not in html and html.count('class="swv-map"') == 2
    # names beside codes: PO3102 carries its generated name
    name = dataset.divisions["swv_po"].region_names["PO3102"]
    assert name != "PO3102" and name in html


def test_regions_by_province_swv_and_appendix(client: TestClient, dataset) -> None:
    by_name = client.get("/api/scenarios/limburg-41/report?region=Limburg").text
    by_code = client.get("/api/scenarios/limburg-41/report?region=PV31").text
    assert "PV31 Limburg" in by_name and table_codes(by_name, "swvs") == table_codes(
        by_code, "swvs"
    )
    swv = client.get("/api/scenarios/limburg-41/report?region=PO3102").text
    assert "PO3102" in table_codes(swv, "swvs")
    full = client.get("/api/scenarios/limburg-41/report?region=JZ42&appendix=true").text
    assert "Bijlage:" in full and len(table_codes(full, "swvs national")) == 150


def test_unknown_region_names_the_problem(client: TestClient) -> None:
    r = client.get("/api/scenarios/limburg-41/report?region=JZ99")
    assert r.status_code == 422
    assert "unknown region 'JZ99'" in r.json()["detail"]


def test_links_point_to_pages_the_app_serves(client: TestClient) -> None:
    html = client.get("/api/scenarios/limburg-41/report?region=JZ42").text
    links = re.findall(r'href="([^"]+)"', html)
    assert links and all(link.startswith("/") for link in links)
    for link in links:
        page = client.get(link)
        assert page.status_code == 200, link
    page = client.get("/uitleg/verdict").text  # Dutch by default: the planners' explanation
    assert "De toetsen" in page and "<table>" in page
    page = client.get("/uitleg/verdict", headers={"Accept-Language": "en"}).text
    assert "Stable keys scripts may rely on" in page and "<table>" in page
    assert client.get("/uitleg/../../etc/passwd").status_code == 404
    assert client.get("/uitleg/secret").status_code == 404


@pytest.mark.skipif(not HAS_CHROMIUM, reason="chromium not installed")
def test_regional_pdf_is_at_most_four_a4_pages(client: TestClient) -> None:
    r = client.get("/api/scenarios/limburg-41/report.pdf?region=JZ42")
    assert r.status_code == 200, r.text[:300]
    assert r.headers["content-type"] == "application/pdf"
    assert 'filename="limburg-41_JZ42.pdf"' in r.headers["content-disposition"]
    assert r.content.startswith(b"%PDF")
    pages = pdf_page_count(r.content)
    assert 1 <= pages <= 4, pages
    artifacts = Path(__file__).resolve().parent.parent / "artifacts"
    artifacts.mkdir(exist_ok=True)
    (artifacts / "report_limburg-41_JZ42.pdf").write_bytes(r.content)
    # A4 portrait: 595 x 842 points
    assert re.search(rb"/MediaBox\s*\[\s*0 0 59[45](\.\d+)? 84[12]", r.content)


def test_pdf_without_chromium_is_a_clear_503(client: TestClient, monkeypatch) -> None:
    monkeypatch.setenv("REGIOKOMPAS_CHROMIUM", "/nonexistent/chromium")
    r = client.get("/api/scenarios/limburg-41/report.pdf?region=JZ42")
    assert r.status_code == 503
    assert "REGIOKOMPAS_CHROMIUM" in r.json()["detail"]


def test_sources_and_travel_model_read_in_the_readers_language(client: TestClient, dataset) -> None:
    """The report's 'sources' part: the weights' sources, where a gemeente's trips start (P2)
    and the travel model are Dutch in a Dutch report (issue 17), English in an English one; the
    count of gemeenten without a school location comes from the data here."""
    rules = dataset.units["point_rule"].astype(str)
    n, total = int((rules == "representative_point").sum()), len(rules)
    nl = client.get("/api/scenarios/huidig/report", headers={"Accept-Language": "nl"}).text
    assert f"gemeentegrens als die er niet zijn ({n} van de {total} gemeenten)" in nl
    assert "ingeschreven inwoners op 1 januari 2024 (CBS KWB 2024)" in nl
    assert "hemelsbreed (EPSG:28992, km) zolang de lijn over land loopt" in nl
    for english in ("registered inhabitants", "pupil-weighted", "straight line", "where it has"):
        assert english not in nl, english
    en = client.get("/api/scenarios/huidig/report", headers={"Accept-Language": "en"}).text
    assert f"polygon where it has none ({n} of {total} gemeenten)" in en
    assert "registered inhabitants on 1 Jan 2024" in en and "straight line (EPSG:28992" in en


def test_scorecards_name_checks_in_the_readers_language(client: TestClient) -> None:
    """A scorecard row is "P1 Uitgangspunt 1: ..." or "Omvang: ...": the internal check names
    (size, contiguity, disruption, uniform) are not shown on a Dutch page as a row's name."""
    nl = {"Accept-Language": "nl"}
    pages = {
        "report": client.get("/api/scenarios/huidig/report", headers=nl).text,
        "scenario": client.get("/scenarios/huidig", headers=nl).text,
        "compare": client.get("/compare?left=huidig&right=jeugdregio_41", headers=nl).text,
    }
    for page, html in pages.items():
        rows = re.findall(r'<th scope="row">(.*?)</th>', html, re.S)
        text = [re.sub(r"<[^>]+>", " ", row).split() for row in rows]
        firsts = {words[0] for words in text if words}
        assert {"P1", "P2", "P3", "Omvang:", "Samenhang:"} <= firsts, (page, firsts)
        assert not firsts & {"size", "contiguity", "disruption", "uniform"}, (page, firsts)


MONTHS = "januari februari maart april mei juni juli augustus september oktober november december"


def test_scenario_page_writes_times_as_dutch_dates(client: TestClient) -> None:
    """'Laatste wijziging' and the history read '6 december 2026 08:34 UTC', not ISO text; the
    expected text is built here from the API's timestamp."""
    from datetime import UTC, datetime

    stored = client.get("/api/scenarios/limburg-41").json()
    moment = datetime.fromisoformat(stored["updated_at"]).astimezone(UTC)
    dutch = f"{moment.day} {MONTHS.split()[moment.month - 1]} {moment.year} {moment:%H:%M} UTC"
    page = client.get("/scenarios/limburg-41", headers={"Accept-Language": "nl"}).text
    assert f"<dd>{dutch}</dd>" in page
    assert f"<td>{dutch}</td>" in page  # the history's row of that revision
    assert not re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d", page), "no ISO times left"
