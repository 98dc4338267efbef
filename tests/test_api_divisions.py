"""Tests of api.routers.divisions on the real data: counts, region weights, dissolved polygons."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from fixtures.synthetic import synthetic_dataset
from geo.config import CRS_METRIC
from geo.dataset import WEIGHTS


@pytest.fixture(scope="module")
def client(dataset, tmp_path_factory: pytest.TempPathFactory) -> TestClient:
    return TestClient(create_app(dataset, tmp_path_factory.mktemp("state")))


def expected_region_weights(dataset, name: str) -> pd.DataFrame:
    """Region x weight totals by a long-table merge and groupby (not the sparse product)."""
    m = dataset.divisions[name].membership
    w = dataset.units[list(WEIGHTS.values())].rename(columns={v: k for k, v in WEIGHTS.items()})
    long = m.merge(w, left_on="unit", right_index=True)
    for col in WEIGHTS:
        long[col] = long[col] * long["share"]
    return long.groupby("region")[list(WEIGHTS)].sum()


@pytest.mark.integration
def test_division_list_has_the_real_region_counts(client: TestClient) -> None:
    got = {d["name"]: d for d in client.get("/api/divisions").json()}
    assert got["jeugdregio"]["regions"] == 42
    assert got["swv_po"]["regions"] == 76
    assert got["swv_vo"]["regions"] == 74
    assert got["provincie"]["regions"] == 12
    assert all(d["units"] == 342 for d in got.values())
    assert got["jeugdregio"]["split_units"] == 0


@pytest.mark.integration
def test_division_list_of_a_scenario(client: TestClient) -> None:
    got = {d["name"]: d for d in client.get("/api/divisions?scenario=jeugdregio_41").json()}
    assert got["jeugdregio"]["regions"] == 41
    assert got["jeugdregio"]["url"] == "/api/divisions/jeugdregio?scenario=jeugdregio_41"
    po_vo = {d["name"]: d for d in client.get("/api/divisions?scenario=po_vo_samen").json()}
    assert "swv" in po_vo and po_vo["swv_po"]["regions"] == po_vo["swv"]["regions"]


@pytest.mark.integration
@pytest.mark.parametrize("name", ["swv_po", "jeugdregio"])
def test_region_weights_match_a_groupby(client: TestClient, dataset, name: str) -> None:
    body = client.get(f"/api/divisions/{name}").json()
    expected = expected_region_weights(dataset, name)
    got = pd.DataFrame({r["code"]: r["weights"] for r in body["regions"]}).T
    pd.testing.assert_frame_equal(
        got.sort_index(),
        expected.drop(index="GEEN", errors="ignore").sort_index(),
        check_names=False,
        rtol=1e-9,
    )
    no_region = expected.loc["GEEN"] if "GEEN" in expected.index else 0.0 * expected.iloc[0]
    assert body["no_region"] == pytest.approx(no_region.to_dict())
    names = dataset.divisions[name].region_names
    assert all(r["name"] == names[r["code"]] for r in body["regions"])
    units = dataset.divisions[name].membership
    counts = units[units["region"] != "GEEN"].groupby("region").size()
    assert {r["code"]: r["units"] for r in body["regions"]} == counts.to_dict()


@pytest.mark.integration
def test_swv_po_has_split_gemeenten_and_weight_in_no_region(client: TestClient, dataset) -> None:
    body = client.get("/api/divisions/swv_po").json()
    assert body["split_units"] == dataset.divisions["swv_po"].split_units()
    assert len(body["split_units"]) > 0


@pytest.mark.integration
def test_geojson_regions_cover_their_gemeenten(client: TestClient, dataset) -> None:
    r = client.get("/api/divisions/jeugdregio.geojson")
    assert r.status_code == 200 and r.headers["content-type"] == "application/geo+json"
    regions = gpd.GeoDataFrame.from_features(r.json()["features"], crs=4326)
    assert len(regions) == 42 and regions.is_valid.all()
    assignment = dataset.divisions["jeugdregio"].assignment()
    points = gpd.GeoDataFrame(
        {"expected": assignment.reindex(dataset.units.index).to_numpy()},
        geometry=dataset.units.geometry.representative_point().values,
        crs=4326,
    )
    joined = points.sjoin(regions[["code", "geometry"]], predicate="within")
    assert len(joined) == 342
    assert (joined["code"] == joined["expected"]).all()
    area_regions = regions.to_crs(CRS_METRIC).area.sum()
    area_units = dataset.units.to_crs(CRS_METRIC).area.sum()
    assert area_regions == pytest.approx(area_units, rel=1e-4)
    assert regions.set_index("code")["units"].to_dict() == assignment.value_counts().to_dict()


@pytest.mark.integration
def test_geojson_of_a_scenario(client: TestClient) -> None:
    r = client.get("/api/divisions/jeugdregio.geojson?scenario=jeugdregio_41")
    codes = {f["properties"]["code"] for f in r.json()["features"]}
    assert len(codes) == 41 and "JZ43" not in codes and "JZ42" in codes


@pytest.mark.integration
def test_unknown_division_scenario_and_bad_names(client: TestClient) -> None:
    r = client.get("/api/divisions/gemeentebuurt")
    assert r.status_code == 404
    assert r.json()["detail"].startswith("unknown division 'gemeentebuurt'; choose one of")
    assert client.get("/api/divisions/gemeentebuurt.geojson").status_code == 404
    r = client.get("/api/divisions/swv_po?scenario=bestaat-niet")
    assert (r.status_code, r.json()) == (404, {"detail": "unknown scenario 'bestaat-niet'"})
    r = client.get("/api/divisions/SWV PO")
    assert r.status_code == 422 and "path.name" in r.json()["detail"]
    r = client.get("/api/divisions?scenario=../../x")
    assert r.status_code == 422 and "query.scenario" in r.json()["detail"]


def test_dissolve_on_synthetic_blocks(tmp_path) -> None:
    client = TestClient(create_app(synthetic_dataset(), tmp_path, library_dir=None))
    features = client.get("/api/divisions/swv_po.geojson").json()["features"]
    # swv_po = 4 column bands; GM0000 is half in no region but its largest share is a tie
    # broken towards C0 (the first column), so every band keeps 12 gemeenten
    assert sorted(f["properties"]["units"] for f in features) == [12, 12, 12, 12]
    areas = gpd.GeoDataFrame.from_features(features, crs=4326).to_crs(CRS_METRIC).area
    assert np.allclose(areas, 12e6, rtol=1e-4)  # coordinates rounded to ~0.1 m
