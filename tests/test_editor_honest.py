"""Honest figures in the editor (issue 19): no gemeente silently dropped from the travel mean,
no inf/NaN in a text, claims that belong to their own scenario."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from geo.checks.locations import SPECIAL_TYPES
from geo.scenarios import apply_scenario, load_scenario


@pytest.fixture(scope="module")
def client(dataset, tmp_path_factory: pytest.TempPathFactory, sign_in) -> TestClient:
    app = create_app(dataset, tmp_path_factory.mktemp("honest-state"))
    return sign_in(TestClient(app), "honest-admin", admin=True)


def _code(dataset, name: str) -> str:
    names = dataset.units["name"].astype(str)
    return str(names.index[names == name][0])


def test_a_gemeente_without_a_location_is_counted_not_dropped(client, dataset) -> None:
    cranendonck = _code(dataset, "Cranendonck")
    schools = dataset.special_schools
    own = schools[(schools["unit"] == cranendonck) & schools["type"].isin(SPECIAL_TYPES["po"])]
    assert own.empty  # so a region of Cranendonck alone has no PO location (checked here)
    edit = {"op": "move", "division": "swv_po", "unit": cranendonck, "to": "NIEUW1", "name": "X"}
    out = client.post(
        "/api/scenarios/huidig/evaluate",
        json={
            "division": "swv_po",
            "against": "jeugdregio",
            "weight": "pupils_po",
            "edits": [edit],
        },
    ).json()
    po = out["travel"]["po"]
    assert po["without_location_before"] == 0
    assert po["without_location_after"] == 1
    assert po["model"] == "hemelsbreed over land, via vaste oeververbindingen"
    changed = {r["code"]: r for r in out["travel"]["changed"]}
    assert changed[cranendonck]["po_after_km"] is None  # no location: no number, never inf
    p2 = next(c for c in out["checks"] if c["name"] == "P2")
    assert not p2["passed"]
    text = json.dumps(out["checks"]).lower()
    assert "inf" not in text.replace("info", "") and "nan" not in text
    assert "without a location" in p2["detail"]


def test_save_as_does_not_inherit_the_base_claims(client, dataset) -> None:
    base = client.get("/api/scenarios/swv_binnen_jeugdregio").json()
    assert base["document"]["principles"] == [3]
    po = apply_scenario(load_scenario("swv_binnen_jeugdregio"), dataset)["swv_po"].assignment()
    other = str(po[po != po["GM0772"]].iloc[0])
    move = {"op": "move", "division": "swv_po", "unit": "GM0772", "to": other}
    r = client.post(
        "/api/scenarios/swv_binnen_jeugdregio/save-as",
        json={"name": "no-claims", "base_revision": base["revision"], "edits": [move]},
    )
    assert r.status_code == 201, r.text
    doc = client.get("/api/scenarios/no-claims").json()["document"]
    assert doc["principles"] == [] and doc["base"] == "swv_binnen_jeugdregio"
    v = client.get("/api/scenarios/no-claims/verdict").json()
    assert v["principles_claimed"] == [] and v["warnings"] == []
    # a claim made by the new scenario itself is stored and judged, with its source named
    r = client.post(
        "/api/scenarios/swv_binnen_jeugdregio/save-as",
        json={
            "name": "claims-1",
            "base_revision": base["revision"],
            "edits": [move],
            "principles": [1],
        },
    )
    assert r.status_code == 201, r.text
    v = client.get("/api/scenarios/claims-1/verdict").json()
    assert v["principles_claimed"] == [1]
    assert "claims-1: principles (its own document" in v["principles_source"]
    # the version a planner sees on every page (1, 2, 3 per scenario), not the store's revision
    version = client.get("/api/scenarios/claims-1").json()["version"]
    assert f"its own document, version {version};" in v["principles_source"]


def test_p1_is_shown_once_and_compactly_while_one_level_is_edited(client, dataset) -> None:
    edit = {"op": "move", "division": "swv_po", "unit": "GM0772", "to": "PO3008"}
    out = client.post(
        "/api/scenarios/huidig/evaluate",
        json={
            "division": "swv_po",
            "against": "jeugdregio",
            "weight": "pupils_po",
            "edits": [edit],
        },
    ).json()
    p1 = [c for c in out["checks"] if c["name"] == "P1"]
    assert len(p1) == 1 and not p1[0]["passed"]
    assert p1[0]["offenders"] == [] and p1[0]["problems"] == []
    # counted, with what would make it pass; the count is today's SWVs whose areas differ
    po, vo = dataset.division("swv_po"), dataset.division("swv_vo")
    assert f"{po.n_regions} PO and {vo.n_regions} VO SWVs" in p1[0]["detail"]
    assert "To pass: one division for PO and VO" in p1[0]["detail"]
    # the verdict itself (scripts, the report) still lists every offender
    v = client.get("/api/scenarios/huidig/verdict").json()
    full = next(c for c in v["checks"] if c["name"] == "P1")
    assert len(full["offenders"]) > 100
