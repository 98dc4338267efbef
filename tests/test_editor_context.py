"""The editor page's context on the real data: where each gemeente and postcode lies, and the
jeugdregio pieces of every region, checked against independent pandas computations from the
membership tables and the PC4 layer (not the code under test)."""

from __future__ import annotations

import pandas as pd
import pytest
from fastapi.testclient import TestClient

from api.app import create_app

pytestmark = pytest.mark.integration

ROERMOND_TO_PO3101 = {"op": "move", "division": "swv_po", "unit": "GM0957", "to": "PO3101"}


@pytest.fixture(scope="module")
def client(dataset, tmp_path_factory: pytest.TempPathFactory, sign_in) -> TestClient:
    app = create_app(dataset, tmp_path_factory.mktemp("editor-context-state"))
    return sign_in(TestClient(app), "context-planner")


def largest(membership: pd.DataFrame) -> dict[str, str]:
    """Each unit's region of largest share ('GEEN' left out), from a membership table."""
    real = membership[membership["region"] != "GEEN"]
    best = real.sort_values("share", ascending=False, kind="stable").drop_duplicates("unit")
    return dict(zip(best["unit"].astype(str), best["region"].astype(str), strict=True))


def test_context_places_gemeenten_and_postcodes(client: TestClient, dataset) -> None:
    out = client.get("/api/scenarios/huidig/editor-context?division=swv_po").json()
    assert out["unit_jeugdregio"] == largest(dataset.division("jeugdregio").membership)
    assert out["unit_provincie"] == largest(dataset.division("provincie").membership)
    assert out["unit_jeugdregio"]["GM0957"] == "JZ42"  # Roermond: Midden-Limburg Oost
    assert out["jeugdregio"]["JZ42"] == "Midden-Limburg Oost"
    assert out["provincie"][out["unit_provincie"]["GM0957"]] == "Limburg"
    pcs = dataset.postcodes
    rows = {pc4: (units, plaats, region) for pc4, units, plaats, region in out["postcodes"]}
    assert set(rows) == set(pcs["pc4"].astype(str))
    for pc4, group in pcs.groupby("pc4"):
        units, _, region = rows[str(pc4)]
        assert units == sorted(set(group["unit"].astype(str)))
        assert region == str(group["swv_po"].iloc[0])
    assert rows["6041"][0] == ["GM0957"] and rows["6041"][2] == "PO3102"
    # a joint division has no postcode column: the region is not known
    joint = client.get("/api/scenarios/po_vo_samen/editor-context?division=swv").json()
    assert {r[3] for r in joint["postcodes"]} == {None}
    # the decree's 41 regions: Midden-Limburg West's gemeenten now lie in the merged JZ42
    decree = client.get("/api/scenarios/jeugdregio_41/editor-context?division=swv_po").json()
    west = [u for u, j in out["unit_jeugdregio"].items() if j == "JZ43"]
    assert west and all(decree["unit_jeugdregio"][u] == "JZ42" for u in west)
    assert decree["jeugdregio"]["JZ42"] == "Midden-Limburg" and "JZ43" not in decree["jeugdregio"]
    r = client.get("/api/scenarios/huidig/editor-context?division=nope")
    assert r.status_code == 404 and "nope" in r.json()["detail"]


def test_context_follows_a_postcode_moved_by_the_scenario(client: TestClient) -> None:
    doc = {
        "name": "pc-moved",
        "description": "Hoek van Holland to PO2806",
        "edits": [{"op": "move_postcode", "division": "swv_po", "pc4": "3151", "to": "PO2806"}],
    }
    assert client.post("/api/scenarios", json=doc).status_code == 201
    out = client.get("/api/scenarios/pc-moved/editor-context?division=swv_po").json()
    rows = {pc4: region for pc4, _, _, region in out["postcodes"]}
    assert rows["3151"] == "PO2806"


def test_evaluate_gives_the_jeugdregio_pieces_of_every_region(client: TestClient, dataset) -> None:
    body = {"division": "swv_po", "against": "jeugdregio", "weight": "pupils_po"}
    out = client.post(
        "/api/scenarios/huidig/evaluate", json={**body, "edits": [ROERMOND_TO_PO3101]}
    ).json()
    # independently: the pupil-weighted membership (Roermond moved by hand) per jeugdregio
    m = dataset.division("swv_po").for_weight("pupils_po").membership.copy()
    m.loc[m["unit"] == "GM0957", "region"] = "PO3101"
    m = m.groupby(["unit", "region"], as_index=False)["share"].sum()
    m = m[m["region"] != "GEEN"]
    jz = largest(dataset.division("jeugdregio").membership)
    w = dataset.weight("pupils_po")
    m["weight"] = m["share"] * m["unit"].map(w).to_numpy()
    m["jeugdregio"] = m["unit"].map(jz)
    table = m.groupby(["region", "jeugdregio"])["weight"].sum()
    for region in ("PO3101", "PO3102", "PO3008"):
        got = dict(out["pieces"][region])
        want = {j: v for j, v in table.loc[region].items() if v > 0}
        assert got.keys() == want.keys()
        assert all(got[j] == pytest.approx(want[j], rel=1e-9) for j in want)
        values = [v for _, v in out["pieces"][region]]
        assert values == sorted(values, reverse=True)
    totals = {r["code"]: r["weight"] for r in out["regions"]}
    assert sum(v for _, v in out["pieces"]["PO3101"]) == pytest.approx(totals["PO3101"])
    assert "JZ42" in dict(out["pieces"]["PO3101"])  # Roermond brought Midden-Limburg Oost
