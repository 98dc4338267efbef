"""Tests of api/routers/home.py: the scenario table, its links and the upload form."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.routers.home import compare_url, map_url
from fixtures.synthetic import synthetic_dataset
from geo.dataset import Dataset


class _Page(HTMLParser):
    """Collects links, forms, inputs and table cells (per row id) of the home page."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.forms: list[dict[str, str | None]] = []
        self.inputs: list[dict[str, str | None]] = []
        self.rows: dict[str, list[str]] = {}
        self._row: str | None = None
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "a" and a.get("href"):
            self.links.append(str(a["href"]))
        elif tag == "form":
            self.forms.append(a)
        elif tag in ("input", "select"):
            self.inputs.append({"tag": tag, **a})
        elif tag == "tr" and str(a.get("id", "")).startswith("scenario-"):
            self._row = str(a["id"])[len("scenario-") :]
            self.rows[self._row] = []
        elif tag == "td" and self._row is not None:
            self._cell = []

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "td" and self._cell is not None and self._row is not None:
            self.rows[self._row].append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "tr":
            self._row = None


def dutch(value: float) -> str:
    """A metric as the Dutch page shows it, formatted here independently: 3 decimals, comma."""
    return f"{value:.3f}".replace(".", ",")


def _parse(text: str) -> _Page:
    page = _Page()
    page.feed(text)
    return page


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory, sign_in) -> Iterator[TestClient]:
    app = create_app(synthetic_dataset(), tmp_path_factory.mktemp("state"), library_dir=None)
    with sign_in(TestClient(app)) as client:
        docs = [
            {"name": "huidig", "description": "current", "principles": [], "edits": []},
            {
                "name": "aligned",
                "description": "swv_po = jeugdregio <b>bold?</b>",
                "principles": [1],
                "edits": [{"op": "copy", "division": "swv_po", "from": "jeugdregio"}],
            },
        ]
        for doc in docs:
            assert client.post("/api/scenarios", json=doc).status_code == 201
        yield client


def test_table_shows_congruence_per_scenario(client: TestClient) -> None:
    r = client.get("/")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    page = _parse(r.text)
    assert list(page.rows) == ["huidig", "aligned"], "the baseline first"
    api = client.get(
        "/api/scores?division=swv_po&against=jeugdregio&weight=inhabitants&scenario=huidig"
    ).json()
    huidig = page.rows["huidig"]
    assert huidig[1] == dutch(api["summary"]["congruence"]), "Dutch by default: 0,717"
    assert huidig[3] == "–", "the synthetic scenarios have no combined swv"
    # swv_po copied from the jeugdregio's nests exactly: congruence 1 by definition
    assert page.rows["aligned"][1] == "1,000"
    english = _parse(client.get("/", headers={"Accept-Language": "en-GB,en"}).text)
    assert english.rows["huidig"][1] == f"{api['summary']['congruence']:.3f}"
    assert "&lt;b&gt;bold?&lt;/b&gt;" in r.text, "descriptions are escaped"


def test_links_to_maps_compare_views_exports_and_docs(client: TestClient) -> None:
    page = _parse(client.get("/").text)
    for scenario in ("huidig", "aligned"):
        for division in ("swv_po", "swv_vo"):
            assert map_url(scenario, division, "inhabitants") in page.links
            csv = f"/api/scenarios/{scenario}/assignment.csv?division={division}"
            assert csv in page.links
    assert compare_url("huidig", "aligned", "swv_po", "inhabitants") in page.links
    assert not any("right=huidig" in link for link in page.links), "no baseline-vs-itself"
    assert "/docs" in page.links and "/openapi.json" in page.links
    for link in page.links:
        if link.startswith(("/maps/", "/api/", "/docs", "/openapi")):
            assert client.get(link).status_code == 200, link


def test_weight_choice_changes_the_numbers(client: TestClient) -> None:
    area = client.get("/?weight=area")
    assert "gewogen naar oppervlakte (km²)." in area.text
    api = client.get("/api/scores?division=swv_vo&against=jeugdregio&weight=area&scenario=huidig")
    assert _parse(area.text).rows["huidig"][2] == dutch(api.json()["summary"]["congruence"])
    assert map_url("huidig", "swv_po", "area") in _parse(area.text).links
    assert client.get("/?weight=people").status_code == 422


def test_upload_form_matches_the_import_endpoint(client: TestClient) -> None:
    page = _parse(client.get("/").text)
    form = next(f for f in page.forms if f.get("id") == "upload")
    assert form["action"] == "/api/scenarios/import" and form["method"] == "post"
    assert form["enctype"] == "multipart/form-data"
    names = {i.get("name") for i in page.inputs}
    assert {"file", "name", "division", "description", "base", "replace"} <= names
    assert "allow_new_regions" in names
    # post exactly what the form would post, then the new scenario is in the table
    units = synthetic_dataset().units.index
    csv = "unit,region\n" + "".join(f"{u},R{i % 3}\n" for i, u in enumerate(units))
    r = client.post(
        form["action"],
        files={"file": ("plan.csv", csv.encode(), "text/csv")},
        data={
            "name": "plan-c",
            "division": "swv_po",
            "description": "three stripes",
            "base": "",
            "allow_new_regions": "true",
        },
    )
    assert r.status_code == 201, r.text
    rows = _parse(client.get("/").text).rows
    assert "plan-c" in rows and re.fullmatch(r"\d,\d{3}", rows["plan-c"][1])


def test_a_combined_swv_is_compared_with_todays_po_and_vo(client: TestClient) -> None:
    bands = synthetic_dataset().division("swv_vo").assignment().to_dict()
    doc = {
        "name": "voorstel",
        "description": "one SWV for PO and VO",
        "principles": [1],
        "edits": [{"op": "assign", "division": "swv", "assignment": bands}],
    }
    assert client.post("/api/scenarios", json=doc).status_code == 201
    try:
        home = client.get("/").text
        page = _parse(home)
        for level in ("swv_po", "swv_vo"):
            url = compare_url("huidig", "voorstel", "swv", "inhabitants", left_division=level)
            assert url in page.links and f">swv vs {level}</a>" in home
            r = client.get(url)
            assert r.status_code == 200 and f"huidig: {level} naar inbedding" in r.text
        assert map_url("voorstel", "swv", "inhabitants") in page.links
    finally:
        assert client.delete("/api/scenarios/voorstel").status_code in (200, 204)


def test_a_scenario_that_cannot_be_evaluated_shows_its_error(client: TestClient) -> None:
    store = client.app.state.regio.store  # type: ignore[attr-defined]
    broken = {"name": "broken", "description": "x", "principles": [], "base": "gone", "edits": []}
    # the store refuses a missing base now; an older database may still hold one
    store.save("broken", {**broken, "base": None}, source="user", visibility="published")
    store._conn.execute(
        "UPDATE scenarios SET document = ?, revision = revision + 1000 WHERE id = 'broken'",
        (json.dumps(broken),),
    )
    try:
        r = client.get("/")
        assert r.status_code == 200
        cells = _parse(r.text).rows["broken"]
        assert "Kan niet worden doorgerekend" in cells[1] and "'gone'" in cells[1]
    finally:
        store.delete("broken")


# ---------------------------------------------------------------------- real data
@pytest.mark.integration
def test_home_page_lists_the_library(dataset: Dataset, tmp_path: Path) -> None:
    with TestClient(create_app(dataset, tmp_path)) as client:
        r = client.get("/")
        assert r.status_code == 200
        rows = _parse(r.text).rows
        assert {"huidig", "po_vo_samen", "swv_binnen_jeugdregio", "jeugdregio_41"} <= set(rows)
        for cells in rows.values():
            assert re.fullmatch(r"[01],\d{3}", cells[1]), cells
        assert re.fullmatch(r"[01],\d{3}", rows["po_vo_samen"][3]), "po_vo_samen has swv"
        api = client.get(
            "/api/scores?division=swv_po&against=jeugdregio&weight=inhabitants&scenario=huidig"
        ).json()
        assert rows["huidig"][1] == dutch(api["summary"]["congruence"])
        links = _parse(r.text).links
        assert map_url("po_vo_samen", "swv", "inhabitants") in links
        compares = [link for link in links if link.startswith("/maps/compare")]
        combined = [link for link in compares if "division=swv&" in link]
        # huidig has no combined swv: po_vo_samen's swv is put beside huidig's swv_po and swv_vo
        assert sorted(link.rsplit("=", 1)[1] for link in combined) == ["swv_po", "swv_vo"]
        assert all("right=po_vo_samen" in link for link in combined)
