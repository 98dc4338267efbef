"""Tests of api/routers/maps.py: map pages, compare view, vendored assets and their errors."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from fixtures.synthetic import synthetic_dataset
from geo.dataset import Dataset
from maps.changes import swv_changes
from maps.layers import CHANGE_LAYER
from maps.page import page_layers

ALIGNED = {
    "name": "aligned",
    "description": "swv_po made equal to the jeugdregio's",
    "principles": [1],
    "edits": [{"op": "copy", "division": "swv_po", "from": "jeugdregio"}],
}


def _combined(ds: Dataset) -> dict:
    """A proposal-like scenario: one SWV for PO and VO = today's VO row bands (assign edit)."""
    bands = ds.division("swv_vo").assignment()
    return {
        "name": "voorstel",
        "description": "swv = the VO row bands",
        "principles": [1],
        "edits": [{"op": "assign", "division": "swv", "assignment": bands.to_dict()}],
    }


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory, sign_in) -> Iterator[TestClient]:
    app = create_app(synthetic_dataset(), tmp_path_factory.mktemp("state"), library_dir=None)
    with sign_in(TestClient(app)) as client:
        empty = {"name": "huidig", "description": "current", "principles": [], "edits": []}
        assert client.post("/api/scenarios", json=empty).status_code == 201
        assert client.post("/api/scenarios", json=ALIGNED).status_code == 201
        assert client.post("/api/scenarios", json=_combined(synthetic_dataset())).status_code == 201
        yield client


CHANGED = "gemeenten waarvan het samenwerkingsverband wijzigt"
"""The changed-gemeenten layer in Dutch (the default language)."""


def test_map_page_of_a_scenario(client: TestClient) -> None:
    r = client.get("/maps/aligned?division=swv_po&against=jeugdregio&weight=inhabitants")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    found = page_layers(r.text)
    units = found["gemeenten: swv_po naar inbedding"]
    assert {f["properties"]["m_containment"] for f in units.features} == {"1,000"}, "Dutch"
    assert "/maps/static/vendor/leaflet/leaflet.js" in r.text
    assert "Cijfers van scenario aligned" in r.text and '<html lang="nl">' in r.text
    english = client.get("/maps/aligned", headers={"Accept-Language": "en"}).text
    assert '<html lang="en">' in english and "Figures of scenario aligned" in english
    assert "gemeenten: swv_po by containment" in page_layers(english)


def test_map_page_uses_the_scenarios_score(client: TestClient) -> None:
    r = client.get("/maps/huidig?division=swv_vo&weight=area")
    assert r.status_code == 200
    api = client.get("/api/scores?division=swv_vo&against=jeugdregio&weight=area&scenario=huidig")
    congruence = api.json()["summary"]["congruence"]
    assert f"{congruence:.3f}".replace(".", ",") in r.text
    assert '"oppervlakte (km\\u00b2) (weging)"' in r.text
    assert "gemeenten: swv_vo naar inbedding" in page_layers(r.text)


def _without_nonce(page: str) -> str:
    """The page with its per-response CSP nonce blanked (a cached page gets a new nonce)."""
    return re.sub(r'nonce="[^"]+"', 'nonce=""', page)


def test_map_page_is_cached_per_revision(client: TestClient) -> None:
    first = client.get("/maps/aligned").text
    again = client.get("/maps/aligned").text
    assert _without_nonce(again) == _without_nonce(first)
    assert re.findall(r'nonce="([^"]+)"', again)[0] != re.findall(r'nonce="([^"]+)"', first)[0]
    changed = {**ALIGNED, "edits": [{"op": "copy", "division": "swv_po", "from": "ggdregio"}]}
    r = client.post("/api/scenarios?replace=true", json=changed)
    assert r.status_code == 201
    after = client.get("/maps/aligned").text
    assert after != first
    assert client.post("/api/scenarios?replace=true", json=ALIGNED).status_code == 201


@pytest.mark.parametrize(
    ("url", "status", "named"),
    [
        ("/maps/nope", 404, "'nope'"),
        ("/maps/huidig?division=swv", 404, "'swv'"),
        ("/maps/huidig?against=regio_x", 404, "'regio_x'"),
        ("/maps/huidig?weight=people", 422, "weight"),
        ("/maps/huidig?division=Bad-Name", 422, "division"),
        ("/maps/..%2F..%2Fx", 404, ""),
        ("/maps/compare?right=gone", 404, "'gone'"),
        ("/maps/compare?left=gone&right=huidig", 404, "'gone'"),
        ("/maps/compare?left=huidig&right=aligned&division=nope", 404, "'nope'"),
    ],
)
def test_errors_name_what_is_wrong(client: TestClient, url: str, status: int, named: str) -> None:
    r = client.get(url, headers={"accept": "application/json"})
    assert r.status_code == status, r.text
    assert named in r.json()["detail"]


def test_browser_gets_an_html_error_page(client: TestClient) -> None:
    r = client.get("/maps/nope", headers={"accept": "text/html,application/xhtml+xml"})
    assert r.status_code == 404 and r.headers["content-type"].startswith("text/html")
    assert "unknown scenario &#39;nope&#39;" in r.text and 'href="/"' in r.text
    assert "<h1>Pagina niet gevonden</h1>" in r.text and '<html lang="nl">' in r.text
    english = client.get("/maps/nope", headers={"accept": "text/html", "accept-language": "en"})
    assert "<h1>Page not found</h1>" in english.text


def test_compare_page(client: TestClient) -> None:
    r = client.get("/maps/compare?left=huidig&right=aligned&division=swv_po")
    assert r.status_code == 200
    assert "scenario huidig" in r.text and "scenario aligned" in r.text
    assert ".sync(" in r.text and "/maps/static/vendor/leaflet.sync/L.Map.Sync.js" in r.text
    found = page_layers(r.text)
    assert {"huidig: swv_po naar inbedding", "aligned: swv_po naar inbedding"} <= set(found)
    assert 'id="tekstalternatief"' in r.text and r.text.count("<caption>") == 3


def test_map_of_a_combined_swv_outlines_the_changed_gemeenten(client: TestClient) -> None:
    ds = synthetic_dataset()
    r = client.get("/maps/voorstel?division=swv&against=jeugdregio&weight=pupils")
    assert r.status_code == 200, r.text
    found = page_layers(r.text)
    swv = client.app.state.regio.evaluator.division("voorstel", "swv")  # type: ignore[attr-defined]
    changes = swv_changes(ds, swv)
    assert changes is not None
    marked = list(changes.index[changes["swv_changes"]])
    assert [f["id"] for f in found[CHANGED].features] == marked
    units = {f["id"]: f["properties"] for f in found["gemeenten: swv naar inbedding"].features}
    assert units[marked[0]]["swv_change"] == changes.loc[marked[0], "text"] != "nee"
    # the text alternative lists the same gemeenten
    table = r.text[r.text.index('id="wijzigingen-tabel"') :]
    assert all(f"({code})</th>" in table for code in marked)
    # huidig's map and the aligned scenario's unchanged swv_vo mark nothing
    for url in ("/maps/huidig?division=swv_po", "/maps/aligned?division=swv_vo"):
        assert CHANGED not in page_layers(client.get(url).text), url


@pytest.mark.parametrize(
    ("query", "left"),
    [
        ("division=swv", "swv_po"),
        ("division=swv&left_division=swv_vo", "swv_vo"),
    ],
)
def test_compare_a_combined_swv_beside_huidig(client: TestClient, query: str, left: str) -> None:
    r = client.get(f"/maps/compare?left=huidig&right=voorstel&{query}&weight=pupils")
    assert r.status_code == 200, r.text
    found = page_layers(r.text)
    assert {f"huidig: {left} naar inbedding", "voorstel: swv naar inbedding"} <= set(found)
    assert len(found[CHANGED].features) > 0
    assert f"huidig en voorstel naast elkaar: {left} | swv vergeleken met jeugdregio" in r.text


def test_compare_side_divisions_are_checked(client: TestClient) -> None:
    accept = {"accept": "application/json"}
    r = client.get("/maps/compare?left=huidig&right=voorstel&right_division=nope", headers=accept)
    assert r.status_code == 404 and "'nope'" in r.json()["detail"]
    r = client.get("/maps/compare?left=huidig&right=aligned&left_division=Bad", headers=accept)
    assert r.status_code == 422 and "left_division" in r.text
    # an explicit swv on a side without it is not replaced
    r = client.get("/maps/compare?left=huidig&right=voorstel&left_division=swv", headers=accept)
    assert r.status_code == 404 and "'swv'" in r.json()["detail"]


def test_vendored_assets_are_served_and_confined(client: TestClient) -> None:
    r = client.get("/maps/static/vendor/leaflet/leaflet.js")
    assert r.status_code == 200 and "javascript" in r.headers["content-type"]
    root = Path(__file__).resolve().parent.parent / "maps" / "static" / "vendor"
    assert r.content == (root / "leaflet" / "leaflet.js").read_bytes()
    assert client.get("/maps/static/vendor/leaflet/leaflet.css").status_code == 200
    for bad in ("%2e%2e/assets.py", "leaflet/%2e%2e/%2e%2e/assets.py", "nope.js"):
        assert client.get(f"/maps/static/vendor/{bad}").status_code == 404


def test_openapi_lists_the_map_pages_but_not_the_assets(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert "/maps/{scenario}" in paths and "/maps/compare" in paths
    assert not any(p.startswith("/maps/static") for p in paths)


# ---------------------------------------------------------------------- real data
@pytest.mark.integration
def test_real_map_pages(dataset: Dataset, tmp_path: Path) -> None:
    app = create_app(dataset, tmp_path)
    with TestClient(app) as client:
        r = client.get("/maps/huidig?division=swv_po&against=jeugdregio&weight=inhabitants")
        assert r.status_code == 200
        assert len(r.content) < 1_500_000
        assert len(page_layers(r.text)["gemeenten: swv_po naar inbedding"].features) == 342
        r = client.get("/maps/compare?left=huidig&right=swv_binnen_jeugdregio")
        assert r.status_code == 200
        found = page_layers(r.text)
        right = found["swv_binnen_jeugdregio: swv_po naar inbedding"].features
        # every SWV cut along the jeugdregio borders lies in one jeugdregio
        assert {f["properties"]["m_containment"] for f in right} <= {"1,000", "–"}
        assert "'swv'" in client.get("/maps/huidig?division=swv").json()["detail"]


@pytest.mark.integration
def test_real_map_and_compare_of_a_combined_swv(dataset: Dataset, tmp_path: Path, sign_in) -> None:
    """swv = one SWV per jeugdregio (an assign edit); changed gemeenten counted here by pandas."""
    from geo.division import NO_REGION

    new = dataset.division("jeugdregio").assignment().astype(str)
    doc = {
        "name": "een-swv-per-jeugdregio",
        "description": "swv = jeugdregio",
        "principles": [1, 3],
        "edits": [{"op": "assign", "division": "swv", "assignment": new.to_dict()}],
    }
    expected: set[str] = set()
    moves: dict[str, list[str]] = {}
    for level in ("po", "vo"):
        m = dataset.division(f"swv_{level}").for_weight(f"pupils_{level}").membership
        m = m[m["region"] != NO_REGION].copy()
        m["pupils"] = m["share"] * m["unit"].map(dataset.units[f"pupils_{level}"].astype(float))
        m["new"] = m["unit"].map(new)
        received = m.groupby(["region", "new"])["pupils"].sum().reset_index()
        received = received.sort_values(["region", "pupils", "new"], ascending=[True, False, True])
        cont = received.drop_duplicates("region").set_index("region")["new"]
        moved = m[(m["new"] != m["region"].map(cont)) & (m["pupils"] > 0)]
        expected |= set(moved["unit"])
        for row in moved.itertuples():
            moves.setdefault(row.unit, []).append(f"{level.upper()} {row.region} → {row.new}")
    app = create_app(dataset, tmp_path)
    with sign_in(TestClient(app)) as client:
        assert client.post("/api/scenarios", json=doc).status_code == 201
        english = {"Accept-Language": "en"}  # layer names as the English msgids (CHANGE_LAYER)
        url = f"/maps/{doc['name']}?division=swv&against=jeugdregio&weight=pupils"
        r = client.get(url, headers=english)
        assert r.status_code == 200 and len(r.content) < 1_500_000
        found = page_layers(r.text)
        outlined = {f["id"] for f in found[CHANGE_LAYER].features}
        assert outlined == expected and 0 < len(expected) < 342
        tips = {f["id"]: f["properties"] for f in found["gemeenten: swv by containment"].features}
        for code in sorted(expected)[:20]:
            for move in moves[code]:
                assert move in tips[code]["swv_change"], (code, tips[code]["swv_change"])
        assert all(tips[c]["swv_change"] == "no" for c in set(tips) - expected)
        r = client.get(
            f"/maps/compare?left=huidig&right={doc['name']}&division=swv", headers=english
        )
        assert r.status_code == 200
        found = page_layers(r.text)
        assert "huidig: swv_po by containment" in found
        assert {f["id"] for f in found[CHANGE_LAYER].features} == expected
