"""Tests of api.routers.units on the real data: weights and memberships per gemeente."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.routers.units import memberships_table
from fixtures.synthetic import synthetic_dataset
from geo.dataset import WEIGHTS


@pytest.fixture(scope="module")
def client(dataset, tmp_path_factory: pytest.TempPathFactory) -> TestClient:
    return TestClient(create_app(dataset, tmp_path_factory.mktemp("state")))


@pytest.mark.integration
def test_all_gemeenten_with_weights(client: TestClient, dataset) -> None:
    units = client.get("/api/units").json()
    assert [u["code"] for u in units] == list(dataset.units.index)
    total = {w: sum(u["weights"][w] for u in units) for w in WEIGHTS}
    for name, column in WEIGHTS.items():
        assert total[name] == pytest.approx(float(dataset.units[column].sum()))


@pytest.mark.integration
def test_amsterdam(client: TestClient, dataset) -> None:
    body = client.get("/api/units/GM0363").json()
    assert body["name"] == "Amsterdam"
    assert body["weights"]["inhabitants"] == float(dataset.units.loc["GM0363", "inhabitants"])
    for name, division in dataset.divisions.items():
        expected = division.unit_regions("GM0363")
        assert {m["region"]: m["share"] for m in body["memberships"][name]} == expected


@pytest.mark.integration
def test_a_split_gemeente_lists_all_its_shares(client: TestClient, dataset) -> None:
    division = dataset.divisions["swv_po"]
    code = division.split_units()[0]
    rows = client.get(f"/api/units/{code}").json()["memberships"]["swv_po"]
    assert len(rows) >= 2
    assert sum(r["share"] for r in rows) == pytest.approx(1.0)
    assert [r["share"] for r in rows] == sorted((r["share"] for r in rows), reverse=True)
    assert {r["region"]: r["share"] for r in rows} == division.unit_regions(code)


@pytest.mark.integration
def test_memberships_follow_the_scenario(client: TestClient, dataset) -> None:
    jeugd = dataset.divisions["jeugdregio"]
    code = next(iter(jeugd.region_units("JZ43")))
    now = client.get(f"/api/units/{code}").json()["memberships"]["jeugdregio"]
    merged = client.get(f"/api/units/{code}?scenario=jeugdregio_41").json()
    assert [m["region"] for m in now] == ["JZ43"]
    assert [m["region"] for m in merged["memberships"]["jeugdregio"]] == ["JZ42"]


@pytest.mark.integration
def test_unknown_unit(client: TestClient) -> None:
    r = client.get("/api/units/GM9999")
    assert r.status_code == 404
    assert r.json()["detail"] == "unknown unit 'GM9999'; gemeente codes look like 'GM0363'"
    assert client.get("/api/units/GM0363?scenario=nope").status_code == 404


def test_memberships_table_keeps_no_region_shares() -> None:
    table = memberships_table(synthetic_dataset().divisions)
    gm0 = table[(table["unit"] == "GM0000") & (table["division"] == "swv_po")]
    assert gm0[["region", "name", "share"]].values.tolist() == [
        ["C0", "swv_po C0", 0.5],
        ["GEEN", "geen regio", 0.5],
    ]
    assert len(table) == 7 * 48 + 1
