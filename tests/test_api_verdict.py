"""``GET /api/scenarios/{id}/verdict`` and ``/report``: the checks of geo.checks over HTTP."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from fixtures.accounts import sign_in
from fixtures.verdict_cases import CASES, grid_dataset

BOUNDS = {"min_pupils": 400, "max_pupils": 3000}


def document(case: str, principles: list[int]) -> dict:
    _, layout, _ = CASES[case]
    assignment = {
        f"GM{r:02d}{c:02d}": ch for r, row in enumerate(layout) for c, ch in enumerate(row)
    }
    return {
        "name": case.replace("_", "-"),
        "description": f"verdict case {case}",
        "principles": principles,
        "edits": [{"op": "assign", "division": "swv", "assignment": assignment}],
    }


@pytest.fixture
def client(tmp_path: Path) -> TestClient:
    client = sign_in(
        TestClient(create_app(grid_dataset("dense"), tmp_path / "state", library_dir=None))
    )
    for case in ("valid", "two_jeugdregio"):
        assert client.post("/api/scenarios", json=document(case, [1, 3])).status_code == 201
    return client


def test_verdict_of_a_valid_scenario(client: TestClient) -> None:
    r = client.get("/api/scenarios/valid/verdict", params=BOUNDS)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["passed"] is True and body["divisions"] == ["swv"]
    assert [c["name"] for c in body["checks"]] == [
        "P1",
        "P2",
        "P3",
        "size",
        "contiguity",
        "disruption",
        "uniform",
    ]
    assert body["warnings"] == [] and body["principles_claimed"] == [1, 3]


def test_verdict_of_a_failing_scenario_names_the_offender_and_warns(client: TestClient) -> None:
    body = client.get("/api/scenarios/two-jeugdregio/verdict", params=BOUNDS).json()
    assert body["passed"] is False
    p3 = next(c for c in body["checks"] if c["name"] == "P3")
    assert p3["passed"] is False and p3["offenders"][0]["code"] == "X"
    assert [p["jeugdregio"] for p in p3["offenders"][0]["pieces"]] == ["JA", "JB"]
    assert len(body["warnings"]) == 1 and "principle 3" in body["warnings"][0]
    # against the scenario's own swv division as 'jeugdregio' everything nests
    other = client.get(
        "/api/scenarios/two-jeugdregio/verdict", params={**BOUNDS, "jeugdregio": "swv"}
    ).json()
    assert other["jeugdregio"]["regions"] == 2
    assert next(c for c in other["checks"] if c["name"] == "P3")["passed"] is True


@pytest.mark.parametrize(
    ("path", "params", "status", "message"),
    [
        ("/api/scenarios/nope/verdict", {}, 404, "nope"),
        ("/api/scenarios/valid/verdict", {"jeugdregio": "jz-nope"}, 404, "jz-nope"),
        ("/api/scenarios/valid/verdict", {"min_pupils": 9, "max_pupils": 1}, 422, "cannot be met"),
        ("/api/scenarios/valid/verdict", {"weight": "nope"}, 422, "unknown weight 'nope'"),
        ("/api/scenarios/valid/verdict", {"tolerance": 2}, 422, "tolerance"),
        ("/api/scenarios/nope/report", {}, 404, "nope"),
    ],
)
def test_bad_input_is_a_clear_error(client, path, params, status, message) -> None:
    r = client.get(path, params=params)
    assert r.status_code == status, r.text
    assert message in r.json()["detail"]


def test_scenario_without_swv_division_is_422(tmp_path: Path) -> None:
    ds = grid_dataset("dense")
    del ds.divisions["swv_po"], ds.divisions["swv_vo"]
    client = sign_in(TestClient(create_app(ds, tmp_path / "state", library_dir=None)))
    doc = {"name": "leeg", "description": "no SWVs", "principles": [], "edits": []}
    assert client.post("/api/scenarios", json=doc).status_code == 201
    r = client.get("/api/scenarios/leeg/verdict")
    assert r.status_code == 422
    assert "has no SWV division" in r.json()["detail"]


def test_report_is_self_contained_html(client: TestClient) -> None:
    r = client.get("/api/scenarios/two-jeugdregio/report")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")
    assert "content-security-policy" in r.headers  # api.safety.security's policy for HTML pages
    assert "content=\"default-src 'none'; img-src data:" in r.text  # and the report's own
    assert 'class="swv-map"' in r.text and "data:image/png;base64," in r.text
    assert 'src="http' not in r.text and 'href="http' not in r.text


def test_routes_are_in_openapi(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    verdict = paths["/api/scenarios/{scenario_id}/verdict"]["get"]
    assert verdict["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/VerdictOut"
    }
    assert (
        "text/html"
        in paths["/api/scenarios/{scenario_id}/report"]["get"]["responses"]["200"]["content"]
    )


@pytest.mark.integration
def test_real_huidig_against_jeugdregio_41(dataset, tmp_path: Path) -> None:
    client = TestClient(create_app(dataset, tmp_path / "state"))
    body = client.get("/api/scenarios/huidig/verdict").json()
    p3 = next(c for c in body["checks"] if c["name"] == "P3")
    assert len([o for o in p3["offenders"] if o["division"] == "swv_po"]) == 26
    body41 = client.get(
        "/api/scenarios/huidig/verdict", params={"jeugdregio": "jeugdregio_41"}
    ).json()
    assert body41["jeugdregio"] == {
        "source": "jeugdregio_41: jeugdregio",
        "division": "jeugdregio",
        "regions": 41,
    }
